-- Rosette's schema, version 1. Written once for both engines: only TEXT, BIGINT and BYTEA
-- columns (BYTEA here), ids as UUID text, times as Unix milliseconds, JSON as text.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE issuers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    email TEXT NOT NULL,
    description TEXT,
    image_type TEXT,
    image BYTEA,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX issuers_by_org ON issuers (org_id, created_at);

CREATE TABLE issuer_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    issuer_id TEXT NOT NULL REFERENCES issuers (id),
    public_multibase TEXT NOT NULL,
    secret_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX issuer_keys_by_issuer ON issuer_keys (issuer_id, created_at);

CREATE TABLE achievements (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    issuer_id TEXT NOT NULL REFERENCES issuers (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    criteria TEXT NOT NULL,
    achievement_type TEXT NOT NULL,
    skills TEXT NOT NULL,
    tags TEXT NOT NULL,
    points BIGINT NOT NULL,
    valid_for_days BIGINT,
    image_type TEXT,
    image BYTEA,
    design TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX achievements_by_org ON achievements (org_id, created_at);

CREATE TABLE status_lists (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    issuer_id TEXT NOT NULL REFERENCES issuers (id),
    purpose TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    next_index BIGINT NOT NULL,
    bits BYTEA NOT NULL,
    credential TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE awards (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    issuer_id TEXT NOT NULL REFERENCES issuers (id),
    recipient_email TEXT NOT NULL,
    recipient_name TEXT,
    credential TEXT NOT NULL,
    status_list_id TEXT NOT NULL REFERENCES status_lists (id),
    status_index BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT,
    revoked_at BIGINT,
    revocation_reason TEXT,
    idempotency_key TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX awards_idempotency ON awards (org_id, idempotency_key);
CREATE INDEX awards_by_org ON awards (org_id, created_at, id);
CREATE INDEX awards_by_achievement ON awards (org_id, achievement_id, created_at);
CREATE INDEX awards_by_recipient ON awards (org_id, recipient_email);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_by_org ON events (org_id, created_at);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    org_id TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    done_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);
