//! Open incidents on the board, by grade: each with its unit, stage and reporting clocks — whether the
//! first report met its written deadline, and for serious or sensitive incidents without a final report
//! when the next follow-up (续报) is due, counting down or showing how late.

use axum::extract::{Query, State};
use maud::{Markup, html};
use zhiban_model::documents::directory::Directory;

use super::super::failure::Failure;
use super::super::format::{self, clock, document_path};
use super::super::session::Desk;
use crate::AppState;
use crate::api::incidents::{IncidentFilter, IncidentSummary, list};

const GRADES: [&str; 4] = ["I", "II", "III", "IV"];

/// Every incident not yet archived, newest first.
pub async fn open_incidents(state: &AppState, desk: &Desk) -> Result<Vec<IncidentSummary>, Failure> {
    let filter = IncidentFilter {
        grade: None,
        stage: None,
        unit: None,
        from: None,
        to: None,
        late: None,
        sensitive: None,
        limit: Some(1000),
    };
    let found = list(desk.caller(), State(state.clone()), Query(filter)).await?.0;
    Ok(found.incidents.into_iter().filter(|i| i.stage != "archived").collect())
}

pub async fn section(state: &AppState, desk: &Desk, now: i64) -> Result<Markup, Failure> {
    let incidents = open_incidents(state, desk).await?;
    let directory = state.hub.office().directory();
    let follow_up_every = state.hub.office().rules.reminders.follow_up_every.num_milliseconds();
    Ok(html! {
        section #open-incidents data-live {
            h2 { "未结突发事件" span.count { "（" (incidents.len()) " 起）" } }
            @if incidents.is_empty() {
                p.summary { "目前没有未归档的突发事件。" }
            }
            @for grade in GRADES {
                @let these: Vec<&IncidentSummary> = incidents.iter().filter(|i| i.effective_grade == grade).collect();
                @if !these.is_empty() {
                    h3 { (format::grade(grade)) " " (these.len()) " 起" }
                    table.incidents data-grade=(grade) {
                        thead { tr {
                            th scope="col" { "事件" } th scope="col" { "单位" } th scope="col" { "接报时间" }
                            th scope="col" { "阶段" } th scope="col" { "首报" } th scope="col" { "续报时限" }
                            th scope="col" { "伤亡" }
                        } }
                        tbody {
                            @for incident in these {
                                (row(&directory, incident, now, follow_up_every))
                            }
                        }
                    }
                }
            }
        }
    })
}

fn row(directory: &Directory, incident: &IncidentSummary, now: i64, follow_up_every: i64) -> Markup {
    let serious = matches!(incident.effective_grade.as_str(), "I" | "II" | "III") || incident.sensitive;
    let last = incident.last_report_at.as_deref().or(Some(incident.received_at.as_str())).and_then(format::millis);
    let c = &incident.casualties;
    html! {
        tr data-document=(incident.document) {
            th scope="row" {
                a href=(document_path("incidents", &incident.document)) { (incident.title) }
                @if incident.sensitive { " " span.tag { "敏感" } }
            }
            td { (format::unit(directory, &incident.unit)) }
            td { (format::short_text(&incident.received_at)) }
            td { (format::stage(&incident.stage)) }
            td {
                @match (&incident.first_reported_at, incident.late_by_seconds) {
                    (Some(_), Some(late)) => span.late { "迟报 " (format::minutes(late / 60)) },
                    (Some(at), None) => { "按时（" (format::short_text(at)) "）" },
                    (None, _) => {
                        @if let Some(due) = format::millis(&incident.written_due_at) { (clock(due, now)) }
                    }
                }
            }
            td {
                @if incident.has_final_report {
                    "已终报"
                } @else if serious {
                    @if let Some(last) = last { (clock(last + follow_up_every, now)) }
                } @else {
                    "—"
                }
            }
            td { "死亡 " (c.dead) "，受伤 " (c.injured) "，失踪 " (c.missing) "，被困 " (c.trapped) }
        }
    }
}
