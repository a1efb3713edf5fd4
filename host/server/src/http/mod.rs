//! HTTP: the router, path normalisation, health routes and Prometheus metrics.

mod admin_api;
pub mod body;
pub mod error;
pub mod openapi;
pub mod query;
pub mod query_options;
mod service_doc;
mod user_api;

pub(crate) use user_api::take_dispatch;
pub use user_api::{DSS_API_VERSION, DSS_VERSION};

use crate::runtime::Host;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use error::{HttpError, no_route};
use std::sync::Arc;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The whole HTTP application, before path normalisation: the host's routes and the plugins'
/// (each under its own prefixes), the OpenAPI document of all of them at `/openapi.json`, the
/// docs page at `/docs` and the web dashboard at `/` and `/ui/` (admin keys only).
pub fn router(host: Arc<Host>, plugin_routes: OpenApiRouter) -> Router {
    let (host_routes, host_api) = OpenApiRouter::<Arc<Host>>::new()
        .routes(routes!(is_alive))
        .routes(routes!(ping))
        .route(
            "/public/api/v1/{service}/{endpoint}/{action}",
            any(user_api::user_call),
        )
        .routes(routes!(service_doc::service_openapi))
        .routes(routes!(public_metrics))
        .nest("/admin/api", admin_api::routes(host.clone()))
        .split_for_parts();
    let host_routes = host_routes
        .fallback(fallback)
        .layer(axum::middleware::map_response(with_dss_headers))
        .with_state(host);
    let (plugin_routes, plugin_api) = plugin_routes.split_for_parts();
    let mut api = host_api;
    api.merge(user_api::UserApiDoc::openapi());
    api.merge(plugin_api);
    let api = openapi::finish(api);
    let app = host_routes
        .merge(plugin_routes)
        .merge(utoipa_swagger_ui::SwaggerUi::new(DOCS).url("/openapi.json", api));
    // The dashboard reads the same JSON application in-process, through the same path
    // normalisation as a client's call.
    let in_process =
        Router::new().fallback_service(tower::util::MapRequest::new(app.clone(), normalize_path));
    app.merge(plinth_dashboard::router(
        in_process,
        plinth_dashboard::DashboardConfig::default(),
    ))
}

/// Where the interactive docs page lives; its index is `/docs/` (the one path whose trailing
/// slash [`normalize_path`] keeps, since `/docs` redirects there).
const DOCS: &str = "/docs";

/// Every answer of the host's own routes (the user API, `/isAlive`, the admin API, the 404 of
/// an unknown or malformed path) carries the versions `dataikuapi` reads; the plugins' APIs
/// answer in their own dialects, without them.
async fn with_dss_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("DSS-API-Version", HeaderValue::from_static(DSS_API_VERSION));
    headers.insert("DSS-Version", HeaderValue::from_static(DSS_VERSION));
    response
}

/// Rewrites the request path before routing: repeated slashes are collapsed (a client base URL
/// with a trailing slash yields `//public/...`) and a trailing slash is dropped (`run/?x=1`,
/// `services/`), except on the docs page's index `/docs/`. The URI as sent is kept in the [`plinth_plugin_api::SentUri`] extension (for
/// APIs that sign the path as sent).
pub fn normalize_path(mut request: Request) -> Request {
    let uri = request.uri();
    let path = uri.path();
    let trailing = path.len() > 1 && path.ends_with('/');
    if !(path.contains("//") || trailing) || path.strip_suffix('/') == Some(DOCS) {
        return request;
    }
    let sent = plinth_plugin_api::SentUri(uri.clone());
    let uri = &sent.0;
    let path = uri.path();
    let mut normalized = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        normalized.push('/');
        normalized.push_str(segment);
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    if let Some(query) = uri.query() {
        normalized.push('?');
        normalized.push_str(query);
    }
    let mut parts = uri.clone().into_parts();
    if let Ok(path_and_query) = normalized.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(new_uri) = Uri::from_parts(parts) {
            *request.uri_mut() = new_uri;
            request.extensions_mut().insert(sent);
        }
    }
    request
}

/// `{"alive": true}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Alive {
    alive: bool,
}

/// The server's version.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Pong {
    status: &'static str,
    version: &'static str,
}

#[utoipa::path(get, path = "/isAlive", tag = "health", summary = "Whether the server answers",
    responses((status = 200, description = "Alive", body = Alive)))]
async fn is_alive() -> Json<Alive> {
    Json(Alive { alive: true })
}

#[utoipa::path(get, path = "/public/api/v1/ping", tag = "health", summary = "The server's version",
    responses((status = 200, description = "OK", body = Pong)))]
