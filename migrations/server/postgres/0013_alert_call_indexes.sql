-- A home's open alerts are read by the person called (`alerts::lists::open_for`), for each home an alert
-- touches: without this index every read scanned every call ever made, so each instruction to a thousand
-- people was slower than the one before.
CREATE INDEX alert_calls_by_person ON alert_calls (person, alert_id);

-- The scheduler looks for calls recorded but not yet pushed at every tick: few, among all calls ever made.
CREATE INDEX alert_calls_unsent ON alert_calls (called_at) WHERE sent = FALSE;
