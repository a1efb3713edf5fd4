//! The routes: the Apres API under `/api/v1` and the recipe admin under
//! `/admin/api/apres/recipes`. Unknown routes and methods answer in Apres's error shape.

mod admin;
mod auth;
mod batches;
mod output;
mod recipe;

use crate::app::Apres;
use crate::error::ApresError;
use std::sync::Arc;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the plugin with its OpenAPI document (what the plugin hands the host).
pub fn documented(apres: Arc<Apres>) -> OpenApiRouter {
    api().with_state(apres)
}

/// Every route of the plugin and its document, before the state: each route is registered
/// through `routes!` (so none goes undocumented); `/api/v1` answers unknown routes and
/// methods in Apres's error shape.
pub fn api() -> OpenApiRouter<Arc<Apres>> {
    let (v1, v1_doc) = OpenApiRouter::new()
        .routes(routes!(recipe::show))
        .routes(routes!(recipe::show_by_id))
        .routes(routes!(recipe::load_batch))
        .routes(routes!(recipe::golden_show, recipe::golden_delete))
        .routes(routes!(batches::list, batches::create))
        .routes(routes!(batches::show))
        .routes(routes!(output::output))
        .routes(routes!(output::tasks))
        .fallback(unknown_route)
        .split_for_parts();
    // After every route: the fallback applies to the routes registered before it.
    let mut v1 = OpenApiRouter::from(v1.method_not_allowed_fallback(wrong_method));
    *v1.get_openapi_mut() = v1_doc;
    OpenApiRouter::with_openapi(crate::openapi::ApresDoc::openapi())
        .nest("/api/v1", v1)
        .routes(routes!(admin::list, admin::create))
        .routes(routes!(admin::remove))
}

async fn unknown_route() -> ApresError {
    ApresError::not_found("no such Apres route")
}

async fn wrong_method() -> ApresError {
    ApresError::new(405, "this method is not allowed on this Apres route")
}
