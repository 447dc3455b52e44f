-- The desk's oversight: filing rounds, roster filing steps, spot checks, duty logs, the assessment record,
-- and what of incidents the scores and the analysis need (judgements, attachments, coordinates).
-- All of these are projections: rebuilt from the documents by `admin reproject`.

CREATE TABLE filing_rounds (
    document_id        TEXT PRIMARY KEY NOT NULL,
    title              TEXT NOT NULL,
    occasion           TEXT NOT NULL,        -- holiday, special_period
    period_start       BIGINT NOT NULL,
    period_end         BIGINT NOT NULL,
    period_start_text  TEXT NOT NULL,
    period_end_text    TEXT NOT NULL,
    deadline           BIGINT NOT NULL,
    deadline_text      TEXT NOT NULL,
    opened_by          TEXT NOT NULL,
    opened_at_text     TEXT NOT NULL,
    closed_at          BIGINT
);
CREATE INDEX filing_rounds_by_deadline ON filing_rounds (deadline);

CREATE TABLE filing_round_units (
    document_id  TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    PRIMARY KEY (document_id, unit_id)
);

-- Each step of a roster's filing: filed, accepted, returned (with reasons), in order.
CREATE TABLE roster_filing_steps (
    document_id  TEXT NOT NULL,
    position     BIGINT NOT NULL,
    unit_id      TEXT NOT NULL,
    status       TEXT NOT NULL,              -- draft, filed, accepted, returned
    by_person    TEXT NOT NULL,
    at           BIGINT NOT NULL,
    at_text      TEXT NOT NULL,
    reasons      TEXT NOT NULL,              -- JSON array of strings
    PRIMARY KEY (document_id, position)
);

CREATE TABLE spot_checks (
    document_id      TEXT NOT NULL,
    check_id         TEXT NOT NULL,
    plan_title       TEXT NOT NULL,
    round_id         TEXT,
    unit_id          TEXT NOT NULL,
    day              TEXT NOT NULL,          -- 2026-10-01
    day_start        BIGINT NOT NULL,
    session          TEXT NOT NULL,          -- morning, afternoon, evening
    planned_by       TEXT NOT NULL,
    outcome          TEXT,                   -- NULL until checked: proper, unanswered, empty_post, …
    ring_seconds     BIGINT,
    method           TEXT,                   -- phone, video
    answered_by      TEXT,
    checked_by       TEXT,
    checked_at       BIGINT,
    checked_at_text  TEXT,
    note             TEXT,
    PRIMARY KEY (document_id, check_id)
);
CREATE INDEX spot_checks_by_unit ON spot_checks (unit_id, day_start);
CREATE INDEX spot_checks_by_day ON spot_checks (day_start);

CREATE TABLE duty_log_entries (
    document_id     TEXT NOT NULL,
    entry_id        TEXT NOT NULL,
    unit_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,           -- call, visit, fax, notice, handover, zero_report
    at              BIGINT NOT NULL,
    at_text         TEXT NOT NULL,
    by_person       TEXT NOT NULL,
    counterpart     TEXT NOT NULL,
    summary         TEXT NOT NULL,
    handling        TEXT NOT NULL,
    instruction_id  TEXT,                    -- a notice: the instruction document it was relayed as
    for_date        TEXT,                    -- a zero report: the day it covers
    PRIMARY KEY (document_id, entry_id)
);
CREATE INDEX duty_log_by_time ON duty_log_entries (at);
CREATE INDEX duty_log_zero_reports ON duty_log_entries (for_date, unit_id);

CREATE TABLE assessment_items (
    document_id  TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    year         BIGINT NOT NULL,
    kind         TEXT NOT NULL,              -- adoption, non_standard_report, criticism
    unit_id      TEXT NOT NULL,
    level        TEXT,                       -- an adoption's: city, province, national
    publication  TEXT NOT NULL,
    incident_id  TEXT,
    entry_id     TEXT,
    reason       TEXT NOT NULL,
    by_person    TEXT NOT NULL,
    at           BIGINT NOT NULL,
    at_text      TEXT NOT NULL,
    PRIMARY KEY (document_id, item_id)
);
CREATE INDEX assessment_items_by_time ON assessment_items (at);

-- The desk's judgements on incidents (late, omitted, concealed, false), for the scores and the bulletin.
CREATE TABLE incident_judgements (
    document_id  TEXT NOT NULL,
    position     BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    by_person    TEXT NOT NULL,
    at           BIGINT NOT NULL,
    at_text      TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);

-- Attachments named in incidents (photos, recordings, videos), for the scores' reports by kind.
CREATE TABLE incident_attachments (
    document_id  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    entry_id     TEXT,
    added_by     TEXT NOT NULL,
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (document_id, sha256)
);

-- Where an incident happened, when the phone had coordinates: for compound risks close in place.
ALTER TABLE incidents ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE incidents ADD COLUMN longitude DOUBLE PRECISION;
