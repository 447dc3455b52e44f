//! 值班日志: the duty log of the desk's own unit for a month — calls, visits, faxes, notices relayed, zero
//! reports and shift handovers — with the forms to log an entry and to hand over to the next shift, the
//! handover note prefilled with what is still open. Another unit's log can be read (`?unit=`), as the
//! overseer reads it, by whoever the log's audience includes (`may_read_log_of`: the desk and leaders
//! every unit's, anyone else as a phone would be answered); who may write it is the access rules' decision.
//!
//! - `GET /log?unit=&month=`: the month's entries, newest first
//! - `POST /log`: log a call, visit, fax or notice (`write.rs`)
//! - `POST /log/handover`: the handover note for the next shift (`write.rs`)

mod write;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{Datelike, Months, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;
use zhiban_model::documents::directory::{Directory, Role};
use zhiban_model::documents::duty_log::LogKind;
use zhiban_model::rules::start_of_day;

use super::failure::Failure;
use super::fields::{described_by, error, invalid};
use super::format::{self, office_time};
use super::layout::page;
use super::now::{open_incidents, open_instructions};
use super::session::Desk;
use crate::AppState;
use crate::db::oversight::duty_logs;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/log", axum::routing::get(month_page).post(write::log_entry))
        .route("/log/handover", post(write::hand_over))
}

/// The kinds logged with the entry form; handovers and zero reports have their own.
const LOGGED: [LogKind; 4] = [LogKind::Call, LogKind::Visit, LogKind::Fax, LogKind::Notice];

const FORM_TIME: &str = "%Y-%m-%dT%H:%M";

#[derive(Deserialize, Default)]
pub struct Wanted {
    unit: Option<String>,
    month: Option<String>,
}

/// One logged entry as the projection holds it.
pub struct Entry {
    pub kind: String,
    pub at: i64,
    pub at_text: String,
    pub by: String,
    pub counterpart: String,
    pub summary: String,
    pub handling: String,
}

/// What the two forms hold, as typed.
#[derive(Default, Clone)]
pub struct Filled {
    pub kind: String,
    pub at: String,
    pub counterpart: String,
    pub summary: String,
    pub handling: String,
    pub incoming: String,
    pub note: String,
}

#[derive(Default)]
pub struct Problems {
    pub at: Option<String>,
    pub summary: Option<String>,
    pub entry: Option<String>,
    pub incoming: Option<String>,
    pub handover: Option<String>,
}

/// The first day of the month `2026-10`.
pub fn month_start(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()
}

/// Unix milliseconds of the month's start and of the next month's.
fn month_range(first: NaiveDate) -> (i64, i64) {
    let next = first + Months::new(1);
    (start_of_day(first).timestamp_millis(), start_of_day(next).timestamp_millis())
}

async fn month_page(
    State(state): State<AppState>,
    desk: Desk,
    Query(wanted): Query<Wanted>,
) -> Result<Response, Failure> {
    render(&state, &desk, wanted, Filled::default(), &Problems::default(), StatusCode::OK).await
}

/// Whether the signed-in person may read the duty logs of `unit`. A log's audience is its unit
/// (`Audience::of` gives `Audience::Unit`), the same as a roster's, so this is the check the API makes
/// before it answers a unit's roster or who is on duty there (`Caller::sees_rosters_of`). Every entry of
/// the projection carries its log's unit, so the entries of a unit a person may read are all theirs to read.
pub fn may_read_log_of(state: &AppState, desk: &Desk, unit: &str) -> bool {
    desk.caller().sees_rosters_of(state, unit)
}

/// Whether the signed-in person keeps their own unit's log, as the access rules judge a duty log's writer:
/// its unit's officers, or a desk officer of that unit. Anyone else reads it without the forms.
fn keeps_own_log(desk: &Desk) -> bool {
    desk.principal.roles.iter().any(|r| matches!(r, Role::Desk | Role::UnitOfficer))
}

/// The unit's entries from `from` to `to` (unix ms), newest first: `unit` is one `may_read_log_of` allows.
async fn entries(state: &AppState, unit: &str, from: i64, to: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = duty_logs::entries_of(&state.hub.office().database, unit, from, to).await?;
    Ok(rows
        .into_iter()
        .map(|e| Entry {
            kind: e.kind,
            at: e.at,
            at_text: e.at_text,
            by: e.by_person,
            counterpart: e.counterpart,
            summary: e.summary,
            handling: e.handling,
        })
        .collect())
}

