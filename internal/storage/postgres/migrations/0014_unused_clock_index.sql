-- On-time rates are read from complaints.sla_outcomes (0013); nothing reads
-- clocks by their start any more.
DROP INDEX IF EXISTS sla_clocks_started;
