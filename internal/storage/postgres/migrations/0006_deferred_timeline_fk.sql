-- A batch of new complaints writes its timeline entries before the rows
-- themselves (ids are drawn first) to hold the numbering lock briefly; the
-- foreign key is checked at commit instead of per statement.
ALTER TABLE complaint_events ALTER CONSTRAINT complaint_events_complaint_id_fkey DEFERRABLE INITIALLY DEFERRED;
