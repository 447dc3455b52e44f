//! 值班抽查: the desk's spot checks of the duty rooms, day by day. While on the phone to a duty room the
//! officer records what they found in a few keystrokes: the check is preselected, the outcome is a digit
//! (1 在岗规范 … 6 报告不及时), Enter records it. A unit the plan did not pick can be checked too.
//!
//! - `GET /checks?day=`: the day's checks with each unit's duty phone and who the roster has on duty, and
//!   the recording form (`?check=` preselects one)
//! - `POST /checks`: record a call's result (`record.rs`)
//! - `POST /checks/plan`: draw a plan of checks for a run of days (`plan.rs`)
//!
//! Spot checks are the desk's records: like `GET /api/v1/spot-checks`, every page and form here answers the
//! desk and leaders only (`Desk::desk_and_leaders_only`).

mod plan;
mod record;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{Duration, NaiveDate, Timelike};
use maud::{Markup, html};
use serde::Deserialize;
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::spot_check::{Outcome, Session};
use zhiban_model::rules::calendar::festival_zh;

use super::failure::Failure;
use super::fields::{described_by, error, invalid};
use super::format::{self, office_time};
use super::layout::page;
use super::session::Desk;
use crate::AppState;
use crate::api::spot_checks::{CheckFilter, CheckView, list};
use crate::projection::on_duty::on_duty;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checks", axum::routing::get(day_page).post(record::record))
        .route("/checks/plan", post(plan::draw_plan))
}

#[derive(Deserialize, Default)]
pub struct Wanted {
    day: Option<String>,
    check: Option<String>,
}

/// What the recording form holds, as typed.
#[derive(Default, Clone)]
pub struct Call {
    pub day: String,
    /// `<plan document>#<check id>` for a planned check, `unit:<id>` for one the plan did not pick.
    pub target: String,
    pub outcome: String,
    pub ring_seconds: String,
    pub answered_by: String,
    pub method: String,
    pub note: String,
}

/// Each field's problem, shown by the field.
#[derive(Default)]
pub struct Problems {
    pub target: Option<String>,
    pub outcome: Option<String>,
    pub ring_seconds: Option<String>,
    pub plan: Option<String>,
}

/// What the pages here are, for a refusal.
pub const WHAT: &str = "值班抽查是值班室的记录，";

/// The session a call made at `millis` belongs to: morning before noon, afternoon before 18:00.
pub fn session_at(millis: i64) -> Session {
    match office_time(millis).hour() {
        0..12 => Session::Morning,
        12..18 => Session::Afternoon,
        _ => Session::Evening,
    }
}

/// A holiday's plan, as the office names it: `2026年国庆节假期值班抽查`.
pub fn holiday_plan_title(year: i32, festival: &str) -> String {
    format!("{year}年{}假期值班抽查", festival_zh(festival))
}

/// The day asked for, or today in the office's zone.
fn day_of(state: &AppState, asked: Option<&str>) -> NaiveDate {
    asked
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| office_time(state.hub.now_millis()).date_naive())
}

async fn day_page(
    State(state): State<AppState>,
    desk: Desk,
    Query(wanted): Query<Wanted>,
) -> Result<Response, Failure> {
    let day = day_of(&state, wanted.day.as_deref());
    let call = Call { day: day.to_string(), target: wanted.check.unwrap_or_default(), ..Call::default() };
    render(&state, &desk, &call, &Problems::default(), StatusCode::OK).await
}

/// The checks planned for `day`, as the projection holds them, in session order.
async fn checks_of(state: &AppState, desk: &Desk, day: NaiveDate) -> Result<Vec<CheckView>, Failure> {
    let filter = CheckFilter {
        unit: None,
        from: Some(day.to_string()),
        to: Some((day + Duration::days(1)).to_string()),
        findings: None,
    };
    Ok(list(desk.caller(), State(state.clone()), Query(filter)).await?.0.checks)
}

/// The target value of a planned check in the recording form.
fn target_of(check: &CheckView) -> String {
    format!("{}#{}", check.document, check.check)
}

