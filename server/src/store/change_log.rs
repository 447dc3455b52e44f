//! The change log and actor bindings a chunk carries, written inside the store's append transaction. Both
//! backends take the same SQL, so the statements are written once here and expanded in each store.

/// Writes `receipts` of the chunk stored as `seq` of document `id`, on the transaction `tx`.
#[macro_export]
macro_rules! write_change_log {
    ($tx:ident, $id:expr, $seq:expr, $receipts:expr) => {
        for r in $receipts {
            sqlx::query(
                "INSERT INTO change_log (change_hash, document_id, actor, seq, claimed_at, received_at, username, \
                 device_id, touched, chunk_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (change_hash) DO NOTHING",
            )
            .bind(&r.change_hash)
            .bind($id)
            .bind(&r.actor)
            .bind(r.seq)
            .bind(r.claimed_at)
            .bind(r.received_at)
            .bind(&r.username)
            .bind(&r.device_id)
            .bind(&r.touched)
            .bind($seq)
            .execute(&mut *$tx)
            .await?;
            // The first user to write under an actor id owns it, and the server its own (see `sync/receipts.rs`).
            if let Some(username) = r.actor_owner() {
                sqlx::query(
                    "INSERT INTO actor_bindings (actor, username, bound_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (actor) DO NOTHING",
                )
                .bind(&r.actor)
                .bind(username)
                .bind(r.received_at)
                .execute(&mut *$tx)
                .await?;
            }
        }
    };
}
