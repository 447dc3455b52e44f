-- Every change the server stored, as it received it: the Automerge actor and sequence, the device's claimed
-- time (the change's own timestamp), the server's receipt time, who delivered it when they had logged in,
-- and the paths the message touched. Written in the transaction that stores the change.
CREATE TABLE change_log (
    change_hash   TEXT PRIMARY KEY NOT NULL,
    document_id   TEXT NOT NULL,
    actor         TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    claimed_at    BIGINT NOT NULL,           -- unix ms by the device's clock; 0 when the change has none
    received_at   BIGINT NOT NULL,           -- unix ms by the server's clock
    username      TEXT,                      -- NULL: delivered without a login
    device_id     TEXT,                      -- `server` for the server's own changes
    touched       TEXT NOT NULL,             -- comma-separated paths, e.g. entries/e2, acknowledgements/east/li
    chunk_seq     BIGINT NOT NULL            -- the chunk it was stored in: the order of receipt
);
CREATE INDEX change_log_by_document ON change_log (document_id, chunk_seq);
