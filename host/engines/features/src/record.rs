//! A caller's `features` object (or query string) → one [`Row`] for the model, by the schema:
//! typed conversion, missing values imputed or refused, unknown features ignored.

use crate::Row;
use crate::cell::Cell;
use crate::schema::{Missing, Schema};
use plinth_engine_api::ApiError;
use serde_json::{Map, Value};

/// Converts a `features` object into a row. Errors are 400s naming the feature.
pub fn row_from_features(schema: &Schema, features: &Map<String, Value>) -> Result<Row, ApiError> {
    let mut row = Vec::with_capacity(schema.features.len());
    let mut present = 0;
    for feature in &schema.features {
        let cell = match features.get(&feature.name) {
            None => None,
            Some(value) => {
                present += 1;
                Cell::from_json(value, feature.kind, feature.onnx_type)
                    .map_err(|problem| ApiError::invalid_input(&feature.name, problem))?
            }
        };
        let cell = match (cell, &feature.missing) {
            (Some(cell), _) => cell,
            (None, Missing::Impute(default)) => default.clone(),
            (None, Missing::Error) => {
                return Err(ApiError::invalid_input(
                    &feature.name,
                    format!(
                        "missing or null; this feature is required (expected {} value)",
                        article(feature.kind.as_str())
                    ),
                ));
            }
        };
        row.push(cell);
    }
    if present < features.len() && tracing::enabled!(tracing::Level::DEBUG) {
        let unknown: Vec<&str> = features
            .keys()
            .filter(|k| schema.position(k).is_none())
            .map(String::as_str)
            .collect();
        tracing::debug!(model = %schema.name, ?unknown, "features the model does not use were ignored");
    }
    Ok(row)
}

/// The query-string pairs of `predict-simple` as a `features` object of strings (converted by
/// the schema afterwards). A feature given twice is a 400.
pub fn features_from_query(pairs: Vec<(String, String)>) -> Result<Map<String, Value>, ApiError> {
    let mut features = Map::new();
    for (name, value) in pairs {
        if features.contains_key(&name) {
            return Err(ApiError::invalid_input(
                &name,
                "given more than once in the query string; give each feature once",
            ));
        }
        features.insert(name, Value::String(value));
    }
    Ok(features)
}

fn article(kind: &str) -> String {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {kind}")
    } else {
        format!("a {kind}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::parse(
            r#"{"task":"regression","features":[
                {"name":"x","type":"number","missing":{"policy":"impute","value":1.5}},
                {"name":"id","type":"integer","missing":{"policy":"error"}},
                {"name":"c","type":"string","missing":{"policy":"impute","value":"A"}}]}"#,
        )
        .unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn converts_imputes_and_ignores_unknown_features() {
        let row =
            row_from_features(&schema(), &obj(json!({"id": 4, "junk": [1], "x": null}))).unwrap();
        assert_eq!(
            row,
            vec![Cell::F32(1.5), Cell::I64(4), Cell::Str("A".into())]
        );
    }

    #[test]
    fn missing_required_and_wrong_types_name_the_feature() {
        let e = row_from_features(&schema(), &obj(json!({"x": 2}))).unwrap_err();
        assert_eq!(e.status, 400);
        assert!(
            e.message.contains("'id'") && e.message.contains("required"),
            "{}",
            e.message
        );
        let e = row_from_features(&schema(), &obj(json!({"id": 1, "x": "abc"}))).unwrap_err();
        assert!(
            e.message.contains("'x': expected a number"),
            "{}",
            e.message
        );
    }

    #[test]
    fn query_features_are_text_converted_by_the_schema() {
        let f = features_from_query(vec![("x".into(), "2.5".into()), ("id".into(), "7".into())])
            .unwrap();
        let row = row_from_features(&schema(), &f).unwrap();
        assert_eq!(row[0], Cell::F32(2.5));
        assert_eq!(row[1], Cell::I64(7));
        assert!(
            features_from_query(vec![("x".into(), "1".into()), ("x".into(), "2".into())]).is_err()
        );
    }
}
