//! Opening a filing round (发起报备): its title, the duty period, the deadline and the units asked to
//! file. The form is prefilled for the next statutory holiday from the office's calendar: the period from
//! its first day 00:00 to the 08:00 handover after its last day, the deadline at the end of the working day
//! the office's rules name before it, and every unit but the desk.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime};
use maud::html;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::filing_round::{FilingRound, Occasion};
use zhiban_model::rules::calendar::festival_zh;
use zhiban_model::rules::reminders::{holidays_between, roster_filing_deadline};

use super::super::edits::{Refused, refusal};
use super::super::failure::Failure;
use super::super::format::office_time;
use super::super::layout::page;
use super::super::session::Desk;
use crate::AppState;
use zhiban_model::refusal::document_problems;

const FORM_TIME: &str = "%Y-%m-%dT%H:%M";

/// What the form holds, as typed.
#[derive(Default)]
pub struct Terms {
    title: String,
    period_start: String,
    period_end: String,
    deadline: String,
    units: Vec<String>,
}

/// The next statutory holiday's terms, or empty ones when the calendar has none ahead.
fn next_holiday(state: &AppState) -> Terms {
    let rules = &state.hub.office().rules;
    let today = office_time(state.hub.now_millis()).date_naive();
    let directory = state.hub.office().directory();
    let units = directory.units.keys().filter(|u| Some(u.as_str()) != directory.desk_unit()).cloned().collect();
    match holidays_between(&rules.calendar, today + Duration::days(1), today + Duration::days(366)).into_iter().next() {
        Some(h) => {
            let eight = NaiveTime::from_hms_opt(8, 0, 0).expect("a time");
            Terms {
                title: format!("{}年{}假期值班表报备", h.first_day.year(), festival_zh(&h.festival)),
                period_start: h.first_day.and_time(NaiveTime::MIN).format(FORM_TIME).to_string(),
                period_end: (h.last_day + Duration::days(1)).and_time(eight).format(FORM_TIME).to_string(),
                deadline: roster_filing_deadline(&rules.calendar, &h, &rules.reminders)
                    .naive_local()
                    .format(FORM_TIME)
                    .to_string(),
                units,
            }
        }
        None => Terms { units, ..Terms::default() },
    }
}

/// The years the office's holiday calendar lists, as `2024、2025、2026`.
fn loaded_years(state: &AppState) -> String {
    let years: Vec<String> = state.hub.office().rules.calendar.loaded_years().map(|y| y.to_string()).collect();
    years.join("、")
}

pub async fn form(State(state): State<AppState>, desk: Desk) -> Response {
    let terms = next_holiday(&state);
    render(&state, &desk, &terms, None, StatusCode::OK)
}

fn render(state: &AppState, desk: &Desk, terms: &Terms, problem: Option<&str>, status: StatusCode) -> Response {
    let directory = state.hub.office().directory();
    let body = html! {
        p.breadcrumb { a href="/rosters" { "值班表与报备" } " › 发起报备" }
        h2 { "发起报备" }
        form.action.wide method="post" action="/rounds" {
            input type="hidden" name="csrf" value=(desk.csrf_token);
            @if let Some(p) = problem { p #round-error .field-error role="alert" { (p) } }
            @if terms.title.is_empty() {
                p.summary { "节假日日历中今天以后没有下一个法定节假日（已载入 " (loaded_years(state)) " 年），请手动填写。" }
            }
            label for="round-title" { "标题" }
            input #round-title type="text" name="title" value=(terms.title) aria-describedby=[problem.map(|_| "round-error")];
            label for="period-start" { "值班时段开始" }
            input #period-start type="datetime-local" name="period_start" value=(terms.period_start);
            label for="period-end" { "值班时段结束" }
            input #period-end type="datetime-local" name="period_end" value=(terms.period_end);
            label for="deadline" { "报备截止" }
            input #deadline type="datetime-local" name="deadline" value=(terms.deadline);
            fieldset {
                legend { "报备单位" }
                @for (id, unit) in &directory.units {
                    label.check { input type="checkbox" name="units" value=(id) checked[terms.units.contains(id)]; " " (unit.name) }
                }
            }
            button type="submit" { "发起" }
        }
    };
    (status, page(desk, "/rosters", "发起报备", state.hub.now_millis(), body)).into_response()
}

pub async fn open(State(state): State<AppState>, desk: Desk, body: Bytes) -> Result<Response, Failure> {
    let mut terms = Terms::default();
    let mut csrf = String::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        let value = value.into_owned();
        match &*key {
            "csrf" => csrf = value,
            "title" => terms.title = value,
            "period_start" => terms.period_start = value,
            "period_end" => terms.period_end = value,
            "deadline" => terms.deadline = value,
            "units" => terms.units.push(value),
            _ => {}
        }
    }
    desk.check_form(&csrf)?;
    let time = |text: &str| NaiveDateTime::parse_from_str(text, FORM_TIME).ok();
    let (Some(start), Some(end), Some(deadline)) =
        (time(&terms.period_start), time(&terms.period_end), time(&terms.deadline))
    else {
        return Ok(render(&state, &desk, &terms, Some("请填写完整的时段和截止时间"), StatusCode::UNPROCESSABLE_ENTITY));
    };
    let now = office_time(state.hub.now_millis()).naive_local();
    let round = FilingRound::new(
        &terms.title,
        Occasion::Holiday,
        (start, end),
        deadline,
        terms.units.clone(),
        &desk.principal.username,
        now,
    );
    let problems = round.problems(&*state.hub.office().directory());
    if !problems.is_empty() {
        let text = Refused(document_problems(problems)).all();
        return Ok(render(&state, &desk, &terms, Some(&text), StatusCode::UNPROCESSABLE_ENTITY));
    }
    match refusal(state.hub.create_as(&desk.author(), &TypedDocument::FilingRound(round)).await)? {
        Ok(_) => Ok(Redirect::to("/rosters").into_response()),
        Err(why) => Ok(render(&state, &desk, &terms, Some(&why.all()), StatusCode::UNPROCESSABLE_ENTITY)),
    }
}
