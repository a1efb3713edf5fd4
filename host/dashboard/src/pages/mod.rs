//! The dashboard's pages and form handlers, one file each.

pub mod actions;
pub mod chart;
pub mod errors;
pub mod format;
pub mod jobs;
pub mod keys;
pub mod layout;
pub mod login;
pub mod monitoring;
pub mod monitors;
pub mod overview;
pub mod service;
