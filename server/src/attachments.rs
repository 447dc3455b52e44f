//! Attachment bytes: photos, recordings and videos the incidents refer to by SHA-256. Phones upload them in
//! chunks when they can reach the server, and resume after an interruption from the offset the server holds:
//!
//! - `PUT /api/v1/attachments/{sha256}?offset=N&total=SIZE` appends the body at `N` (`total`, the whole size,
//!   is needed on the first chunk and checked on the others); a wrong `N` gets 409 with the server's offset.
//! - `GET /api/v1/attachments/{sha256}/status` → `{"received": N, "complete": bool}`.
//! - `GET /api/v1/attachments/{sha256}` → the bytes, once complete.
//!
//! When the last byte arrives the whole upload is hashed; bytes that do not hash to their name are discarded
//! (422) so the phone sends them again from the start. Every route needs an access token, as the rest of the
//! API does.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use zhiban_model::documents::incident::is_sha256_hex;

use crate::AppState;
use crate::api::caller::Caller;

/// The largest chunk one request may carry.
pub const MAX_CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// The largest attachment the server keeps.
pub const MAX_ATTACHMENT_BYTES: i64 = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/attachments/{sha256}", put(put_chunk).get(get_bytes))
        .route("/api/v1/attachments/{sha256}/status", get(status))
        // A little over the chunk cap so that an oversized chunk gets our JSON reason, not a bare 413.
        .layer(DefaultBodyLimit::max(MAX_CHUNK_BYTES + 1024))
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: i64,
    total: Option<i64>,
}

fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    (status, Json(json!({ "error": reason.into() }))).into_response()
}

fn database_error(e: sqlx::Error) -> Response {
    tracing::warn!(error = %e, "attachment storage failed");
    error(StatusCode::SERVICE_UNAVAILABLE, format!("the server could not store or read the attachment: {e}"))
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn bad_name(sha256: &str) -> Option<Response> {
    (!is_sha256_hex(sha256)).then(|| {
        error(StatusCode::BAD_REQUEST, format!("{sha256:?} is not a SHA-256 in lowercase hex (64 characters)"))
    })
}

/// (total, received, complete) of an upload.
type Progress = (i64, i64, bool);

async fn progress(state: &AppState, sha256: &str) -> Result<Option<Progress>, sqlx::Error> {
    let db = state.hub.store().database();
    let row: Option<(i64, i64, i64)> = crate::on_database!(&db, pool => {
        sqlx::query_as("SELECT total, received, complete FROM attachment_uploads WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(|(total, received, complete)| (total, received, complete != 0)))
}

async fn status(_caller: Caller, State(state): State<AppState>, Path(sha256): Path<String>) -> Response {
    if let Some(bad) = bad_name(&sha256) {
        return bad;
    }
    match progress(&state, &sha256).await {
        Ok(Some((total, received, complete))) => {
            Json(json!({ "received": received, "complete": complete, "total": total })).into_response()
        }
        Ok(None) => Json(json!({ "received": 0, "complete": false })).into_response(),
        Err(e) => database_error(e),
    }
}

/// What appending a chunk found.
enum Appended {
    Stored { received: i64, total: i64 },
    AlreadyComplete { total: i64 },
    WrongOffset { received: i64 },
    WrongTotal { total: i64 },
}

async fn put_chunk(
    _caller: Caller,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    Query(query): Query<ChunkQuery>,
    body: Bytes,
) -> Response {
    if let Some(bad) = bad_name(&sha256) {
        return bad;
    }
    if body.len() > MAX_CHUNK_BYTES {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a chunk may have at most {MAX_CHUNK_BYTES} bytes; this one has {}", body.len()),
        );
    }
    if body.is_empty() {
        return error(StatusCode::BAD_REQUEST, "the chunk is empty");
    }
    if let Some(total) = query.total {
        if total <= 0 || total > MAX_ATTACHMENT_BYTES {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("an attachment may have 1 to {MAX_ATTACHMENT_BYTES} bytes; this one says {total}"),
            );
        }
        if query.offset < 0 || query.offset + body.len() as i64 > total {
            return error(
                StatusCode::BAD_REQUEST,
                format!("bytes {}..{} do not fit in {total} bytes", query.offset, query.offset + body.len() as i64),
            );
        }
    }
    let appended = match append(&state, &sha256, query.offset, query.total, &body).await {
        Ok(Ok(appended)) => appended,
        Ok(Err(refusal)) => return refusal,
        Err(e) => return database_error(e),
    };
    match appended {
        Appended::AlreadyComplete { total } => Json(json!({ "received": total, "complete": true })).into_response(),
        Appended::WrongOffset { received } => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": format!("the server holds {received} bytes of this attachment; continue from there"),
                "received": received,
            })),
        )
            .into_response(),
        Appended::WrongTotal { total } => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("this attachment was announced with {total} bytes; the same name cannot have another size"),
        ),
        Appended::Stored { received, total } if received < total => {
            Json(json!({ "received": received, "complete": false })).into_response()
        }
        Appended::Stored { received, .. } => match verify(&state, &sha256).await {
            Ok(true) => (StatusCode::CREATED, Json(json!({ "received": received, "complete": true }))).into_response(),
            Ok(false) => error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the bytes received do not hash to {sha256}; the upload was discarded: send it again from the start"
                ),
            ),
            Err(e) => database_error(e),
        },
    }
}

