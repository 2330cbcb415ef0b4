-- Retention and erasure of personal data (SEC-2): when a complaint's
-- personal data was erased, and timeline entries whose text was redacted.
-- A timeline entry may be changed once, by erasure only: its text, never
-- who, when or what.

ALTER TABLE complaints ADD COLUMN erased_at BIGINT;
CREATE INDEX complaints_retention ON complaints(closed_at) WHERE erased_at IS NULL AND closed_at IS NOT NULL;

ALTER TABLE complaint_events ADD COLUMN redacted BOOLEAN NOT NULL DEFAULT false;

CREATE FUNCTION kesu_events_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NOT OLD.redacted AND NEW.redacted AND NEW.id = OLD.id AND NEW.complaint_id = OLD.complaint_id
     AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.actor_name = OLD.actor_name
     AND NEW.kind = OLD.kind AND NEW.public = OLD.public THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER complaint_events_append_only ON complaint_events;
CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events
  FOR EACH ROW EXECUTE FUNCTION kesu_events_redact_only();
