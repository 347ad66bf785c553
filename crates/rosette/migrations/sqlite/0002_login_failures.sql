-- Failed password sign-ins, counted to rate-limit guessing: one row per failure, keyed by
-- the SHA-256 of the email address and the client's IP address (never the address itself).
-- Rows older than the counting window are deleted as new failures come in.
CREATE TABLE login_failures (
    key_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key_hash, created_at);
