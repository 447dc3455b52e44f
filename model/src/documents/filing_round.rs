//! A filing round (报备): the desk asks a set of units to file their rosters for a holiday or a special
//! protection period (特护期) by a deadline. The round holds only what the desk decided; where each unit
//! stands is read from the units' roster documents (`rules::filing`), so a roster filed offline counts the
//! moment it reaches the server, and nothing has to be kept in step by hand.

use autosurgeon::{Hydrate, Reconcile};
use chrono::NaiveDateTime;

use super::roster::{format_time, parse_local};
use super::{DocumentError, Known, Named, read_document};
use crate::refusal::Explain;

pub const KIND: &str = "filing_round";
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Occasion {
    /// A statutory holiday (节假日).
    #[autosurgeon(rename = "holiday")]
    Holiday,
    /// A special protection period (特护期): a congress, the flood season, a major meeting.
    #[autosurgeon(rename = "special_period")]
    SpecialPeriod,
}

impl Occasion {
    pub fn code(self) -> &'static str {
        match self {
            Occasion::Holiday => "holiday",
            Occasion::SpecialPeriod => "special_period",
        }
    }

    pub fn parse(code: &str) -> Option<Occasion> {
        [Occasion::Holiday, Occasion::SpecialPeriod].into_iter().find(|o| o.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Occasion::Holiday => "节假日",
            Occasion::SpecialPeriod => "特护期",
        }
    }
}

/// The desk closing a round: after this it is a record and is not edited.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct RoundClosure {
    pub by: String,
    /// Local time, `2026-10-09T09:00`.
    pub at: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct FilingRound {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    /// What the units see, `2026年国庆节假期值班表报备`.
    pub title: String,
    pub occasion: Occasion,
    /// The period the rosters must cover, local times (Asia/Shanghai) like `2026-10-01T00:00`.
    pub period_start: String,
    pub period_end: String,
    /// Rosters filed after this are late; units that have filed none by then are missing.
    pub deadline: String,
    /// The units that must file, by id.
    pub units: Vec<String>,
    pub opened_by: String,
    pub opened_at: String,
    pub closed: Option<RoundClosure>,
}

/// The round's times, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundTerms {
    pub period_start: NaiveDateTime,
    pub period_end: NaiveDateTime,
    pub deadline: NaiveDateTime,
}

/// The terms of a round its problems name.
pub mod names {
    use super::Named;

