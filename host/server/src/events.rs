//! The host's side of the event bus ([`plinth_plugin_api::EventBus`]): admin events, and the
//! audit writer, an ordinary subscriber that logs one line per event and appends it to the
//! `audit` table in batches.

use crate::runtime::Host;
use crate::store::{AuditRow, Store, now_millis};
use plinth_plugin_api::{AdminEvent, CallEvent, Event, EventBus, SubscribeOptions, Subscription};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

pub use plinth_plugin_api::CallOrigin;

/// Starts the audit writer on `bus`; it ends once the bus is closed and its queue written.
pub fn start_audit_writer(bus: &EventBus, store: Store) -> JoinHandle<()> {
    let subscription = bus.subscribe("audit", SubscribeOptions::default());
    tokio::spawn(audit_writer(store, subscription))
}

/// The audit record of an event.
pub fn audit_row(event: &Event) -> AuditRow {
    match event {
        Event::Call(call) => call_row(call),
        Event::Admin(admin) => AuditRow {
            at: admin.at_ms,
            kind: admin.kind.clone(),
            service_id: admin.service_id.clone(),
            endpoint_id: None,
            generation: admin.generation.clone(),
            action: Some(admin.action.clone()),
            status: None,
            duration_us: None,
            key_id: None,
            detail: admin.detail.clone(),
            context: None,
        },
    }
}

fn call_row(call: &CallEvent) -> AuditRow {
    let detail = match (&call.error_type, &call.origin) {
        (e, CallOrigin::User) => e.clone(),
        (e, CallOrigin::Function { endpoint }) => Some(match e {
            Some(e) => format!("{e} (called by function {endpoint})"),
            None => format!("called by function {endpoint}"),
        }),
        (e, CallOrigin::Plugin { id }) => Some(match e {
            Some(e) => format!("{e} (invoked by plugin {id})"),
            None => format!("invoked by plugin {id}"),
        }),
    };
    AuditRow {
        at: call.at_ms,
        kind: "call".into(),
        service_id: Some(call.service_id.clone()),
        endpoint_id: Some(call.endpoint_id.clone()),
        generation: call.generation.clone(),
        action: Some(call.action.clone()),
        status: Some(i64::from(call.status)),
        duration_us: Some(call.duration_us as i64),
        key_id: call.key_id.clone(),
        detail,
        context: call.context.as_ref().map(|c| c.to_string()),
    }
}

/// Writes one log line per event and appends events to the audit table in batches (one
/// transaction per batch). Ends when the bus is closed and everything queued is written.
async fn audit_writer(store: Store, mut events: Subscription) {
    let mut batch: Vec<AuditRow> = Vec::with_capacity(512);
    while let Some(first) = events.recv().await {
        batch.push(audit_row(&first));
        // Gather what is already queued, then write once.
        tokio::time::sleep(Duration::from_millis(20)).await;
        while batch.len() < 2048 {
            match events.try_recv() {
                Some(event) => batch.push(audit_row(&event)),
                None => break,
            }
        }
        batch.iter().for_each(log);
        let rows: Vec<&AuditRow> = batch.iter().collect();
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
    /// Records an admin action in the audit trail (and tells the plugins).
    pub fn audit_admin(
        &self,
        service: Option<&str>,
        generation: Option<&str>,
        action: &str,
        detail: Option<String>,
    ) {
        self.events.publish(Event::Admin(Arc::new(AdminEvent {
            at_ms: now_millis(),
            kind: "admin".into(),
            service_id: service.map(str::to_owned),
            generation: generation.map(str::to_owned),
            action: action.to_owned(),
            detail,
        })));
    }
}
