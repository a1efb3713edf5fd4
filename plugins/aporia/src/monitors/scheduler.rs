//! The scheduler: evaluates every active monitor at each tick of its cron expression (UTC).
//!
//! A tick is evaluated once: the evaluation's record claims it (`last_tick_ms` moves forward
//! only in the transaction that stores the alert), so a restart or a second replica never
//! evaluates it again. Ticks missed while the server was down are not replayed one by one: the
//! newest one is evaluated.
//!
//! Among replicas sharing the state, one scheduler runs at a time: the holder of the
//! `aporia.scheduler` lease, renewed at every wake-up (at most half the lease apart) and held
//! for `scheduler_lease_ms` ([`LEASE_MS`]); the others try to take it at each of theirs, so a
//! dead holder's schedule moves to another replica within 1.5 leases, and one shut down gives
//! it back at once. The tick claim above keeps a tick from being evaluated twice even
//! while a lease changes hands.
//!
//! Each wake-up reads only the schedule columns (id, expression, last tick, creation time);
//! expressions are parsed once and kept; a monitor is read whole only when it is due. Changes
//! (monitors created, edited, deleted) wake the scheduler after a short pause, so a burst of
//! thousands of creations costs a few passes, not one per creation.

use super::Monitors;
use super::config::parse_cron;
use crate::alerts::{RunKey, record_run};
use crate::app::Ap;
use chrono::{DateTime, Utc};
use croner::Cron;
use plinth_plugin_api::{Lease, Shutdown};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The longest sleep between two looks at the table (other replicas' changes).
const MAX_SLEEP_MS: i64 = 30_000;
/// How long the scheduler lease lasts without renewal, by default (`[plugins.aporia]
/// scheduler_lease_ms`); every wake-up is at most half of it apart, so the holder renews in
/// time and the others look often enough to take over.
pub const LEASE_MS: i64 = 60_000;
/// How long a change notification waits for more before the scheduler looks again.
const CHANGE_DEBOUNCE: Duration = Duration::from_millis(250);

/// Runs until shutdown.
pub async fn run(ap: Arc<Ap>, lease: Lease, mut shutdown: Shutdown) {
    let mut crons: HashMap<String, Option<Cron>> = HashMap::new();
    let max_sleep = MAX_SLEEP_MS.min(ap.config.scheduler_lease_ms / 2);
    loop {
        let next = match lease.hold(ap.now_ms()).await {
            Ok(true) => match tick(&ap, &mut crons).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(target: "plinth::aporia", "monitor scheduling failed (retried): {e}");
                    ap.now_ms() + 5_000
                }
            },
            // Another replica schedules: look again later, in case it stops.
            Ok(false) => ap.now_ms() + max_sleep,
            Err(e) => {
                tracing::error!(target: "plinth::aporia", "the scheduler lease could not be read (retried): {e}");
                ap.now_ms() + 5_000
            }
        };
        let wait = (next - ap.now_ms()).clamp(10, max_sleep) as u64;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = ap.monitors_changed.notified() => {
                tokio::select! {
                    _ = tokio::time::sleep(CHANGE_DEBOUNCE) => {}
                    _ = shutdown.raised() => break,
                }
            }
            _ = shutdown.raised() => break,
        }
    }
    if let Err(e) = lease.release().await {
        tracing::warn!(target: "plinth::aporia", "the scheduler lease was not given back (it runs out): {e}");
    }
}

fn datetime(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Evaluates the monitors that are due; returns when the next tick is.
async fn tick(ap: &Ap, crons: &mut HashMap<String, Option<Cron>>) -> Result<i64, sqlx::Error> {
    let now = ap.now_ms();
    let now_dt = datetime(now);
    let mut next = now + MAX_SLEEP_MS;
    let started = std::time::Instant::now();
    let rows = sqlx::query(
        "SELECT id, scheduling, last_tick_ms, created_at FROM ap_monitors WHERE is_active = 1 ORDER BY created_at, id",
    )
    .fetch_all(ap.db.pool())
    .await?;
    if crons.len() > 4 * rows.len() + 64 {
        crons.clear();
    }
    let mut due = Vec::new();
    for r in &rows {
        let scheduling: String = r.try_get(1)?;
        let cron = crons
            .entry(scheduling.clone())
            .or_insert_with(|| parse_cron(&scheduling).ok());
        let Some(cron) = cron else {
            continue;
        };
        if let Ok(t) = cron.find_next_occurrence(&now_dt, false) {
            next = next.min(t.timestamp_millis());
        }
        let Ok(tick) = cron.find_previous_occurrence(&now_dt, true) else {
            continue;
        };
        let tick = tick.timestamp_millis();
        let last: i64 = r.try_get(2)?;
        let created: i64 = r.try_get(3)?;
        if tick > last && tick >= created {
            due.push((r.try_get::<String, _>(0)?, tick));
        }
    }
    let monitors = Monitors(&ap.db);
    let mut evaluated = 0_usize;
    for (id, tick) in due {
        let Some(monitor) = monitors.get(&id).await? else {
            continue;
        };
        let spec = match monitor.spec() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(target: "plinth::aporia", "monitor {} has an invalid configuration: {e}", monitor.id);
                continue;
            }
        };
        let outcome = super::evaluate::evaluate(ap, &spec, now).await;
        record_run(
            ap,
            &monitor,
            &spec,
            &outcome,
            RunKey::Tick(tick),
            ap.now_ms(),
        )
        .await?;
        evaluated += 1;
    }
    if evaluated > 0 {
        tracing::info!(target: "plinth::aporia", "scheduler pass: {evaluated} monitor(s) evaluated in {} ms", started.elapsed().as_millis());
    }
    Ok(next)
}
