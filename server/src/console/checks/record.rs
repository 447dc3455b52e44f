//! Recording a spot check's result (记录抽查结果) in the desk officer's name, at the server's time: on the
//! planned check chosen, or, for a unit the plan did not pick, as a new check of today's session in the
//! plan for today (or the month's, or the holiday's), made when there is none yet. A result on record is
//! not rewritten: a second answer to the same check is refused by its field.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::spot_check::{CheckResult, Method, Outcome, SpotCheck, SpotChecks};
use zhiban_model::documents::time::format_instant;
use zhiban_model::refusal::{Refusal, input};
use zhiban_model::rules::calendar::DayKind;

use super::super::edits::{Refused, add_or_create, answer, edit_document, new_record_id, not_a};
use super::super::failure::Failure;
use super::super::format::{self, office_time};
use super::super::session::Desk;
use super::{Call, Problems, WHAT, day_of, holiday_plan_title, render, session_at};
use crate::AppState;
use crate::db::oversight::spot_checks;
use crate::sync::EditError;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Sent {
    csrf: String,
    day: String,
    target: String,
    outcome: String,
    ring_seconds: String,
    answered_by: String,
    method: String,
    note: String,
}

/// Where the result goes: a planned check, or a unit checked outside the plan.
enum Target {
    Planned { plan: String, check: String },
    Unplanned { unit: String },
}

pub async fn record(State(state): State<AppState>, desk: Desk, Form(sent): Form<Sent>) -> Result<Response, Failure> {
    desk.check_form(&sent.csrf)?;
    desk.desk_and_leaders_only(WHAT)?;
    let call = Call {
        day: sent.day,
        target: sent.target,
        outcome: sent.outcome,
        ring_seconds: sent.ring_seconds.trim().to_owned(),
        answered_by: sent.answered_by.trim().to_owned(),
        method: sent.method,
        note: sent.note.trim().to_owned(),
    };
    let mut problems = Problems::default();
    let directory = state.hub.office().directory();
    let target = match call.target.split_once('#') {
        Some((plan, check)) if !plan.is_empty() && !check.is_empty() => {
            Some(Target::Planned { plan: plan.to_owned(), check: check.to_owned() })
        }
        _ => match call.target.strip_prefix("unit:") {
            Some(unit) if directory.units.contains_key(unit) => Some(Target::Unplanned { unit: unit.to_owned() }),
            _ => None,
        },
    };
    if target.is_none() {
        problems.target = Some("请选择抽查的单位".into());
    }
    let outcome = Outcome::parse(&call.outcome);
    if outcome.is_none() {
        problems.outcome = Some("请选择抽查结果（1 在岗规范 … 6 报告不及时）".into());
    }
    let ring_seconds = match call.ring_seconds.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(s) if s >= 0 => Some(s),
            _ => {
                problems.ring_seconds = Some("振铃时长填秒数，如 45".into());
                None
            }
        },
    };
    if outcome == Some(Outcome::Unanswered) && ring_seconds.is_none() && problems.ring_seconds.is_none() {
        problems.ring_seconds = Some("长时间无人接听须记下振铃时长（秒）".into());
    }
    let (Some(target), Some(outcome), None) = (target, outcome, &problems.ring_seconds) else {
        return render(&state, &desk, &call, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let now = state.hub.now_millis();
    let result = CheckResult {
        outcome,
        ring_seconds,
        method: Method::parse(&call.method).unwrap_or(Method::Phone),
        answered_by: call.answered_by.clone(),
        checked_by: desk.principal.username.clone(),
        checked_at: format_instant(office_time(now)),
        note: call.note.clone(),
    };
    // The day as a date, not as sent: it goes into the Location header.
    let back = format!("/checks?day={}", day_of(&state, Some(&call.day)));
    let refused = |why: Refused| {
        let problems = Problems { target: Some(why.all()), ..Problems::default() };
        let (state, desk, call) = (&state, &desk, &call);
        async move { render(state, desk, call, &problems, StatusCode::UNPROCESSABLE_ENTITY).await }
    };
    match target {
        Target::Planned { plan, check } => {
            let outcome = edit_document(&state, &desk, &plan, |typed| record_on(typed, &check, result)).await;
            answer(outcome, &back, refused).await
        }
        Target::Unplanned { unit } => {
            let check = SpotCheck {
                unit,
                date: office_time(now).date_naive().to_string(),
                session: session_at(now),
                planned_by: desk.principal.username.clone(),
                result: Some(result),
            };
            let outcome = add_to_todays_plan(&state, &desk, now, check).await?;
            answer(outcome, &back, refused).await
        }
    }
}

/// Puts `result` on check `check` of the plan, unless it has one already.
fn record_on(typed: &mut TypedDocument, check: &str, result: CheckResult) -> Result<(), Vec<Refusal>> {
    let TypedDocument::SpotChecks(plan) = typed else { return Err(not_a("a spot check plan", "抽查计划")) };
    let Some(planned) = plan.checks.get_mut(check) else {
        return Err(vec![input(
            "check",
            format!("there is no check {check:?} in this plan; reload the page and choose again"),
            "计划中没有这次抽查，请刷新页面后重选",
        )]);
    };
    if let Some(on_record) = &planned.result {
        let at = format::short_text(&on_record.checked_at);
        return Err(vec![
            Refusal::new(
                "document.history",
                format!(
                    "this check was recorded at {at} as {:?} and is not changed once recorded; record another and \
                     say why in its note",
                    on_record.outcome.code()
                ),
                format!(
                    "这次抽查已于 {at} 记录为“{}”，记录后不可更改；如需更正请另记一次并在备注中说明",
                    on_record.outcome.label_zh()
                ),
            )
            .at(format!("checks/{check}/result")),
        ]);
    }
    planned.result = Some(result);
    Ok(())
}

/// Adds an unplanned check (with its result) to the plan holding today's checks, or the plan named for
/// today's holiday or month, or a new plan of that name.
async fn add_to_todays_plan(
    state: &AppState,
    desk: &Desk,
    now: i64,
    check: SpotCheck,
) -> Result<Result<(), EditError>, Failure> {
    let today = office_time(now).date_naive();
    let calendar = &state.hub.office().rules.calendar;
    let title = match calendar.day_kind(today) {
        Some(DayKind::Holiday(festival)) => holiday_plan_title(today.year(), festival),
        _ => format!("{}年{}月值班抽查", today.year(), today.month()),
    };
    let existing = spot_checks::plan_for(&state.hub.office().database, &today.to_string(), &title).await?;
    let existing = existing.and_then(|plan| DocumentId::parse_url_or_id(&plan).ok());
    let id = new_record_id();
    let fresh = TypedDocument::SpotChecks(SpotChecks::new(&title, None));
    Ok(add_or_create(state, desk, existing, fresh, |typed| match typed {
        TypedDocument::SpotChecks(p) => {
            p.checks.insert(id, check);
            Ok(())
        }
        _ => Err(not_a("a spot check plan", "抽查计划")),
    })
    .await)
}
