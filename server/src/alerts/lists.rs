//! The open alerts each person's home lists (see `documents::home`): the alerts that called them, not yet
//! acknowledged for that recipient nor ended, raised within the last week. Worked out from the database
//! each time, so a home put right once is right whatever was missed before.

use std::collections::{BTreeMap, HashMap};

use zhiban_model::documents::home::HomeAlert;

use super::AlertError;
use crate::database::Database;

/// How long an alert nobody answered stays listed.
const LISTED_FOR_MS: i64 = 7 * 24 * 3600 * 1000;

/// Whoever keeps the homes (the hub): told whose alert lists may have changed, it rewrites them soon.
pub trait AlertLists: Send + Sync {
    fn refresh(&self, people: Vec<String>);
}

type ListedRow = (String, String, String, Option<String>, String, String, i64);

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
    const COLUMNS: &str = "SELECT c.person, a.alert_id, a.kind, a.document_id, a.title_class, a.urgency, MIN(c.called_at) \
        FROM alert_calls c JOIN alerts a ON a.alert_id = c.alert_id \
        JOIN alert_recipients r ON r.alert_id = c.alert_id AND r.recipient = c.recipient";
    const OPEN: &str = "a.resolved_at IS NULL AND r.acknowledged_at IS NULL AND a.raised_at >= $2 \
        GROUP BY c.person, a.alert_id, a.kind, a.document_id, a.title_class, a.urgency";
    let since = now - LISTED_FOR_MS;
    // The people as one parameter: a JSON array for SQLite, an array for PostgreSQL.
    let rows: Vec<ListedRow> = match database {
        Database::Sqlite(pool) => {
            let people = serde_json::to_string(people).unwrap_or_default();
            let sql = format!("{COLUMNS} WHERE c.person IN (SELECT value FROM json_each($1)) AND {OPEN}");
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(people).bind(since).fetch_all(pool).await?
        }
        Database::Postgres(pool) => {
            let sql = format!("{COLUMNS} WHERE c.person = ANY($1) AND {OPEN}");
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(people).bind(since).fetch_all(pool).await?
        }
    };
    let mut lists: HashMap<String, BTreeMap<String, HomeAlert>> = HashMap::new();
    for (person, id, kind, document, title_class, urgency, called_at) in rows {
        let called_at = chrono::DateTime::from_timestamp_millis(called_at)
            .unwrap_or_default()
            .with_timezone(&zhiban_model::rules::office_time_zone())
            .to_rfc3339();
        lists.entry(person).or_default().insert(id, HomeAlert { kind, document, title_class, urgency, called_at });
    }
    Ok(lists)
}
