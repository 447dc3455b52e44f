//! A unit's duty log (值班日志) for a month: calls and visits from the public, faxes received, meeting
//! notices relayed, shift handovers, and zero reports (零报告: the unit's explicit "nothing to report today").
//! Entries are keyed by id and never rewritten, so officers on two phones both keep what they logged and
//! the log stays a record; a correction is a new entry. Two logs for the same unit and month (made on two
//! phones offline) are both read: every report counts entries, not documents.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use chrono::NaiveDate;

use super::{DocumentError, Known, read_document};
use crate::DocumentId;
use crate::refusal::Explain;

pub const KIND: &str = "duty_log";
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum LogKind {
    /// 来电: a call from the public or another office.
    #[autosurgeon(rename = "call")]
    Call,
    /// 来访: a visit in person.
    #[autosurgeon(rename = "visit")]
    Visit,
    /// 传真: a fax received.
    #[autosurgeon(rename = "fax")]
    Fax,
    /// 通知: a meeting notice relayed to units; their acknowledgements are an instruction document's.
    #[autosurgeon(rename = "notice")]
    Notice,
    /// 交接班: the handover note passed to the next shift.
    #[autosurgeon(rename = "handover")]
    Handover,
    /// 零报告: the unit confirms it has nothing to report for a day.
    #[autosurgeon(rename = "zero_report")]
    ZeroReport,
}

impl LogKind {
    pub const ALL: [LogKind; 6] =
        [LogKind::Call, LogKind::Visit, LogKind::Fax, LogKind::Notice, LogKind::Handover, LogKind::ZeroReport];

