//! The plugin's tables (one text for both dialects: integers are BIGINT, flags 0/1).

use plinth_plugin_api::Migration;

const TABLES: &str = "
CREATE TABLE ap_models (
    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT,
    color TEXT NOT NULL, icon TEXT NOT NULL, owner TEXT,
    source TEXT NOT NULL, service_id TEXT, endpoint_id TEXT,
    retired BIGINT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE ap_tags (
    model_id TEXT NOT NULL, tag_key TEXT NOT NULL, tag_value TEXT NOT NULL,
    PRIMARY KEY (model_id, tag_key));
CREATE TABLE ap_versions (
    id TEXT PRIMARY KEY NOT NULL, model_id TEXT NOT NULL, name TEXT NOT NULL,
    model_type TEXT NOT NULL, version_schema TEXT NOT NULL,
    feature_importance TEXT, feature_positions TEXT, request TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (model_id, name));
CREATE TABLE ap_version_data (
    version_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL,
    PRIMARY KEY (version_id, kind));
CREATE TABLE ap_environments (
    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);
CREATE TABLE ap_monitors (
    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, monitor_type TEXT NOT NULL,
    scheduling TEXT NOT NULL, configuration TEXT NOT NULL, is_active BIGINT NOT NULL,
    custom_alert_description TEXT, model_id TEXT NOT NULL,
    created_at BIGINT NOT NULL, last_tick_ms BIGINT NOT NULL, last_run TEXT);
CREATE TABLE ap_alerts (
    id TEXT PRIMARY KEY NOT NULL, monitor_id TEXT NOT NULL, run_key TEXT NOT NULL,
    model_id TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL,
    UNIQUE (monitor_id, run_key));
CREATE INDEX ap_alerts_by_time ON ap_alerts (created_at);
CREATE TABLE ap_deliveries (
    id TEXT PRIMARY KEY NOT NULL, alert_id TEXT NOT NULL, url TEXT NOT NULL, secret TEXT,
    payload TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL, last_status BIGINT, last_error TEXT,
    delivered_at BIGINT, created_at BIGINT NOT NULL);
CREATE INDEX ap_deliveries_due ON ap_deliveries (status, next_attempt_ms);
CREATE INDEX ap_deliveries_of_alert ON ap_deliveries (alert_id)
";

/// The plugin's migrations.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "registry, monitors, alerts, webhook deliveries",
    sqlite: TABLES,
    postgres: TABLES,
}];
