-- Documents whose local changes the server refused (an invalid or forbidden edit). Their changes stay on the
-- phone, are no longer sent, and are shown to the user, who may discard them and fetch the server's copy.
CREATE TABLE refused_documents (
    document_id  TEXT PRIMARY KEY NOT NULL,
    reason       TEXT NOT NULL,
    refused_at   INTEGER NOT NULL             -- unix milliseconds
);
