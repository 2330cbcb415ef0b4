-- PostgreSQL makes the timeline's foreign key deferred here; SQLite writes
-- a batch's rows before their timeline entries and needs no change. The
-- migration exists so both engines share one schema version.
SELECT 1;
