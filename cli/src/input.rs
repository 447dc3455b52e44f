//! What a person types: JSON, document URLs, times (office time unless they carry an offset).

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use zhiban_client_core::{ClientError, DocumentId};
use zhiban_model::rules::office_time_zone;

pub(crate) fn parse_json(text: &str) -> Result<serde_json::Value, ClientError> {
    serde_json::from_str(text).map_err(|e| ClientError::InvalidInput(format!("not valid JSON ({e}): {text}")))
}

pub(crate) fn parse_id(url: &str) -> Result<DocumentId, ClientError> {
    DocumentId::parse_url_or_id(url).map_err(|e| ClientError::InvalidInput(e.to_string()))
}

/// A time as a person types it: with an offset, or office local time (`2026-10-01T08:00`, seconds optional).
pub(crate) fn parse_time(flag: &str, text: &str) -> Result<DateTime<FixedOffset>, ClientError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t);
    }
    parse_local(flag, text)?
        .and_local_timezone(office_time_zone())
        .single()
        .ok_or_else(|| ClientError::InvalidInput(format!("{flag} {text:?} is not a time")))
}

pub(crate) fn parse_local(flag: &str, text: &str) -> Result<NaiveDateTime, ClientError> {
    let text = text.trim().replace(' ', "T");
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
        .ok_or_else(|| ClientError::InvalidInput(format!("{flag} {text:?} is not a time like 2026-10-01T08:00")))
}
