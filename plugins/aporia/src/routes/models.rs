//! Models, their owner and their tags.

use crate::app::{Answer, Ap, Caller, Object, created, ok, opt_object, opt_str, req_str};
use crate::error::{ApError, json_response};
use crate::registry::Model;
use crate::validate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `GET /v1beta/models`: `{"models": [...]}`.
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
pub async fn tags(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    let registry = ap.current_registry().await?;
    registry.existing_model(&id).await?;
    ok(json!({"tags": registry.tags(&id).await?}))
}

/// `POST /v1beta/models/{id}/tags`: merges, atomically.
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
