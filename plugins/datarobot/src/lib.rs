//! The DataRobot Deployments API (`/api/v2/`), a dialect over Plinth's monitoring store.
//!
//! A deployment is a prediction endpoint of a service: its id is `<service>~<endpoint>`
//! (path-safe, stable across generations; `~` is never part of a Plinth id) and its `modelId`
//! is a generation. Every number comes from [`plinth_monitoring::Monitoring`]; this crate only
//! translates routes, query parameters and wire shapes, with DataRobot's auth
//! (`Authorization: Token <key>` or `Bearer`, admin or monitoring keys) and error shape.
//!
//! - [`params`], [`shapes`], [`error`]: the wire layer (no I/O).
//! - `routes/`: the handlers, one file per family of routes, each with its OpenAPI
//!   documentation; [`openapi`]: the schemas, parameters and security scheme they name.

pub mod error;
pub mod openapi;
pub mod params;
pub mod shapes;

mod app;
mod plugin;
mod routes;
pub mod store;

pub use plugin::DataRobotPlugin;