/// The unit's last handover note, if it has one and the signed-in person may read the unit's log.
pub async fn latest_handover(state: &AppState, desk: &Desk, unit: &str) -> Result<Option<Entry>, sqlx::Error> {
    if !may_read_log_of(state, desk, unit) {
        return Ok(None);
    }
    let row = duty_logs::latest_handover(&state.hub.office().database, unit).await?;
    Ok(row.map(|e| Entry {
        kind: LogKind::Handover.code().to_owned(),
        at: e.at,
        at_text: e.at_text,
        by: e.by_person,
        counterpart: e.counterpart,
        summary: e.summary,
        handling: String::new(),
    }))
}

/// The last handover, as the board and the log show it.
pub fn handover_note(directory: &Directory, handover: Option<&Entry>) -> Markup {
    html! {
        section #handover data-live {
            h3 { "交接班" }
            @match handover {
                None => { p.summary { "本单位值班日志中尚无交接班记录。" } }
                Some(h) => {
                    p.summary {
                        (format::short_text(&h.at_text)) " "
                        (format::person(directory, &h.by)) " 交 " (format::person(directory, &h.counterpart))
                    }
                    p.note { (h.summary) }
                }
            }
        }
    }
}

/// What the next shift takes over: incidents not archived, instructions not closed.
async fn open_matters(state: &AppState, desk: &Desk, now: i64) -> Result<String, Failure> {
    let directory = state.hub.office().directory();
    let mut lines = Vec::new();
    for i in open_incidents(state, desk).await? {
        lines.push(format!(
            "突发事件：{}（{}，{}，已报 {} 次）",
            i.title,
            format::unit(&directory, &i.unit),
            format::stage(&i.stage),
            i.report_count
        ));
    }
    for i in open_instructions(state, desk, now).await? {
        let number = i.number.as_deref().map(|n| format!("{n} ")).unwrap_or_default();
        let feedback = match &i.fed_back_at {
            Some(_) => "已反馈".to_owned(),
            None => format!("反馈截止 {}", format::short_text(&i.feedback_due_at)),
        };
        lines.push(format!(
            "领导批示 {number}{}：签收 {}/{}，{feedback}",
            format::person(&directory, &i.leader),
            i.acknowledged_count,
            i.recipient_count
        ));
    }
    if lines.is_empty() {
        return Ok("无未办结事项。".to_owned());
    }
    let numbered: Vec<String> = lines.iter().enumerate().map(|(n, l)| format!("{}. {l}", n + 1)).collect();
    Ok(format!("待办事项：\n{}", numbered.join("\n")))
}

pub async fn render(
    state: &AppState,
    desk: &Desk,
    wanted: Wanted,
    mut filled: Filled,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, Failure> {
    let now = state.hub.now_millis();
    let directory = state.hub.office().directory();
    // The units whose logs this person may read: every unit for the desk and leaders, their own for the rest
    // (and the units they oversee). Another unit asked for is answered as the API answers its roster: not found.
    let readable: Vec<&String> = directory.units.keys().filter(|u| may_read_log_of(state, desk, u)).collect();
    let own_unit = &desk.principal.unit;
    let unit = match wanted.unit.filter(|u| directory.units.contains_key(u)) {
        Some(asked) if readable.contains(&&asked) => asked,
        Some(_) => return Err(Failure::not_found("该单位的值班日志")),
        None => match readable.iter().find(|u| **u == own_unit).or(readable.first()) {
            Some(unit) => (*unit).clone(),
            None => {
                let body = html! {
                    h2 { "值班日志" }
                    p.summary { "没有您可查看的值班日志：值班日志由各单位值班人员填写，值班室人员和带班领导可查看。" }
                };
                return Ok((status, page(desk, "/log", "值班日志", now, body)).into_response());
            }
        },
    };
    let first = wanted
        .month
        .as_deref()
        .and_then(month_start)
        .unwrap_or_else(|| office_time(now).date_naive().with_day(1).expect("the first of a month"));
    let (from, to) = month_range(first);
    let logged = entries(state, &unit, from, to).await?;
    let own = unit == *own_unit;
    let writes = own && keeps_own_log(desk);
    // The forms start from now and from what is still open; only the unit's own officers see them.
    if writes && filled.at.is_empty() {
        filled.at = office_time(now).naive_local().format(FORM_TIME).to_string();
    }
    if writes && filled.note.is_empty() {
        filled.note = open_matters(state, desk, now).await?;
    }
    let handover = latest_handover(state, desk, &unit).await?;
    let month_link = |month: NaiveDate| format!("/log?unit={unit}&month={}", month.format("%Y-%m"));
    let body = html! {
        h2 { (format::unit(&directory, &unit)) " 值班日志" }
        form.action.inline method="get" action="/log" {
            a href=(month_link(first - Months::new(1))) { "‹ 上月" }
            label for="log-unit" { "单位" }
            select #log-unit name="unit" {
                @for id in &readable { option value=(id) selected[**id == unit] { (format::unit(&directory, id)) } }
            }
            label for="log-month" { "月份" }
            input #log-month type="month" name="month" value=(first.format("%Y-%m").to_string());
            button type="submit" { "查看" }
            a href=(month_link(first + Months::new(1))) { "下月 ›" }
        }
        div.board {
            div.column {
                @if writes { (entry_form(desk, &filled, problems)) }
                @else if own {
                    (error(&problems.entry, "entry")) (error(&problems.handover, "handover"))
                    p.summary { "本单位值班日志由值班人员填写，此处只读。" }
                }
                @else { p.summary { "其他单位的值班日志由该单位值班人员填写，此处只读。" } }
                (entries_table(&directory, first, &logged))
            }
            div.column {
                (handover_note(&directory, handover.as_ref()))
                @if writes { (handover_form(desk, &directory, &unit, &filled, problems)) }
            }
        }
    };
    Ok((status, page(desk, "/log", "值班日志", now, body)).into_response())
}

