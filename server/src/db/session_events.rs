//! `session_events`: a row for each person whose sessions ended or changed, written by the accounts' tables'
//! triggers in whichever process made the change (migration 0019). PostgreSQL's trigger also announces it;
//! on SQLite the store's watch reads them from here.

use super::Database;
use crate::on_conn;

/// The seq of the last event, 0 when there is none.
pub async fn last_seq(database: &Database) -> Result<i64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM session_events").fetch_one(c).await
    })
}

/// The events after seq `after`, as (seq, username), in order.
pub async fn after(database: &Database, after: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT seq, username FROM session_events WHERE seq > $1 ORDER BY seq")
            .bind(after)
            .fetch_all(c)
            .await
    })
}
