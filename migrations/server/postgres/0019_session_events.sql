-- Sessions that ended or changed, so every server process ends the sync sockets they hold: a device signed
-- out (logout, an administrator's revoke, a password reset), an account disabled, a person's unit or roles
-- changed. Written by triggers, so every way of making such a change (the API, the console, `admin`
-- commands in another process) is seen; each insert is announced on `zhiban_sessions` when it commits.
CREATE TABLE session_events (
    seq        BIGSERIAL PRIMARY KEY,
    username   TEXT NOT NULL,
    device_id  TEXT,                      -- NULL: every device of the person
    why        TEXT NOT NULL
);

CREATE FUNCTION announce_session_event() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('zhiban_sessions', NEW.username);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER session_event_announced AFTER INSERT ON session_events
FOR EACH ROW EXECUTE FUNCTION announce_session_event();

CREATE FUNCTION end_session_of_device() RETURNS trigger AS $$
BEGIN
    IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL THEN
        INSERT INTO session_events (username, device_id, why)
        VALUES (NEW.username, NEW.device_id, COALESCE(NEW.revoked_why, 'signed out'));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER session_ends_with_its_device AFTER UPDATE OF revoked_at ON devices
FOR EACH ROW EXECUTE FUNCTION end_session_of_device();

CREATE FUNCTION change_sessions_of_account() RETURNS trigger AS $$
BEGIN
    IF OLD.disabled_at IS DISTINCT FROM NEW.disabled_at OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
       OR OLD.roles IS DISTINCT FROM NEW.roles THEN
        INSERT INTO session_events (username, device_id, why)
        VALUES (NEW.username, NULL,
                CASE WHEN NEW.disabled_at IS NOT NULL THEN 'account disabled' ELSE 'unit or roles changed' END);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessions_change_with_their_account AFTER UPDATE OF disabled_at, unit_id, roles ON users
FOR EACH ROW EXECUTE FUNCTION change_sessions_of_account();
