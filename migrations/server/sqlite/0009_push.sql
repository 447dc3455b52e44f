-- Web Push (RFC 8030/8291/8292). The server's VAPID key pair: the private key never leaves the database
-- (only the public key is served); one row.
CREATE TABLE vapid_keys (
    id           BIGINT PRIMARY KEY NOT NULL,   -- always 1
    private_key  TEXT NOT NULL,                 -- base64url, the P-256 scalar
    public_key   TEXT NOT NULL,                 -- base64url, uncompressed point (what browsers take)
    subject      TEXT NOT NULL,                 -- mailto: or https: contact for push services
    created_at   BIGINT NOT NULL
);

-- Where to wake a device: a browser's or UnifiedPush distributor's push endpoint with its keys.
CREATE TABLE push_subscriptions (
    endpoint    TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL,
    username    TEXT NOT NULL,
    p256dh      TEXT NOT NULL,                  -- base64url, the device's public key
    auth        TEXT NOT NULL,                  -- base64url, 16 bytes
    created_at  BIGINT NOT NULL,
    last_ok_at  BIGINT
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (username);

-- Every push request and what the push service answered.
CREATE TABLE push_deliveries (
    delivery_id   TEXT PRIMARY KEY NOT NULL,
    endpoint      TEXT NOT NULL,
    username      TEXT NOT NULL,
    kind          TEXT NOT NULL,                -- what the alert is about: instruction, incident, …
    document_id   TEXT,
    urgency       TEXT NOT NULL,
    title_class   TEXT NOT NULL,
    alert_id      TEXT,
    attempt       BIGINT NOT NULL,              -- 1 for the first try of this push to this endpoint
    outcome       TEXT NOT NULL,                -- accepted, gone, throttled, failed
    http_status   BIGINT,
    detail        TEXT NOT NULL,
    attempted_at  BIGINT NOT NULL,
    retry_at      BIGINT,                       -- when a throttled or failed delivery may be tried again
    retried       BOOLEAN NOT NULL              -- a later attempt was made (or claimed)
);
CREATE INDEX push_deliveries_to_retry ON push_deliveries (retry_at);
CREATE INDEX push_deliveries_by_endpoint ON push_deliveries (endpoint, attempted_at);
