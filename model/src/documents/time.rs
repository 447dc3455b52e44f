//! Instants in documents: RFC 3339 with the offset, `2026-10-01T08:05:00+08:00`. The offset is kept so that
//! a time reads the same on every phone and in every report, whatever zone the reader is in.

use chrono::{DateTime, FixedOffset, SecondsFormat};

use super::FieldError;

pub fn format_instant(time: DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Parses an instant a document holds; the error names the field (its path in the document).
pub fn parse_instant(field: &str, value: &str) -> Result<DateTime<FixedOffset>, FieldError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map_err(|_| FieldError::NotATime { field: field.to_owned(), value: value.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_the_offset_and_names_the_field_when_bad() {
        let t = parse_instant("received_at", "2026-10-01T08:05:00+08:00").expect("parse");
        assert_eq!(format_instant(t), "2026-10-01T08:05:00+08:00");
        let e = parse_instant("occurred_at", "yesterday").expect_err("bad");
        assert_eq!(e.to_string(), "occurred_at: \"yesterday\" is not a time like 2026-10-01T08:05:00+08:00");
    }
}
