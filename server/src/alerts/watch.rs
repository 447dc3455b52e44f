//! The watch over what falls due, run by the scheduler: it raises an alert when a deadline nears (or has
//! passed) with the thing not done, and ends that alert when it is done. It reads the projections, so it
//! sees every server's changes; raising is keyed, so two servers watching raise each alert once.
//!
//! - A follow-up report (续报) on an incident of grade Ⅲ or higher, or sensitive, is due a set time after
//!   the last report until the final report: the responsible unit's officers on duty are reminded before.
//! - An instruction's feedback is due within working days: each recipient is reminded before it falls due,
//!   and alerted again once it is overdue.
//! - A filing round (a holiday, a special protection period) has a deadline: every unit of the round that
//!   has not filed a roster for its period is reminded from a few days before the deadline until it files
//!   or the period begins.
//! - An early warning of the incident analysis (a region sees far more incidents of one kind than usual)
//!   alerts the desk once per burst, and ends when the warning no longer holds.

use std::collections::HashSet;

use chrono::Duration;
use zhiban_model::DocumentId;
use zhiban_model::rules::escalation::ChainFor;

use super::{AlertError, AlertRecipient, NewAlert, raise, resolve};
use crate::db;
use crate::db::alerts::OpenAlert;
use crate::db::alerts::watched::{
    FeedbackOwed, SeriousIncident, feedback_owed, instruction_recipients, serious_incidents,
};
use crate::office::Office;
use crate::oversight::analysis;
use crate::oversight::filings;
use crate::oversight::local_time;

/// What one watch did: the keys of the alerts raised and ended (for the log), and the people the ended
/// alerts had called, whose homes' alert lists lose them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Watched {
    pub raised: Vec<String>,
    pub ended: Vec<String>,
    pub unlisted: Vec<String>,
}

/// Looks at everything that falls due, as of `now` (unix ms, the office's clock).
pub async fn watch(office: &Office, now: i64) -> Result<Watched, AlertError> {
    let mut watched = Watched::default();
    // Each on its own: one that fails (and is logged) does not keep the others from running.
    let follow_ups = follow_up_reports(office, now, &mut watched).await;
    let feedback = instruction_feedback(office, now, &mut watched).await;
    let filing = roster_filing(office, now, &mut watched).await;
    let warnings = early_warnings(office, now, &mut watched).await;
    for (what, outcome) in [
        ("follow-up reports", follow_ups),
        ("feedback", feedback),
        ("roster filing", filing),
        ("early warnings", warnings),
    ] {
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "cannot watch {what}; trying again");
        }
    }
    Ok(watched)
}

async fn open_alerts(office: &Office, kind: &str) -> Result<Vec<OpenAlert>, AlertError> {
    Ok(db::alerts::open_of_kind(&office.database, kind).await?)
}

fn document(text: &str) -> Option<DocumentId> {
    text.parse().ok()
}

async fn raise_into(office: &Office, alert: NewAlert, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let key = alert.key.clone();
    if raise(office, alert, now).await?.is_some() {
        watched.raised.push(key);
    }
    Ok(())
}

async fn resolve_into(
    office: &Office,
    key: &str,
    resolution: &str,
    now: i64,
    watched: &mut Watched,
) -> Result<(), AlertError> {
    if let Some(called) = resolve(office, key, resolution, now).await? {
        watched.ended.push(key.to_owned());
        watched.unlisted.extend(called);
    }
    Ok(())
}

async fn follow_up_reports(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let reminders = &office.rules.reminders;
    // Incidents still owing reports: serious or sensitive, no final report, not archived.
    let serious = serious_incidents(&office.database).await?;
    let owing = |i: &&SeriousIncident| !i.has_final_report && i.stage != "archived";
    for incident in serious.iter().filter(owing) {
        let due = incident.last_report_at + reminders.follow_up_every.num_milliseconds();
        if now < due - reminders.report_due_before.num_milliseconds() {
            continue;
        }
        let alert = NewAlert {
            key: format!("follow_up:{}:{}", incident.document, incident.report_count),
            kind: "report_due",
            document: document(&incident.document),
            title_class: if now < due { "续报时限将至" } else { "续报已超时" }.into(),
            urgency: "high",
            recipients: vec![AlertRecipient::unit(&incident.unit, ChainFor::ReportDue)],
        };
        raise_into(office, alert, now, watched).await?;
    }
    // A reminder ends when a report came after it (the count moved on), the final report, or the archive.
    for OpenAlert { key, .. } in open_alerts(office, "report_due").await? {
        let Some((id, count)) = key.strip_prefix("follow_up:").and_then(|k| k.rsplit_once(':')) else { continue };
        let still_owed = serious.iter().filter(owing).any(|i| i.document == id && i.report_count.to_string() == count);
        if !still_owed {
            resolve_into(office, &key, "已报送", now, watched).await?;
        }
    }
    Ok(())
}

