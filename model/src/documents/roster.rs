//! A unit's roster for a period: shifts with main and deputy officers, leader-on-duty periods, handover
//! notes, recorded swaps, and the filing status with the desk. Shifts and leader periods are maps keyed by
//! id, so two people editing different shifts offline both keep their edits; a swap changes the post and
//! is recorded, so the roster shows who swapped with whom, when and why.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use chrono::NaiveDateTime;

use super::directory::DutyCategory;
use super::{DocumentError, read_document};
use crate::refusal::Explain;
use crate::rules::roster as rules;

pub const KIND: &str = "roster";
pub const SCHEMA: i64 = 1;

/// Local times (Asia/Shanghai) are stored as `2026-10-01T08:00`.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

pub fn format_time(time: NaiveDateTime) -> String {
    time.format(TIME_FORMAT).to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct ShiftEntry {
    pub start: String,
    pub end: String,
    pub main: Option<String>,
    pub deputy: Option<String>,
    pub on_post: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct LeaderEntry {
    pub start: String,
    pub end: String,
    pub leader: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Post {
    #[autosurgeon(rename = "main")]
    Main,
    #[autosurgeon(rename = "deputy")]
    Deputy,
}

/// One swap of a post, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Swap {
    pub shift: String,
    pub post: Post,
    pub from: Option<String>,
    pub to: String,
    pub by: String,
    pub at: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct HandoverNote {
    pub at: String,
    pub by: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum FilingStatus {
    #[autosurgeon(rename = "draft")]
    Draft,
    #[autosurgeon(rename = "filed")]
    Filed,
    #[autosurgeon(rename = "accepted")]
    Accepted,
    #[autosurgeon(rename = "returned")]
    Returned,
}

impl FilingStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            FilingStatus::Draft => "草稿",
            FilingStatus::Filed => "已报备",
            FilingStatus::Accepted => "已接收",
            FilingStatus::Returned => "已退回",
        }
    }

    /// The step that brings a roster to this status, as a refusal says it cannot be taken.
    fn step_en(self) -> &'static str {
        match self {
            FilingStatus::Draft => "drafted",
            FilingStatus::Filed => "filed",
            FilingStatus::Accepted => "accepted",
            FilingStatus::Returned => "returned",
        }
    }

    fn step_zh(self) -> &'static str {
        match self {
            FilingStatus::Draft => "改回草稿",
            FilingStatus::Filed => "报备",
            FilingStatus::Accepted => "接收",
            FilingStatus::Returned => "退回",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct FilingStep {
    pub status: FilingStatus,
    pub by: String,
    pub at: String,
    /// Why the desk returned it (empty otherwise).
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct RosterDocument {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    pub unit: String,
    pub period_start: String,
    pub period_end: String,
    pub shifts: BTreeMap<String, ShiftEntry>,
    pub leaders: BTreeMap<String, LeaderEntry>,
    pub swaps: Vec<Swap>,
    pub handover_notes: Vec<HandoverNote>,
    pub filing: Vec<FilingStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// `field` is where the time is in the roster (`shifts/s2/end`, `period_start`).
    #[error("{field} {value:?} is not a time like 2026-10-01T08:00")]
    BadTime { field: String, value: String },
    #[error("there is no shift {0:?} in this roster")]
    NoSuchShift(String),
    /// A filing step that cannot be taken from where the roster stands.
    #[error("a roster that is {from:?} cannot be {}", to.step_en())]
    Filing { from: FilingStatus, to: FilingStatus },
    #[error("returning a roster needs at least one reason")]
    ReturnWithoutReason,
}

impl Explain for RosterError {
    fn zh(&self) -> String {
        match self {
            RosterError::BadTime { field, value } => format!("{field}“{value}”不是有效时间，应形如 2026-10-01T08:00"),
            RosterError::NoSuchShift(shift) => format!("排班表中没有班次 {shift}"),
            RosterError::Filing { from, to } => {
                format!("排班表当前为“{}”，不能{}", from.label_zh(), to.step_zh())
            }
            RosterError::ReturnWithoutReason => "退回排班表须至少写明一条理由".into(),
        }
    }

    fn part(&self) -> Option<String> {
        match self {
            RosterError::BadTime { field, .. } => Some(field.clone()),
            RosterError::Filing { .. } => Some("filing".into()),
            // What the officer asked for names no part of the roster.
            RosterError::NoSuchShift(_) | RosterError::ReturnWithoutReason => None,
        }
    }
}

/// Reads a local time as documents hold it (`2026-10-01T08:00`); the error names the field.
pub fn parse_local(field: &str, value: &str) -> Result<NaiveDateTime, RosterError> {
    NaiveDateTime::parse_from_str(value, TIME_FORMAT)
        .map_err(|_| RosterError::BadTime { field: field.to_owned(), value: value.to_owned() })
}

impl RosterDocument {
    pub fn new(unit: &str, start: NaiveDateTime, end: NaiveDateTime) -> Self {
        Self {
            kind: KIND.to_owned(),
            schema: SCHEMA,
            unit: unit.to_owned(),
            period_start: format_time(start),
            period_end: format_time(end),
            shifts: BTreeMap::new(),
            leaders: BTreeMap::new(),
            swaps: Vec::new(),
            handover_notes: Vec::new(),
            filing: Vec::new(),
        }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    /// Where filing stands: the last step, or draft.
    pub fn filing_status(&self) -> FilingStatus {
        self.filing.last().map(|s| s.status).unwrap_or(FilingStatus::Draft)
    }

    /// Puts `to` on `post` of `shift`, recording who made the swap, when and why.
    pub fn swap(
        &mut self,
        shift: &str,
        post: Post,
        to: &str,
        by: &str,
        at: NaiveDateTime,
        reason: &str,
    ) -> Result<(), RosterError> {
        let entry = self.shifts.get_mut(shift).ok_or_else(|| RosterError::NoSuchShift(shift.to_owned()))?;
        let slot = match post {
            Post::Main => &mut entry.main,
            Post::Deputy => &mut entry.deputy,
        };
        let from = slot.replace(to.to_owned());
        self.swaps.push(Swap {
            shift: shift.to_owned(),
            post,
            from,
            to: to.to_owned(),
            by: by.to_owned(),
            at: format_time(at),
            reason: reason.to_owned(),
        });
        Ok(())
    }

    /// The unit files its roster with the desk (a draft, or again after it was returned).
    pub fn file(&mut self, by: &str, at: NaiveDateTime) -> Result<(), RosterError> {
        match self.filing_status() {
            FilingStatus::Draft | FilingStatus::Returned => self.step(FilingStatus::Filed, by, at, Vec::new()),
            from => Err(RosterError::Filing { from, to: FilingStatus::Filed }),
        }
    }

    pub fn accept(&mut self, by: &str, at: NaiveDateTime) -> Result<(), RosterError> {
        match self.filing_status() {
            FilingStatus::Filed => self.step(FilingStatus::Accepted, by, at, Vec::new()),
            from => Err(RosterError::Filing { from, to: FilingStatus::Accepted }),
        }
    }

    pub fn return_with(&mut self, by: &str, at: NaiveDateTime, reasons: Vec<String>) -> Result<(), RosterError> {
        if reasons.iter().all(|r| r.trim().is_empty()) {
            return Err(RosterError::ReturnWithoutReason);
        }
        match self.filing_status() {
            FilingStatus::Filed => self.step(FilingStatus::Returned, by, at, reasons),
            from => Err(RosterError::Filing { from, to: FilingStatus::Returned }),
        }
    }

    fn step(
        &mut self,
        status: FilingStatus,
        by: &str,
        at: NaiveDateTime,
        reasons: Vec<String>,
    ) -> Result<(), RosterError> {
        self.filing.push(FilingStep { status, by: by.to_owned(), at: format_time(at), reasons });
        Ok(())
    }

    /// The roster as the validation rules see it.
    pub fn to_rules(&self, category: DutyCategory) -> Result<rules::Roster, RosterError> {
        let shifts = self
            .shifts
            .iter()
            .map(|(id, s)| {
                Ok(rules::Shift {
                    id: id.clone(),
                    start: parse_local(&format!("shifts/{id}/start"), &s.start)?,
                    end: parse_local(&format!("shifts/{id}/end"), &s.end)?,
                    main: s.main.clone(),
                    deputy: s.deputy.clone(),
                    on_post: s.on_post,
                })
            })
            .collect::<Result<Vec<_>, RosterError>>()?;
        let leaders = self
            .leaders
            .iter()
            .map(|(id, l)| {
                Ok(rules::LeaderDuty {
                    id: id.clone(),
                    start: parse_local(&format!("leaders/{id}/start"), &l.start)?,
                    end: parse_local(&format!("leaders/{id}/end"), &l.end)?,
                    leader: l.leader.clone(),
                })
            })
            .collect::<Result<Vec<_>, RosterError>>()?;
        Ok(rules::Roster {
            category,
            start: parse_local("period_start", &self.period_start)?,
            end: parse_local("period_end", &self.period_end)?,
            shifts,
            leaders,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;

    fn t(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, TIME_FORMAT).expect("time")
    }

    fn roster() -> RosterDocument {
        let mut r = RosterDocument::new("water", t("2026-09-30T08:00"), t("2026-10-02T08:00"));
        let shift = |start: &str, end: &str, main: &str, deputy: &str| ShiftEntry {
            start: start.into(),
            end: end.into(),
            main: Some(main.into()),
            deputy: Some(deputy.into()),
            on_post: true,
        };
        r.shifts.insert("s1".into(), shift("2026-09-30T08:00", "2026-10-01T08:00", "a", "b"));
        r.shifts.insert("s2".into(), shift("2026-10-01T08:00", "2026-10-02T08:00", "c", "d"));
        r.leaders.insert(
            "l1".into(),
            LeaderEntry {
                start: "2026-09-30T08:00".into(),
                end: "2026-10-02T08:00".into(),
                leader: Some("chief".into()),
            },
        );
        r
    }

    #[test]
    fn edits_of_different_shifts_on_two_phones_merge_and_swaps_are_recorded() {
        let mut a = AutoCommit::new();
        autosurgeon::reconcile(&mut a, roster()).expect("reconcile");
        let mut b = a.fork();
        let mut on_a = RosterDocument::read(&a).expect("read");
        on_a.swap("s1", Post::Deputy, "e", "a", t("2026-09-29T10:00"), "李四病假").expect("swap");
        autosurgeon::reconcile(&mut a, &on_a).expect("a");
        let mut on_b = RosterDocument::read(&b).expect("read");
        on_b.shifts.get_mut("s2").expect("s2").main = Some("f".into());
        autosurgeon::reconcile(&mut b, &on_b).expect("b");
        a.merge(&mut b).expect("merge");
        let merged = RosterDocument::read(&a).expect("read");
        assert_eq!(merged.shifts["s1"].deputy.as_deref(), Some("e"));
        assert_eq!(merged.shifts["s2"].main.as_deref(), Some("f"));
        assert_eq!(merged.swaps.len(), 1);
        assert_eq!(merged.swaps[0].from.as_deref(), Some("b"));
        assert_eq!(merged.swaps[0].reason, "李四病假");
        assert!(matches!(
            on_a.swap("s9", Post::Main, "x", "a", t("2026-09-29T10:00"), ""),
            Err(RosterError::NoSuchShift(_))
        ));
    }

    #[test]
    fn filing_moves_draft_filed_accepted_or_returned() {
        let mut r = roster();
        let at = t("2026-09-25T09:00");
        assert_eq!(r.filing_status(), FilingStatus::Draft);
        assert!(matches!(r.accept("desk", at), Err(RosterError::Filing { from: FilingStatus::Draft, .. })));
        r.file("unit", at).expect("file");
        assert!(matches!(r.return_with("desk", at, vec![" ".into()]), Err(RosterError::ReturnWithoutReason)));
        r.return_with("desk", at, vec!["10月1日缺副班".into()]).expect("return");
        assert_eq!(r.filing_status(), FilingStatus::Returned);
        r.file("unit", at).expect("file again");
        r.accept("desk", at).expect("accept");
        assert_eq!(r.filing_status(), FilingStatus::Accepted);
        assert!(r.file("unit", at).is_err(), "an accepted roster is not filed again");
        assert_eq!(r.filing.len(), 4);
        assert_eq!(r.filing[1].reasons, vec!["10月1日缺副班".to_string()]);
    }

    #[test]
    fn converts_for_validation_and_names_bad_times() {
        let r = roster();
        let rules = r.to_rules(DutyCategory::One).expect("convert");
        assert_eq!(rules.shifts.len(), 2);
        assert_eq!(rules.start, t("2026-09-30T08:00"));
        let mut broken = r.clone();
        broken.shifts.get_mut("s2").expect("s2").end = "tomorrow".into();
        assert_eq!(
            broken.to_rules(DutyCategory::One).expect_err("bad").to_string(),
            "shifts/s2/end \"tomorrow\" is not a time like 2026-10-01T08:00"
        );
    }
}
