//! Attachment bytes: photos, recordings and videos the incidents refer to by SHA-256. Phones upload them in
//! chunks when they can reach the server, and resume after an interruption from the offset the server holds:
//!
//! - `PUT /api/v1/attachments/{sha256}?offset=N&total=SIZE` appends the body at `N` (`total`, the whole size,
//!   is needed on the first chunk and checked on the others); a wrong `N` gets 409 with the offset to send
//!   from (`received`).
//! - `GET /api/v1/attachments/{sha256}/status` → `{"received": N, "complete": bool, "total": SIZE}`.
//! - `GET /api/v1/attachments/{sha256}` → the bytes, once complete.
//!
//! **How bytes are served** (`serve`, for the API and the console alike): inline only as a raster image the
//! server recognised from the bytes themselves (JPEG, PNG, GIF, WebP, HEIC/HEIF: `sniff.rs`), with that type;
//! anything else, an SVG or a web page declared `image/…` included, as a download (`application/octet-stream`,
//! `Content-Disposition: attachment`). Always with `X-Content-Type-Options: nosniff` and a sandboxing
//! `Content-Security-Policy` (`console/csp.rs`), so nothing attached runs a script on the server's origin.
//!
//! When the last byte arrives the whole upload is hashed; bytes that do not hash to their name are discarded
//! (422) so the phone sends them again from the start. Every route needs an access token, as the rest of the
//! API does.
//!
//! **Who may read.** The bytes and the status are answered only to a person who may see at least one
//! incident whose `attachments` lists the hash (the `incident_attachments` projection, written with the
//! incident's own chunk; each incident checked by the API's `Caller::check`), and the status also to the
//! person uploading it, so they can resume. Anyone else is told 404 `no attachment …`, exactly as for a hash
//! the server has never heard of. The console serves the bytes through the same function (`bytes`).
//!
//! **Whose upload.** A partial upload belongs to the person who sent its first chunk (`uploaded_by`):
//!
//! - Its uploader continues it from its offset; at another offset they get 409 with the server's offset.
//! - Anyone else (or its uploader with another `total`) sending a chunk at offset 0 starts it over: their
//!   bytes replace it and it becomes theirs. So a wrong size announced by someone else blocks no one.
//! - Anyone else continuing it at an offset past 0 gets 409 with offset 0: they start over as above, and
//!   never append to bytes someone else sent.
//! - Except that another person's upload of the same size that had a chunk in the last minute is left to
//!   finish (503 with `Retry-After`): two phones uploading the same photo at once would otherwise start each
//!   other over for ever. The other's upload is most likely the same bytes, and whole a moment later.
//! - A complete upload was verified by its hash, so it is nobody's to replace; a chunk for it is answered
//!   `complete` and not stored.
//!
//! Partial uploads made before uploaders were recorded have none: anyone may start them over. Uploads are
//! not refused for a hash that no incident the uploader may see lists: a phone's photo must upload even when
//! the change attaching it was refused or the person may no longer see the incident (the desk may), and one
//! refused upload would stop the phone's others. What nobody may see is bounded by the quota and, while
//! partial, by the expiry.
//!
//! **Expiry.** A partial upload without a new chunk for 24 hours (by the server's `Clock`) is removed, bytes
//! and row: by a sweep before each chunk is stored, and by a task `app.rs` starts, which sweeps each time
//! the server's clock has moved on a minute (and once a minute by the machine's). Until swept, one that old
//! is treated as absent.
//!
//! **Quota.** What one person's uploads take, whole or under way (a partial one at its announced size, what
//! it will take once whole), may not pass `--attachment-quota-bytes` (2 GiB by default): a chunk that would
//! is refused with 413 and the reason, before any of its bytes are stored. Nothing removes a complete upload
//! yet, so those count for good. The check is per chunk, so a person's uploads racing each other on
//! PostgreSQL may pass it by what is in flight.

pub(crate) mod sniff;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use zhiban_model::DocumentId;
use zhiban_model::documents::incident::is_sha256_hex;

use crate::AppState;
use crate::api::caller::Caller;
use crate::api::error::ApiError;
use crate::console::csp;
use crate::db::Database;
use crate::db::attachments::{self, Upload};
use crate::sync::Hub;
use sniff::Raster;

