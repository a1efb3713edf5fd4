//! The Aporia `/v1beta` API over Plinth (see `docs/APORIA.md`): a model registry in which
//! every deployed prediction endpoint is registered, the GraphQL calls of the `aporia` SDK
//! (logged predictions and actuals feed the monitoring store, so a model served elsewhere is
//! monitored like Plinth's own), monitors evaluated on their cron schedules, alerts, and
//! signed webhooks with retries.
//!
//! - [`validate`], [`error`], [`monitors::config`]: the wire layer (no I/O).
//! - [`registry`], [`mirror`]: models, versions, tags, environments; deploys → registry.
//! - [`graphql`], [`logging`], [`training`]: the SDK's GraphQL endpoints (logged predictions,
//!   actuals, training sets as baselines).
//! - [`monitors`], [`alerts`], [`webhooks`]: evaluation, scheduling, alerts, deliveries.
//! - `routes/`: the REST handlers; [`openapi`]: their OpenAPI document's schemas.

pub mod alerts;
pub mod app;
pub mod error;
pub mod graphql;
pub mod logging;
pub mod mirror;
pub mod monitors;
pub mod openapi;
pub mod plugin;
pub mod registry;
mod routes;
pub mod schema;
pub mod series;
pub mod training;
pub mod validate;
pub mod webhooks;

pub use plugin::AporiaPlugin;
