//! The contract between the Plinth host and its endpoint engines.
//!
//! Every endpoint kind (prediction, function, sql-query, lookup) is served by an engine that
//! follows one two-phase lifecycle:
//!
//! 1. **load** ([`EngineFactory::load`]), at deploy time: the endpoint's manifest section and
//!    its artifacts become a ready, immutable [`Endpoint`] handle. Loading may be slow and may
//!    fail; a failure is a [`LoadError`] that names the manifest field at fault, and it makes
//!    the whole deploy fail without touching what is already serving.
//! 2. **serve** ([`Endpoint::serve`]), per request: the handle answers a [`Request`] with a
//!    [`Reply`] or an [`ApiError`]. The host wraps the reply in the user-API envelope
//!    (`apiContext`, `timing`), so engines never deal with HTTP.
//!
//! This crate is deliberately light (no HTTP, no engine dependencies) so that engines and the
//! host can be compiled independently.

mod action;
mod context;
pub mod doc;
mod error;
mod monitor;
mod request;

pub use action::Action;
pub use context::{LoadContext, ServerResources, testing};
pub use doc::{CallDoc, InputDoc};
pub use error::{ApiError, LoadError};
pub use monitor::{
    FeatureInfo, FeatureKind, ModelInfo, ModelTask, ScoredOutput, ScoredRow, ScoredRows,
    SiblingCall, SiblingCallSink, as_output, shown,
};
pub use request::{Input, Reply, Request};

use async_trait::async_trait;
use std::sync::Arc;

/// A loaded endpoint: immutable, shared by all requests of one generation.
///
/// Implementations must be cheap to call concurrently; anything mutable (pools, caches) lives
/// behind the engine's own synchronisation.
#[async_trait]
pub trait Endpoint: std::any::Any + Send + Sync {
    /// The endpoint kind as written in manifests, e.g. `"lookup"`.
    fn kind(&self) -> &'static str;

    /// The user-API actions this endpoint answers (e.g. `lookup`, `lookup-multi`).
    fn actions(&self) -> &'static [Action];

    /// What the admin API shows about this endpoint beyond id, kind and actions
    /// (feature schema, parameters, key columns...). `Null` when there is nothing to add.
    fn describe(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// The inputs and answer of this endpoint's calls, for its service's OpenAPI document.
    /// The default says nothing (any JSON object in, any JSON value out).
    fn call_doc(&self) -> CallDoc {
        CallDoc::default()
    }

    /// Whether the engine stops its own work at the endpoint's `timeout_ms` with its own 504
    /// (SQL statements, function epochs, table lookups). The host then gives it a grace period
    /// beyond the deadline before answering 504 itself; otherwise the host answers 504 at the
    /// deadline and drops the call's future (engines that run blocking work should notice that
    /// and stop, as the prediction engine does between explanation batches).
    fn enforces_own_deadline(&self) -> bool {
        false
    }

    /// The model behind this endpoint (task, classes, features, reference sample), for
    /// monitoring. `None` for endpoints that have no model.
    fn model_info(&self) -> Option<Arc<ModelInfo>> {
        None
    }

    /// Answers one request. The host has already checked that `request.action` is one of
    /// [`Endpoint::actions`].
    async fn serve(&self, request: Request) -> Result<Reply, ApiError>;
}

impl dyn Endpoint {
    /// The concrete endpoint, for engines that use each other within a service (a prediction
    /// enriched by a lookup): `sibling.downcast_ref::<LookupEndpoint>()`.
    pub fn downcast_ref<T: Endpoint>(&self) -> Option<&T> {
        (self as &dyn std::any::Any).downcast_ref::<T>()
    }
}

/// Builds [`Endpoint`]s of one kind from manifest sections. One factory per kind is registered
/// with the host.
#[async_trait]
pub trait EngineFactory: Send + Sync + 'static {
    /// The `kind` value in the manifest this factory loads, e.g. `"sql-query"`.
    fn kind(&self) -> &'static str;

    /// Loads one endpoint. Everything slow or fallible happens here: reading and validating
    /// artifacts, building runnable plans, opening pools. The result must be ready to serve.
    async fn load(&self, ctx: LoadContext) -> Result<Arc<dyn Endpoint>, LoadError>;
}
