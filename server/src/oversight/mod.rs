//! The desk's oversight, read from the projections: where each unit stands in a filing round, and (in
//! the modules beside this) what the publications, scores and analysis are made from.

pub mod analysis;
pub mod filings;
pub mod scores;

use chrono::{DateTime, NaiveDateTime, TimeZone};
use zhiban_model::rules::office_time_zone;

/// Unix milliseconds for a local office time.
pub fn local_millis(time: NaiveDateTime) -> i64 {
    office_time_zone().from_local_datetime(&time).single().map(|t| t.timestamp_millis()).unwrap_or(i64::MAX)
}

/// The local office time of unix milliseconds.
pub fn local_time(millis: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(millis).unwrap_or_default().with_timezone(&office_time_zone()).naive_local()
}
