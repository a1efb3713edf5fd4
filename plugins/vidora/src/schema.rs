//! The plugin's tables, the same text on SQLite and PostgreSQL (booleans are `BIGINT` 0/1,
//! times ms since the epoch, lists JSON text).

use plinth_plugin_api::Migration;

const TABLES: &str = "
CREATE TABLE vidora_keys (
    api_key TEXT PRIMARY KEY, secret TEXT NOT NULL, signatures BIGINT NOT NULL,
    created_at BIGINT NOT NULL);
CREATE TABLE vidora_pipelines (
    id TEXT PRIMARY KEY, service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL,
    name TEXT, active_label_set_id TEXT,
    train_job TEXT, last_prediction_at BIGINT, updated_at BIGINT NOT NULL);
CREATE TABLE vidora_label_sets (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, label_type TEXT NOT NULL, status TEXT NOT NULL,
    filename TEXT NOT NULL, file_id TEXT NOT NULL, start_date TEXT NOT NULL,
    end_date TEXT NOT NULL, ancestor_set_id TEXT, errors TEXT NOT NULL, warnings TEXT NOT NULL,
    row_count BIGINT, assigned_to TEXT, job_id TEXT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
";

/// The plugin's migrations.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "keys, pipelines, label sets, (prediction exports are jobs of the engine)",
    sqlite: TABLES,
    postgres: TABLES,
}];
