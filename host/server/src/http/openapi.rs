//! The OpenAPI 3.1 document of everything this server answers (`/openapi.json`): the host's
//! routes, documented on their handlers and registered through `utoipa_axum::routes!` so that
//! none goes undocumented, merged with each started plugin's document; and the interactive
//! docs page at `/docs` (Swagger UI, its assets inside the binary).

use serde::Serialize;
use utoipa::PartialSchema;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi};
use utoipa::{ToResponse, ToSchema};

/// The error body of the host's routes (the user API, the admin API), as `dataikuapi` reads it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// A stable error class, e.g. `com.dataiku.dip.exceptions.UnknownObjectException`.
    pub error_type: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The message with its detail.
    pub detailed_message: String,
}

/// 400: the request was malformed or named something invalid.
#[derive(ToResponse)]
#[response(description = "Bad request: the message says what is wrong")]
pub struct BadRequest(#[to_schema] pub ErrorBody);

/// 401/403: no key, or a key that may not do this.
#[derive(ToResponse)]
#[response(description = "No key, or a key that may not do this")]
pub struct Unauthorized(#[to_schema] pub ErrorBody);

/// 404: the service, generation, endpoint or key does not exist.
#[derive(ToResponse)]
#[response(description = "No such service, generation, endpoint or key")]
pub struct NotFound(#[to_schema] pub ErrorBody);

/// A bundle archive's bytes (`.tar.gz` or `.zip`), the body of an upload.
pub struct BundleArchive;

impl PartialSchema for BundleArchive {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .content_media_type("application/octet-stream")
            .build()
            .into()
    }
}

impl ToSchema for BundleArchive {}

/// The document's information, the host's security schemes and shared responses, around the
/// host's paths; an operation documented for several methods gets one id per method.
pub fn finish(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    for (name, response) in [
        BadRequest::response(),
        Unauthorized::response(),
        NotFound::response(),
    ] {
        components.responses.insert(name.to_owned(), response);
    }
    components
        .schemas
        .insert("ErrorBody".to_owned(), ErrorBody::schema());
    unique_operation_ids(&mut api);
    api.info = InfoBuilder::new()
        .title("Plinth")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Machine-learning and function endpoints (the Dataiku API Node user and admin APIs), \
             with the monitoring, registry and batch APIs of the plugins this server runs.",
        ))
        .license(Some(LicenseBuilder::new().name("Apache-2.0").build()))
        .build();
    add_key_schemes(&mut api);
    api
}

/// The information of one service's document (`/public/api/v1/{service}/openapi.json`).
pub fn finish_service(mut api: OpenApi, service_id: &str, description: Option<&str>) -> OpenApi {
    api.info = InfoBuilder::new()
        .title(format!("Plinth service {service_id}"))
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(description.map(str::to_owned).unwrap_or_else(|| {
            format!("The endpoints of the service {service_id} on this Plinth server.")
        })))
        .build();
    add_key_schemes(&mut api);
    api
}

/// `user_call` documented for GET and POST becomes `user_call_get` and `user_call_post`.
fn unique_operation_ids(api: &mut OpenApi) {
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for item in api.paths.paths.values() {
        for op in operations(item) {
            if let Some(id) = &op.operation_id {
                *counts.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for item in api.paths.paths.values_mut() {
        for (method, op) in operations_mut(item) {
            if let Some(id) = &mut op.operation_id
                && counts.get(id.as_str()).copied().unwrap_or(0) > 1
            {
                id.push('_');
                id.push_str(method);
            }
        }
    }
}

fn operations(item: &PathItem) -> impl Iterator<Item = &Operation> {
    [
        &item.get,
        &item.put,
        &item.post,
        &item.delete,
        &item.options,
        &item.head,
        &item.patch,
        &item.trace,
    ]
    .into_iter()
    .flatten()
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_mut().map(|op| (m, op)))
}

fn add_key_schemes(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    // The Dataiku clients send a key as the HTTP Basic user name; Bearer works too.
    components.add_security_scheme(
        "adminKey",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
    );
    components.add_security_scheme(
        "serviceKey",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
    );
}
