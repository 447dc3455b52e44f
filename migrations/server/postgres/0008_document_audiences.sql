-- Who each document is for (see `zhiban_model::access::Audience`), written with every stored change: the
-- server tells from here, without reading documents, which documents a person may see (their home
-- document) and whose view a change alters. Lists are newline-separated ids.
CREATE TABLE document_audiences (
    document_id  TEXT PRIMARY KEY NOT NULL,
    audience     TEXT NOT NULL,            -- everyone, person, administrators, incident, roster, instruction
    kind         TEXT NOT NULL,            -- the document's type, for the home document ('' if untyped)
    unit         TEXT,
    sensitive    BOOLEAN NOT NULL,
    people       TEXT NOT NULL,
    units        TEXT NOT NULL
);

-- Each person's home document (written only by the server), made on first need. Its id is random, so
-- nobody can create a document at someone's home id before the server does.
CREATE TABLE home_documents (
    person       TEXT PRIMARY KEY NOT NULL,
    document_id  TEXT NOT NULL UNIQUE
);