/// Appends one chunk in one transaction: the offset must be where the server is.
async fn append(
    state: &AppState,
    sha256: &str,
    offset: i64,
    total: Option<i64>,
    data: &[u8],
) -> Result<Result<Appended, Response>, sqlx::Error> {
    let db = state.hub.store().database();
    let now = now_millis();
    crate::on_database!(&db, pool => {
        let mut tx = pool.begin().await?;
        if let Some(total) = total {
            sqlx::query(
                "INSERT INTO attachment_uploads (sha256, total, received, complete, updated_at)
                 VALUES ($1, $2, 0, 0, $3) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(sha256)
            .bind(total)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let row: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT total, received, complete FROM attachment_uploads WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((stored_total, received, complete)) = row else {
            return Ok(Err(error(StatusCode::BAD_REQUEST, "the first chunk of an attachment must say its total size")));
        };
        if complete != 0 {
            return Ok(Ok(Appended::AlreadyComplete { total: stored_total }));
        }
        if total.is_some_and(|t| t != stored_total) {
            return Ok(Ok(Appended::WrongTotal { total: stored_total }));
        }
        if offset != received {
            return Ok(Ok(Appended::WrongOffset { received }));
        }
        let new_received = received + data.len() as i64;
        if new_received > stored_total {
            return Ok(Err(error(
                StatusCode::BAD_REQUEST,
                format!("bytes {offset}..{new_received} do not fit in {stored_total} bytes"),
            )));
        }
        // Conditional, so two uploads racing at the same offset cannot both append.
        let moved = sqlx::query(
            "UPDATE attachment_uploads SET received = $2, updated_at = $3 WHERE sha256 = $1 AND received = $4",
        )
        .bind(sha256)
        .bind(new_received)
        .bind(now)
        .bind(received)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Ok(Ok(Appended::WrongOffset { received }));
        }
        sqlx::query("INSERT INTO attachment_chunks (sha256, start_offset, data) VALUES ($1, $2, $3)")
            .bind(sha256)
            .bind(offset)
            .bind(data)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(Appended::Stored { received: new_received, total: stored_total }))
    })
}

async fn chunks(state: &AppState, sha256: &str) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    let db = state.hub.store().database();
    crate::on_database!(&db, pool => {
        let rows: Vec<(Vec<u8>,)> =
            sqlx::query_as("SELECT data FROM attachment_chunks WHERE sha256 = $1 ORDER BY start_offset")
                .bind(sha256)
                .fetch_all(pool)
                .await?;
        Ok(rows.into_iter().map(|(data,)| data).collect())
    })
}

/// Hashes the whole upload: marks it complete when it matches its name, discards it when not.
async fn verify(state: &AppState, sha256: &str) -> Result<bool, sqlx::Error> {
    let mut hasher = Sha256::new();
    for chunk in chunks(state, sha256).await? {
        hasher.update(&chunk);
    }
    let digest: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let db = state.hub.store().database();
    let matches = digest == sha256;
    crate::on_database!(&db, pool => {
        let mut tx = pool.begin().await?;
        if matches {
            sqlx::query("UPDATE attachment_uploads SET complete = 1, updated_at = $2 WHERE sha256 = $1")
                .bind(sha256)
                .bind(now_millis())
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("DELETE FROM attachment_chunks WHERE sha256 = $1").bind(sha256).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM attachment_uploads WHERE sha256 = $1").bind(sha256).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(matches)
}

async fn get_bytes(_caller: Caller, State(state): State<AppState>, Path(sha256): Path<String>) -> Response {
    bytes(&state, &sha256, "application/octet-stream").await
}

/// The bytes of a complete attachment as `media_type` (the console shows photos inline); JSON reasons
/// otherwise.
pub(crate) async fn bytes(state: &AppState, sha256: &str, media_type: &str) -> Response {
    let sha256 = sha256.to_owned();
    if let Some(bad) = bad_name(&sha256) {
        return bad;
    }
    match progress(state, &sha256).await {
        Ok(Some((_, _, true))) => {}
        Ok(Some((total, received, false))) => {
            return error(
                StatusCode::CONFLICT,
                format!("the attachment is still being uploaded ({received} of {total} bytes)"),
            );
        }
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("the server has no attachment {sha256}")),
        Err(e) => return database_error(e),
    }
    match chunks(state, &sha256).await {
        Ok(chunks) => (
            [(header::CONTENT_TYPE, media_type.to_owned()), (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned())],
            chunks.concat(),
        )
            .into_response(),
        Err(e) => database_error(e),
    }
}
