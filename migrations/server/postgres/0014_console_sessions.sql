-- The duty desk's web console: a browser signed in holds a session cookie; only its SHA-256 is stored. A
-- session belongs to a device (named for the browser), so revoking the device or disabling the user ends it.
CREATE TABLE console_sessions (
    session_hash TEXT PRIMARY KEY NOT NULL,
    device_id    TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,             -- every form the session posts carries it
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_device ON console_sessions (device_id);
