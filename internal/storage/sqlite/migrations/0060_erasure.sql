-- Retention and erasure of personal data (SEC-2): when a complaint's
-- personal data was erased, and timeline entries whose text was redacted.
-- A timeline entry may be changed once, by erasure only: its text, never
-- who, when or what.

ALTER TABLE complaints ADD COLUMN erased_at INTEGER;
CREATE INDEX complaints_retention ON complaints(closed_at) WHERE erased_at IS NULL AND closed_at IS NOT NULL;

ALTER TABLE complaint_events ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER complaint_events_no_update;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
WHEN NOT (OLD.redacted = 0 AND NEW.redacted = 1 AND NEW.id = OLD.id AND NEW.complaint_id = OLD.complaint_id
  AND NEW.at = OLD.at AND NEW.actor_id IS OLD.actor_id AND NEW.actor_name = OLD.actor_name AND NEW.kind = OLD.kind
  AND NEW.public = OLD.public)
BEGIN SELECT RAISE(ABORT, 'timeline entries cannot be changed'); END;
