-- Lab tracks. A track is an organization's, found by its slug; every import that changes it
-- adds a version, and sessions stay on the version they started with. A version keeps the
-- track's files (JSON: path to base64 contents) and what was read from them, so any server
-- can start a sandbox from the database alone.
CREATE TABLE tracks (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    slug TEXT NOT NULL,
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    -- Whether the achievement was made from the track's inline description, and so follows
    -- it on later imports.
    achievement_inline BIGINT NOT NULL,
    latest_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tracks_by_slug ON tracks (org_id, slug);

CREATE TABLE track_versions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    track_id TEXT NOT NULL REFERENCES tracks (id),
    number BIGINT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    manifest TEXT NOT NULL,
    files BYTEA NOT NULL,
    digest TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX track_versions_by_number ON track_versions (track_id, number);
