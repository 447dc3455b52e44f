//! The rows the desk's oversight documents project to: filing rounds, spot checks, duty log entries and
//! assessment items. Pure, like the other rows.

use chrono::NaiveDate;
use zhiban_model::DocumentId;
use zhiban_model::documents::assessment::Assessment;
use zhiban_model::documents::duty_log::DutyLog;
use zhiban_model::documents::filing_round::FilingRound;
use zhiban_model::documents::spot_check::SpotChecks;
use zhiban_model::rules::start_of_day;

use super::rows::{instant, local, millis};
use crate::db::projection::Rows;
use crate::db::projection::oversight::{AssessmentItemRow, FilingRoundRow, LogEntryRow, SpotCheckRow};

/// A document reference as the tables keep it: the bare id (`automerge:` URLs and ids both read).
fn document_ref(text: Option<&String>) -> Option<String> {
    text.and_then(|t| DocumentId::parse_url_or_id(t).ok()).map(|id| id.to_string())
}

pub fn filing_round_rows(round: &FilingRound) -> Result<Rows, String> {
    let row = FilingRoundRow {
        title: round.title.clone(),
        occasion: round.occasion.code().to_owned(),
        period_start: local("period start", &round.period_start)?,
        period_end: local("period end", &round.period_end)?,
        period_start_text: round.period_start.clone(),
        period_end_text: round.period_end.clone(),
        deadline: local("deadline", &round.deadline)?,
        deadline_text: round.deadline.clone(),
        opened_by: round.opened_by.clone(),
        opened_at_text: round.opened_at.clone(),
        closed_at: round.closed.as_ref().and_then(|c| local("closed at", &c.at).ok()),
    };
    let mut units = round.units.clone();
    units.sort();
    units.dedup();
    Ok(Rows::FilingRound { round: row, units })
}

pub fn spot_check_rows(plan: &SpotChecks) -> Result<Rows, String> {
    let checks = plan
        .checks
        .iter()
        .map(|(id, check)| {
            let day = NaiveDate::parse_from_str(&check.date, "%Y-%m-%d")
                .map_err(|_| format!("check {id}: {:?} is not a day like 2026-10-01", check.date))?;
            let result = check.result.as_ref();
            Ok(SpotCheckRow {
                check_id: id.clone(),
                plan_title: plan.title.clone(),
                round_id: document_ref(plan.round.as_ref()),
                unit_id: check.unit.clone(),
                day: check.date.clone(),
                day_start: millis(start_of_day(day)),
                session: check.session.code().to_owned(),
                planned_by: check.planned_by.clone(),
                outcome: result.map(|r| r.outcome.code().to_owned()),
                ring_seconds: result.and_then(|r| r.ring_seconds),
                method: result.map(|r| r.method.code().to_owned()),
                answered_by: result.map(|r| r.answered_by.clone()),
                checked_by: result.map(|r| r.checked_by.clone()),
                checked_at: result.map(|r| instant("checked_at", &r.checked_at)).transpose()?,
                checked_at_text: result.map(|r| r.checked_at.clone()),
                note: result.map(|r| r.note.clone()),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Rows::SpotChecks { checks })
}

pub fn duty_log_rows(log: &DutyLog) -> Result<Rows, String> {
    let entries = log
        .entries
        .iter()
        .map(|(id, e)| {
            Ok(LogEntryRow {
                entry_id: id.clone(),
                unit_id: log.unit.clone(),
                kind: e.kind.code().to_owned(),
                at: instant("at", &e.at)?,
                at_text: e.at.clone(),
                by_person: e.by.clone(),
                counterpart: e.counterpart.clone(),
                summary: e.summary.clone(),
                handling: e.handling.clone(),
                instruction_id: document_ref(e.instruction.as_ref()),
                for_date: e.for_date.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Rows::DutyLog { entries })
}

pub fn assessment_rows(record: &Assessment) -> Result<Rows, String> {
    let items = record
        .items
        .iter()
        .map(|(id, item)| {
            Ok(AssessmentItemRow {
                item_id: id.clone(),
                year: record.year,
                kind: item.kind.code().to_owned(),
                unit_id: item.unit.clone(),
                level: item.level.map(|l| l.code().to_owned()),
                publication: item.publication.clone(),
                incident_id: document_ref(item.incident.as_ref()),
                entry_id: item.entry.clone(),
                reason: item.reason.clone(),
                by_person: item.by.clone(),
                at: instant("at", &item.at)?,
                at_text: item.at.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Rows::Assessment { items })
}
