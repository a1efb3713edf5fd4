//! The routes: the Apres API under `/api/v1` and the recipe admin under
//! `/admin/api/apres/recipes`. Unknown routes and methods answer in Apres's error shape.

mod admin;
mod auth;
mod batches;
mod output;
mod recipe;

use crate::app::Apres;
use crate::error::ApresError;
use axum::Router;
use axum::routing::{delete, get, post};
use std::sync::Arc;

/// Every route of the plugin.
pub fn router(apres: Arc<Apres>) -> Router {
    let api = Router::new()
        .route("/recipe", get(recipe::show))
        .route("/recipes/{id}", get(recipe::show_by_id))
        .route("/recipe/load_batch", post(recipe::load_batch))
        .route(
            "/recipe/golden_set",
            get(recipe::golden_show).delete(recipe::golden_delete),
        )
        .route("/task_batches", get(batches::list).post(batches::create))
        .route("/task_batches/{id}", get(batches::show))
        .route("/task_batches/{id}/output", get(output::output))
        .route("/task_batches/{id}/tasks", get(output::tasks))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method);
    let admin = Router::new()
        .route(
            "/admin/api/apres/recipes",
            get(admin::list).post(admin::create),
        )
        .route("/admin/api/apres/recipes/{id}", delete(admin::remove));
    Router::new()
        .nest("/api/v1", api)
        .merge(admin)
        .with_state(apres)
}

async fn unknown_route() -> ApresError {
    ApresError::not_found("no such Apres route")
}

async fn wrong_method() -> ApresError {
    ApresError::new(405, "this method is not allowed on this Apres route")
}
