-- Projections: SQL rows the desk can query, made from the documents after each durable merge. They hold
-- nothing the documents do not: `zhiban-server admin reproject` drops and rebuilds them from the documents.
-- Times are unix milliseconds (for filters and ordering) with the document's own text beside them (for
-- display, with the offset the reporter wrote).

-- Which documents are typed, and whether their last projection worked.
CREATE TABLE projected_documents (
    document_id   TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,             -- directory, roster, incident, instruction
    schema        BIGINT NOT NULL,
    projected_at  BIGINT NOT NULL,
    problem       TEXT                       -- why it could not be projected, if it could not
);

CREATE TABLE units (
    unit_id       TEXT PRIMARY KEY NOT NULL,
    directory_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    parent_id     TEXT,
    category      TEXT NOT NULL,             -- 1, 2, 3
    duty_phone    TEXT NOT NULL
);

CREATE TABLE people (
    person_id     TEXT PRIMARY KEY NOT NULL,
    directory_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    rank          TEXT NOT NULL,             -- principal, division, section
    phone         TEXT NOT NULL,
    roles         TEXT NOT NULL              -- comma-separated
);

CREATE TABLE incidents (
    document_id          TEXT PRIMARY KEY NOT NULL,
    title                TEXT NOT NULL,
    unit_id              TEXT NOT NULL,
    nature               TEXT,
    place                TEXT,
    received_at          BIGINT NOT NULL,
    received_at_text     TEXT NOT NULL,
    occurred_at          BIGINT,
    sensitive            BIGINT NOT NULL,    -- 0 or 1
    stage                TEXT NOT NULL,      -- received … archived
    suggested_grade      TEXT NOT NULL,      -- I, II, III, IV
    confirmed_grade      TEXT,
    grade_reason         TEXT,
    effective_grade      TEXT NOT NULL,
    dead                 BIGINT NOT NULL,
    injured              BIGINT NOT NULL,
    serious_injuries     BIGINT NOT NULL,
    missing              BIGINT NOT NULL,
    trapped              BIGINT NOT NULL,
    direct_loss_cny      BIGINT NOT NULL,
    first_reported_at    BIGINT,
    verbal_due_at        BIGINT,
    written_due_at       BIGINT NOT NULL,
    late_by_seconds      BIGINT,             -- first report after the written deadline, by this much
    report_count         BIGINT NOT NULL,
    has_final_report     BIGINT NOT NULL,
    pending_fields       TEXT NOT NULL,      -- comma-separated
    last_report_at       BIGINT
);
CREATE INDEX incidents_by_received ON incidents (received_at);
CREATE INDEX incidents_by_unit ON incidents (unit_id, received_at);

CREATE TABLE report_entries (
    document_id         TEXT NOT NULL,
    entry_id            TEXT NOT NULL,
    position            BIGINT NOT NULL,     -- place in the chain
    kind                TEXT NOT NULL,       -- first, follow_up, final
    label               TEXT NOT NULL,       -- 首报, 续报一, 终报
    submitted_at        BIGINT NOT NULL,
    submitted_at_text   TEXT NOT NULL,
    reporter_person     TEXT NOT NULL,
    reporter_name       TEXT NOT NULL,
    reporter_unit       TEXT NOT NULL,
    account             TEXT NOT NULL,
    details             TEXT NOT NULL,       -- the entry's fields as JSON
    PRIMARY KEY (document_id, entry_id)
);

CREATE TABLE incident_steps (
    document_id  TEXT NOT NULL,
    position     BIGINT NOT NULL,
    stage        TEXT NOT NULL,
    by_person    TEXT NOT NULL,
    at           BIGINT NOT NULL,
    at_text      TEXT NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);

CREATE TABLE instructions (
    document_id                TEXT PRIMARY KEY NOT NULL,
    number                     TEXT,         -- 2027-014, once the server has assigned it
    leader                     TEXT NOT NULL,
    issued_at                  BIGINT NOT NULL,
    issued_at_text             TEXT NOT NULL,
    text                       TEXT NOT NULL,
    incident                   TEXT,         -- automerge: URL of the incident it was written on
    status                     TEXT NOT NULL,
    relay_due_at               BIGINT NOT NULL,
    feedback_due_at            BIGINT NOT NULL,
    feedback_due_provisional   BIGINT NOT NULL,
    recipient_count            BIGINT NOT NULL,
    acknowledged_count         BIGINT NOT NULL,
    fed_back_at                BIGINT,
    closed_at                  BIGINT
);
-- Not unique: the ledger never gives a number twice, and rows must not fail over a race between servers.
CREATE INDEX instructions_by_number ON instructions (number);

CREATE TABLE instruction_recipients (
    document_id    TEXT NOT NULL,
    recipient_id   TEXT NOT NULL,
    kind           TEXT NOT NULL,            -- unit, person
    relayed_at     BIGINT,
    acknowledged   BIGINT NOT NULL,
    PRIMARY KEY (document_id, recipient_id)
);

CREATE TABLE acknowledgements (
    document_id          TEXT NOT NULL,
    recipient_id         TEXT NOT NULL,
    person_id            TEXT NOT NULL,
    device               TEXT NOT NULL,
    acknowledged_at      BIGINT NOT NULL,
    acknowledged_at_text TEXT NOT NULL,
    server_received_at   BIGINT,
    PRIMARY KEY (document_id, recipient_id, person_id)
);

CREATE TABLE rosters (
    document_id         TEXT PRIMARY KEY NOT NULL,
    unit_id             TEXT NOT NULL,
    period_start        BIGINT NOT NULL,
    period_end          BIGINT NOT NULL,
    period_start_text   TEXT NOT NULL,
    period_end_text     TEXT NOT NULL,
    filing_status       TEXT NOT NULL,       -- draft, filed, accepted, returned
    problems            TEXT NOT NULL        -- validation problems as a JSON array of strings
);
CREATE INDEX rosters_by_unit ON rosters (unit_id, period_start);

-- Shifts (main and deputy) and leader-on-duty periods, in local office time.
CREATE TABLE shifts (
    document_id   TEXT NOT NULL,
    shift_id      TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,             -- shift, leader
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    starts_text   TEXT NOT NULL,
    ends_text     TEXT NOT NULL,
    main          TEXT,
    deputy        TEXT,
    leader        TEXT,
    on_post       BIGINT NOT NULL,
    PRIMARY KEY (document_id, shift_id)
);
CREATE INDEX shifts_by_unit_time ON shifts (unit_id, starts_at);

-- The instruction ledger: the last number given out each year. Not a projection: numbers once given stay
-- given, so reprojecting never touches it.
CREATE TABLE ledger_counters (
    year      BIGINT PRIMARY KEY NOT NULL,
    last_seq  BIGINT NOT NULL
);
