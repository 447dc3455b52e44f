//! The duty office's rules with numbers, as pure functions: the statutory calendar and working days,
//! incident grades, reporting deadlines and instruction clocks. Every number is a configurable default.

pub mod calendar;
pub mod deadlines;
pub mod escalation;
pub mod grade;
pub mod numbering;
pub mod reminders;
pub mod roster;

use chrono::FixedOffset;

/// The office's time zone, Asia/Shanghai: UTC+8 all year (China has kept no daylight saving since 1991).
pub fn office_time_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}
