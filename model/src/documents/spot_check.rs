//! Spot checks (抽查): the desk's plan of which duty rooms it rings (or calls up on video) in the morning,
//! afternoon and evening of each day of a holiday, and what it found. One document per plan, checks keyed
//! by id, so two desk officers recording different calls on their phones both keep theirs. A recorded
//! result is never rewritten: it is the record a unit's score and the bulletin point to.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use chrono::NaiveDate;

use super::{DocumentError, Known, read_document};
use crate::refusal::Explain;

pub const KIND: &str = "spot_checks";
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum Session {
    #[autosurgeon(rename = "morning")]
    Morning,
    #[autosurgeon(rename = "afternoon")]
    Afternoon,
    #[autosurgeon(rename = "evening")]
    Evening,
}

impl Session {
    pub const ALL: [Session; 3] = [Session::Morning, Session::Afternoon, Session::Evening];

    pub fn code(self) -> &'static str {
        match self {
            Session::Morning => "morning",
            Session::Afternoon => "afternoon",
            Session::Evening => "evening",
        }
    }

    pub fn parse(code: &str) -> Option<Session> {
        Session::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Session::Morning => "上午",
            Session::Afternoon => "下午",
            Session::Evening => "晚上",
        }
    }
}

/// What the desk found when it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum Outcome {
    /// Answered properly by the officer on duty (在岗规范).
    #[autosurgeon(rename = "proper")]
    Proper,
    /// The duty phone rang long without an answer; the ring time is recorded.
    #[autosurgeon(rename = "unanswered")]
    Unanswered,
    /// Nobody at the post (空岗).
    #[autosurgeon(rename = "empty_post")]
    EmptyPost,
    /// The officer on the roster had left the post (脱岗).
    #[autosurgeon(rename = "off_post")]
    OffPost,
    /// Someone not on the roster stood in (替岗).
    #[autosurgeon(rename = "stand_in")]
    StandIn,
    /// The duty room did not report what it should have, in time (报告不及时).
    #[autosurgeon(rename = "report_not_timely")]
    ReportNotTimely,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Proper,
        Outcome::Unanswered,
        Outcome::EmptyPost,
        Outcome::OffPost,
        Outcome::StandIn,
        Outcome::ReportNotTimely,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Proper => "proper",
            Outcome::Unanswered => "unanswered",
            Outcome::EmptyPost => "empty_post",
            Outcome::OffPost => "off_post",
            Outcome::StandIn => "stand_in",
            Outcome::ReportNotTimely => "report_not_timely",
        }
    }

    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Proper => "在岗规范",
            Outcome::Unanswered => "长时间无人接听",
            Outcome::EmptyPost => "空岗",
            Outcome::OffPost => "脱岗",
            Outcome::StandIn => "替岗",
            Outcome::ReportNotTimely => "报告不及时",
        }
    }

    /// Anything but a proper answer is a finding: it goes into the bulletin and the unit's score.
    pub fn is_finding(self) -> bool {
        self != Outcome::Proper
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Method {
    #[autosurgeon(rename = "phone")]
    Phone,
    /// Video roll call (视频点名).
    #[autosurgeon(rename = "video")]
    Video,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Phone => "phone",
            Method::Video => "video",
        }
    }

    pub fn parse(code: &str) -> Option<Method> {
        [Method::Phone, Method::Video].into_iter().find(|m| m.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Method::Phone => "电话抽查",
            Method::Video => "视频点名",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct CheckResult {
    pub outcome: Outcome,
    /// How long the duty phone rang before an answer (or before the desk gave up), in seconds.
    pub ring_seconds: Option<i64>,
    pub method: Method,
    /// Who answered, as they gave their name (empty when nobody did).
    pub answered_by: String,
    pub checked_by: String,
    /// When the call was made, an instant with its offset (`2026-10-01T09:12:00+08:00`).
    pub checked_at: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct SpotCheck {
    pub unit: String,
    /// The day, `2026-10-01`.
    pub date: String,
    pub session: Session,
    pub planned_by: String,
    pub result: Option<CheckResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct SpotChecks {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    /// `2026年国庆节假期值班抽查`.
    pub title: String,
    /// The filing round the checks go with (its `automerge:` URL), if any.
    pub round: Option<String>,
    pub checks: BTreeMap<String, SpotCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotCheckProblem {
    #[error("check {check}: unit {unit:?} is not in the directory")]
    UnknownUnit { check: String, unit: String },
    #[error("check {check}: {date:?} is not a day like 2026-10-01")]
    BadDate { check: String, date: String },
    #[error("check {check}: an unanswered call needs its ring time in seconds (ring_seconds)")]
    RingTimeMissing { check: String },
    #[error("check {check}: the ring time cannot be negative")]
    NegativeRingTime { check: String },
    #[error("check {check}: {checked_at:?} is not a time like 2026-10-01T09:12:00+08:00")]
    BadCheckTime { check: String, checked_at: String },
    #[error("check {0}: its result is on record and cannot be changed or removed; note a correction instead")]
    ResultRewritten(String),
    #[error("check {0} has a result and cannot be taken out of the plan")]
    CheckedRemoved(String),
}

impl Explain for SpotCheckProblem {
    fn zh(&self) -> String {
        match self {
            SpotCheckProblem::UnknownUnit { check, unit } => format!("抽查 {check}：单位 {unit} 不在通讯录中"),
            SpotCheckProblem::BadDate { check, date } => format!("抽查 {check}：“{date}”不是形如 2026-10-01 的日期"),
            SpotCheckProblem::RingTimeMissing { check } => {
                format!("抽查 {check}：长时间无人接听，须记录振铃时长（秒，ring_seconds）")
            }
            SpotCheckProblem::NegativeRingTime { check } => format!("抽查 {check}：振铃时长不能为负数"),
            SpotCheckProblem::BadCheckTime { check, checked_at } => {
                format!("抽查 {check}：“{checked_at}”不是形如 2026-10-01T09:12:00+08:00 的时间")
            }
            SpotCheckProblem::ResultRewritten(check) => {
                format!("抽查 {check} 的结果已记录在案，不能更改或删除；如需更正，请另行备注")
            }
            SpotCheckProblem::CheckedRemoved(check) => format!("抽查 {check} 已有结果，不能从计划中删除"),
        }
    }

    fn part(&self) -> Option<String> {
        Some(match self {
            SpotCheckProblem::UnknownUnit { check, .. } => format!("checks/{check}/unit"),
            SpotCheckProblem::BadDate { check, .. } => format!("checks/{check}/date"),
            SpotCheckProblem::RingTimeMissing { check } | SpotCheckProblem::NegativeRingTime { check } => {
                format!("checks/{check}/result/ring_seconds")
            }
            SpotCheckProblem::BadCheckTime { check, .. } => format!("checks/{check}/result/checked_at"),
            SpotCheckProblem::ResultRewritten(check) => format!("checks/{check}/result"),
            SpotCheckProblem::CheckedRemoved(check) => format!("checks/{check}"),
        })
    }
}

impl SpotChecks {
    pub fn new(title: &str, round: Option<String>) -> Self {
        Self { kind: KIND.to_owned(), schema: SCHEMA, title: title.to_owned(), round, checks: BTreeMap::new() }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    pub fn problems(&self, known: &(impl Known + ?Sized)) -> Vec<SpotCheckProblem> {
        let mut out = Vec::new();
        for (id, check) in &self.checks {
            let check_id = || id.clone();
            if !known.has_unit(&check.unit) {
                out.push(SpotCheckProblem::UnknownUnit { check: check_id(), unit: check.unit.clone() });
            }
            if NaiveDate::parse_from_str(&check.date, "%Y-%m-%d").is_err() {
                out.push(SpotCheckProblem::BadDate { check: check_id(), date: check.date.clone() });
            }
            let Some(result) = &check.result else { continue };
            match result.ring_seconds {
                None if result.outcome == Outcome::Unanswered => {
                    out.push(SpotCheckProblem::RingTimeMissing { check: check_id() })
                }
                Some(s) if s < 0 => out.push(SpotCheckProblem::NegativeRingTime { check: check_id() }),
                _ => {}
            }
            if super::time::parse_instant("checked_at", &result.checked_at).is_err() {
                out.push(SpotCheckProblem::BadCheckTime { check: check_id(), checked_at: result.checked_at.clone() });
            }
        }
        out
    }

    pub fn forbidden_changes_since(&self, before: &SpotChecks) -> Vec<SpotCheckProblem> {
        let mut out = Vec::new();
        for (id, old) in &before.checks {
            let Some(old_result) = &old.result else { continue };
            match self.checks.get(id) {
                None => out.push(SpotCheckProblem::CheckedRemoved(id.clone())),
                Some(new) if new.result.as_ref() != Some(old_result) || new.unit != old.unit => {
                    out.push(SpotCheckProblem::ResultRewritten(id.clone()))
                }
                Some(_) => {}
            }
        }
        out
    }

    /// Checks with a result that is a finding, in id order.
    pub fn findings(&self) -> impl Iterator<Item = (&String, &SpotCheck, &CheckResult)> {
        self.checks
            .iter()
            .filter_map(|(id, c)| c.result.as_ref().filter(|r| r.outcome.is_finding()).map(|r| (id, c, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::directory::Directory;
    use crate::documents::units_directory;

    fn directory() -> Directory {
        units_directory(&[("east", None)])
    }

    fn plan() -> SpotChecks {
        let mut plan = SpotChecks::new("2026年国庆节假期值班抽查", None);
        plan.checks.insert(
            "c1".into(),
            SpotCheck {
                unit: "east".into(),
                date: "2026-10-01".into(),
                session: Session::Morning,
                planned_by: "desk-1".into(),
                result: None,
            },
        );
        plan
    }

    fn result(outcome: Outcome, ring_seconds: Option<i64>) -> CheckResult {
        CheckResult {
            outcome,
            ring_seconds,
            method: Method::Phone,
            answered_by: String::new(),
            checked_by: "desk-1".into(),
            checked_at: "2026-10-01T09:12:00+08:00".into(),
            note: String::new(),
        }
    }

    #[test]
    fn an_unanswered_call_needs_its_ring_time() {
        let mut p = plan();
        assert!(p.problems(&directory()).is_empty());
        p.checks.get_mut("c1").expect("c1").result = Some(result(Outcome::Unanswered, None));
        assert_eq!(p.problems(&directory()), vec![SpotCheckProblem::RingTimeMissing { check: "c1".into() }]);
        p.checks.get_mut("c1").expect("c1").result = Some(result(Outcome::Unanswered, Some(45)));
        assert!(p.problems(&directory()).is_empty());
        assert_eq!(p.findings().count(), 1);
    }

    #[test]
    fn a_recorded_result_stays_on_record() {
        let before = plan();
        let mut recorded = before.clone();
        recorded.checks.get_mut("c1").expect("c1").result = Some(result(Outcome::EmptyPost, None));
        assert!(recorded.forbidden_changes_since(&before).is_empty());
        let mut softened = recorded.clone();
        softened.checks.get_mut("c1").expect("c1").result = Some(result(Outcome::Proper, None));
        assert_eq!(softened.forbidden_changes_since(&recorded), vec![SpotCheckProblem::ResultRewritten("c1".into())]);
        let mut removed = recorded.clone();
        removed.checks.clear();
        assert_eq!(removed.forbidden_changes_since(&recorded), vec![SpotCheckProblem::CheckedRemoved("c1".into())]);
        let mut unplanned = before.clone();
        unplanned.checks.clear();
        assert!(unplanned.forbidden_changes_since(&before).is_empty(), "a check not yet made may be dropped");
    }
}
