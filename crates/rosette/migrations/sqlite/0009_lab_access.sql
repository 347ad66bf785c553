-- The SHA-256 of the secret in a lab session's learner link, which opens the session's page
-- and terminal (src/lab/learner.rs). Sessions started before this have none.
ALTER TABLE lab_sessions ADD COLUMN access_hash TEXT;
CREATE UNIQUE INDEX lab_sessions_by_access ON lab_sessions (access_hash);
