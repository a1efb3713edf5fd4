//! Call events: one per user call and per admin action. They feed the audit trail (log line +
//! state database) and any subscriber (plugins) through bounded channels. Publishing never
//! blocks or fails a request: when a channel is full the event is dropped and counted.

use crate::runtime::Host;
use crate::store::{AuditRow, Store, now_millis};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
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
    subscribers: RwLock<Vec<mpsc::Sender<Arc<CallEvent>>>>,
    dropped: AtomicU64,
}

impl EventBus {
    /// Starts the audit writer task and returns the bus.
    pub fn start(store: Store) -> EventBus {
        let (tx, rx) = mpsc::channel(CAPACITY);
        tokio::spawn(audit_writer(store, rx));
        EventBus {
            audit: tx,
            subscribers: RwLock::new(Vec::new()),
            dropped: AtomicU64::new(0),
        }
    }

    /// A new subscription receiving every event from now on.
    pub fn subscribe(&self) -> mpsc::Receiver<Arc<CallEvent>> {
        let (tx, rx) = mpsc::channel(CAPACITY);
        self.subscribers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        rx
    }

    /// Publishes an event without waiting.
    pub fn publish(&self, event: CallEvent) {
        let event = Arc::new(event);
        if self.audit.try_send(event.clone()).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        let subscribers = self.subscribers.read().unwrap_or_else(|e| e.into_inner());
        for subscriber in subscribers.iter() {
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

/// Writes one log line per event and appends events to the audit table in batches.
async fn audit_writer(store: Store, mut rx: mpsc::Receiver<Arc<CallEvent>>) {
    let mut batch: Vec<AuditRow> = Vec::with_capacity(512);
    loop {
        let first = rx.recv().await;
        let Some(first) = first else { break };
        batch.push(log_and_take(&first));
        // Gather what is already queued, then write once.
        tokio::time::sleep(Duration::from_millis(20)).await;
        while batch.len() < 2048 {
            match rx.try_recv() {
                Ok(event) => batch.push(log_and_take(&event)),
                Err(_) => break,
            }
        }
        if let Err(e) = store.append_audit(&batch).await {
            tracing::error!("audit trail: {} records not written: {e}", batch.len());
        }
        batch.clear();
    }
}

fn log_and_take(event: &CallEvent) -> AuditRow {
    let r = &event.record;
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
    r.clone()
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
