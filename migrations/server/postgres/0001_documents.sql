-- Documents and their stored chunks. A document is the sum of its chunks: `changes` chunks appended as they
-- arrive, and `snapshot` chunks written by compaction, which removes the chunks a snapshot replaces in the
-- same transaction.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY NOT NULL,   -- bs58check document id, as on the wire
    created_at  BIGINT NOT NULL              -- unix milliseconds
);

CREATE TABLE document_chunks (
    seq          BIGSERIAL PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES documents (id),
    kind         TEXT NOT NULL CHECK (kind IN ('changes', 'snapshot')),
    data         BYTEA NOT NULL,
    stored_at    BIGINT NOT NULL             -- unix milliseconds
);

CREATE INDEX document_chunks_by_document ON document_chunks (document_id, seq);
