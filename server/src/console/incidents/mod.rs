//! 突发事件: the list of incidents, and each incident's page — the report chain as a timeline, the figures
//! and their history, photos, the desk's lifecycle actions, and the document's audit history.
//!
//! - `GET /incidents`: newest first (`list`)
//! - `GET /incidents/{id}`: one incident (`page.rs`)
//! - `POST /incidents/{id}/assess|advance|judge`: the desk's actions (`actions.rs`)
//! - `GET /incidents/{id}/attachments/{sha256}`: a photo or other attachment of that incident, served as the
//!   API serves it (`attachments::bytes`)

mod actions;
mod page;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;
use zhiban_model::DocumentId;
use zhiban_model::documents::TypedDocument;
use zhiban_model::documents::incident::Incident;

use super::failure::Failure;
use super::format::{self, document_path};
use super::layout::page;
use super::session::Desk;
use crate::AppState;
use crate::api::incidents::{IncidentFilter, list as api_list};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list))
        .route("/incidents/{id}", get(page::show))
        .route("/incidents/{id}/assess", post(actions::assess))
        .route("/incidents/{id}/advance", post(actions::advance))
        .route("/incidents/{id}/judge", post(actions::judge))
        .route("/incidents/{id}/attachments/{sha256}", get(attachment))
}

/// The incident document `id` as the desk may read it.
pub async fn incident(state: &AppState, desk: &Desk, id: &str) -> Result<(DocumentId, Incident), Failure> {
    let id = DocumentId::parse_url_or_id(id).map_err(|_| Failure::not_found("该突发事件"))?;
    match state.hub.read_as(&desk.principal.viewer(), id).await? {
        TypedDocument::Incident(incident) => Ok((id, incident)),
        _ => Err(Failure::not_found("该突发事件")),
    }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    stage: Option<String>,
}

async fn list(State(state): State<AppState>, desk: Desk, Query(query): Query<ListQuery>) -> Result<Response, Failure> {
    let stage = query.stage.filter(|s| !s.is_empty());
    let filter = IncidentFilter {
        grade: None,
        stage: stage.clone(),
        unit: None,
        from: None,
        to: None,
        late: None,
        sensitive: None,
        limit: Some(300),
    };
    let incidents = api_list(desk.caller(), State(state.clone()), Query(filter)).await?.0.incidents;
    let directory = state.hub.office().directory();
    let now = state.hub.now_millis();
    let stages = ["received", "assessed", "reported_up", "handling", "feedback", "archived"];
    let body = html! {
        h2 { "突发事件" }
        form.filter method="get" action="/incidents" {
            label for="stage" { "阶段" }
            select #stage name="stage" {
                option value="" { "全部" }
                @for s in stages {
                    option value=(s) selected[stage.as_deref() == Some(s)] { (format::stage(s)) }
                }
            }
            button type="submit" { "筛选" }
        }
        section #incident-list data-live {
            p.summary { "共 " (incidents.len()) " 起（最新的在前，最多 300 起）" }
            table.incidents {
                thead { tr {
                    th scope="col" { "事件" } th scope="col" { "单位" } th scope="col" { "接报时间" }
                    th scope="col" { "等级" } th scope="col" { "阶段" } th scope="col" { "报告" }
                } }
                tbody {
                    @for i in &incidents {
                        tr data-document=(i.document) {
                            th scope="row" { a href=(document_path("incidents", &i.document)) { (i.title) } }
                            td { (format::unit(&directory, &i.unit)) }
                            td { (format::short_text(&i.received_at)) }
                            td { (format::grade(&i.effective_grade)) @if i.confirmed_grade.is_none() { "（建议）" } }
                            td { (format::stage(&i.stage)) }
                            td {
                                (i.report_count) " 份" @if i.has_final_report { "，已终报" }
                                @if i.late { "，" span.late { "迟报" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&desk, "/incidents", "突发事件", now, body).into_response())
}

/// An attachment of an incident the desk may see, by the API's rule: inline only what the server recognises
/// as a raster image, anything else downloaded under the incident's name for it.
async fn attachment(
    State(state): State<AppState>,
    desk: Desk,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let (_, incident) = incident(&state, &desk, &id).await?;
    let attached = incident.attachments.get(&sha256).ok_or_else(|| Failure::not_found("该附件"))?;
    // The same check as the API's: someone who may see an incident listing the hash.
    Ok(crate::attachments::bytes(&state, &desk.caller(), &sha256, Some(&attached.file_name)).await)
}
