//! The phone's local SQLite file (WAL). Every write is one transaction: a change and its outbox entry are
//! stored together, so whatever the app showed as saved survives the app being killed.

use std::path::Path;

use automerge::{Automerge, ChangeHash};
use rusqlite::{Connection, OptionalExtension, params};
use zhiban_model::DocumentId;

use crate::client::RefusedDocument;
use crate::error::ClientError;
use zhiban_model::refusal::Refusal;

/// Schema steps, applied in order; `PRAGMA user_version` records how many ran. Never edit a released step.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/client/0001_local_store.sql"),
    include_str!("../../migrations/client/0002_duty.sql"),
    include_str!("../../migrations/client/0003_refused.sql"),
    include_str!("../../migrations/client/0004_refusals.sql"),
];

/// Compact a document once it has this many chunks.
const COMPACT_AFTER_CHUNKS: i64 = 64;

pub struct LocalStore {
    conn: Connection,
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl LocalStore {
    pub fn open(path: &Path) -> Result<Self, ClientError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a change the app reported as saved is on disk even through a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        upgrade(&mut conn)?;
        Ok(Self { conn })
    }

    /// The storage id this phone announces; made once.
    pub fn storage_id(&self) -> Result<String, ClientError> {
        let fresh = format!("zhiban-client-{:032x}", rand::random::<u128>());
        self.conn.execute(
            "INSERT INTO local_identity (key, value) VALUES ('storage_id', ?1) ON CONFLICT (key) DO NOTHING",
            params![fresh],
        )?;
        Ok(self.conn.query_row("SELECT value FROM local_identity WHERE key = 'storage_id'", [], |r| r.get(0))?)
    }

    pub fn document_ids(&self) -> Result<Vec<DocumentId>, ClientError> {
        let mut stmt = self.conn.prepare("SELECT id FROM documents ORDER BY created_at, id")?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
    }

    pub fn wanted(&self) -> Result<Vec<DocumentId>, ClientError> {
        let mut stmt = self.conn.prepare("SELECT id FROM wanted_documents ORDER BY asked_at")?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
    }

    pub fn want(&self, id: DocumentId) -> Result<(), ClientError> {
        self.conn.execute(
            "INSERT INTO wanted_documents (id, asked_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
            params![id.to_string(), now_millis()],
        )?;
        Ok(())
    }

    pub fn forget_wanted(&self, id: DocumentId) -> Result<(), ClientError> {
        self.conn.execute("DELETE FROM wanted_documents WHERE id = ?1", params![id.to_string()])?;
        Ok(())
    }