/// The largest chunk one request may carry.
pub const MAX_CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// The largest attachment the server keeps.
pub const MAX_ATTACHMENT_BYTES: i64 = 64 * 1024 * 1024;
/// What one person's uploads may take unless `--attachment-quota-bytes` says otherwise: 2 GiB.
pub const DEFAULT_QUOTA_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// A partial upload without a new chunk for this long is removed.
pub const PARTIAL_EXPIRY: Duration = Duration::from_secs(24 * 60 * 60);
/// Another person's upload of the same size with a chunk this recent is left to finish.
pub const BUSY_WINDOW: Duration = Duration::from_secs(60);
/// How far the server's clock moves on between two sweeps of expired partial uploads.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

pub fn routes() -> Router<AppState> {
    let routes = Router::new()
        .route("/api/v1/attachments/{sha256}", put(put_chunk).get(get_bytes))
        .route("/api/v1/attachments/{sha256}/status", get(status))
        // A little over the chunk cap so that an oversized chunk gets our JSON reason, not a bare 413.
        .layer(DefaultBodyLimit::max(MAX_CHUNK_BYTES + 1024));
    // The API's policy for its JSON answers; the bytes carry their own (`serve`).
    csp::apply(routes, csp::API)
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: i64,
    total: Option<i64>,
}

fn millis(d: Duration) -> i64 {
    d.as_millis() as i64
}

fn error(status: StatusCode, reason: impl Into<String>) -> Response {
    (status, Json(json!({ "error": reason.into() }))).into_response()
}

fn database_error(e: sqlx::Error) -> Response {
    tracing::warn!(error = %e, "attachment storage failed");
    error(StatusCode::SERVICE_UNAVAILABLE, format!("the server could not store or read the attachment: {e}"))
}

/// What a person who may not see the attachment is told: the same as for one that does not exist.
fn not_found(sha256: &str) -> Response {
    ApiError::not_found(format!("no attachment {sha256}")).into_response()
}

fn bad_name(sha256: &str) -> Option<Response> {
    (!is_sha256_hex(sha256)).then(|| {
        error(StatusCode::BAD_REQUEST, format!("{sha256:?} is not a SHA-256 in lowercase hex (64 characters)"))
    })
}

