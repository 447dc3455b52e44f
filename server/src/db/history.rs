//! A document's history as the server received it, read from the change log (`change_log`, which
//! `db::change_log` writes with each stored chunk).

use crate::db::Database;
use crate::on_conn;

/// One stored change, as received.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Change {
    pub change_hash: String,
    /// The Automerge actor that made it.
    pub actor: String,
    pub seq: i64,
    /// By the device's clock (unix ms); 0 when the change carries no time.
    pub claimed_at: i64,
    /// By the server's clock (unix ms).
    pub received_at: i64,
    /// Who delivered it: absent for a change delivered without a login; `server` for the server's own.
    pub username: Option<String>,
    pub device_id: Option<String>,
    /// Comma-separated paths the message that brought it touched (`entries/e2`).
    pub touched: String,
}

/// Every change of document `id` the server stored, in the order it received them; empty when it has none.
pub async fn of_document(database: &Database, id: &str) -> Result<Vec<Change>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as(
            "SELECT change_hash, actor, seq, claimed_at, received_at, username, device_id, touched FROM change_log \
             WHERE document_id = $1 ORDER BY chunk_seq, actor, seq",
        )
        .bind(id)
        .fetch_all(c)
        .await
    })
}
