//! The watch over what falls due, run by the scheduler: it raises an alert when a deadline nears (or has
//! passed) with the thing not done, and ends that alert when it is done. It reads the projections, so it
//! sees every server's changes; raising is keyed, so two servers watching raise each alert once.
//!
//! - A follow-up report (续报) on an incident of grade Ⅲ or higher, or sensitive, is due a set time after
//!   the last report until the final report: the responsible unit's officers on duty are reminded before.
//! - An instruction's feedback is due within working days: each recipient is reminded before it falls due,
//!   and alerted again once it is overdue.
//! - A holiday's roster is filed a set number of working days before the holiday: every unit that has not
//!   filed one covering the holiday is reminded from a few days before the deadline until it files.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use zhiban_model::DocumentId;
use zhiban_model::rules::escalation::ChainFor;
use zhiban_model::rules::reminders::{Holiday, holidays_between, roster_filing_deadline, roster_filing_reminder};
use zhiban_model::rules::{office_time_zone, start_of_day};

use super::{AlertError, AlertRecipient, NewAlert, raise, resolve};
use crate::office::Office;
use crate::on_database;

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
    for (what, outcome) in [("follow-up reports", follow_ups), ("feedback", feedback), ("roster filing", filing)] {
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "cannot watch {what}; trying again");
        }
    }
    Ok(watched)
}