pub async fn render(
    state: &AppState,
    desk: &Desk,
    call: &Call,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, Failure> {
    desk.desk_and_leaders_only(WHAT)?;
    let now = state.hub.now_millis();
    let day = day_of(state, Some(&call.day));
    let today = office_time(now).date_naive();
    let checks = checks_of(state, desk, day).await?;
    let directory = state.hub.office().directory();
    // Who the roster has on duty now, for the checks of today: a name that does not match who answered is
    // a stand-in (替岗).
    let mut on_duty_now = std::collections::BTreeMap::new();
    if day == today {
        let caller = desk.caller();
        for check in &checks {
            // As `GET /api/v1/units/{unit}/on-duty` would answer this person.
            if !on_duty_now.contains_key(&check.unit) && caller.sees_rosters_of(state, &check.unit) {
                let main = on_duty(&state.hub.office().database, &check.unit, now).await?.main;
                on_duty_now.insert(check.unit.clone(), main);
            }
        }
    }
    // The check to record: the one asked for, else the first still open in the session now.
    let session_now = session_at(now).code();
    let open: Vec<&CheckView> = checks.iter().filter(|c| c.outcome.is_none()).collect();
    let chosen = match call.target.as_str() {
        "" => open.iter().find(|c| c.session == session_now).or(open.first()).map(|c| target_of(c)).unwrap_or_default(),
        asked => asked.to_owned(),
    };
    let body = html! {
        h2 { "值班抽查" }
        form.action.inline method="get" action="/checks" {
            a href=(format!("/checks?day={}", day - Duration::days(1))) { "‹ 前一天" }
            label for="day" { "日期" }
            input #day type="date" name="day" value=(day.to_string());
            button type="submit" { "查看" }
            a href=(format!("/checks?day={}", day + Duration::days(1))) { "后一天 ›" }
        }
        div.board {
            div.column {
                (record_form(desk, &directory, call, problems, &open, &chosen))
                (day_table(&directory, day, &checks, &on_duty_now))
            }
            div.column {
                (plan::form(state, desk, day, problems, checks.is_empty()))
            }
        }
    };
    Ok((status, page(desk, "/checks", "值班抽查", now, body)).into_response())
}

fn record_form(
    desk: &Desk,
    directory: &Directory,
    call: &Call,
    problems: &Problems,
    open: &[&CheckView],
    chosen: &str,
) -> Markup {
    let desk_unit = directory.desk_unit();
    let method = if call.method.is_empty() { "phone" } else { call.method.as_str() };
    html! {
        section #record-check {
            h3 { "记录抽查结果" }
            p.summary { "选好单位后，按数字键选择结果，回车即记录。记录后不可更改，如有更正请在备注中说明。" }
            form.action.fields method="post" action="/checks" {
                input type="hidden" name="csrf" value=(desk.csrf_token);
                input type="hidden" name="day" value=(call.day);
                div.field.grow {
                    label for="target" { "抽查单位" }
                    select #target name="target" aria-invalid=[invalid(&problems.target)] aria-describedby=[described_by(&problems.target, "target")] {
                        option value="" { "请选择" }
                        @if !open.is_empty() {
                            optgroup label="计划内（待抽查）" {
                                @for c in open {
                                    @let value = target_of(c);
                                    option value=(value) selected[value == chosen] {
                                        (c.session_zh) " · " (format::unit(directory, &c.unit)) " · " (duty_phone(directory, &c.unit))
                                    }
                                }
                            }
                        }
                        optgroup label="计划外抽查（记在今天）" {
                            @for (id, unit) in directory.units.iter().filter(|(id, _)| Some(id.as_str()) != desk_unit) {
                                @let value = format!("unit:{id}");
                                option value=(value) selected[value == chosen] { (unit.name) " · " (unit.duty_phone) }
                            }
                        }
                    }
                    (error(&problems.target, "target"))
                }
                div.field {
                    label for="outcome" { "抽查结果" }
                    select #outcome name="outcome" autofocus[!chosen.is_empty()] aria-invalid=[invalid(&problems.outcome)] aria-describedby=[described_by(&problems.outcome, "outcome")] {
                        option value="" { "请选择（按数字键）" }
                        @for (i, outcome) in Outcome::ALL.iter().enumerate() {
                            option value=(outcome.code()) selected[outcome.code() == call.outcome] { (i + 1) " " (outcome.label_zh()) }
                        }
                    }
                    (error(&problems.outcome, "outcome"))
                }
                div.field {
                    label for="ring-seconds" { "振铃时长（秒）" }
                    input #ring-seconds type="number" name="ring_seconds" min="0" inputmode="numeric" size="6" value=(call.ring_seconds)
                        aria-invalid=[invalid(&problems.ring_seconds)] aria-describedby=[described_by(&problems.ring_seconds, "ring-seconds")];
                    (error(&problems.ring_seconds, "ring-seconds"))
                }
                div.field {
                    label for="answered-by" { "接听人" }
                    input #answered-by type="text" name="answered_by" value=(call.answered_by) placeholder="无人接听则空";
                }
                div.field {
                    label for="method" { "方式" }
                    select #method name="method" {
                        option value="phone" selected[method == "phone"] { "电话抽查" }
                        option value="video" selected[method == "video"] { "视频点名" }
                    }
                }
                div.field.grow {
                    label for="check-note" { "备注" }
                    input #check-note type="text" name="note" value=(call.note);
                }
                button type="submit" { "记录" }
            }
        }
    }
}

