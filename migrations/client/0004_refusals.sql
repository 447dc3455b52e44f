-- The server's refusals as data (rule, part, reason in English and Chinese), beside the message text, so the
-- phone acts on a refusal's rule and shows each reason by the field it is about, never by reading the text.
ALTER TABLE refused_documents ADD COLUMN refusals TEXT NOT NULL DEFAULT '[]';  -- JSON array of refusals

-- Refusals stored before: the access-ended one kept by this phone becomes its rule; the server's others are
-- kept as their text under a rule that says so.
UPDATE refused_documents SET refusals = json_array(json_object(
    'rule', CASE WHEN reason LIKE 'the server no longer offers you this document%' THEN 'read'
                 ELSE 'server.unstructured' END,
    'reason', reason,
    'reasonZh', reason));
