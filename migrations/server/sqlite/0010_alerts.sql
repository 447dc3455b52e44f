-- Alerts and their escalation, durable: a restart neither loses nor repeats a step, and two servers on one
-- database never both make the same call (a call is claimed by a conditional update before it is made).
CREATE TABLE alerts (
    alert_id     TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,                -- instruction, incident, deadline, …
    document_id  TEXT,
    title_class  TEXT NOT NULL,
    urgency      TEXT NOT NULL,
    raised_at    BIGINT NOT NULL
);
CREATE INDEX alerts_by_document ON alerts (document_id);

-- One escalation per recipient of an alert (a unit, or a person), with its chain frozen when the alert
-- started: JSON `[{"people": [...], "wait_minutes": N, "times": K}, …]`.
CREATE TABLE alert_recipients (
    alert_id         TEXT NOT NULL REFERENCES alerts (alert_id),
    recipient        TEXT NOT NULL,
    chain            TEXT NOT NULL,
    step             BIGINT NOT NULL,          -- the next call's step and round
    round            BIGINT NOT NULL,
    next_at          BIGINT,                   -- when the next call is due; NULL: acknowledged or chain ended
    acknowledged_at  BIGINT,
    acknowledged_by  TEXT,
    exhausted_at     BIGINT,                   -- the chain ended with nobody acknowledging: overdue
    PRIMARY KEY (alert_id, recipient)
);
CREATE INDEX alert_recipients_due ON alert_recipients (next_at);

-- Every call made: who was called at which step, and what their devices' push services answered.
CREATE TABLE alert_calls (
    alert_id    TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    step        BIGINT NOT NULL,
    round       BIGINT NOT NULL,
    person      TEXT NOT NULL,
    called_at   BIGINT NOT NULL,
    pushed      BIGINT NOT NULL,               -- devices whose push service accepted it
    sent        BOOLEAN NOT NULL,              -- the pushes were made (a crash before leaves it false)
    sending_until BIGINT,                      -- a server is pushing it; after this, another may
    PRIMARY KEY (alert_id, recipient, step, round, person)
);
