//! The two GraphQL endpoints the SDK posts its fixed queries to. No general GraphQL engine:
//! the root field of the operation picks a handler, which reads the `variables`.

use crate::app::{Ap, Caller, Object};
use crate::error::{ApError, graphql_error, json_response};
use crate::openapi::{AporiaError, AporiaGraphqlRequest, AporiaGraphqlResponse};
use crate::series::{endpoint_of, series_of};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The root field of a GraphQL document: the first name inside its first selection set.
pub fn root_field(query: &str) -> Option<&str> {
    let start = query.find('{')? + 1;
    let rest = query[start..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// A GraphQL failure: shown to the SDK user as the message.
struct GqlError(String);

impl From<ApError> for GqlError {
    fn from(e: ApError) -> GqlError {
        GqlError(e.message)
    }
}

impl From<sqlx::Error> for GqlError {
    fn from(e: sqlx::Error) -> GqlError {
        GqlError(ApError::internal(e).message)
    }
}

type Gql = Result<Value, GqlError>;

fn var<'a>(vars: &'a Map<String, Value>, name: &str) -> Result<&'a str, GqlError> {
    vars.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| GqlError(format!("variable '{name}' is required (a string)")))
}

/// `POST /v1/controller/graphql`.
#[utoipa::path(
    post,
    path = "/v1/controller/graphql",
    tag = "aporia",
    operation_id = "aporia_graphql_controller",
    summary = "The SDK's controller GraphQL calls: logPredictions, logArbitraryData, modelVersionSchema, logTrainingSet, logTestSet",
    request_body(content = AporiaGraphqlRequest, content_type = "application/json", description = "A GraphQL request; its root field picks the operation"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The answer: {data: {<field>: ...}} or, when the operation failed (a missing variable, an unknown model or version, an unserved field, a database failure), {errors: [...]}", body = AporiaGraphqlResponse),
        (status = 400, description = "A body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
    )
)]
pub async fn controller(
    State(ap): State<Arc<Ap>>,
    Caller(key): Caller,
    Object(body): Object,
) -> Response {
    serve(ap, key, body, Endpoint::Controller).await
}

/// `POST /v1/tenant-hasura/v1/graphql`.
#[utoipa::path(
    post,
    path = "/v1/tenant-hasura/v1/graphql",
    tag = "aporia",
    operation_id = "aporia_graphql_hasura",
    summary = "The SDK's Hasura GraphQL calls: model_versions, deleteESIndex, deleteModelVersion, runAllMonitors",
    request_body(content = AporiaGraphqlRequest, content_type = "application/json", description = "A GraphQL request; its root field picks the operation"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The answer: {data: {<field>: ...}} or, when the operation failed (a missing variable, an unknown model or version, an unserved field, a database failure), {errors: [...]}", body = AporiaGraphqlResponse),
        (status = 400, description = "A body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
    )
)]
pub async fn hasura(
    State(ap): State<Arc<Ap>>,
    Caller(key): Caller,
    Object(body): Object,
) -> Response {
    serve(ap, key, body, Endpoint::Hasura).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Controller,
    Hasura,
}

async fn serve(ap: Arc<Ap>, key: String, body: Map<String, Value>, at: Endpoint) -> Response {
    let Some(query) = body.get("query").and_then(Value::as_str) else {
        return graphql_error(
            "'query' is required",
            "the body must be {\"query\", \"variables\"}",
        );
    };
    let empty = Map::new();
    let vars = body
        .get("variables")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let Some(field) = root_field(query) else {
        return graphql_error("the query has no selection", query);
    };
    let answer = match (at, field) {
        (Endpoint::Controller, "logPredictions") => log_predictions(&ap, &key, vars).await,
        (Endpoint::Controller, "logArbitraryData") => log_arbitrary(&ap, vars).await,
        (Endpoint::Controller, "modelVersionSchema") => version_schema(&ap, vars).await,
        (Endpoint::Controller, "logTrainingSet" | "logTestSet") => {
            log_dataset(&ap, field, vars).await
        }
        (Endpoint::Hasura, "model_versions") => model_versions(&ap, vars).await,
        (Endpoint::Hasura, "deleteESIndex") => Ok(json!({"acknowledged": true})),
        (Endpoint::Hasura, "deleteModelVersion") => delete_version(&ap, vars).await,
        (Endpoint::Hasura, "runAllMonitors") => run_all(&ap, vars).await,
        _ => Err(GqlError(format!(
            "'{field}' is not a field Plinth serves at this GraphQL endpoint"
        ))),
    };
    match answer {
        Ok(value) => json_response(StatusCode::OK, &json!({"data": {field: value}})),
        Err(GqlError(message)) => graphql_error(&message, &message),
    }
}

async fn model_and_version(
    ap: &Ap,
    vars: &Map<String, Value>,
) -> Result<(crate::registry::Model, crate::registry::Version), GqlError> {
    let model_id = var(vars, "modelId")?;
    let version = var(vars, "modelVersion")?;
    Ok(ap
        .current_registry()
        .await?
        .model_version(model_id, version)
        .await?)
}

