//! The plugin's tables, one text for SQLite and PostgreSQL (booleans `BIGINT` 0/1, times ms
//! since the epoch, rows JSON text). Task batches are jobs of the engine (kind `apres.batch`,
//! scope the recipe id); their files are the engine's stored files.

use plinth_plugin_api::Migration;

const TABLES: &str = "
CREATE TABLE apres_recipes (
    id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, key_hint TEXT NOT NULL,
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, name TEXT NOT NULL,
    instruction TEXT NOT NULL, template_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE apres_loaded (
    id TEXT PRIMARY KEY, recipe_id TEXT NOT NULL, file TEXT NOT NULL, golden BIGINT NOT NULL,
    row_count BIGINT NOT NULL, rows_json TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE UNIQUE INDEX apres_one_golden_set ON apres_loaded (recipe_id) WHERE golden = 1
";

/// The plugin's migrations.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "recipes (hashed keys), loaded batches with at most one golden set per recipe",
    sqlite: TABLES,
    postgres: TABLES,
}];
