//! The duty office's rules with numbers, as pure functions: the statutory calendar and working days,
//! incident grades, reporting deadlines and instruction clocks. Every number is a configurable default.

pub mod analysis;
pub mod calendar;
pub mod deadlines;
pub mod escalation;
pub mod filing;
pub mod grade;
pub mod numbering;
pub mod reminders;
pub mod roster;
pub mod scores;
pub mod spot_checks;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};

/// The office's time zone, Asia/Shanghai: UTC+8 all year (China has kept no daylight saving since 1991).
pub fn office_time_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Midnight at the start of `day`, in the office's time zone.
pub fn start_of_day(day: NaiveDate) -> DateTime<FixedOffset> {
    at_office(day, NaiveTime::MIN)
}

/// The last second of `day` (23:59:59), in the office's time zone: how deadlines "by the end of the day" read.
pub fn end_of_day(day: NaiveDate) -> DateTime<FixedOffset> {
    at_office(day, NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"))
}

fn at_office(day: NaiveDate, time: NaiveTime) -> DateTime<FixedOffset> {
    office_time_zone().from_local_datetime(&day.and_time(time)).single().expect("UTC+8 has no gaps or folds")
}