/// A size as a person reads it.
fn size(bytes: i64) -> String {
    const MIB: i64 = 1024 * 1024;
    if bytes >= 1024 * MIB {
        format!("{:.1} GiB", bytes as f64 / (1024 * MIB) as f64)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

/// A partial upload left without a chunk past the expiry: as good as gone.
fn expired(upload: &Upload, now: i64) -> bool {
    !upload.complete && upload.updated_at < now - millis(PARTIAL_EXPIRY)
}

fn uploaded_by(upload: &Upload, username: &str) -> bool {
    upload.uploaded_by.as_deref() == Some(username)
}

/// The upload of `sha256`, unless there is none or it is a partial one that has expired.
async fn upload(state: &AppState, sha256: &str) -> Result<Option<Upload>, sqlx::Error> {
    let found = attachments::upload(&state.hub.store().database(), sha256).await?;
    let now = state.hub.now_millis();
    Ok(found.filter(|u| !expired(u, now)))
}

/// Whether `caller` may see at least one incident whose attachments list `sha256`: the API's own check
/// on each incident the projection says lists it.
async fn listed_for(state: &AppState, caller: &Caller, sha256: &str) -> Result<bool, ApiError> {
    for id in attachments::incidents_listing(&state.hub.store().database(), sha256).await? {
        let Ok(id) = id.parse::<DocumentId>() else { continue };
        match caller.check(state, id, "incident").await {
            Ok(()) => return Ok(true),
            Err(e) if e.status == StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

async fn status(caller: Caller, State(state): State<AppState>, Path(sha256): Path<String>) -> Response {
    if let Some(bad) = bad_name(&sha256) {
        return bad;
    }
    let upload = match upload(&state, &sha256).await {
        Ok(upload) => upload,
        Err(e) => return database_error(e),
    };
    // Its uploader follows their own upload, whatever they may see.
    if !upload.as_ref().is_some_and(|u| uploaded_by(u, &caller.principal.username)) {
        match listed_for(&state, &caller, &sha256).await {
            Ok(true) => {}
            Ok(false) => return not_found(&sha256),
            Err(e) => return e.into_response(),
        }
    }
    match upload {
        Some(u) => Json(json!({ "received": u.received, "complete": u.complete, "total": u.total })).into_response(),
        None => Json(json!({ "received": 0, "complete": false })).into_response(),
    }
}

/// What appending a chunk found.
enum Appended {
    Stored {
        received: i64,
        total: i64,
    },
    AlreadyComplete {
        total: i64,
    },
    /// Continue from `received`.
    WrongOffset {
        received: i64,
    },
    /// Someone else's partial upload is there: start over from 0, which replaces it.
    NotYours,
    /// Someone else is uploading bytes of this name and size right now.
    Busy {
        seconds_ago: i64,
    },
    /// Every byte is here but not yet hashed (a server stopped between the last chunk and its check).
    Unverified,
    OverQuota {
        held: i64,
        total: i64,
        quota: i64,
    },
    NeedsTotal,
    DoesNotFit {
        end: i64,
        total: i64,
    },
}

async fn put_chunk(
    caller: Caller,
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
    if query.offset < 0 {
        return error(StatusCode::BAD_REQUEST, format!("offset {} is before the start", query.offset));
    }
    if let Some(total) = query.total {
        if total <= 0 || total > MAX_ATTACHMENT_BYTES {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("an attachment may have 1 to {MAX_ATTACHMENT_BYTES} bytes; this one says {total}"),
            );
        }
        if query.offset + body.len() as i64 > total {
            return error(
                StatusCode::BAD_REQUEST,
                format!("bytes {}..{} do not fit in {total} bytes", query.offset, query.offset + body.len() as i64),
            );
        }
    }
    let database = state.hub.store().database();
    // Costs one indexed delete that finds nothing, nearly always.
    if let Err(e) = expire(&database, state.hub.now_millis()).await {
        tracing::warn!(error = %e, "cannot remove expired partial uploads; the periodic sweep will");
    }
    let chunk = Chunk {
        uploader: &caller.principal.username,
        sha256: &sha256,
        offset: query.offset,
        total: query.total,
        data: &body,
        quota: i64::try_from(state.attachment_quota_bytes).unwrap_or(i64::MAX),
    };
    // A second try only after checking bytes a stopped server left unchecked.
    let mut appended = append(&state, &chunk).await;
    if let Ok(Appended::Unverified) = appended {
        if let Err(e) = verify(&state, &sha256).await {
            return database_error(e);
        }
        appended = append(&state, &chunk).await;
    }
    let appended = match appended {
        Ok(appended) => appended,
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
        Appended::NotYours => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": "the bytes of this attachment on the server were sent by someone else; send yours from \
                          the start (offset 0): they replace them",
                "received": 0,
            })),
        )
            .into_response(),
        Appended::Busy { seconds_ago } => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, BUSY_WINDOW.as_secs().to_string())],
            Json(json!({
                "error": format!(
                    "someone else is uploading an attachment of this name and size (a chunk came {seconds_ago} s \
                     ago); it is most likely the same file and complete shortly: try again in a minute"
                ),
            })),
        )
            .into_response(),
        Appended::Unverified => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is checking the bytes of this attachment; try again in a moment",
        ),
        Appended::OverQuota { held, total, quota } => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "your uploads on this server already take {} and this attachment of {} would pass your quota \
                 of {}; ask an administrator to raise --attachment-quota-bytes",
                size(held),
                size(total),
                size(quota)
            ),
        ),
        Appended::NeedsTotal => {
            error(StatusCode::BAD_REQUEST, "the first chunk of an attachment must say its total size (`total=`)")
        }
        Appended::DoesNotFit { end, total } => {
            error(StatusCode::BAD_REQUEST, format!("bytes {}..{end} do not fit in {total} bytes", chunk.offset))
        }
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

/// One chunk as sent.
struct Chunk<'a> {
    uploader: &'a str,
    sha256: &'a str,
    offset: i64,
    total: Option<i64>,
    data: &'a [u8],
    quota: i64,
}

