-- The phone's local store. Every change is committed here first; the server is told later.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY NOT NULL,   -- bs58check document id
    created_at  INTEGER NOT NULL             -- unix milliseconds, when this phone first held it
);

-- A document is the sum of its chunks (changes as made or received; snapshots after compaction).
CREATE TABLE document_chunks (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id  TEXT NOT NULL REFERENCES documents (id),
    kind         TEXT NOT NULL CHECK (kind IN ('changes', 'snapshot')),
    data         BLOB NOT NULL
);
CREATE INDEX document_chunks_by_document ON document_chunks (document_id, seq);

-- The outbox: changes made on this phone that the server has not yet confirmed (its heads do not include
-- them). A row leaves only when a server sync message proves the server stored the change.
CREATE TABLE pending_changes (
    document_id  TEXT NOT NULL REFERENCES documents (id),
    change_hash  TEXT NOT NULL,
    made_at      INTEGER NOT NULL,           -- unix milliseconds
    PRIMARY KEY (document_id, change_hash)
);

-- Documents asked for by id that this phone does not hold yet; fetched on the next sync.
CREATE TABLE wanted_documents (
    id          TEXT PRIMARY KEY NOT NULL,
    asked_at    INTEGER NOT NULL
);

-- Facts about this local store, such as the storage id it announces.
CREATE TABLE local_identity (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);
