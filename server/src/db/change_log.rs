//! The change log (`change_log`: how the server received each stored change) and who owns each actor id
//! (`actor_bindings`), both written with the chunk that stores the changes, in its transaction.

use super::{Conn, Database};
use crate::on_conn;

/// The device a change the server wrote itself is recorded as coming from.
pub const SERVER_DEVICE: &str = "server";

/// Who owns the actor ids the server writes under (`actor_bindings.username`): no username can be it, since
/// a username holds only letters, digits, '-', '_' and '.'.
pub const SERVER_ACTORS: &str = "(server)";

/// How the server received one change: one line of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeReceipt {
    pub change_hash: String,
    pub actor: String,
    pub seq: i64,
    pub claimed_at: i64,
    pub received_at: i64,
    pub username: Option<String>,
    pub device_id: Option<String>,
    pub touched: String,
}

impl ChangeReceipt {
    /// Who the change's actor id belongs to once it is stored: the person who delivered it, or the server for
    /// its own changes. `None` for a change nobody delivered (written before the change log existed).
    pub fn actor_owner(&self) -> Option<&str> {
        match (&self.username, self.device_id.as_deref()) {
            (Some(username), _) => Some(username),
            (None, Some(SERVER_DEVICE)) => Some(SERVER_ACTORS),
            (None, _) => None,
        }
    }
}

/// Writes the log lines of the changes stored as chunk `chunk_seq` of `document_id`, and binds each actor
/// id not bound yet to its owner, inside the caller's transaction. A change logged before keeps its line.
pub async fn write(
    conn: &mut Conn<'_>,
    document_id: &str,
    chunk_seq: i64,
    receipts: &[ChangeReceipt],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        for r in receipts {
            sqlx::query(
                "INSERT INTO change_log (change_hash, document_id, actor, seq, claimed_at, received_at, username, \
                 device_id, touched, chunk_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (change_hash) DO NOTHING",
            )
            .bind(&r.change_hash).bind(document_id).bind(&r.actor).bind(r.seq).bind(r.claimed_at)
            .bind(r.received_at).bind(&r.username).bind(&r.device_id).bind(&r.touched).bind(chunk_seq)
            .execute(&mut *c)
            .await?;
            // The first user to write under an actor id owns it, and the server its own (see `sync/receipts.rs`).
            if let Some(owner) = r.actor_owner() {
                sqlx::query(
                    "INSERT INTO actor_bindings (actor, username, bound_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (actor) DO NOTHING",
                )
                .bind(&r.actor).bind(owner).bind(r.received_at)
                .execute(&mut *c)
                .await?;
            }
        }
    });
    Ok(())
}

/// Who `actor` is bound to (a username, or [`SERVER_ACTORS`]), if anyone yet.
pub async fn actor_owner(database: &Database, actor: &str) -> Result<Option<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT username FROM actor_bindings WHERE actor = $1").bind(actor).fetch_optional(c).await
    })
}
