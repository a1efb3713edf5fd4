//! The Apres API (`/api/v1/recipe`, `/api/v1/recipe/load_batch`, `/api/v1/task_batches...`)
//! over Plinth: pure building blocks (no store, no plugin API). A recipe is one hosted
//! prediction endpoint; a task batch is a set of CSV files whose rows are scored one task each.

#![warn(missing_docs)]

mod body;
mod csv_text;
pub mod error;
pub mod load_batch;
pub mod request;
pub mod shapes;
pub mod slug;
pub mod stats;
pub mod tables;
