//! The routes, at the server root as the client needs them (it drops any path prefix).

mod alerts;
mod models;
mod monitors;
mod versions;

use crate::app::{Answer, Ap, Caller, Object, ok};
use crate::error::ApError;
use crate::openapi::{
    AporiaCapabilities, AporiaCreatedEnvironment, AporiaEnvironmentRequest, AporiaEnvironments,
    AporiaError,
};
use axum::extract::State;
use serde_json::json;
use std::sync::Arc;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the plugin with its OpenAPI document (what the plugin hands the host), the
/// request bodies within `[plugins.aporia] max_body_bytes`.
pub fn documented(ap: Arc<Ap>) -> OpenApiRouter {
    let limit = axum::extract::DefaultBodyLimit::max(ap.config.max_body_bytes);
    api().layer(limit).with_state(ap)
}

/// Every route of the plugin and its document, before the state and the body limit: each
/// route is registered through `routes!` (so none goes undocumented); `/v1beta` answers
/// unknown routes and methods in Aporia's error shape.
pub fn api() -> OpenApiRouter<Arc<Ap>> {
    let (v1beta, v1beta_doc) = OpenApiRouter::new()
        .routes(routes!(capabilities))
        .routes(routes!(environments, create_environment))
        .routes(routes!(models::list, models::create))
        .routes(routes!(models::show, models::remove))
        .routes(routes!(models::set_owner))
        .routes(routes!(models::tags, models::add_tags))
        .routes(routes!(models::delete_tag))
        .routes(routes!(versions::list, versions::create))
        .routes(routes!(versions::show))
        .routes(routes!(versions::feature_importance))
        .routes(routes!(versions::feature_positions))
        .routes(routes!(versions::sync_status))
        .routes(routes!(versions::attach))
        .routes(routes!(monitors::list, monitors::create))
        .routes(routes!(monitors::show, monitors::update, monitors::remove))
        .routes(routes!(alerts::list))
        .routes(routes!(alerts::show))
        .fallback(unknown_route)
        .split_for_parts();
    // After every route: the fallback applies to the routes registered before it.
    let mut v1beta = OpenApiRouter::from(v1beta.method_not_allowed_fallback(wrong_method));
    *v1beta.get_openapi_mut() = v1beta_doc;
    OpenApiRouter::with_openapi(crate::openapi::AporiaDoc::openapi())
        .nest("/v1beta", v1beta)
        .routes(routes!(crate::graphql::controller))
        .routes(routes!(crate::graphql::hasura))
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

#[utoipa::path(
    get,
    path = "/capabilities",
    tag = "aporia",
    operation_id = "aporia_capabilities",
    summary = "What the server supports (the SDK asks before creating a version)",
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The capabilities", body = AporiaCapabilities),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
    )
)]
async fn capabilities(_caller: Caller) -> Answer {
    ok(json!({"is_field_schema_supported": true}))
}

#[utoipa::path(
    get,
    path = "/environments",
    tag = "aporia",
    operation_id = "aporia_list_environments",
    summary = "The environments, oldest first",
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The environments", body = AporiaEnvironments),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
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

#[utoipa::path(
    post,
    path = "/environments",
    tag = "aporia",
    operation_id = "aporia_create_environment",
    summary = "Creates an environment (an existing name answers its environment)",
    request_body(content = AporiaEnvironmentRequest, content_type = "application/json", description = "The environment's name"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The environment", body = AporiaCreatedEnvironment),
        (status = 400, description = "No name, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
async fn create_environment(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Object(body): Object,
) -> Answer {
    let name = crate::app::req_str(&body, "name")?;
    let id = ap.registry().environment(name, ap.now_ms()).await?;
    ok(json!({"environment_id": id, "cluster_id": "plinth", "id": id, "name": name}))
}
