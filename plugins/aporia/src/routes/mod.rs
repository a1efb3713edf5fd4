//! The routes, at the server root as the client needs them (it drops any path prefix).

mod alerts;
mod models;
mod monitors;
mod versions;

use crate::app::{Answer, Ap, Caller, Object, ok};
use crate::error::ApError;
use axum::Router;
use axum::extract::State;
use axum::routing::{delete, get, post};
use serde_json::json;
use std::sync::Arc;

/// Every route of the plugin.
pub fn router(ap: Arc<Ap>) -> Router {
    let limit = axum::extract::DefaultBodyLimit::max(ap.config.max_body_bytes);
    let v1beta = Router::new()
        .route("/capabilities", get(capabilities))
        .route("/environments", get(environments).post(create_environment))
        .route("/models", get(models::list).post(models::create))
        .route("/models/{id}", get(models::show).delete(models::remove))
        .route("/models/{id}/owner", post(models::set_owner))
        .route(
            "/models/{id}/tags",
            get(models::tags).post(models::add_tags),
        )
        .route("/models/{id}/tags/{key}", delete(models::delete_tag))
        .route(
            "/models/{id}/versions",
            get(versions::list).post(versions::create),
        )
        .route("/models/{id}/versions/{version}", get(versions::show))
        .route(
            "/models/{id}/versions/{version}/feature_importance",
            post(versions::feature_importance),
        )
        .route(
            "/models/{id}/versions/{version}/feature_positions",
            post(versions::feature_positions),
        )
        .route(
            "/models/{id}/versions/{version}/sync_status/{dataset}",
            get(versions::sync_status),
        )
        .route(
            "/models/{id}/versions/{version}/{kind}",
            post(versions::attach),
        )
        .route("/monitors", get(monitors::list).post(monitors::create))
        .route(
            "/monitors/{id}",
            get(monitors::show)
                .patch(monitors::update)
                .delete(monitors::remove),
        )
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}", get(alerts::show))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method);
    Router::new()
        .nest("/v1beta", v1beta)
        .route("/v1/controller/graphql", post(crate::graphql::controller))
        .route("/v1/tenant-hasura/v1/graphql", post(crate::graphql::hasura))
        .layer(limit)
        .with_state(ap)
}

async fn unknown_route() -> ApError {
    ApError::new(
        404,
        "Unknown Aporia route",
        "no /v1beta route has this path",
    )
}

async fn wrong_method() -> ApError {
    ApError::new(
        405,
        "Method not allowed",
        "this route does not take this HTTP method",
    )
}

async fn capabilities(_caller: Caller) -> Answer {
    ok(json!({"is_field_schema_supported": true}))
}

async fn environments(State(ap): State<Arc<Ap>>, _caller: Caller) -> Answer {
    let list: Vec<_> = ap
        .registry()
        .environments()
        .await?
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    ok(json!({"environments": list}))
}

async fn create_environment(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Object(body): Object,
) -> Answer {
    let name = crate::app::req_str(&body, "name")?;
    let id = ap.registry().environment(name, ap.now_ms()).await?;
    ok(json!({"environment_id": id, "cluster_id": "plinth", "id": id, "name": name}))
}
