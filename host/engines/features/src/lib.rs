//! The input path of prediction endpoints, without any model backend: `model.json` is parsed
//! into a [`Schema`](schema::Schema), a caller's `features` object (or query string) becomes a
//! [`Row`] of typed [`Cell`](cell::Cell)s by it, and rows become a columnar
//! [`Batch`](plinth_tensor::Batch) ([`batch::BatchBuilder`]).

pub mod batch;
pub mod cell;
pub mod float;
#[doc(hidden)]
pub mod fuzz;
pub mod record;
pub mod schema;

/// One record ready for the model: one cell per feature, in schema order.
pub type Row = Vec<cell::Cell>;
