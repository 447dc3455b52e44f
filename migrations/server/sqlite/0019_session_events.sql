-- Sessions that ended or changed, so every server process ends the sync sockets they hold: a device signed
-- out (logout, an administrator's revoke, a password reset), an account disabled, a person's unit or roles
-- changed. Written by triggers, so every way of making such a change (the API, the console, `admin`
-- commands in another process) is seen; servers read it from their last seq, on SQLite once a second.
CREATE TABLE session_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    username   TEXT NOT NULL,
    device_id  TEXT,                      -- NULL: every device of the person
    why        TEXT NOT NULL
);

CREATE TRIGGER session_ends_with_its_device AFTER UPDATE OF revoked_at ON devices
WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
    INSERT INTO session_events (username, device_id, why)
    VALUES (NEW.username, NEW.device_id, COALESCE(NEW.revoked_why, 'signed out'));
END;

CREATE TRIGGER sessions_change_with_their_account AFTER UPDATE OF disabled_at, unit_id, roles ON users
WHEN OLD.disabled_at IS NOT NEW.disabled_at OR OLD.unit_id IS NOT NEW.unit_id OR OLD.roles IS NOT NEW.roles
BEGIN
    INSERT INTO session_events (username, device_id, why)
    VALUES (NEW.username, NULL, CASE WHEN NEW.disabled_at IS NOT NULL THEN 'account disabled' ELSE 'unit or roles changed' END);
END;
