//! The Vidora Pipelines API (`/v1/api/...`) over Plinth. This first step is its request
//! signing ([`signing`]) and the pure building blocks of its routes: label-set uploads
//! ([`upload`]) and their validation ([`labels`]), ids ([`ids`]), dates and query
//! parameters ([`dates`]) and the error answer ([`error`]). The routes, label sets and
//! prediction exports build on the job engine (issue 12).

#![warn(missing_docs)]

pub mod dates;
pub mod error;
pub mod ids;
pub mod labels;
pub mod signing;
pub mod upload;
