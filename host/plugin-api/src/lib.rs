//! The contract between the Plinth host and its plugins.
//!
//! The engines answer calls; plugins describe and act on what the engines do (monitoring,
//! registry and batch APIs of other systems). A plugin is one crate under `plugins/` that
//! implements [`Plugin`]: an id, its own migrations, and a [`Plugin::start`] that receives a
//! narrow [`PluginContext`]:
//!
//! - typed [`Event`]s of every call to an existing endpoint ([`PluginContext::subscribe`]);
//! - its own tables in the state database ([`PluginDb`], SQLite or PostgreSQL);
//! - a read-only view of the host ([`HostView`]: services, generations, endpoints, models);
//! - an [`Invoker`] that calls an endpoint through the same path as the user API;
//! - its `[plugins.<id>]` configuration, the data directory, a [`Clock`] that tests can drive,
//!   a [`Shutdown`] signal, and [`Shared`] handles published by the plugins started before it.
//!
//! It answers with [`Started`]: the routes it serves (mounted at the server root, under its own
//! prefixes, with its own auth and error shape) and the tasks the server waits for at
//! shutdown. Nothing here depends on the server's internals, and the server never knows a
//! plugin's types.

mod bus;
mod clock;
mod context;
mod db;
mod event;
mod host_view;
mod lease;
pub mod openapi_checks;
mod replica;
mod sent_uri;
mod shared;
pub mod test_db;

pub use bus::{EventBus, SubscribeOptions, SubscriberStats, Subscription};
pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{Plugin, PluginContext, PluginError, Shutdown, Started};
pub use db::{Dialect, Migration, PluginDb};
pub use event::{AdminEvent, CallEvent, CallOrigin, Event};
pub use host_view::{
    EndpointView, GenerationView, HostView, Invocation, Invoked, Invoker, Principal,
    PrincipalScope, ServiceView,
};
pub use lease::Lease;
pub use plinth_engine_api::{
    Action, ApiError, FeatureInfo, FeatureKind, ModelInfo, ModelTask, ScoredOutput, ScoredRow,
    ScoredRows, as_output, shown,
};
pub use replica::replica_id;
pub use sent_uri::{SentUri, sent_uri};
pub use shared::Shared;
