//! Field reports written as a phone writes them, for the benchmark and the load generator: a first report
//! that makes an incident, and follow-ups that each add one entry to its chain and touch nothing else.

use automerge::ReadDoc;
use automerge::transaction::Transaction;
use chrono::Duration;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::incident::{FirstReport, Incident, ReportDetails, ReportEntry, ReportKind, Reporter};
use zhiban_model::documents::time::format_instant;

use crate::duty::at;

/// Who files: a person of the directory and their unit.
#[derive(Debug, Clone)]
pub struct FieldReporter {
    pub person: String,
    pub name: String,
    pub unit: String,
}

impl FieldReporter {
    /// `li` of unit `east`, the small city's field reporter.
    pub fn li() -> Self {
        Self { person: "li".into(), name: "李四".into(), unit: "east".into() }
    }

    fn as_reporter(&self) -> Reporter {
        Reporter { person: self.person.clone(), unit: self.unit.clone(), name: self.name.clone(), ..Default::default() }
    }

    /// Incident number `k`, first reported by this person at 08:05 on 1 October 2026.
    pub fn first_report(&self, k: usize, directory: &Directory) -> anyhow::Result<Incident> {
        let report = FirstReport {
            title: format!("压测事件 {k}"),
            unit: self.unit.clone(),
            received_at: Some(at("2026-10-01T08:00:00+08:00")),
            reporter: self.as_reporter(),
            details: ReportDetails { account: "首报".into(), ..Default::default() },
            ..Default::default()
        };
        Incident::file_first_report(report, "first", at("2026-10-01T08:05:00+08:00"), directory)
            .map_err(|problems| anyhow::anyhow!("{problems:?}"))
    }

    /// Adds follow-up `n` from phone `phone` to the incident being changed, under entry id `id`.
    pub fn follow_up(&self, tx: &mut Transaction<'_>, id: &str, phone: usize, n: usize) -> anyhow::Result<()> {
        let entries = match tx.get(automerge::ROOT, "entries")? {
            Some((_, entries)) => entries,
            None => anyhow::bail!("the incident has no entries"),
        };
        let at = at("2026-10-01T09:00:00+08:00") + Duration::seconds((n * 60 + phone) as i64);
        let entry = ReportEntry {
            kind: ReportKind::FollowUp,
            submitted_at: format_instant(at),
            reporter: self.as_reporter(),
            recorded_by: None,
            details: ReportDetails { account: format!("续报 {phone}-{n}"), ..Default::default() },
            pending: Vec::new(),
        };
        autosurgeon::reconcile_prop(tx, entries, id, &entry)?;
        Ok(())
    }
}
