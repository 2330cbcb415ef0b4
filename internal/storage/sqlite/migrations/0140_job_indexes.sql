-- Every job row is written three times (queued, claimed, done), and every
-- index that holds its status was rewritten each time. Most rows are done
-- and wait only for pruning: the open jobs (pending, running, dead) are
-- found through one index that leaves the done ones out, and the done ones
-- through one that holds only them, for the pruning by age. A job's life
-- now writes these indexes five times instead of ten.
DROP INDEX jobs_due;
DROP INDEX jobs_lease;
CREATE INDEX jobs_open ON jobs(status, run_at) WHERE status <> 'done';
CREATE INDEX jobs_done ON jobs(run_at) WHERE status = 'done';