async fn open_alerts(office: &Office, kind: &str) -> Result<Vec<(String, Option<String>)>, AlertError> {
    Ok(on_database!(&office.database, pool => {
        sqlx::query_as("SELECT alert_key, document_id FROM alerts WHERE kind = $1 AND resolved_at IS NULL")
            .bind(kind).fetch_all(pool).await?
    }))
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

type IncidentDue = (String, String, i64, i64, i64, String);

async fn follow_up_reports(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let reminders = &office.rules.reminders;
    // Incidents still owing reports: serious or sensitive, no final report, not archived.
    let open: Vec<IncidentDue> = on_database!(&office.database, pool => {
        sqlx::query_as(
            "SELECT document_id, unit_id, COALESCE(last_report_at, received_at), report_count, has_final_report, stage \
             FROM incidents WHERE (effective_grade IN ('I', 'II', 'III') OR sensitive = 1)",
        )
        .fetch_all(pool).await?
    });
    for (id, unit, last_report_at, report_count, has_final, stage) in &open {
        if *has_final != 0 || stage == "archived" {
            continue;
        }
        let due = last_report_at + reminders.follow_up_every.num_milliseconds();
        if now < due - reminders.report_due_before.num_milliseconds() {
            continue;
        }
        let alert = NewAlert {
            key: format!("follow_up:{id}:{report_count}"),
            kind: "report_due",
            document: document(id),
            title_class: if now < due { "续报时限将至" } else { "续报已超时" }.into(),
            urgency: "high",
            recipients: vec![AlertRecipient::unit(unit, ChainFor::ReportDue)],
        };
        raise_into(office, alert, now, watched).await?;
    }
    // A reminder ends when a report came after it (the count moved on), the final report, or the archive.
    for (key, _) in open_alerts(office, "report_due").await? {
        let Some((id, count)) = key.strip_prefix("follow_up:").and_then(|k| k.rsplit_once(':')) else { continue };
        let still_owed = open.iter().any(|(d, _, _, reports, final_, stage)| {
            d == id && reports.to_string() == count && *final_ == 0 && stage != "archived"
        });
        if !still_owed {
            resolve_into(office, &key, "已报送", now, watched).await?;
        }
    }
    Ok(())
}

async fn instruction_feedback(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let before = office.rules.reminders.feedback_due_before.num_milliseconds();
    let open: Vec<(String, i64)> = on_database!(&office.database, pool => {
        sqlx::query_as(
            "SELECT document_id, feedback_due_at FROM instructions WHERE fed_back_at IS NULL AND closed_at IS NULL",
        )
        .fetch_all(pool).await?
    });
    for (id, due) in &open {
        if now < due - before {
            continue;
        }
        let overdue = now >= *due;
        let recipients: Vec<(String, String)> = on_database!(&office.database, pool => {
            sqlx::query_as("SELECT recipient_id, kind FROM instruction_recipients WHERE document_id = $1 ORDER BY recipient_id")
                .bind(id).fetch_all(pool).await?
        });
        let recipients = recipients
            .iter()
            .map(|(recipient, kind)| match kind.as_str() {
                "person" => AlertRecipient::person(office, recipient),
                _ => AlertRecipient::unit(recipient, ChainFor::FeedbackDue),
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
    for (key, id) in open_alerts(office, "feedback_due").await? {
        if !open.iter().any(|(d, _)| Some(d) == id.as_ref()) {
            resolve_into(office, &key, "已反馈", now, watched).await?;
        }
    }
    Ok(())
}

fn start_of(day: NaiveDate) -> i64 {
    start_of_day(day).timestamp_millis()
}

fn filing_key(unit: &str, holiday: &Holiday) -> String {
    format!("roster_filing:{unit}:{}", holiday.first_day)
}

/// The units that have filed a roster covering `holiday`: from its first day (a roster often starts at the
/// morning handover) to its last. One query per holiday, however many units.
async fn filed_for(office: &Office, holiday: &Holiday) -> Result<HashSet<String>, AlertError> {
    let first_day_ends = start_of(holiday.first_day + Duration::days(1));
    let last_day_starts = start_of(holiday.last_day);
    let filed: Vec<String> = on_database!(&office.database, pool => {
        sqlx::query_scalar(
            "SELECT DISTINCT unit_id FROM rosters WHERE filing_status IN ('filed', 'accepted') \
             AND period_start < $1 AND period_end > $2",
        )
        .bind(first_day_ends).bind(last_day_starts)
        .fetch_all(pool).await?
    });
    Ok(filed.into_iter().collect())
}

async fn roster_filing(office: &Office, now: i64, watched: &mut Watched) -> Result<(), AlertError> {
    let zone = office_time_zone();
    let Some(today) = chrono::DateTime::from_timestamp_millis(now).map(|t| t.with_timezone(&zone).date_naive()) else {
        return Ok(());
    };
    let rules = &office.rules;
    let directory = office.directory();
    let desk = directory.desk_unit().map(str::to_owned);
    // Far enough ahead for any reminder: working days before, plus the reminder's days, plus weekends
    // and a holiday in between.
    let horizon = Duration::days(3 * (rules.reminders.roster_filing_working_days_before as i64 + 7))
        + Duration::days(rules.reminders.roster_filing_remind_days_before);
    for holiday in holidays_between(&rules.calendar, today + Duration::days(1), today + horizon) {
        let deadline = roster_filing_deadline(&rules.calendar, &holiday, &rules.reminders);
        if now < roster_filing_reminder(deadline, &rules.reminders).timestamp_millis() {
            continue;
        }
        let filed = filed_for(office, &holiday).await?;
        // The desk files with itself: it is not reminded.
        for unit in directory.units.keys().filter(|u| Some(*u) != desk.as_ref() && !filed.contains(*u)) {
            let alert = NewAlert {
                key: filing_key(unit, &holiday),
                kind: "roster_filing",
                document: None,
                title_class: format!("{}值班表待报备", holiday.festival),
                urgency: "normal",
                recipients: vec![AlertRecipient::unit(unit, ChainFor::RosterFiling)],
            };
            raise_into(office, alert, now, watched).await?;
        }
    }
    // A reminder ends when the unit files, or when the holiday begins (the filing is then late: on record).
    for (key, _) in open_alerts(office, "roster_filing").await? {
        let Some((unit, day)) = key.strip_prefix("roster_filing:").and_then(|k| k.rsplit_once(':')) else { continue };
        let Ok(first_day) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else { continue };
        if now >= start_of(first_day) {
            resolve_into(office, &key, "节日已开始，未按时报备", now, watched).await?;
            continue;
        }
        let Some(holiday) = holidays_between(&rules.calendar, first_day, first_day).into_iter().next() else {
            continue;
        };
        if filed_for(office, &holiday).await?.contains(unit) {
            resolve_into(office, &key, "已报备", now, watched).await?;
        }
    }
    Ok(())
}
