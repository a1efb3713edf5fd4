//! A SQL endpoint's part of its service's OpenAPI document: every parameter is required (a
//! value or `null`), typed when the manifest declares its type, and one answer holds the
//! columns and rows of the statement.

use crate::params::ParamType;
use plinth_engine_api::{CallDoc, InputDoc};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};

/// The call document of a query taking `parameters`, converted to `types` (one per name).
pub(crate) fn call_doc(parameters: &[String], types: &[Option<ParamType>]) -> CallDoc {
    let inputs = parameters
        .iter()
        .zip(types.iter().chain(std::iter::repeat(&None)))
        .map(|(name, ty)| {
            // A declared type converts text too (a query string is text); null binds NULL.
            let (types, what) = match ty {
                Some(ParamType::Integer) => (vec![Type::Integer, Type::String], "integer"),
                Some(ParamType::Float) => (vec![Type::Number, Type::String], "float"),
                Some(ParamType::Boolean) => (vec![Type::Boolean, Type::String], "boolean"),
                Some(ParamType::Text) => (vec![Type::String, Type::Number, Type::Boolean], "text"),
                None => (vec![Type::String, Type::Number, Type::Boolean], "as sent"),
            };
            let schema: Schema = ObjectBuilder::new()
                .schema_type(SchemaType::from_iter(types.into_iter().chain([Type::Null])))
                .build()
                .into();
            InputDoc::new(name, schema, true).described(format!("bound as {what}"))
        })
        .collect();
    let column = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("name", ObjectBuilder::new().schema_type(Type::String))
        .property("type", ObjectBuilder::new().schema_type(Type::String))
        .required("name");
    let result: Schema = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("columns", ArrayBuilder::new().items(column))
        .required("columns")
        .property("rows", ArrayBuilder::new().items(ArrayBuilder::new()))
        .required("rows")
        .property("truncated", ObjectBuilder::new().schema_type(Type::Boolean))
        .build()
        .into();
    CallDoc {
        inputs: Some(inputs),
        result: Some(result),
        closed: true,
    }
}
