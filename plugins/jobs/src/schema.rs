//! The job engine's tables, in both dialects.

use plinth_plugin_api::Migration;

/// The version-1 schema with the dialect's byte-string type (the only difference).
macro_rules! schema_v1 {
    ($bytes:literal) => {
        concat!(
            "        CREATE TABLE job_jobs (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, scope TEXT NOT NULL, state TEXT NOT NULL,
            params TEXT NOT NULL, total BIGINT, cursor BIGINT NOT NULL DEFAULT 0,
            failed_items BIGINT NOT NULL DEFAULT 0, result TEXT, error TEXT,
            attempts BIGINT NOT NULL DEFAULT 0, run_at BIGINT NOT NULL,
            lease_owner TEXT, lease_until BIGINT, webhook_url TEXT, webhook_secret TEXT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            started_at BIGINT, finished_at BIGINT);
        CREATE INDEX job_jobs_due ON job_jobs (state, run_at);
        CREATE INDEX job_jobs_scope ON job_jobs (kind, scope, created_at);
        CREATE TABLE job_items (
            job_id TEXT NOT NULL, seq BIGINT NOT NULL, body TEXT NOT NULL,
            PRIMARY KEY (job_id, seq));
        CREATE TABLE job_outputs (
            job_id TEXT NOT NULL, seq BIGINT NOT NULL, ok BIGINT NOT NULL, body TEXT NOT NULL,
            started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
            PRIMARY KEY (job_id, seq));
        CREATE TABLE job_deliveries (
            id TEXT PRIMARY KEY, job_id TEXT NOT NULL, seq BIGINT NOT NULL, event TEXT NOT NULL,
            url TEXT NOT NULL, secret TEXT, payload TEXT NOT NULL, status TEXT NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0, next_attempt_ms BIGINT NOT NULL,
            last_status BIGINT, last_error TEXT, created_at BIGINT NOT NULL, delivered_at BIGINT,
            UNIQUE (job_id, seq));
        CREATE INDEX job_deliveries_due ON job_deliveries (status, next_attempt_ms);
        CREATE TABLE job_files (
            id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL,
            content_type TEXT NOT NULL, bytes ",
            $bytes,
            " NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE job_url_key (id BIGINT PRIMARY KEY, secret TEXT NOT NULL)"
        )
    };
}

/// Jobs, their input items, their outputs (one per item, unique), webhook deliveries (ordered
/// per job), stored files, and the key of pre-signed URLs.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "jobs, items, outputs, deliveries, files, url key",
        sqlite: schema_v1!("BLOB"),
        postgres: schema_v1!("BYTEA"),
    },
    // A job's output file in the database too, so that replicas sharing it can all serve the
    // download link (the copy under the data directory is the writer's cache).
    Migration {
        version: 2,
        description: "output files",
        sqlite: "CREATE TABLE job_output_files (job_id TEXT NOT NULL, name TEXT NOT NULL,
            bytes BLOB NOT NULL, PRIMARY KEY (job_id, name))",
        postgres: "CREATE TABLE job_output_files (job_id TEXT NOT NULL, name TEXT NOT NULL,
            bytes BYTEA NOT NULL, PRIMARY KEY (job_id, name))",
    },
];
