//! Times in the API: answers carry RFC 3339 in the office's zone; filters take RFC 3339 or a date
//! (`2026-10-01`, meaning that day's start in the office's zone).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use zhiban_model::documents::time::format_instant;
use zhiban_model::rules::{office_time_zone, start_of_day};

use super::error::ApiError;

pub fn text(millis: i64) -> String {
    match Utc.timestamp_millis_opt(millis).single() {
        Some(t) => format_instant(t.with_timezone(&office_time_zone())),
        None => millis.to_string(),
    }
}

pub fn optional_text(millis: Option<i64>) -> Option<String> {
    millis.map(text)
}

/// Parses a filter's time; the error names the parameter.
pub fn parse(name: &str, value: &str) -> Result<i64, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(start_of_day(day).timestamp_millis());
    }
    Err(ApiError::bad_request(format!(
        "{name}={value:?} is neither a time like 2026-10-01T08:00:00+08:00 nor a date like 2026-10-01"
    )))
}
