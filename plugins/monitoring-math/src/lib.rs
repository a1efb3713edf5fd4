//! The numbers of model monitoring, as pure functions: binning on a baseline's edges, the five
//! drift metrics, and accuracy metrics. No storage, no I/O: the monitoring store feeds these
//! from its rollups, and every plugin API reads the same results.
//!
//! - [`binning`]: the 12 numeric bins and the categorical bins of a baseline, the additive
//!   [`Histogram`](binning::Histogram), and the `__missing__` bin rule ([`binning::compare`]).
//! - [`drift`]: the five drift metrics with DataRobot's zero handling.
//! - [`accuracy`]: accuracy metrics from (prediction, actual) pairs, by DataRobot name.

#![warn(missing_docs)]

pub mod accuracy;
pub mod binning;
pub mod drift;
