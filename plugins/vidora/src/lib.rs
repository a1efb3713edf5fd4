//! The Vidora Pipelines API (`/v1/api/...`) over Plinth.
//!
//! Every request is authenticated before it is parsed ([`auth`], [`signing`]). Pipelines are
//! the host's prediction endpoints ([`pipelines`]); label sets are uploaded ([`upload`]),
//! stored and validated ([`labels`]) by a durable job; assigning one to a pipeline evaluates
//! the served model on it through the monitoring store's actuals ([`train_job`]); prediction
//! exports score records, posted as JSON or as an uploaded CSV ([`export_rows`]), in a
//! durable job ([`export_job`]). Keys are managed under `/admin/api/vidora/keys` ([`keys`]).
//! See `docs/VIDORA.md`.

#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod config;
pub mod dates;
pub mod error;
pub mod export_job;
pub mod export_rows;
pub mod ids;
pub mod keys;
pub mod label_sets;
pub mod labels;
pub mod openapi;
pub mod pipelines;
mod plugin;
pub mod routes;
pub mod schema;
pub mod signing;
pub mod train_job;
pub mod upload;
pub mod validate_job;

pub use app::Vid;
pub use config::Config;
pub use plugin::VidoraPlugin;
pub use schema::MIGRATIONS;
