//! The OpenAPI 3.1 document of everything this server answers (`/openapi.json`): the host's
//! routes, documented on their handlers and registered through `utoipa_axum::routes!` so that
//! none goes undocumented, merged with each started plugin's document; and the interactive
//! docs page at `/docs` (Swagger UI, its assets inside the binary).

use serde::Serialize;
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

/// The document's information and the host's security schemes, around the host's paths.
pub fn finish(mut api: OpenApi) -> OpenApi {
    api.info = InfoBuilder::new()
        .title("Plinth")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Machine-learning and function endpoints (the Dataiku API Node user and admin APIs), \
             with the monitoring, registry and batch APIs of the plugins this server runs.",
        ))
        .license(Some(LicenseBuilder::new().name("Apache-2.0").build()))
        .build();
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
    api
}
