//! The monitoring store's tables, in both dialects. Every rollup row is keyed by series
//! (service, endpoint, generation), time bucket and `writer` (the replica that wrote it), so
//! that replicas sharing one PostgreSQL each add to their own rows and reads sum over writers.

use plinth_plugin_api::Migration;

const TABLES: &str = "
CREATE TABLE mon_hours (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    hour_ms BIGINT NOT NULL, writer TEXT NOT NULL,
    requests BIGINT NOT NULL, rows_scored BIGINT NOT NULL,
    status_2xx BIGINT NOT NULL, status_4xx BIGINT NOT NULL, status_5xx BIGINT NOT NULL,
    warm BIGINT NOT NULL,
    prediction_sum DOUBLE_T NOT NULL, prediction_count BIGINT NOT NULL,
    response_hdr BLOB_T, execution_hdr BLOB_T,
    PRIMARY KEY (service_id, endpoint_id, generation, hour_ms, writer));
CREATE TABLE mon_errors (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    hour_ms BIGINT NOT NULL, writer TEXT NOT NULL, error_type TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, generation, hour_ms, writer, error_type));
CREATE TABLE mon_minutes (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    minute_ms BIGINT NOT NULL, writer TEXT NOT NULL, requests BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, generation, minute_ms, writer));
CREATE TABLE mon_consumers (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    hour_ms BIGINT NOT NULL, consumer TEXT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, generation, hour_ms, consumer));
CREATE TABLE mon_bins (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    hour_ms BIGINT NOT NULL, writer TEXT NOT NULL, feature TEXT NOT NULL, bin BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, generation, hour_ms, writer, feature, bin));
CREATE TABLE mon_classes (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    hour_ms BIGINT NOT NULL, writer TEXT NOT NULL, class_index BIGINT NOT NULL,
    predicted BIGINT NOT NULL, probability_sum DOUBLE_T NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, generation, hour_ms, writer, class_index));
CREATE TABLE mon_baselines (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, generation TEXT NOT NULL,
    body TEXT NOT NULL, created_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, generation));
CREATE TABLE mon_predictions (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, association_id TEXT NOT NULL,
    generation TEXT NOT NULL, at_ms BIGINT NOT NULL, value DOUBLE_T NOT NULL,
    class_index BIGINT, probabilities TEXT,
    PRIMARY KEY (service_id, endpoint_id, association_id));
CREATE INDEX mon_predictions_by_time ON mon_predictions (service_id, endpoint_id, at_ms);
CREATE TABLE mon_actuals (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, association_id TEXT NOT NULL,
    actual_text TEXT NOT NULL, actual_number DOUBLE_T, at_ms BIGINT,
    was_acted_on BIGINT, received_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id, association_id));
CREATE TABLE mon_settings (
    service_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, endpoint_id))
";

/// The store's migrations. The texts differ only in the types of floats and blobs.
pub fn migrations() -> &'static [Migration] {
    static MIGRATIONS: std::sync::OnceLock<Vec<Migration>> = std::sync::OnceLock::new();
    MIGRATIONS.get_or_init(|| {
        let sqlite = TABLES.replace("DOUBLE_T", "REAL").replace("BLOB_T", "BLOB");
        let postgres = TABLES
            .replace("DOUBLE_T", "DOUBLE PRECISION")
            .replace("BLOB_T", "BYTEA");
        vec![Migration {
            version: 1,
            description: "rollups, baselines, predictions, actuals, settings",
            sqlite: Box::leak(sqlite.into_boxed_str()),
            postgres: Box::leak(postgres.into_boxed_str()),
        }]
    })
}
