//! Models, their owner and their tags.

use crate::app::{Answer, Ap, Caller, Object, created, ok, opt_object, opt_str, req_str};
use crate::error::{ApError, json_response};
use crate::openapi::{
    AporiaEmpty, AporiaError, AporiaId, AporiaModel, AporiaModelRequest, AporiaModels, AporiaOwner,
    AporiaOwnerRequest, AporiaTags, AporiaTagsRequest,
};
use crate::registry::Model;
use crate::validate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `GET /v1beta/models`: `{"models": [...]}`.
#[utoipa::path(
    get,
    path = "/models",
    tag = "aporia",
    operation_id = "aporia_list_models",
    summary = "The models (deployed endpoints included), oldest first",
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The models", body = AporiaModels),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn list(State(ap): State<Arc<Ap>>, _caller: Caller) -> Answer {
    let registry = ap.current_registry().await?;
    let mut out = Vec::new();
    for m in registry.models().await? {
        let tags = registry.tags(&m.id).await?;
        let versions = registry.versions(&m.id).await?;
        out.push(m.to_json(&tags, &versions));
    }
    ok(json!({"models": out}))
}

/// `GET /v1beta/models/{id}`.
#[utoipa::path(
    get,
    path = "/models/{id}",
    tag = "aporia",
    operation_id = "aporia_show_model",
    summary = "A model, with its tags and versions",
    params(("id" = String, Path, description = "The model id")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The model", body = AporiaModel),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn show(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    let registry = ap.current_registry().await?;
    let m = registry.existing_model(&id).await?;
    let tags = registry.tags(&id).await?;
    let versions = registry.versions(&id).await?;
    ok(m.to_json(&tags, &versions))
}

/// Validated tags of a request (`tags` member), keys lower-cased.
pub fn tags_of(
    body: &Map<String, Value>,
    required: bool,
) -> Result<BTreeMap<String, String>, ApError> {
    let Some(tags) = opt_object(body, "tags")? else {
        return if required {
            Err(ApError::bad_request(
                "'tags' is required: an object of tag keys to values",
            ))
        } else {
            Ok(BTreeMap::new())
        };
    };
    let mut out = BTreeMap::new();
    for (k, v) in tags {
        let key = validate::tag_key(k).map_err(ApError::bad_request)?;
        let value = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(ApError::bad_request(format!(
                    "the value of tag '{k}' must be a string"
                )));
            }
        };
        validate::tag_value(k, &value).map_err(ApError::bad_request)?;
        out.insert(key, value);
    }
    if out.len() > validate::MAX_TAGS {
        return Err(ApError::bad_request(format!(
            "a model has at most {} tags, these are {}",
            validate::MAX_TAGS,
            out.len()
        )));
    }
    Ok(out)
}

/// `POST /v1beta/models`: 201 `{"id"}`; an existing id is a 409 that still names it.
#[utoipa::path(
    post,
    path = "/models",
    tag = "aporia",
    operation_id = "aporia_create_model",
    summary = "Creates a model (its id from its name unless given)",
    request_body(content = AporiaModelRequest, content_type = "application/json", description = "The model"),
    security(("aporiaToken" = [])),
    responses(
        (status = 201, description = "The model's id", body = AporiaId),
        (status = 400, description = "A missing or invalid member, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 409, description = "A model with this id exists (the body names it in id)", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn create(State(ap): State<Arc<Ap>>, _caller: Caller, Object(body): Object) -> Answer {
    let name = req_str(&body, "name")?;
    if name.chars().count() > 200 {
        return Err(ApError::bad_request(
            "'name' must have at most 200 characters",
        ));
    }
    if opt_str(&body, "description")?.is_some_and(|d| d.chars().count() > 10_000) {
        return Err(ApError::bad_request(
            "'description' must have at most 10,000 characters",
        ));
    }
    let color = opt_str(&body, "color")?.unwrap_or("blue");
    validate::one_of("color", color, validate::COLORS).map_err(ApError::bad_request)?;
    let icon = opt_str(&body, "icon")?.unwrap_or("general");
    validate::one_of("icon", icon, validate::ICONS).map_err(ApError::bad_request)?;
    let owner = opt_str(&body, "owner")?;
    if let Some(owner) = owner {
        validate::email(owner).map_err(ApError::bad_request)?;
    }
    let tags = tags_of(&body, false)?;
    let registry = ap.current_registry().await?;
    let given = opt_str(&body, "id")?;
    if let Some(id) = given {
        // An existing id (a deployed endpoint's included) is the 409 the client takes as
        // success, before the syntax of new ids is checked.
        if registry.model(id).await?.is_some() {
            return Err(
                ApError::conflict(format!("a model with id '{id}' already exists"))
                    .with("id", Value::from(id)),
            );
        }
        validate::model_id(id).map_err(ApError::bad_request)?;
    }
    let mut model = Model {
        id: String::new(),
        name: name.to_owned(),
        description: opt_str(&body, "description")?.map(str::to_owned),
        color: color.to_owned(),
        icon: icon.to_owned(),
        owner: owner.map(str::to_owned),
        source: "user".into(),
        service_id: None,
        endpoint_id: None,
        retired: false,
        created_at: ap.now_ms(),
    };
    match given {
        Some(id) => {
            model.id = id.to_owned();
            if !registry.insert_model(&model, &tags).await? {
                return Err(
                    ApError::conflict(format!("a model with id '{id}' already exists"))
                        .with("id", Value::from(id)),
                );
            }
        }
        None => {
            let base = validate::slug(name);
            let mut n = 1;
            loop {
                model.id = if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                };
                if registry.insert_model(&model, &tags).await? {
                    break;
                }
                n += 1;
            }
        }
    }
    created(json!({"id": model.id}))
}

