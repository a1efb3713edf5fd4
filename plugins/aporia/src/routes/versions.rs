//! Model versions: schema, type, feature importance and positions, and what the SDK attaches.

use crate::app::{Answer, Ap, Caller, Object, created, ok, opt_object, req_str};
use crate::error::ApError;
use crate::openapi::{
    AporiaError, AporiaFeatureImportance, AporiaFeatureImportanceRequest, AporiaFeaturePositions,
    AporiaFeaturePositionsRequest, AporiaId, AporiaSyncStatus, AporiaVersion,
    AporiaVersionDataKind, AporiaVersionDetails, AporiaVersionRequest,
};
use crate::registry::{Version, VersionMap};
use crate::validate;
use axum::extract::{Path, Query, State};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// `GET /v1beta/models/{id}/versions`: the seed's list of VersionDetails.
#[utoipa::path(
    get,
    path = "/models/{id}/versions",
    tag = "aporia",
    operation_id = "aporia_list_versions",
    summary = "A model's versions and their creation dates, oldest first",
    params(("id" = String, Path, description = "The model id")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The versions", body = [AporiaVersionDetails]),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn list(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    let registry = ap.current_registry().await?;
    registry.existing_model(&id).await?;
    let versions = registry.versions(&id).await?;
    ok(Value::Array(
        versions.iter().map(Version::to_details).collect(),
    ))
}