async fn ping() -> Json<Pong> {
    Json(Pong {
        status: "ok",
        version: DSS_VERSION,
    })
}

#[utoipa::path(get, path = "/metrics", tag = "health",
    summary = "Prometheus text: calls, latency, engines, plugins (an admin key unless metrics_public)",
    security((), ("adminKey" = [])),
    responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain"),
        (status = 401, response = openapi::Unauthorized)))]
async fn public_metrics(State(host): State<Arc<Host>>, request: Request) -> Response {
    if !host.config.metrics_public {
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if let Err(e) = host.keys.authorize_admin(authorization) {
            return HttpError(e).into_response();
        }
    }
    prometheus_response(&host)
}

/// Prometheus text for the host's metrics.
pub(crate) fn prometheus_response(host: &Host) -> Response {
    let mut gauges = vec![
        (
            "plinth_services",
            "Services on this node.",
            host.services().len() as u64,
        ),
        (
            "plinth_dropped_events_total",
            "Call events dropped because a consumer was slow.",
            host.events.dropped(),
        ),
        (
            "plinth_unknown_calls_total",
            "User-API calls to services, endpoints or actions that do not exist.",
            host.stray.total(),
        ),
        (
            "plinth_rate_limit_buckets",
            "Token buckets held for rate-limited callers.",
            host.rate_limits.tracked() as u64,
        ),
    ];
    gauges.extend(host.connections.gauges());
    let mut text = host.metrics.to_prometheus(&gauges);
    subscriber_lines(&mut text, &host.events.stats());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response()
}

/// Per-subscriber event counters: what each consumer (the audit writer, each plugin) received
/// and what it lost to a full queue.
fn subscriber_lines(out: &mut String, stats: &[plinth_plugin_api::SubscriberStats]) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "# HELP plinth_events_delivered_total Call and admin events queued for each subscriber.\n# TYPE plinth_events_delivered_total counter"
    );
    for s in stats {
        let _ = writeln!(
            out,
            "plinth_events_delivered_total{{subscriber=\"{}\",kind=\"call\"}} {}\nplinth_events_delivered_total{{subscriber=\"{}\",kind=\"admin\"}} {}",
            s.name,
            s.delivered_calls,
            s.name,
            s.delivered - s.delivered_calls
        );
    }
    let _ = writeln!(
        out,
        "# HELP plinth_events_dropped_total Events dropped because a subscriber's queue was full.\n# TYPE plinth_events_dropped_total counter"
    );
    for s in stats {
        let _ = writeln!(
            out,
            "plinth_events_dropped_total{{subscriber=\"{}\"}} {}",
            s.name, s.dropped
        );
    }
}

async fn fallback(method: Method, uri: Uri) -> Response {
    no_route(method.as_str(), uri.path()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(path: &str) -> String {
        let request = Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        normalize_path(request).uri().to_string()
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(norm("//public/api/v1/s/e/run"), "/public/api/v1/s/e/run");
        assert_eq!(
            norm("/public/api/v1/s/e/run/?param1=30?param2=12"),
            "/public/api/v1/s/e/run?param1=30?param2=12"
        );
        assert_eq!(norm("/admin/api/services/"), "/admin/api/services");
        assert_eq!(norm("/"), "/");
        assert_eq!(norm("/isAlive"), "/isAlive");
        assert_eq!(
            norm("/docs/"),
            "/docs/",
            "the docs page's index keeps its slash"
        );
        assert_eq!(norm("/docs/index.css/"), "/docs/index.css");
    }

    #[test]
    fn the_uri_as_sent_is_kept_when_rewritten() {
        let sent = |uri: &str| {
            let request = Request::builder()
                .uri(uri)
                .body(axum::body::Body::empty())
                .unwrap();
            let request = normalize_path(request);
            plinth_plugin_api::sent_uri(request.uri(), request.extensions()).to_string()
        };
        assert_eq!(
            sent("/v1/api/label_sets/?api_key=k&signature=a%2Bb"),
            "/v1/api/label_sets/?api_key=k&signature=a%2Bb"
        );
        assert_eq!(sent("//v1//api/pipelines"), "//v1//api/pipelines");
        assert_eq!(sent("/v1/api/pipelines?x=1"), "/v1/api/pipelines?x=1");
        let unchanged = normalize_path(
            Request::builder()
                .uri("/isAlive")
                .body(axum::body::Body::empty())
                .unwrap(),
        );
        assert!(
            unchanged
                .extensions()
                .get::<plinth_plugin_api::SentUri>()
                .is_none()
        );
    }
}
