-- The server's own actor ids belong to the server: a phone's change under one is refused, as under another
-- user's. Binds the actors of the server's changes stored before the server bound its own (homes, ledger
-- numbers, receipt times, the directory written by `admin unit add`).
INSERT INTO actor_bindings (actor, username, bound_at)
SELECT actor, '(server)', MIN(received_at) FROM change_log
WHERE device_id = 'server' AND username IS NULL
GROUP BY actor
ON CONFLICT (actor) DO NOTHING;
