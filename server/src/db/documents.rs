//! The documents' store: `documents`, their chunks (`document_chunks`: changes as they arrived, snapshots
//! written by compaction), and the storage id every server process announces (`server_identity`).

use super::{Conn, Database};
use crate::on_conn;

/// Seqs asked about or deleted in one statement (SQLite takes at most 32,766 parameters).
const SEQS_PER_STATEMENT: usize = 500;

/// A chunk as stored: its seq (unique across documents, increasing as chunks are written), its kind
/// (`changes` or `snapshot`) and its bytes.
#[derive(Debug, sqlx::FromRow)]
pub struct ChunkRow {
    pub seq: i64,
    pub kind: String,
    pub data: Vec<u8>,
}

/// Every chunk of `document_id`, oldest first.
pub async fn chunks(database: &Database, document_id: &str) -> Result<Vec<ChunkRow>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT seq, kind, data FROM document_chunks WHERE document_id = $1 ORDER BY seq")
            .bind(document_id)
            .fetch_all(c)
            .await
    })
}

/// The seqs of `document_id`'s chunks, oldest first.
pub async fn chunk_seqs(database: &Database, document_id: &str) -> Result<Vec<i64>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT seq FROM document_chunks WHERE document_id = $1 ORDER BY seq")
            .bind(document_id)
            .fetch_all(c)
            .await
    })
}

/// The chunks of `document_id` among `seqs` that still exist, oldest first.
pub async fn chunks_among(database: &Database, document_id: &str, seqs: &[i64]) -> Result<Vec<ChunkRow>, sqlx::Error> {
    let mut found = Vec::with_capacity(seqs.len());
    if seqs.is_empty() {
        return Ok(found);
    }
    let mut pooled = database.acquire().await?;
    for some in seqs.chunks(SEQS_PER_STATEMENT) {
        let rows: Vec<ChunkRow> = on_conn!(pooled.conn(), c => {
            let mut query = sqlx::QueryBuilder::new("SELECT seq, kind, data FROM document_chunks WHERE document_id = ");
            query.push_bind(document_id).push(" AND seq IN (");
            let mut listed = query.separated(", ");
            for seq in some {
                listed.push_bind(*seq);
            }
            query.push(") ORDER BY seq");
            query.build_query_as().fetch_all(c).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// Makes `document_id` a stored document at `now`, if it is not one yet.
pub async fn create(conn: &mut Conn<'_>, document_id: &str, now: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query("INSERT INTO documents (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
            .bind(document_id)
            .bind(now)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Adds a chunk of `kind` to `document_id`, stored at `now`; returns its seq.
pub async fn add_chunk(
    conn: &mut Conn<'_>,
    document_id: &str,
    kind: &str,
    data: &[u8],
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query_scalar(
            "INSERT INTO document_chunks (document_id, kind, data, stored_at) VALUES ($1, $2, $3, $4) RETURNING seq",
        )
        .bind(document_id)
        .bind(kind)
        .bind(data)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Deletes the chunks of `document_id` among `seqs` (a chunk another server wrote meanwhile is not among
/// them, so it stays).
pub async fn delete_chunks(conn: &mut Conn<'_>, document_id: &str, seqs: &[i64]) -> Result<(), sqlx::Error> {
    for some in seqs.chunks(SEQS_PER_STATEMENT) {
        on_conn!(conn.reborrow(), c => {
            let mut query = sqlx::QueryBuilder::new("DELETE FROM document_chunks WHERE document_id = ");
            query.push_bind(document_id).push(" AND seq IN (");
            let mut listed = query.separated(", ");
            for seq in some {
                listed.push_bind(*seq);
            }
            query.push(")");
            query.build().execute(c).await?;
        });
    }
    Ok(())
}

/// Tells the other server processes listening on `channel`, when the transaction on `conn` commits, of
/// `payload`. Only PostgreSQL has NOTIFY: on SQLite this does nothing (processes sharing a SQLite file find
/// new chunks by reading them, [`chunks_after`]).
pub async fn announce(conn: &mut Conn<'_>, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    if let Conn::Postgres(c) = conn {
        sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(&mut **c).await?;
    }
    Ok(())
}

/// The seq of the last chunk written, 0 when there is none.
pub async fn last_chunk_seq(database: &Database) -> Result<i64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM document_chunks").fetch_one(c).await
    })
}

/// The chunks written after seq `after`, as (seq, document id), in the order they were written.
pub async fn chunks_after(database: &Database, after: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_as("SELECT seq, document_id FROM document_chunks WHERE seq > $1 ORDER BY seq")
            .bind(after)
            .fetch_all(c)
            .await
    })
}

/// Every stored document's id, in order.
pub async fn ids(database: &Database) -> Result<Vec<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => { sqlx::query_scalar("SELECT id FROM documents ORDER BY id").fetch_all(c).await })
}

/// How many documents are stored.
pub async fn count(database: &Database) -> Result<i64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => { sqlx::query_scalar("SELECT COUNT(*) FROM documents").fetch_one(c).await })
}

/// The storage id of this database: `fresh` if none was kept yet, else the one kept. Two processes asking
/// at once get the same answer: the first insert wins.
pub async fn storage_id(database: &Database, fresh: &str) -> Result<String, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query("INSERT INTO server_identity (key, value) VALUES ('storage_id', $1) ON CONFLICT (key) DO NOTHING")
            .bind(fresh)
            .execute(&mut *c)
            .await?;
        sqlx::query_scalar("SELECT value FROM server_identity WHERE key = 'storage_id'").fetch_one(c).await
    })
}
