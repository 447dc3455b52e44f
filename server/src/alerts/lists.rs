//! The open alerts each person's home lists (see `documents::home`): the alerts that called them, not yet
//! acknowledged for that recipient nor ended, raised within the last week. Worked out from the database
//! each time, so a home put right once is right whatever was missed before.

use std::collections::{BTreeMap, HashMap};

use zhiban_model::documents::home::HomeAlert;

use super::AlertError;
use crate::db;
use crate::db::Database;
use crate::db::alerts::lists::Listed;

/// How long an alert nobody answered stays listed.
const LISTED_FOR_MS: i64 = 7 * 24 * 3600 * 1000;

/// Whoever keeps the homes (the hub): told whose alert lists may have changed, it rewrites them soon.
pub trait AlertLists: Send + Sync {
    fn refresh(&self, people: Vec<String>);
}

/// The open alerts one person's home lists now.
pub async fn open_for(database: &Database, person: &str, now: i64) -> Result<BTreeMap<String, HomeAlert>, AlertError> {
    let mut lists = open_for_each(database, &[person.to_owned()], now).await?;
    Ok(lists.remove(person).unwrap_or_default())
}

/// The open alerts the homes of `people` list now, in one query: a new alert lists itself in a thousand
/// homes at once. Someone with none is left out.
pub async fn open_for_each(
    database: &Database,
    people: &[String],
    now: i64,
) -> Result<HashMap<String, BTreeMap<String, HomeAlert>>, AlertError> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = db::alerts::open_for(database, people, now - LISTED_FOR_MS).await?;
    let mut lists: HashMap<String, BTreeMap<String, HomeAlert>> = HashMap::new();
    for Listed { person, alert, kind, document, title_class, urgency, called_at } in rows {
        let called_at = chrono::DateTime::from_timestamp_millis(called_at)
            .unwrap_or_default()
            .with_timezone(&zhiban_model::rules::office_time_zone())
            .to_rfc3339();
        lists.entry(person).or_default().insert(alert, HomeAlert { kind, document, title_class, urgency, called_at });
    }
    Ok(lists)
}