fn duty_phone(directory: &Directory, unit: &str) -> String {
    directory.units.get(unit).map(|u| u.duty_phone.clone()).unwrap_or_default()
}

fn day_table(
    directory: &Directory,
    day: NaiveDate,
    checks: &[CheckView],
    on_duty_now: &std::collections::BTreeMap<String, Option<String>>,
) -> Markup {
    let done = checks.iter().filter(|c| c.outcome.is_some()).count();
    let findings = checks.iter().filter(|c| c.outcome.as_deref().is_some_and(|o| o != "proper")).count();
    html! {
        section #checks-of-day data-live {
            h3 { (day.format("%Y年%-m月%-d日")) " 抽查" }
            @if checks.is_empty() {
                p.summary { "当日没有抽查计划。可在左侧制定计划，或直接记录计划外抽查。" }
            } @else {
                p.summary {
                    "计划 " (checks.len()) " 次，已抽查 " (done) " 次"
                    @if findings > 0 { "，" span.late { "发现问题 " (findings) " 处" } }
                    "。"
                }
                table.checks {
                    thead { tr {
                        th scope="col" { "时段" } th scope="col" { "单位" } th scope="col" { "值班电话" }
                        @if !on_duty_now.is_empty() { th scope="col" { "值班表在岗" } }
                        th scope="col" { "结果" } th scope="col" { "抽查人、时间" } th scope="col" { "备注" }
                    } }
                    tbody {
                        @for c in checks {
                            tr data-check=(c.check) {
                                td { (c.session_zh) }
                                th scope="row" { (format::unit(directory, &c.unit)) }
                                td { (duty_phone(directory, &c.unit)) }
                                @if !on_duty_now.is_empty() {
                                    td { @match on_duty_now.get(&c.unit).cloned().flatten() {
                                        Some(main) => { (format::person(directory, &main)) }
                                        None => { span.gap { "空缺" } }
                                    } }
                                }
                                @match (&c.outcome, &c.outcome_zh) {
                                    (Some(code), Some(label)) => {
                                        td.late[code != "proper"] {
                                            (label)
                                            @if let Some(s) = c.ring_seconds { "（振铃 " (s) " 秒）" }
                                            @if let Some(who) = c.answered_by.as_ref().filter(|a| !a.is_empty()) { br; "接听：" (who) }
                                        }
                                        td {
                                            (c.checked_by.as_deref().map(|p| format::person(directory, p)).unwrap_or_default())
                                            " " (c.checked_at.as_deref().map(format::short_text).unwrap_or_default())
                                        }
                                        td { (c.note.clone().unwrap_or_default()) }
                                    }
                                    _ => {
                                        td { a href=(format!("/checks?day={}&check={}", c.day, target_of(c).replace('#', "%23"))) { "待抽查，记录" } }
                                        td {} td {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
