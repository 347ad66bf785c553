-- The queue is read as "the pending jobs, soonest first". An index of just those rows, in
-- that order, lets a claim stop after the rows it takes. The old index also held every
-- finished job, and on PostgreSQL the versions of rows that a claim or a completion had
-- already replaced, which every claim scanned through until the table was next vacuumed.
DROP INDEX jobs_due;
CREATE INDEX jobs_pending ON jobs (run_at, id) WHERE done_at IS NULL;
