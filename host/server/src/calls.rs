//! The part of a call shared by the user API and plugin invocations: from the dispatch
//! decision to the engine's reply (generation, endpoint, action, active flag, admission, the
//! engine under its deadline), then the accounting (metrics and the call's event).

use crate::dispatch::{DispatchRequest, choose};
use crate::events::CallOrigin;
use crate::runtime::{Host, ServiceRuntime, ServiceState};
use crate::store::now_millis;
use plinth_engine_api::{Action, ApiError, Input, Reply, Request as EngineRequest, ScoredRows};
use plinth_plugin_api::{CallEvent, Event};
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Everything learned about a call, for its accounting and its event.
#[derive(Default)]
pub struct CallRecord {
    /// The generation chosen.
    pub generation: Option<String>,
    /// The key's id.
    pub key_id: Option<String>,
    /// The service, the endpoint and the action exist: the call is accounted per endpoint.
    /// Otherwise it goes to the bounded bucket of calls to unknown names.
    pub known: bool,
    /// Time in the engine.
    pub execution_us: Option<u64>,
    /// The generation was in memory when the call arrived.
    pub warm: bool,
    /// The request's `context` member(s).
    pub context: Option<Value>,
    /// Rows scored, when a subscriber wants them.
    pub rows: Option<Box<ScoredRows>>,
    /// The caller's address.
    pub remote: Option<IpAddr>,
}

/// An engine's reply and the timings of the envelope.
pub struct Served {
    /// The engine's answer (its scored rows already moved into the call record).
    pub reply: Reply,
    /// Time before the engine was asked for a slot.
    pub pre_processing: Duration,
    /// Time waiting for a slot.
    pub wait: Duration,
    /// Time in the engine.
    pub execution: Duration,
    /// The generation that served.
    pub generation_id: String,
}

impl Host {
    /// Serves a call whose service is known and whose caller is admitted: chooses the
    /// generation, finds the endpoint and checks the action and the endpoint's active flag,
    /// waits for a slot and runs the engine under the endpoint's deadline.
    #[allow(clippy::too_many_arguments)]
    pub async fn serve_endpoint(
        &self,
        service: &ServiceRuntime,
        state: Arc<ServiceState>,
        endpoint_id: &str,
        action: Action,
        input: Input,
        dispatch: &DispatchRequest,
        started: Instant,
        record: &mut CallRecord,
    ) -> Result<Served, ApiError> {
        let service_id = service.id.as_str();
        let generation_id = match &dispatch.forced_generation {
            Some(forced) => forced.clone(),
            None => {
                let routing = state.routing.as_ref().ok_or_else(|| {
                    ApiError::new(
                        503,
                        "NoActiveGeneration",
                        format!(
                            "service \"{service_id}\" has no active generation: switch to one first"
                        ),
                    )
                    .with_retry_after(5)
                })?;
                choose(routing, dispatch, service_id)?.to_owned()
            }
        };
        record.generation = Some(generation_id.clone());
        record.warm = state.loaded.contains_key(&generation_id);
        let inactive = state.inactive.contains(endpoint_id);
        drop(state);
        let generation = self.generation(service, &generation_id).await?;
        let endpoint = generation.endpoint(endpoint_id);
        record.known = endpoint.is_some();
        let endpoint = endpoint.ok_or_else(|| {
            let ids: Vec<&str> = generation.endpoints.iter().map(|e| e.id.as_str()).collect();
            ApiError::not_found(
                "UnknownEndpoint",
                format!("service \"{service_id}\" (generation {generation_id}) has no endpoint \"{endpoint_id}\""),
            )
            .with_detail(format!(
                "service \"{service_id}\" (generation {generation_id}) has no endpoint \"{endpoint_id}\"; its endpoints are: {}",
                ids.join(", ")
            ))
        })?;
        if !endpoint.actions().contains(&action) {
            let names: Vec<&str> = endpoint.actions().iter().map(|a| a.as_str()).collect();
            return Err(ApiError::not_found(
                "UnsupportedAction",
                format!(
                    "endpoint \"{endpoint_id}\" is a {} endpoint: it answers {}, not {action}",
                    endpoint.kind,
                    names.join(", ")
                ),
            ));
        }
        if inactive {
            return Err(ApiError::new(
                503,
                "EndpointInactive",
                format!(
                    "endpoint \"{endpoint_id}\" of service \"{service_id}\" is inactive: activate it again to serve calls"
                ),
            ));
        }

        let pre_processing = started.elapsed();
        let permit = match tokio::time::timeout(
            endpoint.queue_timeout,
            endpoint.slots.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(ApiError::new(
                    503,
                    "Overloaded",
                    format!(
                        "endpoint \"{endpoint_id}\" is busy ({} calls at once): retry later",
                        endpoint.max_concurrency
                    ),
                )
                .with_retry_after(1));
            }
        };
        let wait = started.elapsed() - pre_processing;
        let handle = endpoint.handle.clone();
        let engine_request = EngineRequest {
            action,
            input,
            observe: self.events.wants_rows(),
        };
        let exec_started = Instant::now();
        // A separate task: an engine that panics yields a 500 for this call, never a dead
        // connection.
        let mut task = tokio::spawn(async move {
            let reply = handle.serve(engine_request).await;
            drop(permit);
            reply
        });
        let outcome = match tokio::time::timeout(endpoint.host_deadline(), &mut task).await {
            Ok(outcome) => outcome,
            Err(_) => {
                // Dropping the engine's future stops its work (at its next checkpoint for
                // blocking work) and frees the slot.
                task.abort();
                record.execution_us = Some(exec_started.elapsed().as_micros() as u64);
                return Err(ApiError::deadline(format!(
                    "endpoint \"{endpoint_id}\" did not answer within its deadline of {} ms (timeout_ms)",
                    endpoint.timeout.as_millis()
                )));
            }
        };
        let execution = exec_started.elapsed();
        record.execution_us = Some(execution.as_micros() as u64);
        let mut reply = match outcome {
            Ok(reply) => reply?,
            Err(join_error) => {
                tracing::error!(
                    service = service_id,
                    endpoint = endpoint_id,
                    "engine task failed: {join_error}"
                );
                return Err(ApiError::internal(
                    "EngineFailure",
                    format!("endpoint \"{endpoint_id}\" failed while serving this call"),
                ));
            }
        };
        record.rows = reply.scored.take();
        Ok(Served {
            reply,
            pre_processing,
            wait,
            execution,
            generation_id,
        })
    }

    /// Accounts for a finished call: per-endpoint metrics and one event when the service, the
    /// endpoint and the action exist, else only the bucket of calls to unknown names.
    #[allow(clippy::too_many_arguments)]
    pub fn account_call(
        &self,
        service_id: &str,
        endpoint_id: &str,
        action: &str,
        status: u16,
        error_type: Option<String>,
        duration_us: u64,
        received_at_ms: i64,
        record: CallRecord,
        origin: CallOrigin,
    ) {
        if !record.known {
            self.stray.record(service_id, endpoint_id, action, status);
            return;
        }
        self.metrics
            .record(service_id, endpoint_id, status, duration_us);
        if !self.events.has_subscribers() {
            return;
        }
        self.events.publish(Event::Call(Arc::new(CallEvent {
            at_ms: received_at_ms,
            service_id: service_id.to_owned(),
            endpoint_id: endpoint_id.to_owned(),
            generation: record.generation,
            action: action.to_owned(),
            status,
            error_type,
            key_id: record.key_id,
            remote: record.remote,
            duration_us,
            execution_us: record.execution_us,
            warm: record.warm,
            origin,
            context: record.context,
            rows: record.rows,
        })));
    }
}

