-- Accounts: people who log in, the devices they log in from, their tokens, and failed logins. Tokens are
-- kept only as SHA-256 hashes: the database never holds a token that could be used as it is.

CREATE TABLE users (
    username       TEXT PRIMARY KEY NOT NULL,
    display_name   TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    roles          TEXT NOT NULL,            -- comma-separated: desk, leader, unit_officer, field, admin
    password_hash  TEXT NOT NULL,            -- argon2id, PHC string
    created_at     BIGINT NOT NULL,
    disabled_at    BIGINT
);

CREATE TABLE devices (
    device_id     TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL REFERENCES users (username),
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoked_why   TEXT
);
CREATE INDEX devices_by_user ON devices (username);

CREATE TABLE access_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (device_id),
    expires_at  BIGINT NOT NULL
);

-- A refresh token is used once: refreshing marks it used and issues the next. A used one coming back means
-- it was copied, and the device is revoked.
CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (device_id),
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

-- Failed logins per key (`user:NAME` or `address:IP`) in the current window.
CREATE TABLE login_failures (
    throttle_key   TEXT PRIMARY KEY NOT NULL,
    failures       BIGINT NOT NULL,
    window_start   BIGINT NOT NULL
);
