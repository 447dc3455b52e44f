//! How the console writes times, grades, stages and names: as the office writes them, in Beijing time.

use chrono::{DateTime, FixedOffset};
use maud::{Markup, html};
use zhiban_model::documents::directory::Directory;
use zhiban_model::documents::incident::Stage;
use zhiban_model::rules::office_time_zone;

use crate::oversight::local_time;

/// Unix milliseconds as a time in the office's zone: what an action at the console is stamped with.
pub fn office_time(millis: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default().with_timezone(&office_time_zone())
}

/// `2026年10月1日 10:05` from unix milliseconds.
pub fn long(millis: i64) -> String {
    local_time(millis).format("%Y年%-m月%-d日 %H:%M").to_string()
}

/// Unix milliseconds from an RFC 3339 time as the API and documents carry them.
pub fn millis(rfc3339: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.timestamp_millis())
}

/// `10月1日 10:05` from an RFC 3339 time (shown as it came when it does not read).
pub fn short_text(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&office_time_zone()).format("%-m月%-d日 %H:%M").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// `10月1日` from an RFC 3339 time (shown as it came when it does not read).
pub fn day_text(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&office_time_zone()).format("%-m月%-d日").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// Minutes as a person says them: `45 分钟`, `2 小时 5 分`, `3 天 4 小时`.
pub fn minutes(total: i64) -> String {
    let total = total.max(0);
    match total {
        0..60 => format!("{total} 分钟"),
        60..1440 => format!("{} 小时 {} 分", total / 60, total % 60),
        _ => format!("{} 天 {} 小时", total / 1440, total % 1440 / 60),
    }
}

/// A clock counting down to `due` (or how late, in red), which the page's script keeps counting.
pub fn clock(due: i64, now: i64) -> Markup {
    let left = (due - now).div_euclid(60_000);
    html! {
        @if due >= now {
            time.clock-due datetime=(crate::api::time::text(due)) data-due=(due) { "剩余 " (minutes(left)) }
        } @else {
            time.clock-due.late datetime=(crate::api::time::text(due)) data-due=(due) { "已超时 " (minutes(-left)) }
        }
    }
}

/// Ⅰ级 … Ⅳ级 from the API's `I` … `IV`.
pub fn grade(code: &str) -> &'static str {
    match code {
        "I" => "Ⅰ级（特别重大）",
        "II" => "Ⅱ级（重大）",
        "III" => "Ⅲ级（较大）",
        "IV" => "Ⅳ级（一般）",
        _ => "未定级",
    }
}

/// 接报, 研判, … from the API's stage.
pub fn stage(code: &str) -> &'static str {
    Stage::parse(code).map(Stage::label_zh).unwrap_or("未知")
}

/// The person's name, or their id when the directory does not know them.
pub fn person(directory: &Directory, id: &str) -> String {
    directory.people.get(id).map(|p| p.name.clone()).unwrap_or_else(|| id.to_owned())
}

/// The unit's name, or its id.
pub fn unit(directory: &Directory, id: &str) -> String {
    directory.units.get(id).map(|u| u.name.clone()).unwrap_or_else(|| id.to_owned())
}

/// A recipient (a unit or a person) by name.
pub fn recipient(directory: &Directory, id: &str) -> String {
    match directory.units.get(id) {
        Some(u) => u.name.clone(),
        None => person(directory, id),
    }
}

/// The path of a document's page: `/incidents/<id>` from `automerge:<id>` or `<id>`.
pub fn document_path(section: &str, document: &str) -> String {
    format!("/{section}/{}", document.trim_start_matches("automerge:"))
}
