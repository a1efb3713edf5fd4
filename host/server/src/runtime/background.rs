//! The host's periodic tasks: the sample of calls to unknown names (once a second) and the
//! audit trail's retention. Each holds only a weak reference and ends with the host.

use super::Host;
use plinth_plugin_api::Event;
use std::sync::{Arc, Weak};
use std::time::Duration;

impl Host {
    /// Starts the periodic tasks.
    pub(super) fn start_background_tasks(self: &Arc<Self>) {
        tokio::spawn(sample_stray_calls(Arc::downgrade(self)));
        tokio::spawn(enforce_audit_retention(Arc::downgrade(self)));
        tokio::spawn(forget_idle_rate_buckets(Arc::downgrade(self)));
    }
}

async fn forget_idle_rate_buckets(host: Weak<Host>) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(host) = host.upgrade() else {
            return;
        };
        host.rate_limits
            .forget_idle(|service| host.service(service).is_some());
    }
}

async fn sample_stray_calls(host: Weak<Host>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(host) = host.upgrade() else {
            return;
        };
        if let Some(record) = host.stray.take_sample() {
            host.events.publish(Event::Admin(Arc::new(record)));
        }
    }
}

async fn enforce_audit_retention(host: Weak<Host>) {
    let Some(interval) = host.upgrade().map(|h| h.config.audit.interval) else {
        return;
    };
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(host) = host.upgrade() else {
            return;
        };
        let retention = host.config.audit;
        let oldest_kept = crate::store::now_millis() - retention.max_age.as_millis() as i64;
        match host
            .store
            .prune_audit(oldest_kept, retention.max_rows)
            .await
        {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!("audit retention: {deleted} rows deleted"),
            Err(e) => tracing::warn!("audit retention failed (retried next time): {e}"),
        }
    }
}
