//! Durable batch jobs for Plinth's plugins (the Vidora and Apres APIs run on it).
//!
//! A plugin registers a [`JobHandler`] per kind of job and [`Jobs::submit`]s jobs: the job and
//! its items are committed before the request is answered. A bounded pool of workers claims
//! due jobs with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas share one queue),
//! prepares their items, processes them in chunks whose outputs commit together with the
//! cursor (unique per item: none lost, none written twice), and finishes them. A process killed
//! mid-job is resumed from its last committed chunk. Stage changes queue signed webhooks in the
//! same transaction; they are delivered in order per job with retries. Files are served through
//! pre-signed, expiring download links. Why this queue and not a library: ARCHITECTURE.md and
//! `docs/notes/job-queue.md`.

mod admin;
pub mod cells;
mod config;
mod files;
mod handler;
mod items;
mod jobs;
mod outbox;
mod plugin;
mod record;
mod schema;
pub mod scoring;
mod test_hook;
pub mod webhook;
mod worker;

pub use admin::{AdminState, api as admin_api, openapi_router as admin_openapi_router};
pub use config::Config;
pub use files::{
    JobsApiDoc, JobsError, api as download_api, base_url,
    openapi_router as download_openapi_router, random_token, router as download_router,
};
pub use handler::{ItemOutput, JobError, JobHandler, Stage};
pub use jobs::{Jobs, NewJob, OutputRecord};
pub use outbox::deliver_due;
pub use plugin::JobsPlugin;
pub use record::{JobRecord, JobState};
pub use schema::MIGRATIONS;
