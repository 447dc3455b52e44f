//! A document's history as the server received it: who delivered each change, when by their device and
//! when by the server, and what it touched.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::{document_key, time};
use crate::AppState;
use crate::db;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRecord {
    pub change_hash: String,
    /// The Automerge actor that made it.
    pub actor: String,
    pub seq: i64,
    /// By the device's clock (what the change says); absent when the change carries no time.
    pub claimed_at: Option<String>,
    /// By the server's clock.
    pub received_at: String,
    /// Who delivered it; absent for a change delivered without a login, `server` devices are the server's own.
    pub username: Option<String>,
    pub device_id: Option<String>,
    /// Paths the message that brought it touched (`entries/e2`).
    pub touched: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub document: String,
    pub changes: Vec<ChangeRecord>,
}

/// Every change of a document the server stored, in the order it received them.
#[utoipa::path(get, path = "/api/v1/docs/{document}/history", tag = "history",
    params(("document" = String, Path, description = "the document's id or automerge: URL")),
    responses((status = 200, body = History), (status = 404, body = ErrorBody)))]
pub async fn history(
    caller: Caller,
    State(state): State<AppState>,
    Path(document): Path<String>,
) -> ApiResult<History> {
    let id = document_key(&document)?;
    caller.check(&state, id, "document").await?;
    let rows = db::history::of_document(&state.hub.office().database, &id.to_string()).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found(format!("the server has no history of {}", id.url())));
    }
    let changes = rows
        .into_iter()
        .map(|c| ChangeRecord {
            claimed_at: (c.claimed_at > 0).then(|| time::text(c.claimed_at)),
            received_at: time::text(c.received_at),
            touched: c.touched.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            change_hash: c.change_hash,
            actor: c.actor,
            seq: c.seq,
            username: c.username,
            device_id: c.device_id,
        })
        .collect();
    Ok(Json(History { document: id.url(), changes }))
}
