//! The Apres API (`/api/v1/recipe`, `/api/v1/recipe/load_batch`, `/api/v1/task_batches...`)
//! over Plinth. A recipe is one hosted prediction endpoint with its own key ([`recipes`],
//! managed under `/admin/api/apres/recipes`); a task batch is a set of CSV files whose rows are
//! scored one task each, as a durable job of the engine ([`batch_job`]). The request parsing,
//! CSV tables, statistics and response shapes are pure modules. See `docs/APRES.md`.

#![warn(missing_docs)]

pub mod app;
pub mod batch_job;
mod body;
pub mod config;
mod csv_text;
pub mod error;
pub mod ids;
pub mod load_batch;
pub mod openapi;
mod plugin;
pub mod recipes;
pub mod request;
mod routes;
pub mod schema;
pub mod shapes;
pub mod slug;
pub mod stats;
pub mod tables;
pub mod views;

pub use app::Apres;
pub use config::Config;
pub use plugin::ApresPlugin;
pub use schema::MIGRATIONS;
