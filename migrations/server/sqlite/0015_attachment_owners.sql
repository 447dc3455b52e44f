-- Who uploaded each attachment: an upload under way belongs to its uploader (nobody else continues it), and
-- every upload, whole or under way, counts against its uploader's quota. Uploads made before this have no
-- uploader: anyone may start a partial one of them over, and they count against nobody.
ALTER TABLE attachment_uploads ADD COLUMN uploaded_by TEXT;
CREATE INDEX attachment_uploads_by_uploader ON attachment_uploads (uploaded_by);
-- Partial uploads left 24 hours without a chunk are removed: found by when they last moved.
CREATE INDEX attachment_uploads_by_progress ON attachment_uploads (complete, updated_at);
-- The incidents that list a hash: who may download its bytes.
CREATE INDEX incident_attachments_by_sha256 ON incident_attachments (sha256);
