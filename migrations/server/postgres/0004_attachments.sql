-- Attachment bytes (photos, recordings, videos), uploaded in chunks and named by their SHA-256. The incident
-- documents refer to them by hash; an upload is complete once all its bytes arrived and hash to its name.
CREATE TABLE attachment_uploads (
    sha256       TEXT PRIMARY KEY NOT NULL,  -- lowercase hex
    total        BIGINT NOT NULL,            -- the size the uploader announced
    received     BIGINT NOT NULL,            -- bytes stored so far: the offset the next chunk must start at
    complete     BIGINT NOT NULL,            -- 1 once verified
    updated_at   BIGINT NOT NULL             -- unix milliseconds
);

CREATE TABLE attachment_chunks (
    sha256        TEXT NOT NULL REFERENCES attachment_uploads (sha256) ON DELETE CASCADE,
    start_offset  BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    PRIMARY KEY (sha256, start_offset)
);