async fn log_predictions(ap: &Ap, key: &str, vars: &Map<String, Value>) -> Gql {
    let (m, v) = model_and_version(ap, vars).await?;
    if let Some(env) = vars.get("environment").and_then(Value::as_str) {
        ap.registry().environment(env, ap.now_ms()).await?;
    }
    let fragments = vars
        .get("predictions")
        .and_then(Value::as_array)
        .ok_or_else(|| GqlError("variable 'predictions' is required (a list)".into()))?;
    let read = crate::logging::read_fragments(&m, &v, fragments, ap.now_ms());
    ap.monitoring
        .record_logged(&series_of(&m, &v), Some(key), &read.rows)
        .await?;
    if !read.actuals.is_empty() {
        let (service, endpoint) = endpoint_of(&m);
        ap.monitoring
            .submit_actuals(&service, &endpoint, &read.actuals)
            .await?;
    }
    Ok(json!({"warnings": read.answer_warnings()}))
}

async fn log_arbitrary(ap: &Ap, vars: &Map<String, Value>) -> Gql {
    let (_, v) = model_and_version(ap, vars).await?;
    let data = vars.get("data").cloned().unwrap_or(Value::Null);
    let registry = ap.registry();
    let mut log = registry
        .version_data(&v.id, "arbitrary_data")
        .await?
        .map(|(b, _)| b)
        .and_then(|b| b.as_array().cloned())
        .unwrap_or_default();
    log.push(json!({"at": crate::app::iso(ap.now_ms()), "data": data}));
    // The newest 1,000 entries are kept.
    let excess = log.len().saturating_sub(1000);
    log.drain(..excess);
    registry
        .put_version_data(&v.id, "arbitrary_data", &Value::Array(log), ap.now_ms())
        .await?;
    Ok(json!({"warnings": []}))
}

async fn version_schema(ap: &Ap, vars: &Map<String, Value>) -> Gql {
    let (_, v) = model_and_version(ap, vars).await?;
    let section = |name: &str| -> Value {
        match v.schema.get(name).and_then(Value::as_object) {
            None => Value::Null,
            Some(fields) => Value::Array(
                fields
                    .iter()
                    .map(|(k, t)| {
                        let t = t
                            .as_str()
                            .map(str::to_owned)
                            .or_else(|| t.get("type").and_then(Value::as_str).map(str::to_owned))
                            .unwrap_or_default();
                        json!({"name": k, "type": t})
                    })
                    .collect(),
            ),
        }
    };
    Ok(json!({
        "features": section("features"),
        "predictions": section("predictions"),
        "rawInputs": section("raw_inputs"),
    }))
}

async fn log_dataset(ap: &Ap, field: &str, vars: &Map<String, Value>) -> Gql {
    let (m, v) = model_and_version(ap, vars).await?;
    let kind = if field == "logTrainingSet" {
        "training_set"
    } else {
        "test_set"
    };
    let mut stored = vars.clone();
    stored.remove("modelId");
    stored.remove("modelVersion");
    ap.registry()
        .put_version_data(&v.id, kind, &Value::Object(stored), ap.now_ms())
        .await?;
    let mut warnings = Vec::new();
    if kind == "training_set" {
        if m.source == "plinth" {
            warnings.push(format!(
                "'{}' is a deployed endpoint: its drift baseline is its bundle's reference sample; the training set is stored, not used",
                m.id
            ));
        } else {
            match crate::training::baseline_of(&v, vars) {
                Some(baseline) => {
                    ap.monitoring
                        .set_baseline(&series_of(&m, &v), baseline)
                        .await?;
                }
                None => warnings.push(
                    "no feature of the version's schema has a histogram in this training set: no baseline set".to_owned(),
                ),
            }
        }
    }
    Ok(json!({"warnings": warnings}))
}

async fn model_versions(ap: &Ap, vars: &Map<String, Value>) -> Gql {
    let model_id = var(vars, "modelID").or_else(|_| var(vars, "modelId"))?;
    let registry = ap.current_registry().await?;
    let versions = registry.versions(model_id).await?;
    Ok(Value::Array(
        versions
            .iter()
            .map(|v| json!({"id": v.id, "model_id": v.model_id, "model_type": v.model_type, "name": v.name}))
            .collect(),
    ))
}

async fn delete_version(ap: &Ap, vars: &Map<String, Value>) -> Gql {
    let id = var(vars, "modelVersionId")?;
    let registry = ap.current_registry().await?;
    let Some(v) = registry.version_by_id(id).await? else {
        return Err(GqlError(format!("model version '{id}' not found")));
    };
    if let Some(m) = registry.model(&v.model_id).await?
        && m.source == "plinth"
        && !m.retired
    {
        return Err(GqlError(format!(
            "version '{}' of '{}' is a deployed generation: delete it through the admin API",
            v.name, m.id
        )));
    }
    Ok(json!({"deleted": registry.delete_version(id).await?}))
}

async fn run_all(ap: &Ap, vars: &Map<String, Value>) -> Gql {
    let model_id = var(vars, "modelId")?;
    let version = vars.get("modelVersion").and_then(Value::as_str);
    let registry = ap.current_registry().await?;
    registry.existing_model(model_id).await?;
    if let Some(version) = version {
        registry.existing_version(model_id, version).await?;
    }
    let ran = crate::monitors::run_now(ap, model_id, version).await?;
    Ok(json!({"acknowledged": true, "monitors": ran}))
}
