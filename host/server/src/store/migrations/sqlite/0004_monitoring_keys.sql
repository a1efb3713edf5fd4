-- A third key scope, `monitoring`: the plugins' monitoring and registry APIs, not the admin API.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (nothing references it).
CREATE TABLE api_keys_new (
    id          TEXT PRIMARY KEY NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    key_prefix  TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('admin', 'service', 'monitoring')),
    service_id  TEXT REFERENCES services(id) ON DELETE CASCADE,
    label       TEXT,
    description TEXT,
    created_by  TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER
);
INSERT INTO api_keys_new SELECT id, key_hash, key_prefix, scope, service_id, label, description, created_by, created_at, expires_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
