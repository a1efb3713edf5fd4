//! The `plinth:host` interfaces, implemented by calling the sibling endpoints of the same
//! generation through the engine API.

use crate::host_state::HostState;
use plinth_engine_api::{Action, Endpoint, Input, Request};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::{HasSelf, Linker};

wasmtime::component::bindgen!({
    path: "../../../wit/host",
    world: "plinth:host/imports",
});

use plinth::host::log::Level;

/// Adds WASI and the granted `plinth:host` interfaces to `linker`.
pub fn add_to_linker(
    linker: &mut Linker<HostState>,
    log: bool,
    lookup: bool,
    query: bool,
    predict: bool,
) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    if log {
        plinth::host::log::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    if lookup {
        plinth::host::lookup::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    if query {
        plinth::host::query::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    if predict {
        plinth::host::predict::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    }
    Ok(())
}

impl plinth::host::log::Host for HostState {
    fn log(&mut self, level: Level, message: String) {
        let (service, endpoint) = (&self.env.service_id, &self.env.endpoint_id);
        match level {
            Level::Debug => tracing::debug!(service, endpoint, "function: {message}"),
            Level::Info => tracing::info!(service, endpoint, "function: {message}"),
            Level::Warn => tracing::warn!(service, endpoint, "function: {message}"),
            Level::Error => tracing::error!(service, endpoint, "function: {message}"),
        }
    }
}

impl plinth::host::lookup::Host for HostState {
    fn lookup(&mut self, endpoint: String, keys: String) -> Result<String, String> {
        let keys: Value = parse_object("keys", &keys)?.into();
        let mut body = Map::new();
        body.insert("data".into(), keys);
        let env = self.env.clone();
        self.call_sibling("lookup", &env.lookup, &endpoint, Action::Lookup, body)
    }
}

impl plinth::host::query::Host for HostState {
    fn query(&mut self, endpoint: String, params: String) -> Result<String, String> {
        let body = parse_object("params", &params)?;
        let env = self.env.clone();
        self.call_sibling("query", &env.query, &endpoint, Action::Query, body)
    }
}

impl plinth::host::predict::Host for HostState {
    fn predict(&mut self, endpoint: String, features: String) -> Result<String, String> {
        let features: Value = parse_object("features", &features)?.into();
        let mut body = Map::new();
        body.insert("features".into(), features);
        let env = self.env.clone();
        self.call_sibling("predict", &env.predict, &endpoint, Action::Predict, body)
    }
}

fn parse_object(what: &str, text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("{what} must be a JSON object, found {other}")),
        Err(e) => Err(format!("{what} is not valid JSON: {e}")),
    }
}

impl HostState {
    /// Calls a granted sibling endpoint and answers its reply body as JSON text. Gives up at
    /// the call's deadline (and remembers it, so that the call answers 504).
    fn call_sibling(
        &mut self,
        interface: &str,
        granted: &BTreeMap<String, Arc<dyn Endpoint>>,
        id: &str,
        action: Action,
        body: Map<String, Value>,
    ) -> Result<String, String> {
        let Some(endpoint) = granted.get(id) else {
            let ids: Vec<&str> = granted.keys().map(String::as_str).collect();
            return Err(format!(
                "endpoint '{id}' is not granted to this function for {interface} (granted: {})",
                ids.join(", ")
            ));
        };
        let Some(runtime) = self.runtime.clone() else {
            return Err("host calls are unavailable outside a request".into());
        };
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let sink = self.env.sink.clone();
        let request = Request {
            observe: sink.as_ref().is_some_and(|s| s.wants_rows()),
            action,
            input: Input::Json(body),
        };
        let endpoint = endpoint.clone();
        let started = Instant::now();
        let mut answer = runtime.block_on(async move {
            tokio::time::timeout(remaining, endpoint.serve(request)).await
        });
        if let Some(sink) = sink {
            let (status, error_type, rows) = match &mut answer {
                Err(_) => (504, Some("DeadlineExceeded".to_owned()), None),
                Ok(Err(e)) => (e.status, Some(e.error_type.to_string()), None),
                Ok(Ok(reply)) => (200, None, reply.scored.take()),
            };
            sink.record(plinth_engine_api::SiblingCall {
                service_id: self.env.service_id.clone(),
                generation: self.env.generation.clone(),
                caller: self.env.endpoint_id.clone(),
                endpoint_id: id.to_owned(),
                action,
                status,
                error_type,
                duration_us: started.elapsed().as_micros() as u64,
                rows,
            });
        }
        match answer {
            Err(_) => {
                self.deadline_hit = true;
                Err(format!(
                    "{interface} '{id}' did not answer before the function's deadline"
                ))
            }
            Ok(Err(e)) => Err(format!(
                "{interface} '{id}' failed ({} {}): {}",
                e.status,
                e.error_type,
                e.detail_or_message()
            )),
            Ok(Ok(reply)) => Ok(Value::Object(reply.body).to_string()),
        }
    }
}
