//! The rules every plugin's OpenAPI document keeps, checked by each plugin's unit test.
//!
//! The server merges the plugins' documents into `/openapi.json`, where names are global and a
//! missing piece shows only at run time; these checks catch it in the plugin's own test.

use serde_json::Value;
use std::collections::BTreeSet;
use utoipa::openapi::OpenApi;

/// What a plugin's document is checked against.
#[derive(Debug, Clone, Copy)]
pub struct DocumentRules<'a> {
    /// The one tag of every operation (the plugin's id).
    pub tag: &'a str,
    /// The prefix of every `operationId` (e.g. `vidora_`).
    pub operation_prefix: &'a str,
    /// The prefix of every component schema's name (e.g. `Vidora`).
    pub schema_prefix: &'a str,
}

/// One documented operation, as the check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedOperation {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template, e.g. `/v1/api/pipelines/{id}`.
    pub path: String,
    /// The security schemes it names, in order.
    pub schemes: Vec<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Checks `doc` against `rules` and the rules of every plugin document, panicking with the
/// operation at fault: unique prefixed operation ids, a non-empty summary, the plugin's tag,
/// every `{param}` of the path declared as a path parameter, a security requirement naming
/// registered schemes, a success and an error response; no document-wide security; prefixed
/// schema names; at least one `$ref`, each resolving to a schema. Answers the
/// operations sorted by method and path, for the plugin to compare with its routes.
pub fn check_plugin_document(doc: &OpenApi, rules: DocumentRules<'_>) -> Vec<DocumentedOperation> {
    let doc = serde_json::to_value(doc).expect("the document serializes");
    let schemes = &doc["components"]["securitySchemes"];
    let mut ids = BTreeSet::new();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let what = format!("{} {path}", method.to_uppercase());
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: no operationId"));
            assert!(
                id.starts_with(rules.operation_prefix),
                "{what}: operationId {id}"
            );
            assert!(
                ids.insert(id.to_owned()),
                "{what}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{what}: no summary"
            );
            assert_eq!(op["tags"], serde_json::json!([rules.tag]), "{what}: tags");
            let named: Vec<String> = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{what}: no security"))
                .iter()
                .flat_map(|r| r.as_object().expect("a requirement").keys().cloned())
                .collect();
            assert!(!named.is_empty(), "{what}: an empty security requirement");
            for scheme in &named {
                assert!(
                    schemes[scheme].is_object(),
                    "{what}: scheme {scheme} is not registered"
                );
            }
            let params = op["parameters"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for segment in path.split('/') {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    assert!(
                        params
                            .iter()
                            .any(|p| p["name"] == name && p["in"] == "path"),
                        "{what}: path parameter {name} is not declared"
                    );
                }
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: no success response"
            );
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('4') || s.starts_with('5')),
                "{what}: no error response"
            );
            operations.push(DocumentedOperation {
                method: method.to_uppercase(),
                path: path.clone(),
                schemes: named,
            });
        }
    }
    assert!(doc.get("security").is_none(), "no document-wide security");
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for name in schemas.keys() {
        assert!(
            name.starts_with(rules.schema_prefix),
            "schema {name} has no prefix"
        );
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty(), "no operation refers to a schema");
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(schemas.contains_key(name), "{r} does not resolve");
    }
    operations.sort_by(|a, b| (&a.method, &a.path).cmp(&(&b.method, &b.path)));
    operations
}

/// Sorted `(METHOD, path)` pairs, to compare with [`check_plugin_document`]'s answer.
pub fn routes(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut routes: Vec<(String, String)> = pairs
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routes.sort();
    routes
}

/// Every `$ref` under `v`.
fn collect_refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r);
            }
            m.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
    use utoipa::openapi::{ComponentsBuilder, OpenApiBuilder, Ref, ResponsesBuilder};

    fn doc(operation_id: &str, schema_ref: &str) -> OpenApi {
        let op = OperationBuilder::new()
            .operation_id(Some(operation_id))
            .summary(Some("s"))
            .tag("demo")
            .security(SecurityRequirement::new::<_, _, &str>("demoKey", []))
            .responses(
                ResponsesBuilder::new()
                    .response("200", ResponseBuilder::new().description("ok"))
                    .response("401", ResponseBuilder::new().description("no")),
            )
            .request_body(Some(
                utoipa::openapi::request_body::RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(Ref::new(schema_ref)))
                            .build(),
                    )
                    .build(),
            ))
            .build();
        OpenApiBuilder::new()
            .paths(PathsBuilder::new().path("/x", PathItem::new(HttpMethod::Post, op)))
            .components(Some(
                ComponentsBuilder::new()
                    .schema("DemoBody", utoipa::openapi::ObjectBuilder::new())
                    .security_scheme(
                        "demoKey",
                        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Key"))),
                    )
                    .build(),
            ))
            .build()
    }

    const RULES: DocumentRules<'static> = DocumentRules {
        tag: "demo",
        operation_prefix: "demo_",
        schema_prefix: "Demo",
    };

    #[test]
    fn a_document_keeping_the_rules_answers_its_operations() {
        let ops = check_plugin_document(&doc("demo_x", "#/components/schemas/DemoBody"), RULES);
        assert_eq!(
            ops,
            [DocumentedOperation {
                method: "POST".into(),
                path: "/x".into(),
                schemes: vec!["demoKey".into()],
            }]
        );
    }

    #[test]
    #[should_panic(expected = "operationId x")]
    fn an_unprefixed_operation_id_is_caught() {
        check_plugin_document(&doc("x", "#/components/schemas/DemoBody"), RULES);
    }

    #[test]
    #[should_panic(expected = "path parameter id is not declared")]
    fn an_undeclared_path_parameter_is_caught() {
        let mut doc = doc("demo_x", "#/components/schemas/DemoBody");
        let item = doc.paths.paths.shift_remove("/x").expect("/x");
        doc.paths.paths.insert("/x/{id}".into(), item);
        check_plugin_document(&doc, RULES);
    }

    #[test]
    #[should_panic(expected = "does not resolve")]
    fn a_dangling_ref_is_caught() {
        check_plugin_document(&doc("demo_x", "#/components/schemas/DemoOther"), RULES);
    }
}
