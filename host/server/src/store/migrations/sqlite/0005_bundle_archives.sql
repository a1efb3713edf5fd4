-- Deployed bundles kept in the state database, for replicas that share it: the archive of a
-- generation's bundle directory (a plain tar) in chunks, with its SHA-256 checked on load.
-- Written in the deploy's transaction, so a generation row never exists without its archive
-- (when the server stores archives at all: on shared state only).
CREATE TABLE bundle_archives (
    service_id    TEXT NOT NULL,
    generation_id TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    chunks        INTEGER NOT NULL,
    PRIMARY KEY (service_id, generation_id),
    FOREIGN KEY (service_id, generation_id) REFERENCES generations(service_id, id) ON DELETE CASCADE
);
CREATE TABLE bundle_chunks (
    service_id    TEXT NOT NULL,
    generation_id TEXT NOT NULL,
    n             INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (service_id, generation_id, n),
    FOREIGN KEY (service_id, generation_id) REFERENCES bundle_archives(service_id, generation_id) ON DELETE CASCADE
);
