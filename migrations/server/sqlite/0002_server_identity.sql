-- Facts about this store that every server process sharing it agrees on, such as the storage id it
-- announces to peers (stable, so a phone can tell the server already has its changes).
CREATE TABLE server_identity (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);
