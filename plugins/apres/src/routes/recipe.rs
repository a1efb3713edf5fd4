//! `GET /api/v1/recipe` (P1), `GET /api/v1/recipes/{id}` (the seed's auth example), and the
//! processed batches of `POST /api/v1/recipe/load_batch` (P2) with the single Golden Set
//! (beyond the seed: `GET` and `DELETE /api/v1/recipe/golden_set` to see and replace it).

use super::auth::{self, RECIPE_MESSAGE};
use crate::app::{Answer, Apres, body_bytes, db_error, json};
use crate::error::ApresError;
use crate::openapi::{ApresErrorBody, ApresGoldenSet, ApresLoadBatch, ApresMessage, ApresRecipe};
use crate::shapes::{recipe_json, timestamp};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;

/// The 404 of a recipe or batch id that is not the caller's.
pub const NO_SUCH_ID: &str = "There is no Recipe or Task Batch with the provided ID";

const GOLDEN_EXISTS: &str = "A Golden Set already exists for this Recipe";

/// P1: the key's recipe.
#[utoipa::path(
    get,
    path = "/recipe",
    tag = "apres",
    operation_id = "apres_show_recipe",
    summary = "P1: the key's recipe",
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The recipe", body = ApresRecipe),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn show(State(apres): State<Arc<Apres>>, headers: HeaderMap) -> Answer {
    let recipe = auth::recipe(&apres, &headers, RECIPE_MESSAGE).await?;
    json(
        200,
        recipe_json(&crate::recipes::view(&apres, &recipe).await),
    )
}

/// `GET /recipes/{id}`: the key's recipe when `id` is its id, else 404.
#[utoipa::path(
    get,
    path = "/recipes/{id}",
    tag = "apres",
    operation_id = "apres_show_recipe_by_id",
    summary = "The key's recipe by its id (404 for any other id)",
    params(("id" = String, Path, description = "The recipe id")),
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The recipe", body = ApresRecipe),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 404, description = "Not the key's recipe", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn show_by_id(
    State(apres): State<Arc<Apres>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let recipe = auth::recipe(&apres, &headers, RECIPE_MESSAGE).await?;
    if recipe.id != id {
        return Err(ApresError::not_found(NO_SUCH_ID));
    }
    json(
        200,
        recipe_json(&crate::recipes::view(&apres, &recipe).await),
    )
}

/// P2: stores a processed batch of labelled rows; a second Golden Set is a 422.
#[utoipa::path(
    post,
    path = "/recipe/load_batch",
    tag = "apres",
    operation_id = "apres_load_batch",
    summary = "P2: stores a processed batch of labelled rows (or the Golden Set)",
    request_body(content = ApresLoadBatch, content_type = "application/json", description = "The batch (read as JSON whatever the Content-Type)"),
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "Stored", body = ApresMessage),
        (status = 400, description = "The body is not JSON", body = ApresErrorBody),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = ApresErrorBody),
        (status = 422, description = "A refused member, or a second Golden Set", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn load_batch(State(apres): State<Arc<Apres>>, headers: HeaderMap, body: Body) -> Answer {
    let recipe = auth::recipe(&apres, &headers, RECIPE_MESSAGE).await?;
    let bytes = body_bytes(&apres, body).await?;
    let choices = crate::recipes::view(&apres, &recipe).await.choices;
    let batch = crate::load_batch::parse_load_batch(&bytes, &choices)?;
    if batch.golden_set && golden(&apres, &recipe.id).await?.is_some() {
        return Err(ApresError::unprocessable(GOLDEN_EXISTS));
    }
    let rows: Vec<_> = batch
        .rows
        .iter()
        .map(|r| json!({"input": r.input, "type": r.input_type, "output": r.output}))
        .collect();
    let inserted = sqlx::query(
        "INSERT INTO apres_loaded (id, recipe_id, file, golden, row_count, rows_json, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::ids::random_uuid())
    .bind(&recipe.id)
    .bind(&batch.file)
    .bind(i64::from(batch.golden_set))
    .bind(rows.len() as i64)
    .bind(serde_json::Value::Array(rows).to_string())
    .bind(apres.now_ms())
    .execute(apres.db.pool())
    .await;
    match inserted {
        Ok(_) => json(
            200,
            json!({"message": "Your processed batch is being loaded"}),
        ),
        // Two Golden Sets sent at once: the unique index lets one in.
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            Err(ApresError::unprocessable(GOLDEN_EXISTS))
        }
        Err(e) => Err(db_error(e)),
    }
}

/// The recipe's Golden Set: `(file, rows, created_at_ms)`.
async fn golden(apres: &Apres, recipe: &str) -> Result<Option<(String, i64, i64)>, ApresError> {
    let row = sqlx::query(
        "SELECT file, row_count, created_at FROM apres_loaded WHERE recipe_id = $1 AND golden = 1",
    )
    .bind(recipe)
    .fetch_optional(apres.db.pool())
    .await
    .map_err(db_error)?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
        .map_err(db_error)
}

/// `GET /recipe/golden_set`: the Golden Set's file, size and time; 404 when there is none.
#[utoipa::path(
    get,
    path = "/recipe/golden_set",
    tag = "apres",
    operation_id = "apres_show_golden_set",
    summary = "The recipe's Golden Set: its file, size and time",
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The Golden Set", body = ApresGoldenSet),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 404, description = "The recipe has no Golden Set", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn golden_show(State(apres): State<Arc<Apres>>, headers: HeaderMap) -> Answer {
    let recipe = auth::recipe(&apres, &headers, RECIPE_MESSAGE).await?;
    let (file, size, created) = golden(&apres, &recipe.id)
        .await?
        .ok_or_else(|| ApresError::not_found("This Recipe has no Golden Set"))?;
    json(
        200,
        json!({"file": file, "size": size, "created_at": timestamp(created)}),
    )
}

/// `DELETE /recipe/golden_set`: removes it, so that another can be loaded.
#[utoipa::path(
    delete,
    path = "/recipe/golden_set",
    tag = "apres",
    operation_id = "apres_delete_golden_set",
    summary = "Deletes the recipe's Golden Set, so that another can be loaded",
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "Deleted", body = ApresMessage),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 404, description = "The recipe has no Golden Set", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn golden_delete(State(apres): State<Arc<Apres>>, headers: HeaderMap) -> Answer {
    let recipe = auth::recipe(&apres, &headers, RECIPE_MESSAGE).await?;
    let done = sqlx::query("DELETE FROM apres_loaded WHERE recipe_id = $1 AND golden = 1")
        .bind(&recipe.id)
        .execute(apres.db.pool())
        .await
        .map_err(db_error)?;
    if done.rows_affected() == 0 {
        return Err(ApresError::not_found("This Recipe has no Golden Set"));
    }
    json(200, json!({"message": "The Golden Set was deleted"}))
}
