//! A function endpoint's input path, without wasmtime: a caller's JSON values and query-string
//! text become [`WitValue`]s of the parameters' declared [`WitType`]s, or a [`ConvertError`]
//! naming the value's path and the expected type. The function engine maps wasmtime's types to
//! [`WitType`] once per signature and each [`WitValue`] to a wasmtime value one to one.

pub mod convert;
#[doc(hidden)]
pub mod fuzz;
pub mod schema;
pub mod ty;
pub mod value;

pub use convert::{ConvertError, from_json, from_text};
pub use schema::Side;
pub use ty::{WitType, api_name, name_matches};
pub use value::WitValue;
