//! The open alerts each person's home lists (see `documents::home`): the alerts that called them, not yet
//! acknowledged for that recipient nor ended, raised within the last week. Worked out from the database
//! each time, so a home put right once is right whatever was missed before.

use std::collections::BTreeMap;

use zhiban_model::documents::home::HomeAlert;

use super::AlertError;
use crate::database::Database;
use crate::on_database;

/// How long an alert nobody answered stays listed.
const LISTED_FOR_MS: i64 = 7 * 24 * 3600 * 1000;

/// Whoever keeps the homes (the hub): told whose alert lists may have changed, it rewrites them soon.
pub trait AlertLists: Send + Sync {
    fn refresh(&self, people: Vec<String>);
}

type ListedRow = (String, String, Option<String>, String, String, i64);

pub async fn open_for(database: &Database, person: &str, now: i64) -> Result<BTreeMap<String, HomeAlert>, AlertError> {
    let rows: Vec<ListedRow> = on_database!(database, pool => {
        sqlx::query_as(
            "SELECT a.alert_id, a.kind, a.document_id, a.title_class, a.urgency, MIN(c.called_at) FROM alert_calls c \
             JOIN alerts a ON a.alert_id = c.alert_id \
             JOIN alert_recipients r ON r.alert_id = c.alert_id AND r.recipient = c.recipient \
             WHERE c.person = $1 AND a.resolved_at IS NULL AND r.acknowledged_at IS NULL AND a.raised_at >= $2 \
             GROUP BY a.alert_id, a.kind, a.document_id, a.title_class, a.urgency",
        )
        .bind(person).bind(now - LISTED_FOR_MS)
        .fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, kind, document, title_class, urgency, called_at)| {
            let called_at = chrono::DateTime::from_timestamp_millis(called_at)
                .unwrap_or_default()
                .with_timezone(&zhiban_model::rules::office_time_zone())
                .to_rfc3339();
            (id, HomeAlert { kind, document, title_class, urgency, called_at })
        })
        .collect())
}