/// The time a call was received, ms since the epoch, from its start `Instant`.
pub fn received_at_ms(started: Instant) -> i64 {
    now_millis() - started.elapsed().as_millis() as i64
}

/// The `context` member(s) of a request body: `predict`'s object, or for `predict-multi` an
/// array with each item's (`null` where an item has none), when any item has one.
pub fn context_of(object: &serde_json::Map<String, Value>, action: Action) -> Option<Value> {
    match action {
        Action::PredictMulti => {
            let items = object.get("items")?.as_array()?;
            let contexts: Vec<Value> = items
                .iter()
                .map(|item| item.get("context").cloned().unwrap_or(Value::Null))
                .collect();
            contexts
                .iter()
                .any(|c| !c.is_null())
                .then_some(Value::Array(contexts))
        }
        _ => object.get("context").filter(|c| !c.is_null()).cloned(),
    }
}

/// Where function endpoints report their calls to sibling endpoints: they are accounted and
/// published like user calls, with [`CallOrigin::Function`].
#[derive(Debug, Default)]
pub struct SiblingSink {
    host: std::sync::OnceLock<std::sync::Weak<Host>>,
}

impl SiblingSink {
    /// Connects the sink to its host (once the host exists).
    pub fn attach(&self, host: &Arc<Host>) {
        let _ = self.host.set(Arc::downgrade(host));
    }
}

impl plinth_engine_api::SiblingCallSink for SiblingSink {
    fn wants_rows(&self) -> bool {
        self.host
            .get()
            .and_then(std::sync::Weak::upgrade)
            .is_some_and(|h| h.events.wants_rows())
    }

    fn record(&self, call: plinth_engine_api::SiblingCall) {
        let Some(host) = self.host.get().and_then(std::sync::Weak::upgrade) else {
            return;
        };
        let record = CallRecord {
            generation: Some(call.generation),
            known: true,
            execution_us: Some(call.duration_us),
            warm: true,
            rows: call.rows,
            ..Default::default()
        };
        host.account_call(
            &call.service_id,
            &call.endpoint_id,
            call.action.as_str(),
            call.status,
            call.error_type,
            call.duration_us,
            now_millis() - (call.duration_us / 1000) as i64,
            record,
            CallOrigin::Function {
                endpoint: call.caller,
            },
        );
    }
}
