//! `/admin/api/apres/recipes`: make a recipe over a prediction endpoint (answers its key,
//! once), list them, delete one. Behind the host's admin keys.

use super::auth;
use crate::app::{Answer, Apres, body_bytes, db_error, json};
use crate::error::ApresError;
use crate::openapi::{
    ApresDeleted, ApresErrorBody, ApresNewRecipe, ApresRecipeRecord, ApresRecipeRequest,
};
use crate::recipes::{NewRecipe, Recipe};
use crate::shapes::timestamp;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn shown(recipe: &Recipe) -> Value {
    json!({
        "id": recipe.id,
        "name": recipe.name,
        "service": recipe.service,
        "endpoint": recipe.endpoint,
        "instruction": recipe.instruction,
        "key_hint": recipe.key_hint,
        "created_at": timestamp(recipe.created_at_ms),
    })
}

fn text(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApresError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(ApresError::unprocessable(format!(
            "{name} must be a non-empty string"
        ))),
    }
}

/// `POST /admin/api/apres/recipes` `{"service", "endpoint", "name"?, "instruction"?}`.
#[utoipa::path(
    post,
    path = "/admin/api/apres/recipes",
    tag = "apres",
    operation_id = "apres_create_recipe",
    summary = "Makes a recipe over a prediction endpoint; its key is shown this once",
    request_body(content = ApresRecipeRequest, content_type = "application/json", description = "The recipe's endpoint, name and instruction"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The recipe, with its key", body = ApresNewRecipe),
        (status = 400, description = "The body is not JSON", body = ApresErrorBody),
        (status = 401, description = "No admin key", body = ApresErrorBody),
        (status = 403, description = "The key is not an admin key", body = ApresErrorBody),
        (status = 404, description = "No such service or endpoint", body = ApresErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = ApresErrorBody),
        (status = 422, description = "A missing or refused member, or not a prediction endpoint", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn create(State(apres): State<Arc<Apres>>, headers: HeaderMap, body: Body) -> Answer {
    auth::admin(&apres, &headers)?;
    let bytes = body_bytes(&apres, body).await?;
    let body: Map<String, Value> = match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(ApresError::unprocessable("the body must be a JSON object")),
        Err(e) => {
            return Err(ApresError::bad_request(format!(
                "the body is not valid JSON: {e}"
            )));
        }
    };
    let service =
        text(&body, "service")?.ok_or_else(|| ApresError::unprocessable("service is required"))?;
    let endpoint = text(&body, "endpoint")?
        .ok_or_else(|| ApresError::unprocessable("endpoint is required"))?;
    if apres.host.service(&service).is_none() {
        return Err(ApresError::not_found(format!(
            "service {service} not found"
        )));
    }
    let endpoints = apres
        .host
        .endpoints(&service, None)
        .await
        .unwrap_or_default();
    match endpoints.iter().find(|e| e.id == endpoint) {
        None => {
            return Err(ApresError::not_found(format!(
                "endpoint {endpoint} not found in service {service}"
            )));
        }
        Some(e) if e.kind != "prediction" => {
            return Err(ApresError::unprocessable(format!(
                "endpoint {endpoint} is a {} endpoint: a recipe needs a prediction endpoint",
                e.kind
            )));
        }
        Some(_) => {}
    }
    let new = NewRecipe {
        name: text(&body, "name")?.unwrap_or_else(|| format!("{service}/{endpoint}")),
        instruction: text(&body, "instruction")?
            .unwrap_or_else(|| "Which class does this row belong to?".to_owned()),
        service,
        endpoint,
    };
    let (recipe, key) = crate::recipes::create(&apres, new)
        .await
        .map_err(db_error)?;
    let mut answer = shown(&recipe);
    answer["api_key"] = json!(key);
    json(200, answer)
}

/// `GET /admin/api/apres/recipes`: every recipe, without keys.
#[utoipa::path(
    get,
    path = "/admin/api/apres/recipes",
    tag = "apres",
    operation_id = "apres_list_recipes",
    summary = "Every recipe, without keys",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The recipes", body = [ApresRecipeRecord]),
        (status = 401, description = "No admin key", body = ApresErrorBody),
        (status = 403, description = "The key is not an admin key", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn list(State(apres): State<Arc<Apres>>, headers: HeaderMap) -> Answer {
    auth::admin(&apres, &headers)?;
    let all = crate::recipes::all(&apres).await.map_err(db_error)?;
    json(200, Value::Array(all.iter().map(shown).collect()))
}

/// `DELETE /admin/api/apres/recipes/{id}` (404 when unknown).
#[utoipa::path(
    delete,
    path = "/admin/api/apres/recipes/{id}",
    tag = "apres",
    operation_id = "apres_delete_recipe",
    summary = "Deletes a recipe",
    params(("id" = String, Path, description = "The recipe id")),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Deleted", body = ApresDeleted),
        (status = 401, description = "No admin key", body = ApresErrorBody),
        (status = 403, description = "The key is not an admin key", body = ApresErrorBody),
        (status = 404, description = "No such recipe", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn remove(
    State(apres): State<Arc<Apres>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    auth::admin(&apres, &headers)?;
    if !crate::recipes::delete(&apres, &id)
        .await
        .map_err(db_error)?
    {
        return Err(ApresError::not_found(format!("recipe {id} not found")));
    }
    json(200, json!({ "deleted": id }))
}
