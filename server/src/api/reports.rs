//! The desk's publications over HTTP: `GET /api/v1/reports/{kind}/{period}` answers the printable HTML page,
//! or with `?format=csv` the rows behind it. For the desk and leaders.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use crate::AppState;
use crate::publications::{self, Publication, PublicationError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFormat {
    /// `html` (the default) or `csv`.
    pub format: Option<String>,
}

impl From<PublicationError> for ApiError {
    fn from(e: PublicationError) -> Self {
        match e {
            PublicationError::BadPeriod(reason) => ApiError::bad_request(reason),
            PublicationError::Database(e) => e.into(),
        }
    }
}

/// A publication: `daily/2026-10-01`, `monthly/2026-10`, `quarterly/2026-Q4`, `yearly/2026`.
#[utoipa::path(get, path = "/api/v1/reports/{kind}/{period}", tag = "reports",
    params(("kind" = String, Path, description = "daily, monthly, quarterly or yearly"),
           ("period" = String, Path, description = "2026-10-01, 2026-10, 2026-Q4 or 2026"), ReportFormat),
    responses((status = 200, description = "text/html or text/csv", content_type = "text/html"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn report(
    caller: Caller,
    State(state): State<AppState>,
    Path((kind, period)): Path<(String, String)>,
    Query(format): Query<ReportFormat>,
) -> Result<Response, ApiError> {
    if !caller.viewer.sees_everything() {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            reason: "publications are compiled for the desk and leaders; ask the duty desk for a copy".into(),
        });
    }
    let publication = Publication::parse(&kind, &period)?;
    let csv = match format.format.as_deref() {
        None | Some("html") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::bad_request(format!("format={other:?}: use html or csv"))),
    };
    let rendered =
        publications::generate(state.hub.office(), publication, state.hub.now_millis(), &|_, _, _| {}).await?;
    let stem = publication.file_stem();
    Ok(if csv {
        let disposition = format!("attachment; filename=\"{stem}.csv\"");
        (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
            rendered.csv,
        )
            .into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], rendered.html).into_response()
    })
}
