//! Webhook deliveries: each pending delivery is POSTed (signed) until a 2xx, with bounded
//! retries and exponential backoff; the log of attempts stays with the alert.
//!
//! A delivery is claimed before it is sent (its next attempt moved a lease ahead), so two
//! replicas never send it at once and a crash mid-send retries it after the lease. A crash
//! after the receiver answered but before the answer was recorded sends it again: receivers
//! deduplicate on `X-Plinth-Delivery`.

use crate::app::Ap;
use plinth_jobs::webhook::{Attempt, backoff_ms, send};
use plinth_plugin_api::Shutdown;
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;

/// The signature header's value (shared with the job engine's webhooks).
pub use plinth_jobs::webhook::signature;

/// How long a claimed delivery is held before another attempt may take it.
const LEASE_MS: i64 = 30_000;

/// Runs until shutdown.
pub async fn run(ap: Arc<Ap>, mut shutdown: Shutdown) {
    loop {
        let wait = match deliver_due(&ap).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::error!(target: "plinth::aporia", "webhook deliveries failed (retried): {e}");
                5_000
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait.clamp(10, 5_000) as u64)) => {}
            _ = ap.deliveries_queued.notified() => {}
            _ = shutdown.raised() => return,
        }
    }
}

/// Sends the deliveries that are due (each claimed first) and records each attempt; returns how
/// long until the next pending attempt (ms).
pub async fn deliver_due(ap: &Arc<Ap>) -> Result<i64, sqlx::Error> {
    let now = ap.now_ms();
    let due = sqlx::query(
        "SELECT id, url, secret, payload, attempts, next_attempt_ms FROM ap_deliveries
         WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, id LIMIT 32",
    )
    .bind(now)
    .fetch_all(ap.db.pool())
    .await?;
    for r in due {
        let id: String = r.try_get(0)?;
        let url: String = r.try_get(1)?;
        let secret: Option<String> = r.try_get(2)?;
        let payload: String = r.try_get(3)?;
        let attempts: i64 = r.try_get(4)?;
        let slot: i64 = r.try_get(5)?;
        let claimed = sqlx::query(
            "UPDATE ap_deliveries SET next_attempt_ms = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_ms = $3",
        )
        .bind(now + LEASE_MS)
        .bind(&id)
        .bind(slot)
        .execute(ap.db.pool())
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            continue;
        }
        let secret = secret.or_else(|| ap.config.webhook_secret.clone());
        let now_s = now / 1000;
        let delivery = id.clone();
        let attempt = tokio::task::spawn_blocking(move || {
            send(&url, &delivery, secret.as_deref(), &payload, now_s)
        })
        .await
        .unwrap_or_else(|e| Attempt::Retry(None, format!("the attempt panicked: {e}")));
        let attempts = attempts + 1;
        let done = ap.now_ms();
        let (status, next, last_status, last_error, delivered) = match &attempt {
            Attempt::Delivered(s) => ("delivered", done, Some(*s), None, Some(done)),
            Attempt::Failed(s, text) => (
                "failed",
                done,
                Some(*s),
                Some(format!("HTTP {s}: {text}")),
                None,
            ),
            Attempt::Retry(s, _) => {
                if attempts >= ap.config.webhook_max_attempts {
                    ("failed", done, *s, attempt.error(), None)
                } else {
                    let backoff = backoff_ms(ap.config.webhook_backoff_ms, attempts);
                    ("pending", done + backoff, *s, attempt.error(), None)
                }
            }
        };
        sqlx::query(
            "UPDATE ap_deliveries SET status = $1, attempts = $2, next_attempt_ms = $3, last_status = $4,
                    last_error = $5, delivered_at = $6 WHERE id = $7",
        )
        .bind(status)
        .bind(attempts)
        .bind(next)
        .bind(last_status.map(i64::from))
        .bind(last_error)
        .bind(delivered)
        .bind(&id)
        .execute(ap.db.pool())
        .await?;
        if status != "pending" {
            tracing::info!(target: "plinth::aporia", "webhook delivery {id}: {status} after {attempts} attempt(s) ({attempt:?})");
        }
    }
    let next: Option<i64> =
        sqlx::query("SELECT MIN(next_attempt_ms) FROM ap_deliveries WHERE status = 'pending'")
            .fetch_one(ap.db.pool())
            .await?
            .try_get(0)?;
    Ok(next.map_or(5_000, |n| n - ap.now_ms()))
}
