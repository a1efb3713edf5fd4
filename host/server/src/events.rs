//! Call events: one per user call and per admin action. They feed the audit trail (log line +
//! state database) and any subscriber (plugins) through bounded channels. Publishing never
//! blocks or fails a request: when a channel is full the event is dropped and counted.

use crate::runtime::Host;
use crate::store::{AuditRow, Store, now_millis};
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub struct CallEvent {
    /// The audit record.
    pub record: AuditRow,
}

/// Capacity of each channel.
const CAPACITY: usize = 16_384;

/// Fan-out of events to the audit writer and subscribers.
pub struct EventBus {
    audit: mpsc::Sender<Arc<CallEvent>>,
    /// Read on every call without a lock; replaced (rarely) when a plugin subscribes.
    subscribers: ArcSwap<Vec<mpsc::Sender<Arc<CallEvent>>>>,
    dropped: AtomicU64,
}

impl EventBus {
    /// Starts the audit writer task and returns the bus.
    pub fn start(store: Store) -> EventBus {
        let (tx, rx) = mpsc::channel(CAPACITY);
        tokio::spawn(audit_writer(store, rx));
        EventBus {
            audit: tx,
            subscribers: ArcSwap::from_pointee(Vec::new()),
            dropped: AtomicU64::new(0),
        }
    }

    /// A new subscription receiving every event from now on.
    pub fn subscribe(&self) -> mpsc::Receiver<Arc<CallEvent>> {
        let (tx, rx) = mpsc::channel(CAPACITY);
        self.subscribers.rcu(|current| {
            let mut next = (**current).clone();
            next.push(tx.clone());
            next
        });
        rx
    }

    /// Publishes an event without waiting.
    pub fn publish(&self, event: CallEvent) {
        let event = Arc::new(event);
        if self.audit.try_send(event.clone()).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        for subscriber in self.subscribers.load().iter() {
            if subscriber.try_send(event.clone()).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Events dropped because a channel was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Writes one log line per event and appends events to the audit table in batches (one
/// transaction per batch).
async fn audit_writer(store: Store, mut rx: mpsc::Receiver<Arc<CallEvent>>) {
    let mut batch: Vec<Arc<CallEvent>> = Vec::with_capacity(512);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        // Gather what is already queued, then write once.
        tokio::time::sleep(Duration::from_millis(20)).await;
        while batch.len() < 2048 {
            match rx.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        batch.iter().for_each(|event| log(&event.record));
        let rows: Vec<&AuditRow> = batch.iter().map(|event| &event.record).collect();
        if let Err(e) = store.append_audit(&rows).await {
            tracing::error!("audit trail: {} records not written: {e}", rows.len());
        }
        drop(rows);
        batch.clear();
    }
}

/// The audit log line of one event.
fn log(r: &AuditRow) {
    if r.kind == "call" {
        tracing::info!(
            target: "plinth::audit",
            service = r.service_id.as_deref().unwrap_or(""),
            endpoint = r.endpoint_id.as_deref().unwrap_or(""),
            generation = r.generation.as_deref().unwrap_or(""),
            action = r.action.as_deref().unwrap_or(""),
            status = r.status.unwrap_or(0),
            duration_us = r.duration_us.unwrap_or(0),
            key = r.key_id.as_deref().unwrap_or(""),
            error = r.detail.as_deref().unwrap_or(""),
            "call"
        );
    } else {
        tracing::info!(
            target: "plinth::audit",
            service = r.service_id.as_deref().unwrap_or(""),
            generation = r.generation.as_deref().unwrap_or(""),
            action = r.action.as_deref().unwrap_or(""),
            detail = r.detail.as_deref().unwrap_or(""),
            "admin"
        );
    }
}

impl Host {
    /// Records an admin action in the audit trail.
    pub fn audit_admin(
        &self,
        service: Option<&str>,
        generation: Option<&str>,
        action: &str,
        detail: Option<String>,
    ) {
        self.events.publish(CallEvent {
            record: AuditRow {
                at: now_millis(),
                kind: "admin".into(),
                service_id: service.map(str::to_owned),
                endpoint_id: None,
                generation: generation.map(str::to_owned),
                action: Some(action.to_owned()),
                status: None,
                duration_us: None,
                key_id: None,
                detail,
            },
        });
    }
}
