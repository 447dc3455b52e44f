-- Failed logins, counted so that concurrent attempts cannot pass a check made before any of them was counted,
-- and so that failures elsewhere do not lock a person out at their usual place (SECURITY.md, "Login").
-- Replaces `login_failures`, whose count was read before the password was checked and written after.

DROP TABLE login_failures;

-- One count per key: `pair:ADDRESS USERNAME`, `address:ADDRESS` or `user:USERNAME`. An attempt is counted
-- (`attempts` + 1, `last_at` its time) before its password is checked and taken back if it was right;
-- `accepted` says whether the statement that last touched the row let its attempt go ahead.
CREATE TABLE login_throttle (
    throttle_key  TEXT PRIMARY KEY NOT NULL,
    attempts      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    accepted      BIGINT NOT NULL
);
CREATE INDEX login_throttle_by_age ON login_throttle (last_at);

-- Where each user last logged in successfully from: their attempts from such an address are not held to the
-- per-username ceiling that stops guessing spread over many addresses.
CREATE TABLE login_addresses (
    username         TEXT NOT NULL REFERENCES users (username),
    address          TEXT NOT NULL,
    last_success_at  BIGINT NOT NULL,
    PRIMARY KEY (username, address)
);
CREATE INDEX login_addresses_by_age ON login_addresses (last_success_at);