/// Stores one chunk in one transaction, by the rules in the module's doc.
async fn append(state: &AppState, chunk: &Chunk<'_>) -> Result<Appended, sqlx::Error> {
    let database = state.hub.store().database();
    let now = state.hub.now_millis();
    let len = chunk.data.len() as i64;
    let mut tx = database.begin().await?;
    let mut conn = tx.conn();
    // The row is taken first, so no other chunk of it is decided on until this one is stored or refused.
    let found = attachments::lock(&mut conn, chunk.sha256).await?;
    // An expired partial upload not yet swept: gone, but its row is still to be removed.
    let unswept = found.as_ref().is_some_and(|u| expired(u, now));
    let existing = found.filter(|u| !expired(u, now));
    // Continuing one's own partial upload as announced.
    if let Some(u) = &existing
        && !u.complete
        && uploaded_by(u, chunk.uploader)
        && chunk.total.is_none_or(|t| t == u.total)
    {
        if u.received == u.total {
            return Ok(Appended::Unverified);
        }
        if chunk.offset != u.received {
            return Ok(Appended::WrongOffset { received: u.received });
        }
        let end = u.received + len;
        if end > u.total {
            return Ok(Appended::DoesNotFit { end, total: u.total });
        }
        let held = attachments::held_by(&mut conn, chunk.uploader, chunk.sha256).await?;
        if held + u.total > chunk.quota {
            return Ok(Appended::OverQuota { held, total: u.total, quota: chunk.quota });
        }
        if !attachments::advance(&mut conn, chunk.sha256, u.received, end, now).await? {
            return Ok(Appended::WrongOffset { received: u.received });
        }
        attachments::add_chunk(&mut conn, chunk.sha256, chunk.offset, chunk.data).await?;
        tx.commit().await?;
        return Ok(Appended::Stored { received: end, total: u.total });
    }
    match &existing {
        Some(u) if u.complete => return Ok(Appended::AlreadyComplete { total: u.total }),
        Some(u) if u.received == u.total => return Ok(Appended::Unverified),
        // Someone else's, or one's own with another size: only a new start replaces it.
        Some(u) if chunk.offset != 0 => {
            return Ok(if uploaded_by(u, chunk.uploader) {
                Appended::WrongOffset { received: 0 }
            } else {
                Appended::NotYours
            });
        }
        None if chunk.offset != 0 => return Ok(Appended::WrongOffset { received: 0 }),
        _ => {}
    }
    let Some(total) = chunk.total else { return Ok(Appended::NeedsTotal) };
    if let Some(u) = &existing
        && u.uploaded_by.is_some()
        && !uploaded_by(u, chunk.uploader)
        && u.total == total
        && now - u.updated_at < millis(BUSY_WINDOW)
    {
        return Ok(Appended::Busy { seconds_ago: (now - u.updated_at).max(0) / 1000 });
    }
    let held = attachments::held_by(&mut conn, chunk.uploader, chunk.sha256).await?;
    if held + total > chunk.quota {
        return Ok(Appended::OverQuota { held, total, quota: chunk.quota });
    }
    if existing.is_some() || unswept {
        attachments::remove_partial(&mut conn, chunk.sha256).await?;
    }
    if !attachments::start(&mut conn, chunk.sha256, total, len, chunk.uploader, now).await? {
        // Another upload of these bytes began at this moment: look again from the start.
        return Ok(Appended::WrongOffset { received: 0 });
    }
    attachments::add_chunk(&mut conn, chunk.sha256, 0, chunk.data).await?;
    tx.commit().await?;
    Ok(Appended::Stored { received: len, total })
}

/// Removes partial uploads without a chunk for `PARTIAL_EXPIRY` before `now`, their bytes with them;
/// returns how many.
pub async fn expire(database: &Database, now: i64) -> Result<u64, sqlx::Error> {
    attachments::remove_partial_before(database, now - millis(PARTIAL_EXPIRY)).await
}

/// Sweeps expired partial uploads each time the server's clock has moved on `SWEEP_EVERY` (and at least
/// that often by the machine's), until aborted when the server stops.
pub fn spawn_expiry(hub: Arc<Hub>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        let mut swept_at: Option<(i64, tokio::time::Instant)> = None;
        loop {
            interval.tick().await;
            let now = hub.now_millis();
            let due = swept_at.is_none_or(|(office, machine)| {
                now - office >= millis(SWEEP_EVERY) || now < office || machine.elapsed() >= SWEEP_EVERY
            });
            if !due {
                continue;
            }
            match expire(&hub.store().database(), now).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed partial attachment uploads left for 24 h"),
                Err(e) => tracing::warn!(error = %e, "cannot remove expired partial uploads; trying again"),
            }
            swept_at = Some((now, tokio::time::Instant::now()));
        }
    })
}

async fn chunks(state: &AppState, sha256: &str) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    attachments::chunks(&state.hub.store().database(), sha256).await
}

/// Hashes the whole upload: marks it complete when it matches its name, discards it when not. Only an
/// upload still partial with every byte received is touched.
async fn verify(state: &AppState, sha256: &str) -> Result<bool, sqlx::Error> {
    let mut hasher = Sha256::new();
    for chunk in chunks(state, sha256).await? {
        hasher.update(&chunk);
    }
    let digest: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let database = state.hub.store().database();
    let matches = digest == sha256;
    if matches {
        attachments::mark_complete(&database, sha256, state.hub.now_millis()).await?;
    } else {
        attachments::discard_unverified(&database, sha256).await?;
    }
    Ok(matches)
}

