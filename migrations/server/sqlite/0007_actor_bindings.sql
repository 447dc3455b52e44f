-- Each Automerge actor id belongs to the first user who delivered a change under it: a change under an actor
-- bound to someone else is refused, so authorship cannot be forged by reusing another device's actor id.
CREATE TABLE actor_bindings (
    actor     TEXT PRIMARY KEY NOT NULL,
    username  TEXT NOT NULL,
    bound_at  BIGINT NOT NULL
);
