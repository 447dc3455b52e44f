//! The desk's HTTP JSON API under `/api/v1`, read from the projections; its OpenAPI description is served
//! at `/api/v1/openapi.json`. Documents are changed through sync, not here: the API only reads.

pub(crate) mod alerts;
pub(crate) mod analysis;
mod auth;
pub mod caller;
pub(crate) mod error;
pub(crate) mod filings;
pub(crate) mod history;
pub(crate) mod incidents;
pub(crate) mod instructions;
mod push;
pub(crate) mod reports;
pub(crate) mod rosters;
pub(crate) mod scores;
pub(crate) mod spot_checks;
pub(crate) mod time;

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;
use zhiban_model::DocumentId;

pub use error::{ApiError, ErrorBody};

use crate::AppState;
use crate::console::csp;

#[derive(OpenApi)]
#[openapi(
    info(title = "Zhiban duty desk API", description = "Incidents, instructions, rosters, who is on duty and roster filing rounds, for the city's duty desk. Read-only: documents change through sync."),
    paths(
        analysis::warnings, analysis::frequency, analysis::trend, analysis::compound,
        auth::login, auth::refresh, auth::logout, history::history,
        incidents::list, incidents::one, instructions::list, instructions::one,
        rosters::directory, rosters::units, rosters::rosters, rosters::unit_roster, rosters::on_duty,
        push::vapid_public_key, push::subscribe, alerts::list, filings::list, filings::one, scores::board, scores::sheet, reports::report, spot_checks::list,
    ),
    tags((name = "analysis"), (name = "auth"), (name = "history"), (name = "incidents"), (name = "instructions"), (name = "rosters"),
         (name = "push"), (name = "alerts"), (name = "filings"), (name = "scores"), (name = "reports"), (name = "spot checks"))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    let routes = Router::new()
        .route("/api/v1/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/docs/{document}/history", get(history::history))
        .route("/api/v1/incidents", get(incidents::list))
        .route("/api/v1/incidents/{document}", get(incidents::one))
        .route("/api/v1/instructions", get(instructions::list))
        .route("/api/v1/instructions/{document}", get(instructions::one))
        .route("/api/v1/directory", get(rosters::directory))
        .route("/api/v1/units", get(rosters::units))
        .route("/api/v1/rosters", get(rosters::rosters))
        .route("/api/v1/units/{unit}/roster", get(rosters::unit_roster))
        .route("/api/v1/units/{unit}/on-duty", get(rosters::on_duty))
        .route("/api/v1/push/vapid-public-key", get(push::vapid_public_key))
        .route("/api/v1/push/subscriptions", post(push::subscribe))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/analysis/warnings", get(analysis::warnings))
        .route("/api/v1/analysis/frequency", get(analysis::frequency))
        .route("/api/v1/analysis/trend", get(analysis::trend))
        .route("/api/v1/analysis/compound", get(analysis::compound))
        .route("/api/v1/filings", get(filings::list))
        .route("/api/v1/filings/{round}", get(filings::one))
        .route("/api/v1/reports/{kind}/{period}", csp::on_route(get(reports::report), csp::publication()))
        .route("/api/v1/scores", get(scores::board))
        .route("/api/v1/spot-checks", get(spot_checks::list))
        .route("/api/v1/scores/{unit}", get(scores::sheet));
    // JSON loads and runs nothing; a publication's page says what it needs (`console/csp.rs`).
    csp::apply(routes, csp::API)
}

/// A path's document: an id or an `automerge:` URL.
fn document_key(text: &str) -> Result<DocumentId, ApiError> {
    DocumentId::parse_url_or_id(text).map_err(|e| ApiError::bad_request(format!("{text:?} is not a document: {e}")))
}

fn url(document_id: &str) -> String {
    format!("automerge:{document_id}")
}
