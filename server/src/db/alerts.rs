//! Alerts (`alerts`), each recipient's escalation along its frozen chain (`alert_recipients`) and every call
//! made (`alert_calls`). Here: raising an alert once per key and ending it; the acknowledgements, the
//! scheduler's calls, the homes' lists of open alerts, the desk's view and what the watch over deadlines reads
//! are in the modules below.
//!
//! A chain is stored as the text `alerts::chain_to_text` writes; this layer only carries it.

pub mod acknowledgements;
pub mod calls;
pub mod desk;
pub mod lists;
pub mod watched;

pub use lists::open_for;

use super::Database;
use crate::on_conn;

/// An alert to insert: its situation's key is unique, so the same situation is raised once.
#[derive(Debug, Clone, Copy)]
pub struct NewAlert<'a> {
    pub id: &'a str,
    pub key: &'a str,
    pub kind: &'a str,
    pub document: Option<&'a str>,
    pub title_class: &'a str,
    pub urgency: &'a str,
}

/// One recipient's escalation as it starts: step 0, round 0, its first call due at `next_at`, or over at once
/// (`exhausted_at`) when its chain calls nobody.
#[derive(Debug, Clone, Copy)]
pub struct NewEscalation<'a> {
    pub recipient: &'a str,
    pub chain: &'a str,
    pub next_at: Option<i64>,
    pub exhausted_at: Option<i64>,
}

/// The id of the alert raised for `key`, ended or not.
pub async fn id_of(database: &Database, key: &str) -> Result<Option<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT alert_id FROM alerts WHERE alert_key = $1").bind(key).fetch_optional(c).await
    })
}

/// Inserts `alert` raised at `now` with its escalations, in one transaction; false (and nothing written)
/// when an alert with its key exists, raised before or by another server at the same moment.
pub async fn raise(
    database: &Database,
    alert: NewAlert<'_>,
    escalations: &[NewEscalation<'_>],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = database.begin().await?;
    let inserted = on_conn!(tx.conn(), c => {
        // The key is unique: of two servers raising the same situation at once, one inserts nothing.
        let inserted = sqlx::query(
            "INSERT INTO alerts (alert_id, alert_key, kind, document_id, title_class, urgency, raised_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(alert.id).bind(alert.key).bind(alert.kind).bind(alert.document).bind(alert.title_class)
        .bind(alert.urgency).bind(now)
        .execute(&mut *c).await?.rows_affected() == 1;
        if inserted {
            for escalation in escalations {
                sqlx::query(
                    "INSERT INTO alert_recipients (alert_id, recipient, chain, step, round, next_at, exhausted_at) \
                     VALUES ($1, $2, $3, 0, 0, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(alert.id).bind(escalation.recipient).bind(escalation.chain).bind(escalation.next_at)
                .bind(escalation.exhausted_at)
                .execute(&mut *c).await?;
            }
        }
        inserted
    });
    tx.commit().await?;
    Ok(inserted)
}

/// Ends the open alert with `key` at `now` (`resolution` says how its situation cleared) and stops every
/// escalation of it not yet acknowledged, in one transaction. `None` when no open alert has that key; else the
/// people it called.
pub async fn resolve(
    database: &Database,
    key: &str,
    resolution: &str,
    now: i64,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    let mut tx = database.begin().await?;
    let called = on_conn!(tx.conn(), c => {
        let id: Option<String> = sqlx::query_scalar(
            "UPDATE alerts SET resolved_at = $1, resolution = $2 WHERE alert_key = $3 AND resolved_at IS NULL \
             RETURNING alert_id",
        )
        .bind(now).bind(resolution).bind(key)
        .fetch_optional(&mut *c).await?;
        match &id {
            Some(id) => {
                sqlx::query(
                    "UPDATE alert_recipients SET next_at = NULL WHERE alert_id = $1 AND acknowledged_at IS NULL",
                )
                .bind(id).execute(&mut *c).await?;
                let people: Vec<String> =
                    sqlx::query_scalar("SELECT DISTINCT person FROM alert_calls WHERE alert_id = $1")
                        .bind(id).fetch_all(&mut *c).await?;
                Some(people)
            }
            None => None,
        }
    });
    tx.commit().await?;
    Ok(called)
}

/// An open alert's key and document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub key: String,
    pub document: Option<String>,
}

/// Every alert of `kind` not ended.
pub async fn open_of_kind(database: &Database, kind: &str) -> Result<Vec<OpenAlert>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let rows: Vec<(String, Option<String>)> = on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT alert_key, document_id FROM alerts WHERE kind = $1 AND resolved_at IS NULL")
            .bind(kind).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(key, document)| OpenAlert { key, document }).collect())
}
