//! Attachment bytes by SHA-256: each upload (`attachment_uploads`: its size, the bytes received, whether it
//! is whole and verified, its uploader) and its chunks (`attachment_chunks`, going with their upload by
//! `ON DELETE CASCADE`; SQLite's connections enforce foreign keys). Which incidents list a hash is read from
//! the incidents' projection (`incident_attachments`).
//!
//! A chunk is stored in one transaction by a caller's rules: [`lock`] first, then the functions taking a
//! [`Conn`].

use super::{Conn, Database};
use crate::on_conn;

/// An upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The size announced by its first chunk.
    pub total: i64,
    /// Bytes stored: the offset the next chunk starts at.
    pub received: i64,
    /// Whole and hashed to its name.
    pub complete: bool,
    /// Who sent its first chunk; none for uploads made before uploaders were recorded.
    pub uploaded_by: Option<String>,
    /// When its last chunk came (or it was verified).
    pub updated_at: i64,
}

type UploadRow = (i64, i64, i64, Option<String>, i64);

fn upload_of((total, received, complete, uploaded_by, updated_at): UploadRow) -> Upload {
    Upload { total, received, complete: complete != 0, uploaded_by, updated_at }
}

const SELECT_UPLOAD: &str =
    "SELECT total, received, complete, uploaded_by, updated_at FROM attachment_uploads WHERE sha256 = $1";

/// The upload of `sha256`, whole, partial or expired and not yet swept.
pub async fn upload(database: &Database, sha256: &str) -> Result<Option<Upload>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    let row: Option<UploadRow> = on_conn!(pooled.conn(), c => {
        sqlx::query_as(SELECT_UPLOAD).bind(sha256).fetch_optional(c).await?
    });
    Ok(row.map(upload_of))
}

/// The incidents whose attachments list `sha256`, by document id.
pub async fn incidents_listing(database: &Database, sha256: &str) -> Result<Vec<String>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT document_id FROM incident_attachments WHERE sha256 = $1")
            .bind(sha256).fetch_all(c).await
    })
}

/// In a chunk's transaction, first: takes the upload's row for the rest of the transaction and reads it.
/// A write comes first so that PostgreSQL locks the row until the end (SQLite's transaction holds the write
/// lock from its start), so no other chunk of it is decided on meanwhile.
pub async fn lock(conn: &mut Conn<'_>, sha256: &str) -> Result<Option<Upload>, sqlx::Error> {
    let row: Option<UploadRow> = on_conn!(conn.reborrow(), c => {
        sqlx::query("UPDATE attachment_uploads SET updated_at = updated_at WHERE sha256 = $1")
            .bind(sha256).execute(&mut *c).await?;
        sqlx::query_as(SELECT_UPLOAD).bind(sha256).fetch_optional(&mut *c).await?
    });
    Ok(row.map(upload_of))
}

/// What `uploader`'s uploads take besides `sha256`'s: whole ones at their size, partial ones at the size
/// announced.
pub async fn held_by(conn: &mut Conn<'_>, uploader: &str, sha256: &str) -> Result<i64, sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM attachment_uploads \
             WHERE uploaded_by = $1 AND sha256 <> $2",
        )
        .bind(uploader).bind(sha256).fetch_one(&mut *c).await
    })
}

/// Moves a partial upload's received bytes from `from` to `to` at `now`; false when it is no longer partial
/// at `from`.
pub async fn advance(conn: &mut Conn<'_>, sha256: &str, from: i64, to: i64, now: i64) -> Result<bool, sqlx::Error> {
    let moved = on_conn!(conn.reborrow(), c => {
        sqlx::query(
            "UPDATE attachment_uploads SET received = $2, updated_at = $3 \
             WHERE sha256 = $1 AND received = $4 AND complete = 0",
        )
        .bind(sha256).bind(to).bind(now).bind(from).execute(&mut *c).await?.rows_affected()
    });
    Ok(moved == 1)
}

/// Stores the bytes `data` of `sha256` at `offset`.
pub async fn add_chunk(conn: &mut Conn<'_>, sha256: &str, offset: i64, data: &[u8]) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query("INSERT INTO attachment_chunks (sha256, start_offset, data) VALUES ($1, $2, $3)")
            .bind(sha256).bind(offset).bind(data).execute(&mut *c).await?;
    });
    Ok(())
}

/// Removes the partial upload of `sha256`, its chunks with it (a whole one stays).
pub async fn remove_partial(conn: &mut Conn<'_>, sha256: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), c => {
        sqlx::query("DELETE FROM attachment_uploads WHERE sha256 = $1 AND complete = 0")
            .bind(sha256).execute(&mut *c).await?;
    });
    Ok(())
}

/// A new upload of `sha256` by `uploader` announced at `total` bytes, `received` of them in its first chunk
/// (stored by [`add_chunk`]), at `now`; false when an upload of it exists (begun by another at this moment).
pub async fn start(
    conn: &mut Conn<'_>,
    sha256: &str,
    total: i64,
    received: i64,
    uploader: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = on_conn!(conn.reborrow(), c => {
        sqlx::query(
            "INSERT INTO attachment_uploads (sha256, total, received, complete, updated_at, uploaded_by) \
             VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256).bind(total).bind(received).bind(now).bind(uploader).execute(&mut *c).await?.rows_affected()
    });
    Ok(inserted == 1)
}

/// Removes the partial uploads without a chunk since before `cutoff`, their bytes with them; returns how
/// many. One statement, so a chunk arriving meanwhile either keeps its upload or comes after it.
pub async fn remove_partial_before(database: &Database, cutoff: i64) -> Result<u64, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        Ok(sqlx::query("DELETE FROM attachment_uploads WHERE complete = 0 AND updated_at < $1")
            .bind(cutoff).execute(c).await?.rows_affected())
    })
}

/// The chunks of `sha256`, in order.
pub async fn chunks(database: &Database, sha256: &str) -> Result<Vec<Vec<u8>>, sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query_scalar("SELECT data FROM attachment_chunks WHERE sha256 = $1 ORDER BY start_offset")
            .bind(sha256).fetch_all(c).await
    })
}

/// Marks the upload of `sha256` whole at `now`, once every byte came and they hash to its name.
pub async fn mark_complete(database: &Database, sha256: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query(
            "UPDATE attachment_uploads SET complete = 1, updated_at = $2 \
             WHERE sha256 = $1 AND complete = 0 AND received = total",
        )
        .bind(sha256).bind(now).execute(c).await?;
    });
    Ok(())
}

/// Discards the upload of `sha256` whose bytes all came but do not hash to its name, its chunks with it.
pub async fn discard_unverified(database: &Database, sha256: &str) -> Result<(), sqlx::Error> {
    let mut pooled = database.acquire().await?;
    on_conn!(pooled.conn(), c => {
        sqlx::query("DELETE FROM attachment_uploads WHERE sha256 = $1 AND complete = 0 AND received = total")
            .bind(sha256).execute(c).await?;
    });
    Ok(())
}