    pub fn code(self) -> &'static str {
        match self {
            LogKind::Call => "call",
            LogKind::Visit => "visit",
            LogKind::Fax => "fax",
            LogKind::Notice => "notice",
            LogKind::Handover => "handover",
            LogKind::ZeroReport => "zero_report",
        }
    }

    pub fn parse(code: &str) -> Option<LogKind> {
        LogKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LogKind::Call => "来电",
            LogKind::Visit => "来访",
            LogKind::Fax => "传真",
            LogKind::Notice => "通知转达",
            LogKind::Handover => "交接班",
            LogKind::ZeroReport => "零报告",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct LogEntry {
    pub kind: LogKind,
    /// When, an instant with its offset (`2026-10-01T09:12:00+08:00`).
    pub at: String,
    /// The officer who logged it.
    pub by: String,
    /// Who called, visited or sent it (for a notice: who issued it; for a handover: who took over).
    pub counterpart: String,
    pub summary: String,
    /// What was done about it.
    pub handling: String,
    /// A notice: the instruction document (`automerge:` URL) it was relayed as, whose recipients sign for it.
    pub instruction: Option<String>,
    /// A zero report: the day it covers, `2026-10-01`.
    pub for_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DutyLog {
    #[autosurgeon(rename = "type")]
    pub kind: String,
    pub schema: i64,
    pub unit: String,
    /// The month it covers, `2026-10`.
    pub month: String,
    pub entries: BTreeMap<String, LogEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogProblem {
    #[error("unit {0:?} is not in the directory")]
    UnknownUnit(String),
    #[error("month {0:?} is not a month like 2026-10")]
    BadMonth(String),
    #[error("entry {entry}: {at:?} is not a time like 2026-10-01T09:12:00+08:00")]
    BadTime { entry: String, at: String },
    #[error("entry {0}: a zero report names the day it covers (for_date, like 2026-10-01)")]
    ZeroReportWithoutDay(String),
    #[error("entry {entry}: {value:?} is not an automerge: URL of the instruction the notice was relayed as")]
    BadInstruction { entry: String, value: String },
    #[error("entry {0}: a logged entry is a record and is not changed or removed; log a correction instead")]
    Rewritten(String),
}

impl Explain for LogProblem {
    fn zh(&self) -> String {
        match self {
            LogProblem::UnknownUnit(unit) => format!("单位 {unit} 不在通讯录中"),
            LogProblem::BadMonth(month) => format!("“{month}”不是形如 2026-10 的月份"),
            LogProblem::BadTime { entry, at } => {
                format!("日志 {entry}：“{at}”不是形如 2026-10-01T09:12:00+08:00 的时间")
            }
            LogProblem::ZeroReportWithoutDay(entry) => {
                format!("日志 {entry}：零报告须注明所报日期（for_date，形如 2026-10-01）")
            }
            LogProblem::BadInstruction { entry, value } => {
                format!("日志 {entry}：“{value}”不是该通知所转达的批示文档的 automerge: 地址")
            }
            LogProblem::Rewritten(entry) => {
                format!("日志 {entry} 已记录在案，不能更改或删除；如需更正，请另记一条")
            }
        }
    }

    fn part(&self) -> Option<String> {
        Some(match self {
            LogProblem::UnknownUnit(_) => "unit".into(),
            LogProblem::BadMonth(_) => "month".into(),
            LogProblem::BadTime { entry, .. } => format!("entries/{entry}/at"),
            LogProblem::ZeroReportWithoutDay(entry) => format!("entries/{entry}/for_date"),
            LogProblem::BadInstruction { entry, .. } => format!("entries/{entry}/instruction"),
            LogProblem::Rewritten(entry) => format!("entries/{entry}"),
        })
    }
}

impl DutyLog {
    pub fn new(unit: &str, month: &str) -> Self {
        Self {
            kind: KIND.to_owned(),
            schema: SCHEMA,
            unit: unit.to_owned(),
            month: month.to_owned(),
            entries: BTreeMap::new(),
        }
    }

    pub fn read<R: autosurgeon::ReadDoc + automerge::ReadDoc>(doc: &R) -> Result<Self, DocumentError> {
        read_document(doc, KIND, SCHEMA)
    }

    pub fn problems(&self, known: &(impl Known + ?Sized)) -> Vec<LogProblem> {
        let mut out = Vec::new();
        if !known.has_unit(&self.unit) {
            out.push(LogProblem::UnknownUnit(self.unit.clone()));
        }
        if NaiveDate::parse_from_str(&format!("{}-01", self.month), "%Y-%m-%d").is_err() {
            out.push(LogProblem::BadMonth(self.month.clone()));
        }
        for (id, entry) in &self.entries {
            if super::time::parse_instant("at", &entry.at).is_err() {
                out.push(LogProblem::BadTime { entry: id.clone(), at: entry.at.clone() });
            }
            if entry.kind == LogKind::ZeroReport
                && entry.for_date.as_deref().is_none_or(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err())
            {
                out.push(LogProblem::ZeroReportWithoutDay(id.clone()));
            }
            if let Some(url) = &entry.instruction
                && DocumentId::parse_url_or_id(url).is_err()
            {
                out.push(LogProblem::BadInstruction { entry: id.clone(), value: url.clone() });
            }
        }
        out
    }

    pub fn forbidden_changes_since(&self, before: &DutyLog) -> Vec<LogProblem> {
        before
            .entries
            .iter()
            .filter(|(id, entry)| self.entries.get(*id) != Some(entry))
            .map(|(id, _)| LogProblem::Rewritten(id.clone()))
            .collect()
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

    fn entry(kind: LogKind) -> LogEntry {
        LogEntry {
            kind,
            at: "2026-10-01T20:00:00+08:00".into(),
            by: "east-officer-1".into(),
            counterpart: String::new(),
            summary: "无突发事件".into(),
            handling: String::new(),
            instruction: None,
            for_date: None,
        }
    }

    #[test]
    fn a_zero_report_names_its_day_and_entries_stay_on_record() {
        let mut log = DutyLog::new("east", "2026-10");
        log.entries.insert("e1".into(), entry(LogKind::ZeroReport));
        assert_eq!(log.problems(&directory()), vec![LogProblem::ZeroReportWithoutDay("e1".into())]);
        log.entries.get_mut("e1").expect("e1").for_date = Some("2026-10-01".into());
        assert!(log.problems(&directory()).is_empty());

        let mut edited = log.clone();
        edited.entries.get_mut("e1").expect("e1").summary = "有事件".into();
        assert_eq!(edited.forbidden_changes_since(&log), vec![LogProblem::Rewritten("e1".into())]);
        let mut added = log.clone();
        added.entries.insert("e2".into(), entry(LogKind::Call));
        assert!(added.forbidden_changes_since(&log).is_empty());
    }

    #[test]
    fn a_notice_points_at_an_instruction_document() {
        let mut log = DutyLog::new("east", "2026-13");
        let mut notice = entry(LogKind::Notice);
        notice.instruction = Some("not a url".into());
        log.entries.insert("n1".into(), notice);
        assert_eq!(
            log.problems(&directory()),
            vec![
                LogProblem::BadMonth("2026-13".into()),
                LogProblem::BadInstruction { entry: "n1".into(), value: "not a url".into() }
            ]
        );
    }
}
