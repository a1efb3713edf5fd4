//! A prediction endpoint's part of its service's OpenAPI document: the model's features as
//! the members of `features` (typed as `model.json` declares them; a number may come as
//! numeric text, a missing or null feature is imputed unless the model requires it) and the
//! shape of one prediction.

use plinth_engine_api::{CallDoc, InputDoc};
use plinth_features::schema::{FeatureType, Missing, Schema as FeatureSchema};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// The call document of a model with `schema`.
pub fn call_doc(schema: &FeatureSchema) -> CallDoc {
    let inputs = schema
        .features
        .iter()
        .map(|f| {
            let enriched = f.source.as_deref() == Some("enrichment");
            let required = matches!(f.missing, Missing::Error) && !enriched;
            let mut types = match f.kind {
                FeatureType::Number => vec![Type::Number, Type::String],
                FeatureType::Integer => vec![Type::Integer, Type::String],
                FeatureType::Boolean => vec![Type::Boolean, Type::Integer, Type::String],
                FeatureType::String => vec![Type::String, Type::Number, Type::Boolean],
            };
            if !required {
                types.push(Type::Null);
            }
            let mut feature = ObjectBuilder::new().schema_type(SchemaType::from_iter(types));
            if let Some(categories) = &f.categories {
                feature = feature.examples(categories.iter().take(5).cloned());
            }
            let mut what = format!("{} feature", f.kind.as_str());
            if let Some(c) = &f.categories {
                what.push_str(&format!(" (known categories: {})", c.join(", ")));
            }
            match (&f.missing, enriched) {
                (_, true) => what.push_str("; filled by the endpoint's enrichment when absent"),
                (Missing::Impute(cell), _) => {
                    what.push_str(&format!("; imputed as {} when missing", cell.to_json()))
                }
                (Missing::Error, _) => what.push_str("; required"),
            }
            InputDoc::new(&f.name, Schema::from(feature.build()), required).described(what)
        })
        .collect();
    let result: Schema = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!(
            "one {} prediction: `prediction`, class probabilities, explanations when asked, \
             or `ignored` with the reason",
            schema.task.as_str()
        )))
        .property("ignored", ObjectBuilder::new().schema_type(Type::Boolean))
        .build()
        .into();
    CallDoc {
        inputs: Some(inputs),
        result: Some(result),
        // Members that are not features are not refused.
        closed: false,
    }
}
