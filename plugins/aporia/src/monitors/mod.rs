//! Monitors: their table, their evaluation and their schedule.
//!
//! - [`config`]: the definition, validated.
//! - [`evaluate`]: one evaluation over the monitoring store.
//! - [`scheduler`]: every active monitor at each tick of its cron expression, each tick once.
//! - [`run_now`]: evaluates a model's monitors at once (`runAllMonitors`).

pub mod config;
pub mod evaluate;
pub mod scheduler;

use crate::alerts::{RunKey, record_run};
use crate::app::Ap;
use serde_json::{Value, json};
use sqlx::Row;

/// A stored monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    /// UUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `type`.
    pub monitor_type: String,
    /// Cron expression.
    pub scheduling: String,
    /// As given.
    pub configuration: Value,
    /// Whether the scheduler runs it.
    pub is_active: bool,
    /// Replaces the alert description.
    pub custom_alert_description: Option<String>,
    /// The model it watches.
    pub model_id: String,
    /// Creation time, ms.
    pub created_at: i64,
    /// The last scheduled tick evaluated, ms (0: none).
    pub last_tick_ms: i64,
    /// What the last evaluation found.
    pub last_run: Option<Value>,
}

const COLUMNS: &str = "id, name, monitor_type, scheduling, configuration, is_active, custom_alert_description, model_id, created_at, last_tick_ms, last_run";

fn monitor_of(r: &sqlx::any::AnyRow) -> Result<Monitor, sqlx::Error> {
    let text = |i: usize| -> Result<Option<Value>, sqlx::Error> {
        Ok(r.try_get::<Option<String>, _>(i)?
            .and_then(|t| serde_json::from_str(&t).ok()))
    };
    Ok(Monitor {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        monitor_type: r.try_get(2)?,
        scheduling: r.try_get(3)?,
        configuration: text(4)?.unwrap_or(Value::Null),
        is_active: r.try_get::<i64, _>(5)? != 0,
        custom_alert_description: r.try_get(6)?,
        model_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
        last_tick_ms: r.try_get(9)?,
        last_run: text(10)?,
    })
}

impl Monitor {
    /// The spec of its configuration (validated when stored).
    pub fn spec(&self) -> Result<config::MonitorSpec, String> {
        config::parse(&self.monitor_type, &self.configuration)
    }

    /// As `GET /v1beta/monitors/{id}` shows it at `now_ms` (its next run after then).
    pub fn to_json(&self, now_ms: i64) -> Value {
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        let next = config::parse_cron(&self.scheduling).ok().and_then(|c| {
            c.find_next_occurrence(&now, false)
                .ok()
                .map(|t| crate::app::iso(t.timestamp_millis()))
        });
        json!({
            "id": self.id, "name": self.name, "type": self.monitor_type,
            "scheduling": self.scheduling, "configuration": self.configuration,
            "is_active": self.is_active, "custom_alert_description": self.custom_alert_description,
            "model_id": self.model_id, "created_at": crate::app::iso(self.created_at),
            "last_run": self.last_run, "next_run": if self.is_active { next } else { None },
        })
    }
}

/// The monitors table.
pub struct Monitors<'a>(pub &'a plinth_plugin_api::PluginDb);

impl Monitors<'_> {
    /// Every monitor, oldest first.
    pub async fn all(&self) -> Result<Vec<Monitor>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ap_monitors ORDER BY created_at, id"
        ))
        .fetch_all(self.0.pool())
        .await?;
        rows.iter().map(monitor_of).collect()
    }

    /// One monitor.
    pub async fn get(&self, id: &str) -> Result<Option<Monitor>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM ap_monitors WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.0.pool())
            .await?;
        row.as_ref().map(monitor_of).transpose()
    }

    /// The active monitors of a model.
    pub async fn of_model(&self, model: &str) -> Result<Vec<Monitor>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ap_monitors WHERE model_id = $1 AND is_active = 1 ORDER BY created_at, id"
        ))
        .bind(model)
        .fetch_all(self.0.pool())
        .await?;
        rows.iter().map(monitor_of).collect()
    }

    /// Inserts or replaces a monitor.
    pub async fn put(&self, m: &Monitor) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO ap_monitors (id, name, monitor_type, scheduling, configuration, is_active, custom_alert_description, model_id, created_at, last_tick_ms, last_run)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, monitor_type = excluded.monitor_type,
               scheduling = excluded.scheduling, configuration = excluded.configuration,
               is_active = excluded.is_active, custom_alert_description = excluded.custom_alert_description,
               model_id = excluded.model_id",
        )
        .bind(&m.id)
        .bind(&m.name)
        .bind(&m.monitor_type)
        .bind(&m.scheduling)
        .bind(m.configuration.to_string())
        .bind(i64::from(m.is_active))
        .bind(&m.custom_alert_description)
        .bind(&m.model_id)
        .bind(m.created_at)
        .bind(m.last_tick_ms)
        .bind(m.last_run.as_ref().map(Value::to_string))
        .execute(self.0.pool())
        .await?;
        Ok(())
    }

    /// Deletes a monitor; `false` when there was none.
    pub async fn delete(&self, id: &str) -> Result<bool, sqlx::Error> {
        Ok(sqlx::query("DELETE FROM ap_monitors WHERE id = $1")
            .bind(id)
            .execute(self.0.pool())
            .await?
            .rows_affected()
            == 1)
    }
}

/// Evaluates the active monitors of a model now (`runAllMonitors`), after the monitoring store
/// wrote what it holds. Returns how many ran.
pub async fn run_now(ap: &Ap, model: &str, version: Option<&str>) -> Result<usize, sqlx::Error> {
    ap.monitoring.sync().await;
    let now = ap.now_ms();
    let mut ran = 0;
    for monitor in Monitors(&ap.db).of_model(model).await? {
        let Ok(mut spec) = monitor.spec() else {
            continue;
        };
        if spec.version.is_none()
            && let Some(v) = version
        {
            spec.version = Some(v.to_owned());
        }
        let outcome = evaluate::evaluate(ap, &spec, now).await;
        record_run(ap, &monitor, &spec, &outcome, RunKey::Manual, now).await?;
        ran += 1;
    }
    Ok(ran)
}
