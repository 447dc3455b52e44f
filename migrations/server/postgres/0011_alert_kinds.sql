-- Alerts of every kind: each has a key naming what it is about (`instruction:<document>`,
-- `incident:<document>:grade:III`, `follow_up:<document>:3`, …), unique, so the same situation is alerted
-- once however many servers notice it. An alert ends when everyone acknowledged or when its situation
-- cleared (the report came, the feedback was given, the roster was filed): `resolved_at`.
ALTER TABLE alerts ADD COLUMN alert_key TEXT;
UPDATE alerts SET alert_key = kind || ':' || COALESCE(document_id, alert_id);
CREATE UNIQUE INDEX alerts_by_key ON alerts (alert_key);
ALTER TABLE alerts ADD COLUMN resolved_at BIGINT;
ALTER TABLE alerts ADD COLUMN resolution TEXT;

-- The acknowledgement's time on the phone, beside the server's receipt time.
ALTER TABLE alert_recipients ADD COLUMN acknowledged_on_device_at BIGINT;