/// `DELETE /v1beta/models/{id}`; a deployed endpoint's model is removed by undeploying.
#[utoipa::path(
    delete,
    path = "/models/{id}",
    tag = "aporia",
    operation_id = "aporia_delete_model",
    summary = "Deletes a model (a deployed endpoint's is retired by undeploying it)",
    params(("id" = String, Path, description = "The model id")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "Deleted", body = AporiaEmpty),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 409, description = "The model is a live deployed endpoint", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn remove(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    let registry = ap.current_registry().await?;
    let m = registry.existing_model(&id).await?;
    if m.source == "plinth" && !m.retired {
        return Err(ApError::conflict(format!(
            "model '{id}' is the deployed endpoint '{}' of service '{}': delete the service (or its endpoint) to retire it",
            m.endpoint_id.unwrap_or_default(),
            m.service_id.unwrap_or_default()
        )));
    }
    registry.delete_model(&id).await?;
    ap.monitors_changed.notify_one();
    ok(json!({}))
}

/// `POST /v1beta/models/{id}/owner`.
#[utoipa::path(
    post,
    path = "/models/{id}/owner",
    tag = "aporia",
    operation_id = "aporia_set_model_owner",
    summary = "Sets a model's owner",
    params(("id" = String, Path, description = "The model id")),
    request_body(content = AporiaOwnerRequest, content_type = "application/json", description = "The owner's e-mail"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The new owner", body = AporiaOwner),
        (status = 400, description = "No owner, an invalid e-mail, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn set_owner(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path(id): Path<String>,
    Object(body): Object,
) -> Answer {
    let owner = req_str(&body, "owner")?;
    validate::email(owner).map_err(ApError::bad_request)?;
    let registry = ap.current_registry().await?;
    registry.existing_model(&id).await?;
    registry.set_owner(&id, owner).await?;
    ok(json!({"model_id": id, "owner": owner}))
}

/// `GET /v1beta/models/{id}/tags`: `{"tags": {...}}`.
#[utoipa::path(
    get,
    path = "/models/{id}/tags",
    tag = "aporia",
    operation_id = "aporia_list_model_tags",
    summary = "A model's tags",
    params(("id" = String, Path, description = "The model id")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The tags", body = AporiaTags),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn tags(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    let registry = ap.current_registry().await?;
    registry.existing_model(&id).await?;
    ok(json!({"tags": registry.tags(&id).await?}))
}

/// `POST /v1beta/models/{id}/tags`: merges, atomically.
#[utoipa::path(
    post,
    path = "/models/{id}/tags",
    tag = "aporia",
    operation_id = "aporia_add_model_tags",
    summary = "Merges tags into a model's (atomically; at most 10 in all)",
    params(("id" = String, Path, description = "The model id")),
    request_body(content = AporiaTagsRequest, content_type = "application/json", description = "The tags to add or update"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The model's tags after the merge", body = AporiaTags),
        (status = 400, description = "No tags, an invalid key or value, more than 10 tags, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn add_tags(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path(id): Path<String>,
    Object(body): Object,
) -> Answer {
    let tags = tags_of(&body, true)?;
    let registry = ap.current_registry().await?;
    registry.existing_model(&id).await?;
    registry.merge_tags(&id, &tags, validate::MAX_TAGS).await?;
    ok(json!({"tags": registry.tags(&id).await?}))
}

/// `DELETE /v1beta/models/{id}/tags/{key}`: 200 even when the tag is absent.
#[utoipa::path(
    delete,
    path = "/models/{id}/tags/{key}",
    tag = "aporia",
    operation_id = "aporia_delete_model_tag",
    summary = "Deletes one tag of a model (200 even when absent)",
    params(("id" = String, Path, description = "The model id"), ("key" = String, Path, description = "The tag key (case-insensitive)")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "Deleted (or absent)", body = AporiaEmpty),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such model", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn delete_tag(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Answer {
    let registry = ap.current_registry().await?;
    registry.existing_model(&id).await?;
    registry.delete_tag(&id, &key.to_lowercase()).await?;
    Ok(json_response(StatusCode::OK, &json!({})))
}
