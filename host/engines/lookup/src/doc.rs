//! A lookup endpoint's part of its service's OpenAPI document: its key columns as inputs (a
//! key is matched by its text, so a number may also come as a string) and the shape of one
//! looked-up record.

use crate::types::ColumnType;
use plinth_engine_api::{CallDoc, InputDoc};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// The call document of a lookup whose key columns are `keys` (with their type once known).
pub(crate) fn call_doc<'a>(keys: impl Iterator<Item = (&'a str, Option<ColumnType>)>) -> CallDoc {
    let inputs = keys
        .map(|(name, ty)| {
            InputDoc::new(name, key_schema(ty), false).described(match ty {
                Some(ty) => format!(
                    "key column ({}); when absent, the endpoint's on-missing-key policy answers",
                    ty.as_str()
                ),
                None => "key column; when absent, the endpoint's on-missing-key policy answers"
                    .to_owned(),
            })
        })
        .collect();
    let result: Schema = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "data",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("the keys and the returned columns of the record")),
        )
        .required("data")
        .property("ignored", ObjectBuilder::new().schema_type(Type::Boolean))
        .property(
            "ignoreReason",
            ObjectBuilder::new().schema_type(Type::String),
        )
        .build()
        .into();
    CallDoc {
        inputs: Some(inputs),
        result: Some(result),
        closed: true,
    }
}

fn key_schema(ty: Option<ColumnType>) -> Schema {
    let types = match ty {
        Some(ColumnType::Integer) => vec![Type::Integer, Type::String],
        Some(ColumnType::Float) => vec![Type::Number, Type::String],
        Some(ColumnType::Boolean) => vec![Type::Boolean, Type::String],
        Some(ColumnType::String) => vec![Type::String, Type::Number],
        None => vec![Type::String, Type::Number, Type::Boolean],
    };
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter(types))
        .build()
        .into()
}
