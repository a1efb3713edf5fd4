//! Alerts: what a firing evaluation records, with one webhook delivery per notification, in
//! the same transaction that records the run (and, for a scheduled tick, claims it).

use crate::app::{Ap, iso, new_uuid};
use crate::monitors::Monitor;
use crate::monitors::config::MonitorSpec;
use crate::monitors::evaluate::Outcome;
use serde_json::{Value, json};
use sqlx::Row;

/// Which run an evaluation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKey {
    /// The scheduled tick at this time (ms): recorded at most once per monitor.
    Tick(i64),
    /// `runAllMonitors`.
    Manual,
}

/// The alert description: the monitor's custom one, else its action's template with the
/// seed's placeholders filled, else a sentence.
fn description(monitor: &Monitor, spec: &MonitorSpec, outcome: &Outcome, model: &str) -> String {
    let value = outcome.value.map_or("none".to_owned(), |v| format!("{v}"));
    let bound = |b: Option<f64>| b.map_or("none".to_owned(), |x| format!("{x}"));
    let template = monitor
        .custom_alert_description
        .clone()
        .or_else(|| spec.description.clone())
        .unwrap_or_else(|| {
            format!(
                "{} monitor '{}': {{focal_value}} is outside [{{min_threshold}}, {{max_threshold}}] for model {{model}} version {{model_version}} over the last {{focal_time_period}}{}",
                monitor.monitor_type,
                monitor.name,
                outcome.field.as_ref().map_or(String::new(), |f| format!(" (field '{f}')"))
            )
        });
    template
        .replace("{model}", model)
        .replace("{model_version}", outcome.version.as_deref().unwrap_or(""))
        .replace("{focal_time_period}", &format!("{}h", spec.focal_hours))
        .replace(
            "{focal_times}",
            &format!(
                "{} - {}",
                iso(outcome.focal.start_ms),
                iso(outcome.focal.end_ms)
            ),
        )
        .replace("{focal_segment}", "")
        .replace("{min_threshold}", &bound(spec.range.min))
        .replace("{max_threshold}", &bound(spec.range.max))
        .replace("{focal_value}", &value)
}

/// Records an evaluation: `last_run` (and, for a tick, `last_tick_ms`, only forward); when it
/// fired, the alert and its deliveries. Returns the alert's id; `None` when it did not fire
/// or the tick was already recorded (by another replica, or before a restart).
pub async fn record_run(
    ap: &Ap,
    monitor: &Monitor,
    spec: &MonitorSpec,
    outcome: &Outcome,
    run: RunKey,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = ap.db.pool().begin().await?;
    let last_run = outcome.to_json(now).to_string();
    let claimed = match run {
        RunKey::Tick(t) => sqlx::query(
            "UPDATE ap_monitors SET last_tick_ms = $1, last_run = $2 WHERE id = $3 AND last_tick_ms < $1",
        )
        .bind(t)
        .bind(&last_run)
        .bind(&monitor.id),
        RunKey::Manual => sqlx::query("UPDATE ap_monitors SET last_run = $1 WHERE id = $2")
            .bind(&last_run)
            .bind(&monitor.id),
    }
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !claimed || !outcome.fired {
        tx.commit().await?;
        return Ok(None);
    }
    let id = new_uuid();
    let run_key = match run {
        RunKey::Tick(t) => format!("tick:{t}"),
        RunKey::Manual => format!("manual:{id}"),
    };
    let alert = json!({
        "id": id, "type": "alert",
        "monitor_id": monitor.id, "monitor_name": monitor.name, "monitor_type": monitor.monitor_type,
        "model_id": spec.model_id, "model_version": outcome.version,
        "severity": spec.severity, "alert_type": spec.alert_type,
        "field": outcome.field, "value": outcome.value,
        "threshold": {"min": spec.range.min, "max": spec.range.max},
        "description": description(monitor, spec, outcome, &spec.model_id),
        "focal_start": iso(outcome.focal.start_ms), "focal_end": iso(outcome.focal.end_ms),
        "details": outcome.details,
        "run": match run { RunKey::Tick(t) => json!({"scheduled": iso(t)}), RunKey::Manual => json!({"manual": true}) },
        "created_at": iso(now),
    });
    sqlx::query(
        "INSERT INTO ap_alerts (id, monitor_id, run_key, model_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(&monitor.id)
    .bind(&run_key)
    .bind(&spec.model_id)
    .bind(alert.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for hook in &spec.webhooks {
        sqlx::query(
            "INSERT INTO ap_deliveries (id, alert_id, url, secret, payload, status, attempts, next_attempt_ms, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
        )
        .bind(new_uuid())
        .bind(&id)
        .bind(&hook.url)
        .bind(&hook.secret)
        .bind(alert.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    if !spec.webhooks.is_empty() {
        ap.deliveries_queued.notify_one();
    }
    tracing::info!(target: "plinth::aporia", "monitor '{}' fired on model {}: {:?}", monitor.name, spec.model_id, outcome.value);
    Ok(Some(id))
}

/// One delivery as an alert shows it.
fn delivery_of(r: &sqlx::any::AnyRow) -> Result<Value, sqlx::Error> {
    let delivered: Option<i64> = r.try_get(6)?;
    Ok(json!({
        "id": r.try_get::<String, _>(0)?, "url": r.try_get::<String, _>(1)?,
        "status": r.try_get::<String, _>(2)?, "attempts": r.try_get::<i64, _>(3)?,
        "last_status": r.try_get::<Option<i64>, _>(4)?, "last_error": r.try_get::<Option<String>, _>(5)?,
        "delivered_at": delivered.map(iso),
    }))
}

/// The alerts, newest first, with their deliveries.
pub async fn list(
    ap: &Ap,
    model: Option<&str>,
    monitor: Option<&str>,
    id: Option<&str>,
    limit: i64,
) -> Result<Vec<Value>, sqlx::Error> {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    for (column, value) in [("model_id", model), ("monitor_id", monitor), ("id", id)] {
        if let Some(v) = value {
            binds.push(v);
            conditions.push(format!("{column} = ${}", binds.len()));
        }
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT id, body FROM ap_alerts{filter} ORDER BY created_at DESC, id DESC LIMIT ${}",
        binds.len() + 1
    );
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.bind(limit).fetch_all(ap.db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get(0)?;
        let mut alert: Value =
            serde_json::from_str(&r.try_get::<String, _>(1)?).unwrap_or(Value::Null);
        let deliveries = sqlx::query(
            "SELECT id, url, status, attempts, last_status, last_error, delivered_at FROM ap_deliveries WHERE alert_id = $1 ORDER BY created_at, id",
        )
        .bind(&id)
        .fetch_all(ap.db.pool())
        .await?;
        let deliveries: Vec<Value> = deliveries
            .iter()
            .map(delivery_of)
            .collect::<Result<_, _>>()?;
        if let Some(map) = alert.as_object_mut() {
            map.insert("deliveries".into(), Value::Array(deliveries));
        }
        out.push(alert);
    }
    Ok(out)
}