    pub fn contains(&self, id: DocumentId) -> Result<bool, ClientError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM documents WHERE id = ?1", params![id.to_string()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The document as stored, or `None` if this phone does not hold it.
    pub fn load(&self, id: DocumentId) -> Result<Option<Automerge>, ClientError> {
        if !self.contains(id)? {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare("SELECT data FROM document_chunks WHERE document_id = ?1 ORDER BY seq")?;
        let chunks = stmt.query_map(params![id.to_string()], |r| r.get::<_, Vec<u8>>(0))?;
        let mut doc = Automerge::new();
        for chunk in chunks {
            doc.load_incremental(&chunk?).map_err(|e| ClientError::Corrupt { document: id, reason: e.to_string() })?;
        }
        Ok(Some(doc))
    }

    /// Stores changes in one transaction: made here (`local`: they join the outbox) or received.
    pub fn save_changes(&mut self, id: DocumentId, data: &[u8], local: &[ChangeHash]) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        let now = now_millis();
        tx.execute(
            "INSERT INTO documents (id, created_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
            params![id.to_string(), now],
        )?;
        tx.execute("DELETE FROM wanted_documents WHERE id = ?1", params![id.to_string()])?;
        if !data.is_empty() {
            tx.execute(
                "INSERT INTO document_chunks (document_id, kind, data) VALUES (?1, 'changes', ?2)",
                params![id.to_string(), data],
            )?;
        }
        for hash in local {
            tx.execute(
                "INSERT INTO pending_changes (document_id, change_hash, made_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![id.to_string(), hash.to_string(), now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces a document's chunks with one snapshot when they have piled up. The snapshot is made from
    /// what is on disk, inside the write transaction, so a change another process (the CLI beside the app)
    /// stored meanwhile is in it and not deleted with the chunks.
    pub fn compact_if_needed(&mut self, id: DocumentId) -> Result<(), ClientError> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM document_chunks WHERE document_id = ?1",
            params![id.to_string()],
            |r| r.get(0),
        )?;
        if count < COMPACT_AFTER_CHUNKS {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut doc = Automerge::new();
        let mut seqs = Vec::new();
        {
            let mut stmt = tx.prepare("SELECT seq, data FROM document_chunks WHERE document_id = ?1 ORDER BY seq")?;
            let rows =
                stmt.query_map(params![id.to_string()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
            for row in rows {
                let (seq, data) = row?;
                doc.load_incremental(&data)
                    .map_err(|e| ClientError::Corrupt { document: id, reason: e.to_string() })?;
                seqs.push(seq);
            }
        }
        for seq in &seqs {
            tx.execute("DELETE FROM document_chunks WHERE seq = ?1", params![seq])?;
        }
        tx.execute(
            "INSERT INTO document_chunks (document_id, kind, data) VALUES (?1, 'snapshot', ?2)",
            params![id.to_string(), doc.save()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn pending(&self, id: DocumentId) -> Result<Vec<ChangeHash>, ClientError> {
        let mut stmt = self.conn.prepare("SELECT change_hash FROM pending_changes WHERE document_id = ?1")?;
        let hashes = stmt.query_map(params![id.to_string()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for hash in hashes {
            let hash = hash?;
            out.push(hash.parse().map_err(|_| ClientError::Corrupt {
                document: id,
                reason: format!("outbox holds an invalid change hash {hash:?}"),
            })?);
        }
        Ok(out)
    }

    /// Pending change counts for every document that has any.
    pub fn pending_counts(&self) -> Result<Vec<(DocumentId, usize)>, ClientError> {
        let mut stmt = self
            .conn
            .prepare("SELECT document_id, COUNT(*) FROM pending_changes GROUP BY document_id ORDER BY document_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, count) = row?;
            if let Ok(id) = id.parse() {
                out.push((id, count as usize));
            }
        }
        Ok(out)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, ClientError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM duty_settings WHERE key = ?1", params![key], |r| r.get(0))
            .optional()?)
    }

    /// Sets several settings in one transaction.
    pub fn set_settings(&mut self, settings: &[(&str, &str)]) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        for (key, value) in settings {
            tx.execute(
                "INSERT INTO duty_settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes several settings in one transaction.
    pub fn clear_settings(&mut self, keys: &[&str]) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        for key in keys {
            tx.execute("DELETE FROM duty_settings WHERE key = ?1", params![key])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Keeps an attachment's bytes until the server holds them; the same content twice is kept once.
    pub fn keep_attachment(&mut self, sha256: &str, media_type: &str, data: &[u8]) -> Result<(), ClientError> {
        self.conn.execute(
            "INSERT INTO attachment_files (sha256, size, media_type, data, added_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sha256) DO NOTHING",
            params![sha256, data.len() as i64, media_type, data, now_millis()],
        )?;
        Ok(())
    }

    /// Attachments the server does not hold whole yet, oldest first: (sha256, size).
    pub fn attachments_to_upload(&self) -> Result<Vec<(String, i64)>, ClientError> {
        let mut stmt = self
            .conn
            .prepare("SELECT sha256, size FROM attachment_files WHERE uploaded_at IS NULL ORDER BY added_at, sha256")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Up to `len` bytes of an attachment from `offset`; `None` if this phone does not hold it.
    pub fn attachment_slice(&self, sha256: &str, offset: i64, len: i64) -> Result<Option<Vec<u8>>, ClientError> {
        Ok(self
            .conn
            .query_row(
                "SELECT substr(data, ?2 + 1, ?3) FROM attachment_files WHERE sha256 = ?1",
                params![sha256, offset, len],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn mark_attachment_uploaded(&self, sha256: &str) -> Result<(), ClientError> {
        self.conn
            .execute("UPDATE attachment_files SET uploaded_at = ?2 WHERE sha256 = ?1", params![sha256, now_millis()])?;
        Ok(())
    }

    /// The server refused this document's local changes: `message` as it said it, `refusals` as data.
    pub fn refuse(&self, id: DocumentId, message: &str, refusals: &[Refusal]) -> Result<(), ClientError> {
        let refusals = serde_json::to_string(refusals).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO refused_documents (document_id, reason, refusals, refused_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (document_id) DO UPDATE SET reason = excluded.reason, refusals = excluded.refusals, \
             refused_at = excluded.refused_at",
            params![id.to_string(), message, refusals, now_millis()],
        )?;
        Ok(())
    }

    /// Documents whose changes the server refused, with why.
    pub fn refused(&self) -> Result<Vec<RefusedDocument>, ClientError> {
        let mut statement =
            self.conn.prepare("SELECT document_id, reason, refusals FROM refused_documents ORDER BY document_id")?;
        let rows = statement
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, reason, refusals) = row?;
            let id = id.parse().map_err(|e| ClientError::InvalidInput(format!("stored document id {id:?}: {e}")))?;
            let refusals = serde_json::from_str(&refusals).map_err(|e| ClientError::Corrupt {
                document: id,
                reason: format!("the stored refusals do not read: {e}"),
            })?;
            out.push(RefusedDocument { id, reason, refusals });
        }
        Ok(out)
    }

    /// Drops everything this phone holds of a document (its chunks, its outbox, a refusal) and asks for the
    /// server's copy at the next sync: how a user gives up changes the server refused.
    pub fn discard(&mut self, id: DocumentId) -> Result<(), ClientError> {
        let key = id.to_string();
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM pending_changes WHERE document_id = ?1", params![key])?;
        tx.execute("DELETE FROM document_chunks WHERE document_id = ?1", params![key])?;
        tx.execute("DELETE FROM documents WHERE id = ?1", params![key])?;
        tx.execute("DELETE FROM refused_documents WHERE document_id = ?1", params![key])?;
        tx.execute(
            "INSERT OR IGNORE INTO wanted_documents (id, asked_at) VALUES (?1, ?2)",
            params![key, now_millis()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes everything this phone holds of a document, without asking for it again: the user may no
    /// longer see it. Only for a document with nothing unsent.
    pub fn remove(&mut self, id: DocumentId) -> Result<(), ClientError> {
        let key = id.to_string();
        let tx = self.conn.transaction()?;
        for statement in [
            "DELETE FROM pending_changes WHERE document_id = ?1",
            "DELETE FROM document_chunks WHERE document_id = ?1",
            "DELETE FROM documents WHERE id = ?1",
            "DELETE FROM refused_documents WHERE document_id = ?1",
            "DELETE FROM wanted_documents WHERE id = ?1",
        ] {
            tx.execute(statement, params![key])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server proved it stored these changes.
    pub fn confirm(&mut self, id: DocumentId, hashes: &[ChangeHash]) -> Result<(), ClientError> {
        let tx = self.conn.transaction()?;
        for hash in hashes {
            tx.execute(
                "DELETE FROM pending_changes WHERE document_id = ?1 AND change_hash = ?2",
                params![id.to_string(), hash.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn upgrade(conn: &mut Connection) -> Result<(), ClientError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(ClientError::StoreTooNew { found: version, known });
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;

    #[test]
    fn a_saved_change_and_its_outbox_entry_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("local.db");
        let id = DocumentId::random();
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "title", "首报").expect("put");
        let (hash, _) = tx.commit();
        let hash = hash.expect("a change");
        {
            let mut store = LocalStore::open(&path).expect("open");
            let bytes = doc.get_change_by_hash(&hash).expect("change").raw_bytes().to_vec();
            store.save_changes(id, &bytes, &[hash]).expect("save");
        }
        let mut store = LocalStore::open(&path).expect("reopen");
        let loaded = store.load(id).expect("load").expect("present");
        assert_eq!(loaded.get_heads(), vec![hash]);
        assert_eq!(store.pending(id).expect("pending"), vec![hash]);
        store.confirm(id, &[hash]).expect("confirm");
        assert!(store.pending_counts().expect("counts").is_empty());
    }

    #[test]
    fn refusals_kept_by_an_older_app_read_as_data_after_the_upgrade() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("local.db");
        let (ended, refused) = (DocumentId::random(), DocumentId::random());
        {
            // The store as the app before structured refusals left it (schema 3).
            let mut conn = Connection::open(&path).expect("open");
            for (index, step) in MIGRATIONS.iter().take(3).enumerate() {
                conn.execute_batch(step).expect("step");
                conn.pragma_update(None, "user_version", index as i64 + 1).expect("version");
            }
            let tx = conn.transaction().expect("tx");
            for (id, reason) in [
                (ended, crate::home::access_ended().reason),
                (refused, "document x: the change was refused (rule incident.lifecycle)".to_owned()),
            ] {
                tx.execute(
                    "INSERT INTO refused_documents (document_id, reason, refused_at) VALUES (?1, ?2, 0)",
                    params![id.to_string(), reason],
                )
                .expect("row");
            }
            tx.commit().expect("commit");
        }
        let store = LocalStore::open(&path).expect("upgraded");
        let rules: Vec<(DocumentId, String)> =
            store.refused().expect("refused").into_iter().map(|r| (r.id, r.refusals[0].rule.clone())).collect();
        assert!(rules.contains(&(ended, crate::home::ACCESS_RULE.to_owned())), "{rules:?}");
        assert!(rules.contains(&(refused, "server.unstructured".to_owned())), "{rules:?}");

        let refusal = Refusal::new("document.history", "entry e1 is on record", "条目 e1 已记录").at("entries/e1");
        store.refuse(refused, "refused", std::slice::from_ref(&refusal)).expect("refuse");
        let again = store.refused().expect("refused");
        assert_eq!(again.iter().find(|r| r.id == refused).expect("kept").refusals, vec![refusal]);
    }

    #[test]
    fn compaction_keeps_a_change_another_process_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("local.db");
        let id = DocumentId::random();
        let mut app = LocalStore::open(&path).expect("app");
        let mut cli = LocalStore::open(&path).expect("cli");
        let mut doc = Automerge::new();
        for i in 0..COMPACT_AFTER_CHUNKS {
            let before = doc.get_heads();
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "n", i).expect("put");
            tx.commit();
            let bytes = doc.save_after(&before);
            app.save_changes(id, &bytes, &[]).expect("save");
        }
        // The CLI, with its own copy, stores a change the app's memory never saw.
        let mut other = doc.fork();
        let mut tx = other.transaction();
        tx.put(automerge::ROOT, "from_cli", true).expect("put");
        let (hash, _) = tx.commit();
        let hash = hash.expect("a change");
        let bytes = other.get_change_by_hash(&hash).expect("change").raw_bytes().to_vec();
        cli.save_changes(id, &bytes, &[hash]).expect("cli saves");
        app.compact_if_needed(id).expect("compact");
        let loaded = app.load(id).expect("load").expect("present");
        assert!(loaded.get_change_by_hash(&hash).is_some(), "the CLI's change survived compaction");
        let chunks: i64 = app
            .conn
            .query_row("SELECT COUNT(*) FROM document_chunks WHERE document_id = ?1", params![id.to_string()], |r| {
                r.get(0)
            })
            .expect("count");
        assert_eq!(chunks, 1);
    }

    #[test]
    fn settings_and_attachment_bytes_survive_reopening_until_uploaded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("local.db");
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        {
            let mut store = LocalStore::open(&path).expect("open");
            store.set_settings(&[("person", "li"), ("device", "li-phone")]).expect("settings");
            store.keep_attachment("ab", "image/jpeg", &data).expect("keep");
            store.keep_attachment("ab", "image/jpeg", &data).expect("the same content again is kept once");
        }
        let store = LocalStore::open(&path).expect("reopen");
        assert_eq!(store.setting("person").expect("read").as_deref(), Some("li"));
        assert_eq!(store.setting("nothing").expect("read"), None);
        assert_eq!(store.attachments_to_upload().expect("list"), vec![("ab".to_string(), 1000)]);
        assert_eq!(store.attachment_slice("ab", 998, 10).expect("slice"), Some(data[998..].to_vec()));
        assert_eq!(store.attachment_slice("ab", 10, 5).expect("slice"), Some(data[10..15].to_vec()));
        store.mark_attachment_uploaded("ab").expect("mark");
        assert!(store.attachments_to_upload().expect("list").is_empty());
    }

    #[test]
    fn refuses_a_store_from_a_newer_app() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("local.db");
        Connection::open(&path).and_then(|c| c.pragma_update(None, "user_version", 99)).expect("set version");
        assert!(matches!(LocalStore::open(&path), Err(ClientError::StoreTooNew { found: 99, .. })));
    }
}
