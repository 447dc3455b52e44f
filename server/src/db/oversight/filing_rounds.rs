//! Filing rounds (`filing_rounds`) and the units each calls on to file (`filing_round_units`).

use crate::db::Database;
use crate::on_conn;

/// A filing round's row; its times in local office time, as the round wrote them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Round {
    pub document_id: String,
    pub title: String,
    /// holiday or special_period.
    pub occasion: String,
    pub period_start_text: String,
    pub period_end_text: String,
    pub deadline_text: String,
    pub opened_by: String,
    pub opened_at_text: String,
    pub closed_at: Option<i64>,
}

/// Every round, newest period first.
pub async fn all(database: &Database) -> Result<Vec<Round>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT * FROM filing_rounds ORDER BY period_start DESC, document_id").fetch_all(c).await
    })
}

/// The rounds still open whose period starts after `from` and whose deadline comes before `until` (unix ms),
/// by deadline: what the watch reminds of.
pub async fn open_between(database: &Database, from: i64, until: i64) -> Result<Vec<Round>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT * FROM filing_rounds WHERE closed_at IS NULL AND period_start > $1 AND deadline < $2 \
             ORDER BY deadline, document_id",
        )
        .bind(from)
        .bind(until)
        .fetch_all(c)
        .await
    })
}

/// Round `id` (a document id); `None` when no such round is projected.
pub async fn one(database: &Database, id: &str) -> Result<Option<Round>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT * FROM filing_rounds WHERE document_id = $1").bind(id).fetch_optional(c).await
    })
}

/// The units round `id` calls on, by id.
pub async fn units_of(database: &Database, id: &str) -> Result<Vec<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT unit_id FROM filing_round_units WHERE document_id = $1 ORDER BY unit_id")
            .bind(id)
            .fetch_all(c)
            .await
    })
}

/// How many rounds have their deadline with `from ≤ deadline < to` (unix ms).
pub async fn due_between(database: &Database, from: i64, to: i64) -> Result<i64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM filing_rounds WHERE deadline >= $1 AND deadline < $2")
            .bind(from)
            .bind(to)
            .fetch_one(c)
            .await
    })
}