fn entry_form(desk: &Desk, filled: &Filled, problems: &Problems) -> Markup {
    html! {
        section #log-entry {
            h3 { "登记" }
            form.action.fields method="post" action="/log" {
                input type="hidden" name="csrf" value=(desk.csrf_token);
                (error(&problems.entry, "entry"))
                div.field {
                    label for="entry-kind" { "类别" }
                    select #entry-kind name="kind" {
                        @for kind in LOGGED { option value=(kind.code()) selected[kind.code() == filled.kind] { (kind.label_zh()) } }
                    }
                }
                div.field {
                    label for="entry-at" { "时间（北京时间）" }
                    input #entry-at type="datetime-local" name="at" value=(filled.at)
                        aria-invalid=[invalid(&problems.at)] aria-describedby=[described_by(&problems.at, "entry-at")];
                    (error(&problems.at, "entry-at"))
                }
                div.field.grow {
                    label for="entry-counterpart" { "来电人、来访人或来文单位" }
                    input #entry-counterpart type="text" name="counterpart" value=(filled.counterpart);
                }
                div.field.grow {
                    label for="entry-summary" { "内容摘要" }
                    textarea #entry-summary name="summary" rows="2"
                        aria-invalid=[invalid(&problems.summary)] aria-describedby=[described_by(&problems.summary, "entry-summary")] { (filled.summary) }
                    (error(&problems.summary, "entry-summary"))
                }
                div.field.grow {
                    label for="entry-handling" { "处理情况" }
                    textarea #entry-handling name="handling" rows="2" { (filled.handling) }
                }
                button type="submit" { "登记" }
            }
        }
    }
}

fn handover_form(desk: &Desk, directory: &Directory, unit: &str, filled: &Filled, problems: &Problems) -> Markup {
    html! {
        section #handover-form {
            h3 { "交班" }
            form.action.wide method="post" action="/log/handover" {
                input type="hidden" name="csrf" value=(desk.csrf_token);
                (error(&problems.handover, "handover"))
                label for="incoming" { "接班人" }
                select #incoming name="incoming" aria-invalid=[invalid(&problems.incoming)] aria-describedby=[described_by(&problems.incoming, "incoming")] {
                    option value="" { "请选择" }
                    @for (id, p) in directory.people.iter().filter(|(id, p)| p.unit == unit && **id != desk.principal.username) {
                        option value=(id) selected[*id == filled.incoming] { (p.name) }
                    }
                }
                (error(&problems.incoming, "incoming"))
                label for="handover-note" { "交接事项" }
                textarea #handover-note name="note" rows="6" { (filled.note) }
                button type="submit" { "交班" }
            }
        }
    }
}

fn entries_table(directory: &Directory, first: NaiveDate, logged: &[Entry]) -> Markup {
    html! {
        section #log-entries data-live {
            h3 { (first.format("%Y年%-m月")) " 共 " (logged.len()) " 条" }
            @if logged.is_empty() {
                p.summary { "本月尚无记录。" }
            } @else {
                table.log {
                    thead { tr {
                        th scope="col" { "时间" } th scope="col" { "类别" } th scope="col" { "对方" }
                        th scope="col" { "内容" } th scope="col" { "处理" } th scope="col" { "登记人" }
                    } }
                    tbody {
                        @for e in logged {
                            tr data-at=(e.at) {
                                td { (format::short_text(&e.at_text)) }
                                td { (LogKind::parse(&e.kind).map(LogKind::label_zh).unwrap_or(&e.kind)) }
                                td {
                                    @if e.kind == LogKind::Handover.code() { "接班：" (format::person(directory, &e.counterpart)) }
                                    @else { (e.counterpart) }
                                }
                                td.note { (e.summary) }
                                td { (e.handling) }
                                td { (format::person(directory, &e.by)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
