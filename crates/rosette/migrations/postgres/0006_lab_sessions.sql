-- Lab sessions: one learner working through one version of a track in a sandbox. `runner`
-- names the server that holds the sandbox, so that a server starting again ends only its
-- own sessions (their sandboxes died with it). `progress` is JSON: per challenge, its
-- attempts, when it was passed and whether it was skipped.
CREATE TABLE lab_sessions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    track_id TEXT NOT NULL REFERENCES tracks (id),
    version_id TEXT NOT NULL REFERENCES track_versions (id),
    learner_email TEXT NOT NULL,
    learner_name TEXT,
    status TEXT NOT NULL,
    current_challenge BIGINT NOT NULL,
    progress TEXT NOT NULL,
    award_id TEXT,
    runner TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason TEXT
);
CREATE INDEX lab_sessions_by_org ON lab_sessions (org_id, started_at);
CREATE INDEX lab_sessions_by_runner ON lab_sessions (runner, status);
