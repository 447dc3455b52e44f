//! Recording a leader's instruction (录入批示): the leader, when it was written, its text, the incident it
//! was written on if any, and its recipients (units or people). The server numbers it in the yearly ledger
//! as it stores it, and the recipients' phones are alerted at once.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone};
use maud::{Markup, html};
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::documents::instruction::Instruction;
use zhiban_model::refusal::document_problems;
use zhiban_model::rules::office_time_zone;

use super::super::edits::{Refused, refusal};
use super::super::failure::Failure;
use super::super::fields::{described_by, error, invalid};
use super::super::format;
use super::super::layout::page;
use super::super::session::Desk;
use crate::AppState;

/// What the form holds: as typed, so a refused form comes back filled in.
#[derive(Default)]
pub struct Filled {
    leader: String,
    issued_at: String,
    text: String,
    incident: String,
    recipients: Vec<String>,
}

/// Refusals by field.
#[derive(Default)]
struct Problems {
    leader: Option<String>,
    issued_at: Option<String>,
    text: Option<String>,
    recipients: Option<String>,
    other: Option<String>,
}

impl Problems {
    fn any(&self) -> bool {
        self.leader.is_some()
            || self.issued_at.is_some()
            || self.text.is_some()
            || self.recipients.is_some()
            || self.other.is_some()
    }
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    incident: Option<String>,
}

pub async fn form(State(state): State<AppState>, desk: Desk, Query(query): Query<NewQuery>) -> Response {
    let now = state.hub.now_millis();
    let filled = Filled {
        issued_at: format::office_time(now).format("%Y-%m-%dT%H:%M").to_string(),
        incident: query.incident.unwrap_or_default(),
        ..Filled::default()
    };
    render(&state, &desk, &filled, &Problems::default(), StatusCode::OK)
}

fn render(state: &AppState, desk: &Desk, filled: &Filled, problems: &Problems, status: StatusCode) -> Response {
    let directory = state.hub.office().directory();
    let body = body(desk, &directory, filled, problems);
    (status, page(desk, "/instructions", "录入领导批示", state.hub.now_millis(), body)).into_response()
}

/// `aria-invalid` and `aria-describedby` for a field with a problem.
fn body(desk: &Desk, directory: &Directory, filled: &Filled, problems: &Problems) -> Markup {
    let leaders: Vec<(&String, &str)> = directory
        .people
        .iter()
        .filter(|(_, p)| p.roles.contains(&Role::Leader))
        .map(|(id, p)| (id, p.name.as_str()))
        .collect();
    html! {
        h2 { "录入领导批示" }
        @if let Some(p) = &problems.other { p.field-error role="alert" { (p) } }
        form.action.wide method="post" action="/instructions" {
            input type="hidden" name="csrf" value=(desk.csrf_token);
            input type="hidden" name="incident" value=(filled.incident);
            @if !filled.incident.is_empty() { p.summary { "就突发事件录入：" a href=(format!("/incidents/{}", filled.incident)) { "查看事件" } } }
            label for="leader" { "批示领导" }
            select #leader name="leader" aria-invalid=[invalid(&problems.leader)] aria-describedby=[described_by(&problems.leader, "leader")] {
                option value="" { "请选择" }
                @for (id, name) in &leaders { option value=(id) selected[**id == filled.leader] { (name) } }
            }
            (error(&problems.leader, "leader"))
            label for="issued-at" { "批示时间（北京时间）" }
            input #issued-at type="datetime-local" name="issued_at" value=(filled.issued_at) aria-invalid=[invalid(&problems.issued_at)] aria-describedby=[described_by(&problems.issued_at, "issued-at")];
            (error(&problems.issued_at, "issued-at"))
            label for="text" { "批示内容" }
            textarea #text name="text" rows="4" aria-invalid=[invalid(&problems.text)] aria-describedby=[described_by(&problems.text, "text")] { (filled.text) }
            (error(&problems.text, "text"))
            fieldset #recipients aria-describedby=[described_by(&problems.recipients, "recipients")] {
                legend { "接收单位" }
                @for (id, unit) in &directory.units {
                    label.check {
                        input type="checkbox" name="recipients" value=(id) checked[filled.recipients.contains(id)];
                        " " (unit.name)
                    }
                }
            }
            (error(&problems.recipients, "recipients"))
            button type="submit" { "录入并通知接收单位" }
        }
    }
}

pub async fn create(State(state): State<AppState>, desk: Desk, body: Bytes) -> Result<Response, Failure> {
    let mut filled = Filled::default();
    let mut csrf = String::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        let value = value.into_owned();
        match &*key {
            "csrf" => csrf = value,
            "leader" => filled.leader = value,
            "issued_at" => filled.issued_at = value,
            "text" => filled.text = value,
            "incident" => filled.incident = value,
            "recipients" => filled.recipients.push(value),
            _ => {}
        }
    }
    desk.check_form(&csrf)?;
    let mut problems = Problems::default();
    if filled.leader.is_empty() {
        problems.leader = Some("请选择批示领导".into());
    }
    let issued_at = NaiveDateTime::parse_from_str(&filled.issued_at, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| office_time_zone().from_local_datetime(&t).single());
    if issued_at.is_none() {
        problems.issued_at = Some("请填写批示时间，如 2026-10-01 10:05".into());
    }
    let incident = match filled.incident.as_str() {
        "" => None,
        id => match DocumentId::parse_url_or_id(id) {
            Ok(id) => Some(id.url()),
            Err(_) => {
                problems.other = Some("所选事件无法识别，请从事件页面重新进入".into());
                None
            }
        },
    };
    if problems.any() {
        return Ok(render(&state, &desk, &filled, &problems, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let directory = state.hub.office().directory();
    let issued_at = issued_at.expect("checked above");
    let instruction =
        match Instruction::issue(&filled.leader, issued_at, &filled.text, incident, &filled.recipients, &*directory) {
            Ok(instruction) => instruction,
            Err(found) => {
                let problems = placed(&Refused(document_problems(found)));
                return Ok(render(&state, &desk, &filled, &problems, StatusCode::UNPROCESSABLE_ENTITY));
            }
        };
    match refusal(state.hub.create_as(&desk.author(), &TypedDocument::Instruction(instruction)).await)? {
        Ok(id) => Ok(Redirect::to(&format!("/instructions/{id}")).into_response()),
        Err(why) => Ok(render(&state, &desk, &filled, &placed(&why), StatusCode::UNPROCESSABLE_ENTITY)),
    }
}

/// The form's fields, by the part of the instruction each shows the reasons about.
const FIELDS: [&str; 4] = ["leader", "issued_at", "text", "recipients"];

/// Each reason by the field of the part it is about; the rest above the form.
fn placed(why: &Refused) -> Problems {
    Problems {
        leader: why.about(&["leader"]),
        issued_at: why.about(&["issued_at"]),
        text: why.about(&["text"]),
        recipients: why.about(&["recipients"]),
        other: why.besides(&FIELDS),
    }
}
