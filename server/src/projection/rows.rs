//! The rows a typed document projects to (the values `db::projection` writes): pure, so the same function
//! serves the live projection, the rebuild, and the tests that compare tables with documents.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::incident::{Incident, JudgementKind, ReportKind, grade_code};
use zhiban_model::documents::instruction::{Instruction, RecipientKind};
use zhiban_model::documents::roster::{FilingStatus, RosterDocument};
use zhiban_model::documents::time::parse_instant;
use zhiban_model::rules::deadlines::lateness;
use zhiban_model::rules::office_time_zone;
use zhiban_model::rules::roster::validate_roster;

use crate::db::projection::Rows;
use crate::db::projection::directory::{PersonRow, UnitRow};
use crate::db::projection::incidents::{AttachmentRow, IncidentRow, JudgementRow, ReportEntryRow, StepRow};
use crate::db::projection::instructions::{AcknowledgementRow, InstructionRow, RecipientRow};
use crate::db::projection::rosters::{FilingStepRow, RosterRow, ShiftRow};
use crate::office::DutyRules;

pub(super) fn millis(t: DateTime<FixedOffset>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn instant(field: &str, text: &str) -> Result<i64, String> {
    parse_instant(field, text).map(millis).map_err(|e| e.to_string())
}

pub(super) fn optional_instant(text: Option<&String>) -> Option<i64> {
    text.and_then(|t| parse_instant("", t).ok()).map(millis)
}

/// Local office time (`2026-10-01T08:00`) as unix milliseconds.
pub(super) fn local(field: &str, text: &str) -> Result<i64, String> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map_err(|_| format!("{field} {text:?} is not a time like 2026-10-01T08:00"))?;
    office_time_zone()
        .from_local_datetime(&naive)
        .single()
        .map(millis)
        .ok_or_else(|| format!("{field} {text:?} is not a local time"))
}

pub fn directory_rows(directory: &Directory) -> Rows {
    let units = directory
        .units
        .iter()
        .map(|(id, u)| UnitRow {
            unit_id: id.clone(),
            name: u.name.clone(),
            parent_id: u.parent.clone(),
            category: category_code(u.category).to_owned(),
            duty_phone: u.duty_phone.clone(),
        })
        .collect();
    let people = directory
        .people
        .iter()
        .map(|(id, p)| PersonRow {
            person_id: id.clone(),
            name: p.name.clone(),
            unit_id: p.unit.clone(),
            rank: rank_code(p.rank).to_owned(),
            phone: p.phone.clone(),
            roles: p.roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(","),
        })
        .collect();
    Rows::Directory { units, people }
}

pub fn category_code(c: zhiban_model::documents::directory::DutyCategory) -> &'static str {
    use zhiban_model::documents::directory::DutyCategory::*;
    match c {
        One => "1",
        Two => "2",
        Three => "3",
    }
}

fn rank_code(r: zhiban_model::documents::directory::Rank) -> &'static str {
    use zhiban_model::documents::directory::Rank::*;
    match r {
        Principal => "principal",
        Division => "division",
        Section => "section",
    }
}

fn report_kind(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::First => "first",
        ReportKind::FollowUp => "follow_up",
        ReportKind::Final => "final",
    }
}

