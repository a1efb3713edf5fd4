//! The dashboard's pages and form handlers, one file each.

pub mod actions;
pub mod errors;
pub mod format;
pub mod layout;
pub mod login;
pub mod overview;
pub mod service;