    pub const PERIOD: Named = Named::new("the period", "值班时段", None);
    pub const DEADLINE: Named = Named::new("the deadline", "报备截止时间", Some("deadline"));
    pub const OCCASION: Named = Named::new("the occasion", "报备事由", Some("occasion"));
    pub const OPENED_BY: Named = Named::new("who opened it", "发起人和发起时间", Some("opened_by"));
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundProblem {
    #[error("{field} {value:?} is not a time like 2026-10-01T08:00")]
    BadTime { field: &'static str, value: String },
    #[error("the round needs a title")]
    NoTitle,
    #[error("the period ends ({end}) before it starts ({start})")]
    PeriodBackwards { start: String, end: String },
    #[error("the deadline ({deadline}) falls after the period starts ({start}); rosters are filed before duty begins")]
    DeadlineAfterStart { deadline: String, start: String },
    #[error("the round names no units")]
    NoUnits,
    #[error("unit {0:?} is not in the directory")]
    UnknownUnit(String),
    #[error("unit {0:?} is listed twice")]
    DuplicateUnit(String),
    #[error("the round is closed: it is a record now and is not edited")]
    EditedAfterClosing,
    #[error("{0} does not change once the round is open; close it and open another")]
    Changed(Named),
    #[error("a unit cannot be taken out of an open round ({0:?}); close the round and open another")]
    UnitRemoved(String),
}

impl Explain for RoundProblem {
    fn zh(&self) -> String {
        match self {
            RoundProblem::BadTime { field, value } => {
                format!("{field}“{value}”不是有效时间，应形如 2026-10-01T08:00")
            }
            RoundProblem::NoTitle => "报备须有标题".into(),
            RoundProblem::PeriodBackwards { start, end } => {
                format!("值班时段的结束时间（{end}）早于开始时间（{start}）")
            }
            RoundProblem::DeadlineAfterStart { deadline, start } => {
                format!("报备截止时间（{deadline}）晚于值班时段开始时间（{start}）；排班表须在值班开始前报备")
            }
            RoundProblem::NoUnits => "报备未列出任何单位".into(),
            RoundProblem::UnknownUnit(unit) => format!("单位 {unit} 不在通讯录中"),
            RoundProblem::DuplicateUnit(unit) => format!("单位 {unit} 重复列出"),
            RoundProblem::EditedAfterClosing => "本轮报备已关闭，已成为记录，不能再修改".into(),
            RoundProblem::Changed(what) => {
                format!("报备发起后{}不能更改；请关闭本轮报备，另行发起", what.zh)
            }
            RoundProblem::UnitRemoved(unit) => {
                format!("不能从进行中的报备中移除单位（{unit}）；请关闭本轮报备，另行发起")
            }
        }
    }

    fn part(&self) -> Option<String> {
        match self {
            RoundProblem::BadTime { field, .. } => Some((*field).into()),
            RoundProblem::NoTitle => Some("title".into()),
            RoundProblem::PeriodBackwards { .. } => Some("period_end".into()),
            RoundProblem::DeadlineAfterStart { .. } => Some("deadline".into()),
            RoundProblem::NoUnits
            | RoundProblem::UnknownUnit(_)
            | RoundProblem::DuplicateUnit(_)
            | RoundProblem::UnitRemoved(_) => Some("units".into()),
            RoundProblem::Changed(what) => what.part.map(Into::into),
            RoundProblem::EditedAfterClosing => None,
        }
    }
}

impl FilingRound {
    pub fn new(
        title: &str,
        occasion: Occasion,
        period: (NaiveDateTime, NaiveDateTime),
        deadline: NaiveDateTime,
        units: Vec<String>,
        opened_by: &str,
        opened_at: NaiveDateTime,
    ) -> Self {
        Self {
            kind: KIND.to_owned(),
            schema: SCHEMA,
            title: title.to_owned(),
            occasion,
            period_start: format_time(period.0),
            period_end: format_time(period.1),
            deadline: format_time(deadline),
            units,
            opened_by: opened_by.to_owned(),
            opened_at: format_time(opened_at),
            closed: None,
        }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    pub fn terms(&self) -> Result<RoundTerms, RoundProblem> {
        let read = |field: &'static str, value: &str| {
            parse_local(field, value).map_err(|_| RoundProblem::BadTime { field, value: value.to_owned() })
        };
        Ok(RoundTerms {
            period_start: read("period_start", &self.period_start)?,
            period_end: read("period_end", &self.period_end)?,
            deadline: read("deadline", &self.deadline)?,
        })
    }

    pub fn close(&mut self, by: &str, at: NaiveDateTime, note: &str) {
        if self.closed.is_none() {
            self.closed = Some(RoundClosure { by: by.to_owned(), at: format_time(at), note: note.to_owned() });
        }
    }

    /// Everything about the round that does not hold together, each with what to fix.
    pub fn problems(&self, known: &(impl Known + ?Sized)) -> Vec<RoundProblem> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() {
            out.push(RoundProblem::NoTitle);
        }
        match self.terms() {
            Err(problem) => out.push(problem),
            Ok(terms) => {
                if terms.period_end <= terms.period_start {
                    out.push(RoundProblem::PeriodBackwards {
                        start: self.period_start.clone(),
                        end: self.period_end.clone(),
                    });
                }
                if terms.deadline > terms.period_start {
                    out.push(RoundProblem::DeadlineAfterStart {
                        deadline: self.deadline.clone(),
                        start: self.period_start.clone(),
                    });
                }
            }
        }
        if self.units.is_empty() {
            out.push(RoundProblem::NoUnits);
        }
        let mut seen = std::collections::BTreeSet::new();
        for unit in &self.units {
            if !seen.insert(unit) {
                out.push(RoundProblem::DuplicateUnit(unit.clone()));
            } else if !known.has_unit(unit) {
                out.push(RoundProblem::UnknownUnit(unit.clone()));
            }
        }
        out
    }

    /// Edits nobody may make: the terms of an open round stay as the units were told them (units may be
    /// added), and a closed round is not edited at all.
    pub fn forbidden_changes_since(&self, before: &FilingRound) -> Vec<RoundProblem> {
        if before.closed.is_some() {
            return if self == before { Vec::new() } else { vec![RoundProblem::EditedAfterClosing] };
        }
        let mut out = Vec::new();
        for (field, changed) in [
            (names::PERIOD, self.period_start != before.period_start || self.period_end != before.period_end),
            (names::DEADLINE, self.deadline != before.deadline),
            (names::OCCASION, self.occasion != before.occasion),
            (names::OPENED_BY, self.opened_by != before.opened_by || self.opened_at != before.opened_at),
        ] {
            if changed {
                out.push(RoundProblem::Changed(field));
            }
        }
        for unit in &before.units {
            if !self.units.contains(unit) {
                out.push(RoundProblem::UnitRemoved(unit.clone()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::directory::Directory;
    use crate::documents::units_directory;

    fn t(text: &str) -> NaiveDateTime {
        parse_local("t", text).expect("time")
    }

    fn directory() -> Directory {
        units_directory(&[("city", None), ("east", None), ("water", None)])
    }

    fn national_day() -> FilingRound {
        FilingRound::new(
            "2026年国庆节假期值班表报备",
            Occasion::Holiday,
            (t("2026-10-01T00:00"), t("2026-10-08T08:00")),
            t("2026-09-28T23:59"),
            vec!["east".into(), "water".into()],
            "desk-1",
            t("2026-09-20T09:00"),
        )
    }

    #[test]
    fn a_round_names_its_problems() {
        assert!(national_day().problems(&directory()).is_empty());
        let mut bad = national_day();
        bad.deadline = "2026-10-02T00:00".into();
        bad.units.push("east".into());
        bad.units.push("nowhere".into());
        bad.title = " ".into();
        let problems: Vec<String> = bad.problems(&directory()).iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            vec![
                "the round needs a title",
                "the deadline (2026-10-02T00:00) falls after the period starts (2026-10-01T00:00); rosters are filed before duty begins",
                "unit \"east\" is listed twice",
                "unit \"nowhere\" is not in the directory",
            ]
        );
    }

    #[test]
    fn an_open_round_keeps_its_terms_and_a_closed_one_is_a_record() {
        let before = national_day();
        let mut added = before.clone();
        added.units.push("city".into());
        assert!(added.forbidden_changes_since(&before).is_empty(), "units may be added");
        let mut moved = before.clone();
        moved.deadline = "2026-09-29T23:59".into();
        moved.units.retain(|u| u != "water");
        assert_eq!(
            moved.forbidden_changes_since(&before),
            vec![RoundProblem::Changed(names::DEADLINE), RoundProblem::UnitRemoved("water".into())]
        );
        let mut closed = before.clone();
        closed.close("desk-1", t("2026-10-09T09:00"), "");
        assert!(closed.forbidden_changes_since(&before).is_empty(), "closing is allowed");
        let mut edited = closed.clone();
        edited.title = "x".into();
        assert_eq!(edited.forbidden_changes_since(&closed), vec![RoundProblem::EditedAfterClosing]);
    }
}
