//! Logging an entry (登记) and handing over (交班) in the desk officer's name, into the unit's log for the
//! entry's month: the one on record, or a new one when the month has none yet. Entries are records and are
//! only ever added.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDateTime, TimeZone};
use serde::Deserialize;
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::duty_log::{DutyLog, LogEntry, LogKind};
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::office_time_zone;

use super::super::edits::{Refused, add_or_create, answer, new_record_id, not_a};
use super::super::failure::Failure;
use super::super::format::office_time;
use super::super::session::Desk;
use super::{FORM_TIME, Filled, LOGGED, Problems, Wanted, keeps_own_log, month_range, month_start, render};
use crate::AppState;
use crate::db::oversight::duty_logs;
use crate::sync::EditError;
use zhiban_model::refusal::Refusal;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Sent {
    csrf: String,
    kind: String,
    at: String,
    counterpart: String,
    summary: String,
    handling: String,
    incoming: String,
    note: String,
}

impl Sent {
    fn filled(&self) -> Filled {
        Filled {
            kind: self.kind.clone(),
            at: self.at.clone(),
            counterpart: self.counterpart.trim().to_owned(),
            summary: self.summary.trim().to_owned(),
            handling: self.handling.trim().to_owned(),
            incoming: self.incoming.clone(),
            note: self.note.trim().to_owned(),
        }
    }
}

pub async fn log_entry(State(state): State<AppState>, desk: Desk, Form(sent): Form<Sent>) -> Result<Response, Failure> {
    desk.check_form(&sent.csrf)?;
    let mut filled = sent.filled();
    let mut problems = Problems::default();
    let kind = LogKind::parse(&filled.kind).filter(|k| LOGGED.contains(k)).unwrap_or(LogKind::Call);
    let at = NaiveDateTime::parse_from_str(&filled.at, FORM_TIME)
        .ok()
        .and_then(|t| office_time_zone().from_local_datetime(&t).single());
    if at.is_none() {
        problems.at = Some("请填写时间，如 2026-10-01 09:30".into());
    }
    if filled.summary.is_empty() {
        problems.summary = Some("请填写内容摘要".into());
    }
    let Some(at) = at.filter(|_| problems.summary.is_none()) else {
        return again(&state, &desk, filled, problems).await;
    };
    let entry = LogEntry {
        kind,
        at: format_instant(at),
        by: desk.principal.username.clone(),
        counterpart: filled.counterpart.clone(),
        summary: filled.summary.clone(),
        handling: filled.handling.clone(),
        instruction: None,
        for_date: None,
    };
    let month = at.format("%Y-%m").to_string();
    let outcome = add_entry(&state, &desk, &month, entry).await?;
    let back = format!("/log?month={month}");
    answer(outcome, &back, |why: Refused| {
        filled.at = at.naive_local().format(FORM_TIME).to_string();
        let problems = Problems { entry: Some(why.all()), ..Problems::default() };
        again(&state, &desk, filled, problems)
    })
    .await
}

pub async fn hand_over(State(state): State<AppState>, desk: Desk, Form(sent): Form<Sent>) -> Result<Response, Failure> {
    desk.check_form(&sent.csrf)?;
    let filled = sent.filled();
    let directory = state.hub.office().directory();
    let incoming_here = directory.people.get(&filled.incoming).is_some_and(|p| p.unit == desk.principal.unit);
    if !incoming_here || filled.incoming == desk.principal.username {
        let problems =
            Problems { incoming: Some("请选择本单位接班的值班人员".into()), ..Problems::default() };
        return again(&state, &desk, filled, problems).await;
    }
    let now = office_time(state.hub.now_millis());
    let entry = LogEntry {
        kind: LogKind::Handover,
        at: format_instant(now),
        by: desk.principal.username.clone(),
        counterpart: filled.incoming.clone(),
        summary: if filled.note.is_empty() { "无未办结事项。".to_owned() } else { filled.note.clone() },
        handling: String::new(),
        instruction: None,
        for_date: None,
    };
    let month = now.format("%Y-%m").to_string();
    let outcome = add_entry(&state, &desk, &month, entry).await?;
    answer(outcome, &format!("/log?month={month}"), |why: Refused| {
        let problems = Problems { handover: Some(why.all()), ..Problems::default() };
        again(&state, &desk, filled, problems)
    })
    .await
}

/// The log page again with what was typed and why it was not logged.
async fn again(state: &AppState, desk: &Desk, filled: Filled, problems: Problems) -> Result<Response, Failure> {
    render(state, desk, Wanted::default(), filled, &problems, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Adds `entry` to the desk officer's unit's log for `month`, made when the month has none.
async fn add_entry(
    state: &AppState,
    desk: &Desk,
    month: &str,
    entry: LogEntry,
) -> Result<Result<(), EditError>, Failure> {
    if !keeps_own_log(desk) {
        return Ok(Err(EditError::Refused(vec![Refusal::new(
            "duty_log.unit",
            "a unit's duty log is kept by its own officers on duty; you may read it, not write in it",
            "值班日志由本单位值班人员填写，您可查看，不能登记",
        )])));
    }
    let unit = desk.principal.unit.clone();
    let existing = log_of(state, desk, &unit, month).await?;
    let id = new_record_id();
    let fresh = TypedDocument::DutyLog(DutyLog::new(&unit, month));
    Ok(add_or_create(state, desk, existing, fresh, |typed| match typed {
        TypedDocument::DutyLog(l) => {
            l.entries.insert(id, entry);
            Ok(())
        }
        _ => Err(not_a("a duty log", "值班日志")),
    })
    .await)
}

/// The unit's log for `month`: the first of its logs (by id) that covers the month. A month logged on two
/// phones offline has two; both are read, one is written. The logs with entries in the month are tried
/// first, so the document read is nearly always the one wanted, not every month the unit has logged.
async fn log_of(state: &AppState, desk: &Desk, unit: &str, month: &str) -> Result<Option<DocumentId>, Failure> {
    let (from, to) = month_start(month).map(month_range).unwrap_or((0, 0));
    let candidates = duty_logs::logs_of(&state.hub.office().database, unit, from, to).await?;
    let viewer = desk.principal.viewer();
    for document in candidates {
        let Ok(id) = DocumentId::parse_url_or_id(&document) else { continue };
        match state.hub.read_as(&viewer, id).await {
            Ok(TypedDocument::DutyLog(log)) if log.month == month => return Ok(Some(id)),
            Ok(_) | Err(EditError::NotFound(_)) | Err(EditError::Unreadable(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(None)
}
