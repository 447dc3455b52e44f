-- Who uses this phone, and the files waiting to go to the server.

-- Settings of this phone: `person` (the user's id in the directory), `device` (this device's name),
-- `directory` (the directory document's id).
CREATE TABLE duty_settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);

-- Attachment bytes, kept by content (SHA-256, lowercase hex) from the moment they are attached, so a photo
-- taken offline is safe on the phone until the server holds all of it.
CREATE TABLE attachment_files (
    sha256       TEXT PRIMARY KEY NOT NULL,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    data         BLOB NOT NULL,
    added_at     INTEGER NOT NULL,           -- unix milliseconds
    uploaded_at  INTEGER                     -- when the server confirmed it holds the whole file
);
