//! The routes: `/v1/api/...` (signed, see [`crate::auth`]) and the key admin under
//! `/admin/api/vidora/keys`.

mod exports;
mod label_sets;
mod pipelines;

use crate::app::Vid;
use crate::error::VidoraError;
use axum::Router;
use std::sync::Arc;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the plugin, as a plain router.
pub fn router(vid: Arc<Vid>) -> Router {
    documented(vid).into()
}

/// Every route of the plugin with its OpenAPI document (what the plugin hands the host).
pub fn documented(vid: Arc<Vid>) -> OpenApiRouter {
    api().with_state(vid)
}

/// Every route of the plugin and its document, before the state: each route is registered
/// through `routes!` (so none goes undocumented); `/v1/api` answers unknown routes and
/// methods in Vidora's error shape.
pub fn api() -> OpenApiRouter<Arc<Vid>> {
    let (v1, v1_doc) = OpenApiRouter::new()
        .routes(routes!(pipelines::list))
        .routes(routes!(pipelines::show, pipelines::update))
        .routes(routes!(exports::list, exports::create))
        .routes(routes!(exports::show))
        .routes(routes!(label_sets::list, label_sets::create))
        .routes(routes!(label_sets::show, label_sets::update))
        .fallback(unknown_route)
        .split_for_parts();
    // After every route: the fallback applies to the routes registered before it.
    let mut v1 = OpenApiRouter::from(v1.method_not_allowed_fallback(wrong_method));
    *v1.get_openapi_mut() = v1_doc;
    OpenApiRouter::with_openapi(crate::openapi::VidoraDoc::openapi())
        .nest("/v1/api", v1)
        .routes(routes!(crate::keys::list, crate::keys::post))
        .routes(routes!(crate::keys::remove))
}

async fn unknown_route() -> VidoraError {
    VidoraError::not_found("the request URI does not exist")
}

async fn wrong_method() -> VidoraError {
    VidoraError::new(405, "this method is not allowed on this URI")
}

/// A boolean filter of the query (400 when not a boolean).
pub(crate) fn bool_filter(
    signed: &crate::auth::Signed,
    name: &str,
) -> Result<Option<bool>, VidoraError> {
    signed
        .param(name)
        .map(|v| crate::dates::parse_bool_param(name, v).map_err(VidoraError::bad_request))
        .transpose()
}