async fn get_bytes(caller: Caller, State(state): State<AppState>, Path(sha256): Path<String>) -> Response {
    bytes(&state, &caller, &sha256, None).await
}

/// The bytes of a complete attachment, to a caller who may see an incident listing it; JSON reasons
/// otherwise. Every door serving attachment bytes comes here, and they are answered by `serve`'s rule.
/// `file_name`: what to call a download (the incident's name for it), else the hash.
pub(crate) async fn bytes(state: &AppState, caller: &Caller, sha256: &str, file_name: Option<&str>) -> Response {
    if let Some(bad) = bad_name(sha256) {
        return bad;
    }
    match listed_for(state, caller, sha256).await {
        Ok(true) => {}
        Ok(false) => return not_found(sha256),
        Err(e) => return e.into_response(),
    }
    match upload(state, sha256).await {
        Ok(Some(u)) if u.complete => {}
        Ok(Some(u)) => {
            return error(
                StatusCode::CONFLICT,
                format!("the attachment is still being uploaded ({} of {} bytes)", u.received, u.total),
            );
        }
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                format!(
                    "the server has no bytes of attachment {sha256} yet; the phone that attached it sends them \
                     when it next syncs"
                ),
            );
        }
        Err(e) => return database_error(e),
    }
    match chunks(state, sha256).await {
        Ok(chunks) => serve(chunks.concat(), file_name.unwrap_or(sha256)),
        Err(e) => database_error(e),
    }
}

/// How attachment bytes are answered, whatever type the phone declared (an SVG or HTML page would run its
/// script on the console's origin): shown inline only when `sniff` recognises a raster image, as that type;
/// anything else downloaded as `application/octet-stream`. Never sniffed by the browser, and sandboxed (a
/// download with no source allowed, should a browser render it all the same).
fn serve(data: Vec<u8>, file_name: &str) -> Response {
    let (content_type, disposition, policy) = match Raster::sniff(&data) {
        Some(raster) => (raster.media_type(), "inline", csp::IMAGE),
        None => ("application/octet-stream", "attachment", csp::DOWNLOAD),
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, content_disposition(disposition, file_name)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy)),
        ],
        data,
    )
        .into_response()
}

/// `inline` or `attachment` with a file name a browser saves safely: no folders, no control characters or
/// quotes; as ASCII (`filename`) and whole in UTF-8 (`filename*`, RFC 6266), since names are mostly Chinese.
fn content_disposition(disposition: &str, file_name: &str) -> HeaderValue {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\'))
        .take(120)
        .collect::<String>()
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned();
    let name = if name.is_empty() { "attachment".to_owned() } else { name };
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'!'
            | b'#'
            | b'$'
            | b'&'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(data: &[u8], name: &str) -> axum::http::HeaderMap {
        serve(data.to_vec(), name).headers().clone()
    }

    #[test]
    fn only_a_sniffed_raster_image_is_inline_and_anything_else_is_a_sandboxed_download() {
        let png = headers(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "现场.txt");
        assert_eq!(png[header::CONTENT_TYPE], "image/png");
        assert!(png[header::CONTENT_DISPOSITION].to_str().is_ok_and(|d| d.starts_with("inline;")));
        let svg = headers(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "a.svg");
        assert_eq!(svg[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(svg[header::CONTENT_DISPOSITION], "attachment; filename=\"a.svg\"; filename*=UTF-8''a.svg");
        for answer in [png, svg] {
            assert_eq!(answer[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert!(answer[header::CONTENT_SECURITY_POLICY].to_str().is_ok_and(|p| p.contains("sandbox")));
        }
    }

    #[test]
    fn a_download_is_named_without_folders_quotes_or_control_characters() {
        let cases = [
            ("现场 1.jpg", "attachment; filename=\"__ 1.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%201.jpg"),
            ("../../etc/passwd", "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"),
            ("C:\\x\\a\"b\r\n.svg", "attachment; filename=\"ab.svg\"; filename*=UTF-8''ab.svg"),
            ("..", "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"),
        ];
        for (name, expected) in cases {
            assert_eq!(content_disposition("attachment", name), expected, "{name:?}");
        }
    }
}
