//! The JSON Schema of a WIT type's values on the JSON API: what [`crate::from_json`] accepts
//! as a parameter, and what a function's answer holds (the function engine writes values the
//! same way: records by their API names, enums and payload-less variant cases as strings,
//! `{"case": payload}`, `{"ok": v}` / `{"err": e}`, options as the value or `null`).

use crate::ty::{WitType, api_name};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder, Schema,
    SchemaType, Type,
};

/// Which side of a call a schema describes: inputs accept more spellings than answers write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A parameter value the caller sends.
    Input,
    /// A value the function returns.
    Output,
}

impl WitType {
    /// The JSON Schema of this type's values on `side` of a call.
    pub fn json_schema(&self, side: Side) -> Schema {
        let described = |b: ObjectBuilder| b.description(Some(self.describe())).build().into();
        match self {
            WitType::Bool => described(ObjectBuilder::new().schema_type(Type::Boolean)),
            WitType::S8 => integer(i8::MIN.into(), i8::MAX.into(), self),
            WitType::U8 => integer(0, u8::MAX.into(), self),
            WitType::S16 => integer(i16::MIN.into(), i16::MAX.into(), self),
            WitType::U16 => integer(0, u16::MAX.into(), self),
            WitType::S32 => integer(i32::MIN.into(), i32::MAX.into(), self),
            WitType::U32 => integer(0, u32::MAX.into(), self),
            WitType::S64 => integer(i64::MIN.into(), i64::MAX.into(), self),
            WitType::U64 => integer(0, u64::MAX.into(), self),
            // A float that is not finite (an f32 overflow, NaN) is written as null.
            WitType::Float32 | WitType::Float64 => {
                described(ObjectBuilder::new().schema_type(match side {
                    Side::Input => SchemaType::new(Type::Number),
                    Side::Output => SchemaType::from_iter([Type::Number, Type::Null]),
                }))
            }
            WitType::Char => described(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(1)),
            ),
            WitType::String => described(ObjectBuilder::new().schema_type(Type::String)),
            WitType::List(item) => ArrayBuilder::new()
                .items(items(item.json_schema(side)))
                .description(Some(self.describe()))
                .build()
                .into(),
            WitType::FixedLengthList(item, len) => ArrayBuilder::new()
                .items(items(item.json_schema(side)))
                .min_items(Some(*len as usize))
                .max_items(Some(*len as usize))
                .description(Some(self.describe()))
                .build()
                .into(),
            WitType::Tuple(items) => ArrayBuilder::new()
                .prefix_items(items.iter().map(|t| t.json_schema(side)))
                .items(ArrayItems::False)
                .min_items(Some(items.len()))
                .max_items(Some(items.len()))
                .description(Some(self.describe()))
                .build()
                .into(),
            WitType::Map(key, value) => {
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .additional_properties(Some(AdditionalProperties::RefOr(
                        value.json_schema(side).into(),
                    )));
                if side == Side::Input
                    && let Some(pattern) = key_pattern(key)
                {
                    object = object.property_names(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(pattern)),
                    ));
                }
                described(object)
            }
            WitType::Record(fields) => {
                let mut object = ObjectBuilder::new().schema_type(Type::Object);
                for (name, ty) in fields {
                    object = object.property(api_name(name), ty.json_schema(side));
                    if side == Side::Output || !matches!(ty, WitType::Option(_)) {
                        object = object.required(api_name(name));
                    }
                }
                // Inputs may also spell a field by its WIT name (`passenger-id`).
                if side == Side::Output || fields.iter().all(|(n, _)| api_name(n) == *n) {
                    object =
                        object.additional_properties(Some(AdditionalProperties::FreeForm(false)));
                }
                described(object)
            }
            WitType::Enum(names) => described(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(spellings(names, side))),
            ),
            WitType::Flags(names) => ArrayBuilder::new()
                .items(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(spellings(names, side))),
                )
                .description(Some(self.describe()))
                .build()
                .into(),
            WitType::Variant(cases) => {
                let mut one_of = OneOfBuilder::new().description(Some(self.describe()));
                let bare: Vec<&String> = cases
                    .iter()
                    .filter(|(_, ty)| ty.is_none())
                    .map(|(n, _)| n)
                    .collect();
                if !bare.is_empty() {
                    let names: Vec<String> = bare.into_iter().cloned().collect();
                    one_of = one_of.item(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(spellings(&names, side))),
                    );
                }
                for (name, ty) in cases {
                    if let Some(ty) = ty {
                        one_of = one_of.item(single_member(name, ty.json_schema(side)));
                    }
                }
                one_of.build().into()
            }
            WitType::Option(inner) => OneOfBuilder::new()
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .item(inner.json_schema(side))
                .description(Some(self.describe()))
                .build()
                .into(),
            WitType::Result(ok, err) => {
                let side_schema = |t: &Option<Box<WitType>>| match t {
                    Some(t) => t.json_schema(side),
                    None if side == Side::Output => {
                        ObjectBuilder::new().schema_type(Type::Null).build().into()
                    }
                    None => ObjectBuilder::new().build().into(),
                };
                OneOfBuilder::new()
                    .item(single_member("ok", side_schema(ok)))
                    .item(single_member("err", side_schema(err)))
                    .description(Some(self.describe()))
                    .build()
                    .into()
            }
            WitType::Unsupported(_) => ObjectBuilder::new().build().into(),
        }
    }
}

