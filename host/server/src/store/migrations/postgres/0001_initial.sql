-- Services: one row per API service. `routing` is the JSON of the active routing
-- (null, {"single": "v2"} or {"strategy": "HASH_BASED", "entries": [...]}). Flags are 0/1
-- integers, as on SQLite, so that one query text reads both.
CREATE TABLE services (
    id          TEXT PRIMARY KEY NOT NULL,
    enabled     BIGINT NOT NULL DEFAULT 1,
    public      BIGINT NOT NULL DEFAULT 0,
    description TEXT,
    routing     TEXT,
    created_at  BIGINT NOT NULL
);

-- Generations: each deploy of a bundle. `seq` orders them (switchToNewest, next vN).
CREATE TABLE generations (
    service_id  TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    bundle_dir  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    manifest    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (service_id, id)
);

-- API keys, stored as SHA-256 of the key. scope: 'admin' or 'service' (then service_id is set).
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    key_prefix  TEXT NOT NULL,
    scope       TEXT NOT NULL CONSTRAINT api_keys_scope_check CHECK (scope IN ('admin', 'service')),
    service_id  TEXT REFERENCES services(id) ON DELETE CASCADE,
    label       TEXT,
    description TEXT,
    created_by  TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT
);

-- Audit trail: one row per user call and per admin action.
CREATE TABLE audit (
    seq         BIGSERIAL PRIMARY KEY,
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    service_id  TEXT,
    endpoint_id TEXT,
    generation  TEXT,
    action      TEXT,
    status      BIGINT,
    duration_us BIGINT,
    key_id      TEXT,
    detail      TEXT
);
CREATE INDEX audit_by_service ON audit(service_id, seq);
