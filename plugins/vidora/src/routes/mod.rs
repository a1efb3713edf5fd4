//! The routes: `/v1/api/...` (signed, see [`crate::auth`]) and the key admin under
//! `/admin/api/vidora/keys`.

mod exports;
mod label_sets;
mod pipelines;

use crate::app::Vid;
use crate::error::VidoraError;
use axum::Router;
use axum::routing::{delete, get};
use std::sync::Arc;

/// Every route of the plugin.
pub fn router(vid: Arc<Vid>) -> Router {
    let api = Router::new()
        .route("/pipelines", get(pipelines::list))
        .route(
            "/pipelines/{id}",
            get(pipelines::show).put(pipelines::update),
        )
        .route(
            "/pipelines/{id}/prediction_exports",
            get(exports::list).post(exports::create),
        )
        .route(
            "/pipelines/{id}/prediction_exports/{export}",
            get(exports::show),
        )
        .route(
            "/label_sets",
            get(label_sets::list).post(label_sets::create),
        )
        .route(
            "/label_sets/{id}",
            get(label_sets::show).put(label_sets::update),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method);
    Router::new()
        .nest("/v1/api", api)
        .route(
            "/admin/api/vidora/keys",
            get(crate::keys::list).post(crate::keys::post),
        )
        .route(
            "/admin/api/vidora/keys/{api_key}",
            delete(crate::keys::remove),
        )
        .with_state(vid)
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