fn items(schema: Schema) -> ArrayItems {
    ArrayItems::RefOrSchema(Box::new(schema.into()))
}

fn integer(min: i128, max: i128, ty: &WitType) -> Schema {
    // utoipa's numbers are 64-bit: every WIT integer bound fits one of its variants.
    let bound = |n: i128| -> utoipa::Number {
        match isize::try_from(n) {
            Ok(i) => utoipa::Number::Int(i),
            Err(_) => utoipa::Number::UInt(n as usize),
        }
    };
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(bound(min)))
        .maximum(Some(bound(max)))
        .description(Some(ty.describe()))
        .build()
        .into()
}

/// The pattern of a map key written as an object member name, for keys that are not strings.
fn key_pattern(key: &WitType) -> Option<String> {
    match key {
        WitType::S8 | WitType::S16 | WitType::S32 | WitType::S64 => Some("^-?[0-9]+$".into()),
        WitType::U8 | WitType::U16 | WitType::U32 | WitType::U64 => Some("^[0-9]+$".into()),
        WitType::Bool => Some("^(true|false)$".into()),
        _ => None,
    }
}

/// The names a caller may write (WIT and API spellings) or an answer holds (WIT names).
fn spellings(names: &[String], side: Side) -> Vec<String> {
    let mut out: Vec<String> = names.to_vec();
    if side == Side::Input {
        for name in names {
            let api = api_name(name);
            if !out.contains(&api) {
                out.push(api);
            }
        }
    }
    out
}

/// `{"name": value}` and nothing else.
fn single_member(name: &str, value: Schema) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(name, value)
        .required(name)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn schema(ty: &WitType, side: Side) -> Value {
        serde_json::to_value(ty.json_schema(side)).unwrap()
    }

    #[test]
    fn integers_carry_their_range() {
        let s = schema(&WitType::S8, Side::Input);
        assert_eq!(s["type"], "integer");
        assert_eq!(
            (s["minimum"].clone(), s["maximum"].clone()),
            (json!(-128), json!(127))
        );
        let u = schema(&WitType::U64, Side::Input);
        assert_eq!(u["maximum"], json!(u64::MAX));
        assert_eq!(
            schema(&WitType::S64, Side::Input)["minimum"],
            json!(i64::MIN)
        );
    }

    #[test]
    fn records_require_all_but_options_on_input_and_everything_on_output() {
        let ty = WitType::Record(vec![
            ("passenger-id".into(), WitType::S64),
            ("note".into(), WitType::Option(Box::new(WitType::String))),
        ]);
        let input = schema(&ty, Side::Input);
        assert_eq!(input["required"], json!(["passenger_id"]));
        assert!(input["properties"]["passenger_id"].is_object());
        assert!(
            input.get("additionalProperties").is_none(),
            "the WIT spelling is accepted too"
        );
        let output = schema(&ty, Side::Output);
        assert_eq!(output["required"], json!(["passenger_id", "note"]));
        assert_eq!(output["additionalProperties"], json!(false));
    }

    #[test]
    fn variants_results_and_enums_follow_the_wire_spelling() {
        let variant = WitType::Variant(vec![
            ("none".into(), None),
            ("some-value".into(), Some(WitType::U8)),
        ]);
        let s = schema(&variant, Side::Input);
        let cases = s["oneOf"].as_array().unwrap();
        assert_eq!(cases[0]["enum"], json!(["none"]));
        assert_eq!(cases[1]["required"], json!(["some-value"]));
        let result = WitType::Result(Some(Box::new(WitType::String)), None);
        let out = schema(&result, Side::Output);
        assert_eq!(out["oneOf"][0]["properties"]["ok"]["type"], "string");
        assert_eq!(out["oneOf"][1]["properties"]["err"]["type"], "null");
        let level = WitType::Enum(vec!["very-high".into()]);
        assert_eq!(
            schema(&level, Side::Input)["enum"],
            json!(["very-high", "very_high"])
        );
        assert_eq!(schema(&level, Side::Output)["enum"], json!(["very-high"]));
    }

    #[test]
    fn tuples_and_fixed_lists_have_their_length() {
        let tuple = WitType::Tuple(vec![WitType::String, WitType::Bool]);
        let s = schema(&tuple, Side::Input);
        assert_eq!(s["prefixItems"].as_array().unwrap().len(), 2);
        assert_eq!(
            (s["minItems"].clone(), s["maxItems"].clone()),
            (json!(2), json!(2))
        );
        assert_eq!(s["items"], json!(false));
        let fixed = WitType::FixedLengthList(Box::new(WitType::Float64), 3);
        assert_eq!(schema(&fixed, Side::Input)["maxItems"], json!(3));
    }

    #[test]
    fn floats_may_be_null_only_in_answers() {
        assert_eq!(schema(&WitType::Float32, Side::Input)["type"], "number");
        assert_eq!(
            schema(&WitType::Float64, Side::Output)["type"],
            json!(["number", "null"])
        );
    }
}
