//! The Aporia API's JSON answers, as far as the monitors page reads them:
//! `GET /v1beta/monitors` (`Monitor::to_json` in `plugins/aporia/src/monitors/mod.rs`, its
//! `last_run` from `Outcome::to_json` in `monitors/evaluate.rs`) and `GET /v1beta/alerts`
//! (the alert body of `plugins/aporia/src/alerts.rs`).

use serde::Deserialize;

/// `{"monitors": [...]}`, oldest first.
#[derive(Clone, Debug, Deserialize)]
pub struct MonitorList {
    /// The monitors.
    #[serde(default)]
    pub monitors: Vec<Monitor>,
}

/// One monitor.
#[derive(Clone, Debug, Deserialize)]
pub struct Monitor {
    /// Its UUID.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `model_activity`, `data_drift`, `performance_degradation`, …
    #[serde(default, rename = "type")]
    pub monitor_type: String,
    /// The cron schedule.
    #[serde(default)]
    pub scheduling: String,
    /// Whether it runs.
    #[serde(default)]
    pub is_active: bool,
    /// The model it watches.
    #[serde(default)]
    pub model_id: Option<String>,
    /// The last evaluation, if any.
    #[serde(default)]
    pub last_run: Option<LastRun>,
    /// The next scheduled run (active monitors).
    #[serde(default)]
    pub next_run: Option<String>,
}

/// `last_run`: `{at, value, field, fired, reason, version, focal_start, focal_end, details}`.
#[derive(Clone, Debug, Deserialize)]
pub struct LastRun {
    /// When it ran.
    #[serde(default)]
    pub at: Option<String>,
    /// The watched value (null: no data, see `reason`).
    #[serde(default)]
    pub value: Option<f64>,
    /// Whether it raised an alert.
    #[serde(default)]
    pub fired: bool,
    /// Why there is no value.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `{"alerts": [...]}`, newest first.
#[derive(Clone, Debug, Deserialize)]
pub struct AlertList {
    /// The alerts.
    #[serde(default)]
    pub alerts: Vec<Alert>,
}

/// One alert.
#[derive(Clone, Debug, Deserialize)]
pub struct Alert {
    /// The monitor that raised it.
    #[serde(default)]
    pub monitor_name: Option<String>,
    /// Its type.
    #[serde(default)]
    pub monitor_type: Option<String>,
    /// The model.
    #[serde(default)]
    pub model_id: Option<String>,
    /// The version evaluated.
    #[serde(default)]
    pub model_version: Option<String>,
    /// The first action's severity.
    #[serde(default)]
    pub severity: Option<String>,
    /// The first action's `alertType`.
    #[serde(default)]
    pub alert_type: Option<String>,
    /// The feature it is about.
    #[serde(default)]
    pub field: Option<String>,
    /// The value that fired.
    #[serde(default)]
    pub value: Option<f64>,
    /// `{min, max}`, either may be null.
    #[serde(default)]
    pub threshold: Option<Threshold>,
    /// The text.
    #[serde(default)]
    pub description: Option<String>,
    /// When it was raised (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The range an alert's value left.
#[derive(Clone, Debug, Deserialize)]
pub struct Threshold {
    /// Below this fires.
    #[serde(default)]
    pub min: Option<f64>,
    /// Above this fires.
    #[serde(default)]
    pub max: Option<f64>,
}
