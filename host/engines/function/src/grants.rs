//! Host capabilities granted per endpoint: which `plinth:host` interfaces a component may
//! import and which sibling endpoints they reach. Checked at deploy, so that an ungranted
//! import fails the deploy, not a call.

use crate::config::Grants;
use plinth_engine_api::{Action, Endpoint, LoadContext, LoadError};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The WIT package of the host interfaces.
pub const HOST_PACKAGE: &str = "plinth:host";

/// WASI interfaces the host provides (network calls are refused at run time).
const WASI_PROVIDED: &[&str] = &[
    "wasi:cli/",
    "wasi:io/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:random/",
    "wasi:sockets/",
];

/// The sibling endpoints an endpoint's function may call, by interface.
#[derive(Default)]
pub struct GrantedEndpoints {
    /// The service the function belongs to (for log lines).
    pub service_id: String,
    /// The function endpoint (for log lines).
    pub endpoint_id: String,
    /// The generation (for the accounting of sibling calls).
    pub generation: String,
    /// Where sibling calls are reported.
    pub sink: Option<Arc<dyn plinth_engine_api::SiblingCallSink>>,
    /// `plinth:host/log` granted.
    pub log: bool,
    /// Lookup endpoints by id.
    pub lookup: BTreeMap<String, Arc<dyn Endpoint>>,
    /// SQL query endpoints by id.
    pub query: BTreeMap<String, Arc<dyn Endpoint>>,
    /// Prediction endpoints by id.
    pub predict: BTreeMap<String, Arc<dyn Endpoint>>,
}

impl GrantedEndpoints {
    /// Resolves the grants against the endpoints declared before this one in the manifest.
    pub fn resolve(grants: &Grants, ctx: &LoadContext) -> Result<GrantedEndpoints, LoadError> {
        Ok(GrantedEndpoints {
            service_id: ctx.service_id.clone(),
            endpoint_id: ctx.endpoint_id.clone(),
            generation: ctx.generation.clone(),
            sink: ctx.server.sibling_calls.clone(),
            log: grants.log,
            lookup: resolve_ids("lookup", &grants.lookup, Action::Lookup, ctx)?,
            query: resolve_ids("query", &grants.query, Action::Query, ctx)?,
            predict: resolve_ids("predict", &grants.predict, Action::Predict, ctx)?,
        })
    }

    /// Whether the `plinth:host` interface `name` (`log`, `lookup`...) is granted.
    pub fn grants(&self, name: &str) -> bool {
        match name {
            "log" => self.log,
            "lookup" => !self.lookup.is_empty(),
            "query" => !self.query.is_empty(),
            "predict" => !self.predict.is_empty(),
            _ => false,
        }
    }
}

fn resolve_ids(
    interface: &str,
    ids: &[String],
    action: Action,
    ctx: &LoadContext,
) -> Result<BTreeMap<String, Arc<dyn Endpoint>>, LoadError> {
    let mut out = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("grants.{interface}[{i}]");
        let Some(endpoint) = ctx.siblings.get(id) else {
            let mut known: Vec<&str> = ctx.siblings.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(LoadError::field(
                field,
                format!(
                    "no endpoint '{id}' is declared before this one in the service (endpoints \
                     a function calls must come earlier in plinth.toml; earlier endpoints: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        if !endpoint.actions().contains(&action) {
            return Err(LoadError::field(
                field,
                format!(
                    "endpoint '{id}' is a '{}' endpoint, which does not answer '{action}'",
                    endpoint.kind()
                ),
            ));
        }
        out.insert(id.clone(), endpoint.clone());
    }
    Ok(out)
}

/// Checks every import of `component` against what the host provides and what is granted.
pub fn check_imports(
    engine: &Engine,
    component: &Component,
    granted: &GrantedEndpoints,
) -> Result<(), LoadError> {
    let ty = component.component_type();
    for (name, _) in ty.imports(engine) {
        if WASI_PROVIDED.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        if let Some(rest) = name.strip_prefix(&format!("{HOST_PACKAGE}/")) {
            let interface = rest.split('@').next().unwrap_or(rest);
            if !matches!(interface, "log" | "lookup" | "query" | "predict") {
                return Err(LoadError::field(
                    "component",
                    format!(
                        "imports '{name}', which plinth:host does not define (log, lookup, query, predict)"
                    ),
                ));
            }
            if !granted.grants(interface) {
                let hint = if interface == "log" {
                    "grants.log = true".to_owned()
                } else {
                    format!("grants.{interface} = [\"<endpoint id>\"]")
                };
                return Err(LoadError::field(
                    "grants",
                    format!(
                        "the component imports '{name}' but the endpoint does not grant it: add \
                         `{hint}` under [endpoint.grants] (or remove the import)"
                    ),
                ));
            }
            continue;
        }
        return Err(LoadError::field(
            "component",
            format!(
                "imports '{name}', which Plinth does not provide (functions may import \
                 plinth:host/{{log,lookup,query,predict}} and WASI cli, io, clocks, filesystem, random)"
            ),
        ));
    }
    Ok(())
}