/// `GET /v1beta/models/{id}/versions/{version}` (name or id).
#[utoipa::path(
    get,
    path = "/models/{id}/versions/{version}",
    tag = "aporia",
    operation_id = "aporia_show_version",
    summary = "A model version, with its schema and feature maps",
    params(("id" = String, Path, description = "The model id"), ("version" = String, Path, description = "The version's name or UUID")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The version", body = AporiaVersion),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model or version", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn show(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> Answer {
    let registry = ap.current_registry().await?;
    ok(registry.model_version(&id, &version).await?.1.to_json())
}

/// Checks one section of a version schema (`features`, `predictions`, ...): field → type.
fn check_fields(section: &str, fields: &Map<String, Value>) -> Result<(), ApError> {
    for (name, kind) in fields {
        let kind_name = match kind {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        };
        validate::one_of(
            &format!("version_schema.{section}.{name}"),
            kind_name,
            validate::FIELD_TYPES,
        )
        .map_err(ApError::bad_request)?;
    }
    Ok(())
}

/// A validated version schema.
fn schema_of(body: &Map<String, Value>) -> Result<Value, ApError> {
    let schema = opt_object(body, "version_schema")?.ok_or_else(|| {
        ApError::bad_request(
            "'version_schema' is required: {\"features\": {...}, \"predictions\": {...}}",
        )
    })?;
    for required in ["features", "predictions"] {
        let section = opt_object(schema, required)?.ok_or_else(|| {
            ApError::bad_request(format!(
                "'version_schema.{required}' is required: an object of field names to types"
            ))
        })?;
        check_fields(required, section)?;
    }
    for optional in ["raw_inputs", "metrics"] {
        if let Some(section) = opt_object(schema, optional)? {
            check_fields(optional, section)?;
        }
    }
    let features: Vec<&String> = schema
        .get("features")
        .and_then(Value::as_object)
        .map(|f| f.keys().collect())
        .unwrap_or_default();
    if let Some(positions) = opt_object(schema, "feature_positions")? {
        check_positions(&features, positions)?;
    }
    Ok(Value::Object(schema.clone()))
}

fn check_positions(features: &[&String], positions: &Map<String, Value>) -> Result<(), ApError> {
    for (name, position) in positions {
        if !features.contains(&name) {
            return Err(ApError::bad_request(format!(
                "feature_positions names '{name}', which is not a feature of the schema"
            )));
        }
        if position.as_u64().is_none() {
            return Err(ApError::bad_request(format!(
                "the position of '{name}' must be a whole number"
            )));
        }
    }
    if let Some(missing) = features
        .iter()
        .find(|f| !positions.contains_key(f.as_str()))
    {
        return Err(ApError::bad_request(format!(
            "feature_positions must name every feature of the schema: '{missing}' is missing"
        )));
    }
    Ok(())
}

fn check_importance(features: &[String], importance: &Map<String, Value>) -> Result<(), ApError> {
    for (name, value) in importance {
        if !features.contains(name) {
            return Err(ApError::bad_request(format!(
                "feature_importance names '{name}', which is not a feature of the schema"
            )));
        }
        if !value.is_number() {
            return Err(ApError::bad_request(format!(
                "the importance of '{name}' must be a number"
            )));
        }
    }
    Ok(())
}

/// `POST /v1beta/models/{id}/versions`: 201 `{"id"}`; the same body again answers the same id.
#[utoipa::path(
    post,
    path = "/models/{id}/versions",
    tag = "aporia",
    operation_id = "aporia_create_version",
    summary = "Creates a model version (the same body again answers the same id)",
    params(("id" = String, Path, description = "The model id")),
    request_body(content = AporiaVersionRequest, content_type = "application/json", description = "The version"),
    security(("aporiaToken" = [])),
    responses(
        (status = 201, description = "The new version's UUID", body = AporiaId),
        (status = 200, description = "A retried creation: the existing version's UUID", body = AporiaId),
        (status = 400, description = "A missing or invalid member (name, model_type, version_schema, feature maps), or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 409, description = "The model is a deployed endpoint, or has a version of this name with another definition", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn create(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path(id): Path<String>,
    Object(body): Object,
) -> Answer {
    let name = req_str(&body, "name")?;
    let model_type = req_str(&body, "model_type")?;
    validate::one_of("model_type", model_type, validate::MODEL_TYPES)
        .map_err(ApError::bad_request)?;
    let schema = schema_of(&body)?;
    let features: Vec<String> = schema
        .get("features")
        .and_then(Value::as_object)
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default();
    let importance = opt_object(&body, "feature_importance")?;
    if let Some(importance) = importance {
        check_importance(&features, importance)?;
    }
    let registry = ap.current_registry().await?;
    let model = registry.existing_model(&id).await?;
    if model.source == "plinth" {
        return Err(ApError::conflict(format!(
            "model '{id}' is a deployed endpoint: its versions are its generations (deploy a bundle to add one)"
        )));
    }
    let request = Value::Object(body.clone()).to_string();
    let v = Version {
        id: crate::app::new_uuid(),
        model_id: id.clone(),
        name: name.to_owned(),
        model_type: model_type.to_owned(),
        feature_positions: schema.get("feature_positions").cloned(),
        schema,
        feature_importance: importance.map(|m| Value::Object(m.clone())),
        request: Some(request.clone()),
        created_at: ap.now_ms(),
    };
    if registry.insert_version(&v).await? {
        return created(json!({"id": v.id}));
    }
    let existing = registry.existing_version(&id, name).await?;
    if existing.request.as_deref() == Some(request.as_str()) {
        // A retried POST (the client retries after a timeout): the same version.
        return ok(json!({"id": existing.id}));
    }
    Err(ApError::conflict(format!(
        "model '{id}' already has a version named '{name}' with another definition"
    )))
}

/// `POST .../versions/{version}/feature_importance`: replaces the map (keys must be features
/// of the schema).
#[utoipa::path(
    post,
    path = "/models/{id}/versions/{version}/feature_importance",
    tag = "aporia",
    operation_id = "aporia_set_feature_importance",
    summary = "Replaces a version's feature importance",
    params(("id" = String, Path, description = "The model id"), ("version" = String, Path, description = "The version's name or UUID")),
    request_body(content = AporiaFeatureImportanceRequest, content_type = "application/json", description = "Feature to importance"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The stored map", body = AporiaFeatureImportance),
        (status = 400, description = "No map, a key that is not a feature, a value that is not a number, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model or version", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn feature_importance(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path((id, version)): Path<(String, String)>,
    Object(body): Object,
) -> Answer {
    set_map(&ap, &id, &version, &body, VersionMap::Importance).await
}

/// `POST .../versions/{version}/feature_positions`: keys must be exactly the schema's features.
#[utoipa::path(
    post,
    path = "/models/{id}/versions/{version}/feature_positions",
    tag = "aporia",
    operation_id = "aporia_set_feature_positions",
    summary = "Replaces a version's feature positions (exactly its features)",
    params(("id" = String, Path, description = "The model id"), ("version" = String, Path, description = "The version's name or UUID")),
    request_body(content = AporiaFeaturePositionsRequest, content_type = "application/json", description = "Feature to position"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The stored map", body = AporiaFeaturePositions),
        (status = 400, description = "No map, keys other than the version's features, a position that is not a whole number, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model or version", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn feature_positions(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path((id, version)): Path<(String, String)>,
    Object(body): Object,
) -> Answer {
    set_map(&ap, &id, &version, &body, VersionMap::Positions).await
}

async fn set_map(
    ap: &Ap,
    id: &str,
    version: &str,
    body: &Map<String, Value>,
    which: VersionMap,
) -> Answer {
    let member = match which {
        VersionMap::Importance => "feature_importance",
        VersionMap::Positions => "feature_positions",
    };
    let map = opt_object(body, member)?.ok_or_else(|| {
        ApError::bad_request(format!(
            "'{member}' is required: an object keyed by feature"
        ))
    })?;
    let registry = ap.current_registry().await?;
    let (_, v) = registry.model_version(id, version).await?;
    let names = v.feature_names();
    match which {
        VersionMap::Importance => check_importance(&names, map)?,
        VersionMap::Positions => check_positions(&names.iter().collect::<Vec<_>>(), map)?,
    }
    registry.set_version_map(&v.id, which, map).await?;
    ok(json!({"id": v.id, member: map}))
}

/// The SDK's other version routes, stored as sent: `model_artifact`, `index_to_word_mapping`,
/// `datasets` (one per dataset name), `datasets_sync` (`?enabled=`), `training_sample`.
#[utoipa::path(
    post,
    path = "/models/{id}/versions/{version}/{kind}",
    tag = "aporia",
    operation_id = "aporia_attach_version_data",
    summary = "Stores what the SDK attaches to a version (artifact, word mapping, dataset, sync switch, training sample)",
    params(("id" = String, Path, description = "The model id"), ("version" = String, Path, description = "The version's name or UUID"), ("kind" = inline(AporiaVersionDataKind), Path, description = "What is attached"), ("enabled" = Option<String>, Query, nullable = false, description = "datasets_sync only (required there): True or False (case-insensitive; anything but true is false)")),
    request_body(content = Object, content_type = "application/json", description = "As the SDK sends it, stored as is: model_artifact {artifact_base64, artifact_type: onnx|h5}; index_to_word_mapping {index_to_word_mapping: {...}}; datasets {name, data_source, sync, ...}; datasets_sync {}; training_sample {features, labels, raw_inputs}"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "Stored; the version's UUID", body = AporiaId),
        (status = 400, description = "A missing or invalid member for this kind, enabled missing for datasets_sync, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model or version, or an unknown kind", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn attach(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path((id, version, kind)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    Object(body): Object,
) -> Answer {
    let mut body = body;
    let kind = match kind.as_str() {
        "model_artifact" => {
            let data = req_str(&body, "artifact_base64")?;
            use base64_check::valid;
            if !valid(data) {
                return Err(ApError::bad_request("'artifact_base64' is not base64"));
            }
            crate::validate::one_of(
                "artifact_type",
                req_str(&body, "artifact_type")?,
                &["onnx", "h5"],
            )
            .map_err(ApError::bad_request)?;
            kind
        }
        "index_to_word_mapping" => {
            opt_object(&body, "index_to_word_mapping")?
                .ok_or_else(|| ApError::bad_request("'index_to_word_mapping' is required"))?;
            kind
        }
        "datasets" => format!("datasets:{}", req_str(&body, "name")?),
        "datasets_sync" => {
            let enabled = query
                .get("enabled")
                .map(|v| v.eq_ignore_ascii_case("true"))
                .ok_or_else(|| {
                    ApError::bad_request("'enabled' (query) is required: True or False")
                })?;
            body.insert("enabled".into(), Value::Bool(enabled));
            kind
        }
        "training_sample" => kind,
        _ => return Err(ApError::not_found(format!("version route '{kind}'"))),
    };
    let registry = ap.current_registry().await?;
    let (_, v) = registry.model_version(&id, &version).await?;
    registry
        .put_version_data(&v.id, &kind, &Value::Object(body), ap.now_ms())
        .await?;
    ok(json!({"id": v.id}))
}

/// `GET .../versions/{version}/sync_status/{dataset}`.
#[utoipa::path(
    get,
    path = "/models/{id}/versions/{version}/sync_status/{dataset}",
    tag = "aporia",
    operation_id = "aporia_dataset_sync_status",
    summary = "The sync status of a dataset connected to a version",
    params(("id" = String, Path, description = "The model id"), ("version" = String, Path, description = "The version's name or UUID"), ("dataset" = String, Path, description = "The dataset's name (serving, actuals, training, testing)")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The status", body = AporiaSyncStatus),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model, version or connected dataset", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn sync_status(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path((id, version, dataset)): Path<(String, String, String)>,
) -> Answer {
    let registry = ap.current_registry().await?;
    let (_, v) = registry.model_version(&id, &version).await?;
    let connected = registry
        .version_data(&v.id, &format!("datasets:{dataset}"))
        .await?;
    let enabled = registry
        .version_data(&v.id, "datasets_sync")
        .await?
        .and_then(|(b, _)| b.get("enabled").and_then(Value::as_bool))
        .unwrap_or(true);
    match connected {
        None => Err(ApError::not_found(format!(
            "dataset '{dataset}' of version '{version}'"
        ))),
        Some((_, at)) => ok(json!({
            "dataset": dataset, "connected": true, "sync_enabled": enabled,
            // Plinth does not pull from external data sources: it records the connection.
            "status": "connected_not_synced", "updated_at": crate::app::iso(at),
        })),
    }
}

mod base64_check {
    /// Whether `s` is standard base64 (padding optional).
    pub fn valid(s: &str) -> bool {
        let t = s.trim_end_matches('=');
        s.len() - t.len() <= 2
            && t.bytes().all(|b| {
                b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'\n' || b == b'\r'
            })
    }
}