async fn instruction_feedback(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let before = office.rules.reminders.feedback_due_before.num_milliseconds();
    let open = feedback_owed(&office.database).await?;
    for FeedbackOwed { document: id, due_at: due } in &open {
        if now < due - before {
            continue;
        }
        let overdue = now >= *due;
        let recipients = instruction_recipients(&office.database, id)
            .await?
            .iter()
            .map(|recipient| match recipient.kind.as_str() {
                "person" => AlertRecipient::person(office, &recipient.id),
                _ => AlertRecipient::unit(&recipient.id, ChainFor::FeedbackDue),
            })
            .collect();
        let near = format!("feedback:{id}:near");
        let alert = if overdue {
            // Overdue supersedes the reminder: one alert at a time per instruction.
            resolve_into(office, &near, "已逾期", now, watched).await?;
            NewAlert {
                key: format!("feedback:{id}:overdue"),
                kind: "feedback_due",
                document: document(id),
                title_class: "批示反馈已逾期".into(),
                urgency: "high",
                recipients,
            }
        } else {
            NewAlert {
                key: near,
                kind: "feedback_due",
                document: document(id),
                title_class: "批示反馈期限将至".into(),
                urgency: "normal",
                recipients,
            }
        };
        raise_into(office, alert, now, watched).await?;
    }
    for OpenAlert { key, document: id } in open_alerts(office, "feedback_due").await? {
        if !open.iter().any(|owed| Some(&owed.document) == id.as_ref()) {
            resolve_into(office, &key, "已反馈", now, watched).await?;
        }
    }
    Ok(())
}

/// `roster_filing:<round>:<unit>`.
fn filing_key(round: &str, unit: &str) -> String {
    format!("roster_filing:{round}:{unit}")
}

async fn roster_filing(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let remind_before = Duration::days(office.rules.reminders.roster_filing_remind_days_before).num_milliseconds();
    let desk = office.directory().desk_unit().map(str::to_owned);
    let local_now = local_time(now);
    // Rounds whose period has not begun and whose deadline is near (or passed): remind the units that
    // have not filed.
    let mut owing: HashSet<String> = HashSet::new();
    for round in filings::rounds_open_between(&office.database, now, now + remind_before).await? {
        let Some(status) = filings::status_of(&office.database, round, local_now).await? else { continue };
        let round = &status.round;
        // The desk files with itself: it is not reminded.
        for (unit, filing) in status.units.iter().filter(|(u, _)| Some(*u) != desk.as_ref()) {
            if filing.state.has_filed() {
                continue;
            }
            let key = filing_key(&round.document_id, unit);
            owing.insert(key.clone());
            let alert = NewAlert {
                key,
                kind: "roster_filing",
                document: document(&round.document_id),
                title_class: format!("{}：尚未报备", round.title),
                urgency: "normal",
                recipients: vec![AlertRecipient::unit(unit, ChainFor::RosterFiling)],
            };
            raise_into(office, alert, now, watched).await?;
        }
    }
    // A reminder ends when the unit files, when the period begins (the filing is then missing: on record
    // in the round), or when the desk closes the round.
    for OpenAlert { key, document: round } in open_alerts(office, "roster_filing").await? {
        if owing.contains(&key) {
            continue;
        }
        let unit = key.rsplit_once(':').map(|(_, unit)| unit).unwrap_or_default();
        let status = match round {
            Some(round) => filings::status(&office.database, &round, local_now).await?,
            None => None,
        };
        let resolution = match status {
            Some(s) if s.units.get(unit).is_some_and(|f| f.state.has_filed()) => "已报备",
            Some(s) if local_now >= s.terms.period_start => "报备期已过，未按时报备",
            Some(s) if s.round.closed_at.is_some() || !s.units.contains_key(unit) => "报备轮次已结束",
            Some(_) => continue,
            // A reminder from before filing rounds (keyed by holiday): rounds remind now.
            None => "改由报备轮次提醒",
        };
        resolve_into(office, &key, resolution, now, watched).await?;
    }
    Ok(())
}

/// `early_warning:<category>:<region>:`, the start of the keys of one category's warnings in one region.
fn early_warning_prefix(warning: &analysis::Warning) -> String {
    format!("early_warning:{}:{}:", warning.category, warning.region)
}

/// Whether `key` is an alert for the burst `prefix` names (the key's last part is an incident id).
fn is_early_warning_of(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix).is_some_and(|rest| !rest.contains(':'))
}

/// Early warnings as of `now`: the desk is alerted once per burst, keyed by the category, the region and the
/// first incident of the window when the burst was first seen; while an alert for that category and region
/// is open no other is raised, however the window slides. It ends when the warning no longer holds.
async fn early_warnings(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let report = analysis::warnings(office, now).await?;
    let open = open_alerts(office, "early_warning").await?;
    let desk = office.directory().desk_unit().map(str::to_owned);
    for warning in &report.warnings {
        let prefix = early_warning_prefix(warning);
        if open.iter().any(|alert| is_early_warning_of(&alert.key, &prefix)) {
            continue;
        }
        let (Some(desk), Some(first)) = (&desk, warning.incidents.first()) else { continue };
        let first = DocumentId::parse_url_or_id(&first.document).map(|d| d.to_string()).unwrap_or_default();
        let alert = NewAlert {
            key: format!("{prefix}{first}"),
            kind: "early_warning",
            document: None,
            // Category, region and count only: no report text in a push.
            title_class: format!(
                "预警：{} {} 近{}天{}起",
                warning.region_name, warning.category_name, report.window_days, warning.count
            ),
            urgency: "high",
            recipients: vec![AlertRecipient::unit(desk, ChainFor::EarlyWarning)],
        };
        raise_into(office, alert, now, watched).await?;
    }
    for OpenAlert { key, .. } in open {
        if !report.warnings.iter().any(|w| is_early_warning_of(&key, &early_warning_prefix(w))) {
            resolve_into(office, &key, "预警解除", now, watched).await?;
        }
    }
    Ok(())
}
