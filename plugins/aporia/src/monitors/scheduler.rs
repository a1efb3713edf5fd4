//! The scheduler: evaluates every active monitor at each tick of its cron expression (UTC).
//!
//! A tick is evaluated once: the evaluation's record claims it (`last_tick_ms` moves forward
//! only in the transaction that stores the alert), so a restart or a second replica never
//! evaluates it again. Ticks missed while the server was down are not replayed one by one: the
//! newest one is evaluated.

use super::Monitors;
use super::config::parse_cron;
use crate::alerts::{RunKey, record_run};
use crate::app::Ap;
use chrono::{DateTime, Utc};
use plinth_plugin_api::Shutdown;
use std::sync::Arc;
use std::time::Duration;

/// The longest sleep between two looks at the table (other replicas' changes).
const MAX_SLEEP_MS: i64 = 30_000;

/// Runs until shutdown.
pub async fn run(ap: Arc<Ap>, mut shutdown: Shutdown) {
    loop {
        let next = match tick(&ap).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(target: "plinth::aporia", "monitor scheduling failed (retried): {e}");
                ap.now_ms() + 5_000
            }
        };
        let wait = (next - ap.now_ms()).clamp(10, MAX_SLEEP_MS) as u64;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = ap.monitors_changed.notified() => {}
            _ = shutdown.raised() => return,
        }
    }
}

fn datetime(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Evaluates the monitors that are due; returns when the next tick is.
async fn tick(ap: &Ap) -> Result<i64, sqlx::Error> {
    let now = ap.now_ms();
    let now_dt = datetime(now);
    let mut next = now + MAX_SLEEP_MS;
    for monitor in Monitors(&ap.db).all(true).await? {
        let Ok(cron) = parse_cron(&monitor.scheduling) else {
            continue;
        };
        if let Ok(t) = cron.find_next_occurrence(&now_dt, false) {
            next = next.min(t.timestamp_millis());
        }
        let Ok(due) = cron.find_previous_occurrence(&now_dt, true) else {
            continue;
        };
        let due = due.timestamp_millis();
        if due <= monitor.last_tick_ms || due < monitor.created_at {
            continue;
        }
        let spec = match monitor.spec() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(target: "plinth::aporia", "monitor {} has an invalid configuration: {e}", monitor.id);
                continue;
            }
        };
        let outcome = super::evaluate::evaluate(ap, &spec, now).await;
        record_run(ap, &monitor, &spec, &outcome, RunKey::Tick(due), now).await?;
    }
    Ok(next)
}