pub fn incident_rows(incident: &Incident, rules: &DutyRules) -> Result<Rows, String> {
    let received = parse_instant("received_at", &incident.received_at).map_err(|e| e.to_string())?;
    let current = incident.current_details();
    let figures = incident.current_figures();
    let casualties = figures.as_ref().map(|f| f.casualties).unwrap_or_default();
    let suggested = incident.suggested_grade(&rules.thresholds);
    let effective = incident.effective_grade(&rules.thresholds);
    let confirmed = incident.confirmed_grade();
    let due = rules.deadlines.due(effective, received);
    let first_reported = incident.first_reported_at();
    let chain = incident.chain();
    let entries = chain
        .iter()
        .enumerate()
        .map(|(position, (id, label, entry))| {
            Ok(ReportEntryRow {
                entry_id: id.clone(),
                position: position as i64,
                kind: report_kind(entry.kind).to_owned(),
                label: label.to_zh(),
                submitted_at: instant("submitted_at", &entry.submitted_at)?,
                submitted_at_text: entry.submitted_at.clone(),
                reporter_person: entry.reporter.person.clone(),
                reporter_name: entry.reporter.name.clone(),
                reporter_unit: entry.reporter.unit.clone(),
                account: entry.details.account.clone(),
                details: details_json(entry),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let steps = incident
        .lifecycle
        .iter()
        .enumerate()
        .map(|(position, step)| {
            Ok(StepRow {
                position: position as i64,
                stage: step.stage.as_str().to_owned(),
                by_person: step.by.clone(),
                at: instant("step time", &step.at)?,
                at_text: step.at.clone(),
                note: step.note.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let judgements = incident
        .judgements
        .iter()
        .enumerate()
        .map(|(position, j)| {
            Ok(JudgementRow {
                position: position as i64,
                kind: judgement_code(j.kind).to_owned(),
                unit_id: j.unit.clone(),
                reason: j.reason.clone(),
                by_person: j.by.clone(),
                at: instant("judgement time", &j.at)?,
                at_text: j.at.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let attachments = incident
        .attachments
        .values()
        .map(|a| {
            Ok(AttachmentRow {
                sha256: a.sha256.clone(),
                media_type: a.media_type.clone(),
                entry_id: a.entry.clone(),
                added_by: a.added_by.clone(),
                added_at: instant("attachment time", &a.added_at)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let place = current.place.as_ref();
    let row = IncidentRow {
        title: incident.title.clone(),
        unit_id: incident.unit.clone(),
        nature: current.nature.clone(),
        place: current.place.as_ref().map(|p| p.text.clone()),
        received_at: millis(received),
        received_at_text: incident.received_at.clone(),
        occurred_at: optional_instant(current.occurred_at.as_ref()),
        sensitive: incident.sensitive,
        stage: incident.stage().as_str().to_owned(),
        suggested_grade: grade_code(suggested.grade).to_owned(),
        confirmed_grade: confirmed.map(|(_, g)| grade_code(g).to_owned()),
        grade_reason: confirmed.map(|(c, _)| c.reason.clone()),
        effective_grade: grade_code(effective.grade).to_owned(),
        dead: casualties.dead,
        injured: casualties.injured,
        serious_injuries: casualties.serious_injuries,
        missing: casualties.missing,
        trapped: casualties.trapped,
        direct_loss_cny: figures.map(|f| f.direct_loss_cny).unwrap_or(0),
        first_reported_at: first_reported.map(millis),
        verbal_due_at: due.verbal_by.map(millis),
        written_due_at: millis(due.written_by),
        late_by_seconds: first_reported.and_then(|at| lateness(due.written_by, at)).map(|d| d.num_seconds()),
        report_count: entries.len() as i64,
        has_final_report: incident.entries.values().any(|e| e.kind == ReportKind::Final),
        pending_fields: incident.still_pending().join(","),
        last_report_at: entries.iter().map(|e| e.submitted_at).max(),
        latitude: place.and_then(|p| p.latitude).map(|d| d.0),
        longitude: place.and_then(|p| p.longitude).map(|d| d.0),
    };
    Ok(Rows::Incident { incident: row, entries, steps, judgements, attachments })
}

pub fn judgement_code(kind: JudgementKind) -> &'static str {
    match kind {
        JudgementKind::Late => "late",
        JudgementKind::Omitted => "omitted",
        JudgementKind::Concealed => "concealed",
        JudgementKind::False => "false",
    }
}

/// An entry's fields as JSON, for the desk's view of the chain.
fn details_json(entry: &zhiban_model::documents::incident::ReportEntry) -> String {
    let d = &entry.details;
    let casualties = d.casualties.map(|c| {
        serde_json::json!({
            "dead": c.dead, "injured": c.injured, "serious_injuries": c.serious_injuries,
            "missing": c.missing, "trapped": c.trapped,
        })
    });
    let place =
        d.place.as_ref().map(|p| serde_json::json!({"text": p.text, "latitude": p.latitude.map(|d| d.0), "longitude": p.longitude.map(|d| d.0)}));
    serde_json::json!({
        "occurred_at": d.occurred_at, "place": place, "nature": d.nature, "scope": d.scope,
        "casualties": casualties, "direct_loss_cny": d.direct_loss_cny, "trend": d.trend,
        "leaders_on_site": d.leaders_on_site, "measures": d.measures, "requests": d.requests,
        "source": d.source, "cause": d.cause, "pending": entry.pending,
        "reporter": {"title": entry.reporter.title, "phone": entry.reporter.phone},
        "recorded_by": entry.recorded_by,
    })
    .to_string()
}

pub fn instruction_rows(instruction: &Instruction, rules: &DutyRules) -> Result<Rows, String> {
    let issued = instruction.issued_at().map_err(|e| e.to_string())?;
    let clocks = &rules.instruction_clocks;
    let feedback_by = clocks.feedback_by(issued, &rules.calendar);
    let recipients: Vec<RecipientRow> = instruction
        .recipients
        .iter()
        .map(|(id, r)| RecipientRow {
            recipient_id: id.clone(),
            kind: match r.kind {
                RecipientKind::Unit => "unit",
                RecipientKind::Person => "person",
            }
            .to_owned(),
            relayed_at: optional_instant(r.relayed_at.as_ref()),
            acknowledged: instruction.acknowledged_by_recipient(id),
        })
        .collect();
    let acknowledgements = instruction
        .acknowledgements
        .values()
        .map(|a| {
            Ok(AcknowledgementRow {
                recipient_id: a.recipient.clone(),
                person_id: a.person.clone(),
                device: a.device.clone(),
                acknowledged_at: instant("acknowledged_at", &a.acknowledged_at)?,
                acknowledged_at_text: a.acknowledged_at.clone(),
                server_received_at: optional_instant(a.server_received_at.as_ref()),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let row = InstructionRow {
        number: instruction.number.clone(),
        leader: instruction.leader.clone(),
        issued_at: millis(issued),
        issued_at_text: instruction.issued_at.clone(),
        text: instruction.text.clone(),
        incident: instruction.incident.clone(),
        status: instruction.status().as_str().to_owned(),
        relay_due_at: millis(clocks.relay_by(issued)),
        feedback_due_at: millis(feedback_by.value),
        feedback_due_provisional: feedback_by.provisional,
        recipient_count: recipients.len() as i64,
        acknowledged_count: recipients.iter().filter(|r| r.acknowledged).count() as i64,
        fed_back_at: optional_instant(instruction.feedback.as_ref().map(|f| &f.at)),
        closed_at: optional_instant(instruction.closure.as_ref().map(|c| &c.at)),
    };
    Ok(Rows::Instruction { instruction: row, recipients, acknowledgements })
}

pub fn roster_rows(roster: &RosterDocument, directory: &Directory, rules: &DutyRules) -> Result<Rows, String> {
    let problems: Vec<String> = match directory.units.get(&roster.unit) {
        None => vec![format!("单位 {} 不在通讯录中", roster.unit)],
        Some(unit) => match roster.to_rules(unit.category) {
            Ok(r) => {
                validate_roster(&r, directory, &rules.calendar, rules.office_hours).iter().map(|p| p.to_zh()).collect()
            }
            Err(e) => vec![e.to_string()],
        },
    };
    let mut shifts = Vec::new();
    for (id, s) in &roster.shifts {
        shifts.push(ShiftRow {
            shift_id: id.clone(),
            kind: "shift",
            starts_at: local("shift start", &s.start)?,
            ends_at: local("shift end", &s.end)?,
            starts_text: s.start.clone(),
            ends_text: s.end.clone(),
            main: s.main.clone(),
            deputy: s.deputy.clone(),
            leader: None,
            on_post: s.on_post,
        });
    }
    for (id, l) in &roster.leaders {
        shifts.push(ShiftRow {
            shift_id: format!("leader:{id}"),
            kind: "leader",
            starts_at: local("leader period start", &l.start)?,
            ends_at: local("leader period end", &l.end)?,
            starts_text: l.start.clone(),
            ends_text: l.end.clone(),
            main: None,
            deputy: None,
            leader: l.leader.clone(),
            on_post: true,
        });
    }
    let filing = roster
        .filing
        .iter()
        .enumerate()
        .map(|(position, step)| {
            Ok(FilingStepRow {
                position: position as i64,
                status: filing_code(step.status).to_owned(),
                by_person: step.by.clone(),
                at: local("filing step time", &step.at)?,
                at_text: step.at.clone(),
                reasons: serde_json::to_string(&step.reasons).unwrap_or_else(|_| "[]".to_owned()),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let row = RosterRow {
        unit_id: roster.unit.clone(),
        period_start: local("period start", &roster.period_start)?,
        period_end: local("period end", &roster.period_end)?,
        period_start_text: roster.period_start.clone(),
        period_end_text: roster.period_end.clone(),
        filing_status: filing_code(roster.filing_status()).to_owned(),
        problems: serde_json::to_string(&problems).unwrap_or_else(|_| "[]".to_owned()),
    };
    Ok(Rows::Roster { roster: row, shifts, filing })
}

pub fn filing_code(status: FilingStatus) -> &'static str {
    match status {
        FilingStatus::Draft => "draft",
        FilingStatus::Filed => "filed",
        FilingStatus::Accepted => "accepted",
        FilingStatus::Returned => "returned",
    }
}
