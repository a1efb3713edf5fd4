//! The plugin's OpenAPI 3.1 document: its security scheme and the schemas of the JSON the
//! routes build (the handlers serialize `serde_json` trees; these types describe those exact
//! shapes and are never serialized themselves). Every component name starts with `Aporia`:
//! names are global in the server's merged document.
//!
//! Authentication: `Authorization: Bearer <key>` with a Plinth admin or monitoring key (the
//! `aporiaToken` scheme); a service key is a 403.

use std::collections::BTreeMap;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, ToSchema};

/// The name of the bearer security scheme.
pub const TOKEN: &str = "aporiaToken";

/// The plugin's document before its paths: the `aporia` tag and the security scheme.
#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&SecuritySchemes),
    tags((name = "aporia", description = "The Aporia /v1beta API (models, versions, tags, environments, monitors, alerts) and the two GraphQL endpoints the aporia SDK posts to"))
)]
pub struct AporiaDoc;

/// Registers `aporiaToken` in the document's components.
pub struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <key>` with a Plinth admin or monitoring key \
                         (a service key is refused with 403).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The body of every REST error: `{"error": {"message", "detail"}}` (a 409 on a model
/// creation also names the existing model's `id`).
#[derive(ToSchema)]
pub struct AporiaError {
    /// The error.
    pub error: AporiaErrorMessage,
    /// The id of the model that already exists (409 on `POST /v1beta/models` only).
    #[schema(nullable = false)]
    pub id: Option<String>,
}

/// What a REST error says.
#[derive(ToSchema)]
pub struct AporiaErrorMessage {
    /// What the client shows.
    pub message: String,
    /// More (the client shows it when verbose).
    pub detail: String,
}

/// The answer of a route that answers nothing: `{}`.
#[derive(ToSchema)]
pub struct AporiaEmpty {}

/// `{"id"}`: a created (or retried) model, version or monitor, or the version data was
/// stored for.
#[derive(ToSchema)]
pub struct AporiaId {
    /// The id.
    pub id: String,
}

/// `GET /v1beta/capabilities`.
#[derive(ToSchema)]
pub struct AporiaCapabilities {
    /// Always true: dict-typed field schemas are accepted.
    pub is_field_schema_supported: bool,
}

/// An environment.
#[derive(ToSchema)]
pub struct AporiaEnvironment {
    /// UUID.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// `GET /v1beta/environments`.
#[derive(ToSchema)]
pub struct AporiaEnvironments {
    /// Every environment, oldest first.
    pub environments: Vec<AporiaEnvironment>,
}

/// `POST /v1beta/environments`'s body.
#[derive(ToSchema)]
pub struct AporiaEnvironmentRequest {
    /// A non-blank name (an existing name answers its environment).
    pub name: String,
}

/// `POST /v1beta/environments`'s answer.
#[derive(ToSchema)]
pub struct AporiaCreatedEnvironment {
    /// UUID.
    pub environment_id: String,
    /// Always `plinth`.
    pub cluster_id: String,
    /// UUID (the same as `environment_id`).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A model colour.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AporiaColor {
    /// `blue`.
    Blue,
    /// `arctic_blue`.
    ArcticBlue,
    /// `green`.
    Green,
    /// `turquoise`.
    Turquoise,
    /// `pink`.
    Pink,
    /// `purple`.
    Purple,
    /// `yellow`.
    Yellow,
    /// `red`.
    Red,
}

/// A model icon.
#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
pub enum AporiaIcon {
    /// `general`.
    General,
    /// `churn-and-retention`.
    ChurnAndRetention,
    /// `conversion-predict`.
    ConversionPredict,
    /// `anomaly`.
    Anomaly,
    /// `dynamic-pricing`.
    DynamicPricing,
    /// `email-filtering`.
    EmailFiltering,
    /// `demand-forecasting`.
    DemandForecasting,
    /// `ltv`.
    Ltv,
    /// `personalization`.
    Personalization,
    /// `fraud-detection`.
    FraudDetection,
    /// `credit-risk`.
    CreditRisk,
    /// `recommendations`.
    Recommendations,
}

/// A model type.
#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
pub enum AporiaModelType {
    /// `binary`.
    Binary,
    /// `multiclass`.
    Multiclass,
    /// `multi-label`.
    MultiLabel,
    /// `regression`.
    Regression,
    /// `ranking`.
    Ranking,
}

/// A model version, with everything about it.
#[derive(ToSchema)]
pub struct AporiaVersion {
    /// UUID.
    pub id: String,
    /// Its name, unique per model (a deployed endpoint's: the generation).
    pub name: String,
    /// The model.
    pub model_id: String,
    /// `binary`, `multiclass`, `multi-label`, `regression` or `ranking`.
    pub model_type: String,
    /// `{"features": {...}, "predictions": {...}, ...}`: field names to types.
    pub version_schema: serde_json::Value,
    /// Feature name → importance, when reported.
    #[schema(required = true)]
    pub feature_importance: Option<serde_json::Value>,
    /// Feature name → position, when reported.
    #[schema(required = true)]
    pub feature_positions: Option<serde_json::Value>,
    /// `2021-10-03T10:23:00.913784+00:00`.
    pub created_at: String,
}

/// A model version as `GET .../versions` lists it (the seed's VersionDetails).
#[derive(ToSchema)]
pub struct AporiaVersionDetails {
    /// UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its model type.
    pub model_type: String,
    /// `2021-10-03T10:23:00.913784+00:00`.
    pub created_at: String,
}

/// A registered model.
#[derive(ToSchema)]
pub struct AporiaModel {
    /// Its id (a deployed endpoint's: `<service>~<endpoint>`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its description.
    #[schema(required = true)]
    pub description: Option<String>,
    /// One of the seed's colours.
    pub color: String,
    /// One of the seed's icons.
    pub icon: String,
    /// The owner's e-mail.
    #[schema(required = true)]
    pub owner: Option<String>,
    /// Tag key (lower case) → value.
    pub tags: BTreeMap<String, String>,
    /// `2021-10-03T10:23:00.913784+00:00`.
    pub created_at: String,
    /// `user` (created through the API) or `plinth` (a deployed endpoint).
    pub source: String,
    /// The service of a deployed endpoint.
    #[schema(required = true)]
    pub service: Option<String>,
    /// The endpoint of a deployed endpoint.
    #[schema(required = true)]
    pub endpoint: Option<String>,
    /// Whether its service was deleted.
    pub retired: bool,
    /// Its versions, oldest first.
    pub versions: Vec<AporiaVersion>,
}

/// `GET /v1beta/models`.
#[derive(ToSchema)]
pub struct AporiaModels {
    /// Every model, oldest first.
    pub models: Vec<AporiaModel>,
}

/// `POST /v1beta/models`'s body (`null` members count as absent).
#[derive(ToSchema)]
pub struct AporiaModelRequest {
    /// The id (default: from the name); an existing id is a 409.
    pub id: Option<String>,
    /// A non-blank name, at most 200 characters.
    pub name: String,
    /// At most 10,000 characters.
    pub description: Option<String>,
    /// Default `blue`.
    pub color: Option<AporiaColor>,
    /// Default `general`.
    pub icon: Option<AporiaIcon>,
    /// The owner's e-mail.
    pub owner: Option<String>,
    /// At most 10 tags: keys of 1 to 15 letters, digits, spaces, `-` or `_`; values of at
    /// most 100 characters (strings; numbers and booleans are taken as text).
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub tags: Option<serde_json::Value>,
}

/// `POST /v1beta/models/{id}/owner`'s body.
#[derive(ToSchema)]
pub struct AporiaOwnerRequest {
    /// The owner's e-mail.
    pub owner: String,
}

/// `POST /v1beta/models/{id}/owner`'s answer.
#[derive(ToSchema)]
pub struct AporiaOwner {
    /// The model.
    pub model_id: String,
    /// The owner's e-mail.
    pub owner: String,
}

/// A model's tags.
#[derive(ToSchema)]
pub struct AporiaTags {
    /// Tag key (lower case) → value.
    pub tags: BTreeMap<String, String>,
}

/// `POST /v1beta/models/{id}/tags`'s body: merged into the model's tags (at most 10 in all).
#[derive(ToSchema)]
pub struct AporiaTagsRequest {
    /// Keys of 1 to 15 letters, digits, spaces, `-` or `_` (lower-cased); values of at most 100
    /// characters (strings; numbers and booleans are taken as text).
    #[schema(value_type = BTreeMap<String, String>)]
    pub tags: serde_json::Value,
}

/// A version schema: sections of field names to types (`numeric`, `string`, `boolean`,
/// `datetime`, `categorical`, `vector`, `text`, `dict`, `tensor`, `array`; or an object with
/// such a `type`).
#[derive(ToSchema)]
pub struct AporiaVersionSchema {
    /// Feature name → type.
    #[schema(value_type = Object)]
    pub features: serde_json::Value,
    /// Prediction name → type.
    #[schema(value_type = Object)]
    pub predictions: serde_json::Value,
    /// Raw input name → type.
    #[schema(value_type = Option<Object>)]
    pub raw_inputs: Option<serde_json::Value>,
    /// Metric name → type.
    #[schema(value_type = Option<Object>)]
    pub metrics: Option<serde_json::Value>,
    /// Every feature → its position.
    pub feature_positions: Option<BTreeMap<String, u64>>,
}

/// `POST /v1beta/models/{id}/versions`'s body.
#[derive(ToSchema)]
pub struct AporiaVersionRequest {
    /// A non-blank name, unique per model.
    pub name: String,
    /// The model type.
    pub model_type: AporiaModelType,
    /// Its schema.
    pub version_schema: AporiaVersionSchema,
    /// Feature → importance (keys among the schema's features).
    pub feature_importance: Option<BTreeMap<String, f64>>,
}

/// `POST .../feature_importance`'s body: replaces the map.
#[derive(ToSchema)]
pub struct AporiaFeatureImportanceRequest {
    /// Feature → importance (keys among the version's features).
    pub feature_importance: BTreeMap<String, f64>,
}

/// `POST .../feature_importance`'s answer.
#[derive(ToSchema)]
pub struct AporiaFeatureImportance {
    /// The version's UUID.
    pub id: String,
    /// The map as stored.
    pub feature_importance: BTreeMap<String, f64>,
}

/// `POST .../feature_positions`'s body: replaces the map.
#[derive(ToSchema)]
pub struct AporiaFeaturePositionsRequest {
    /// Every feature of the version → its position.
    pub feature_positions: BTreeMap<String, u64>,
}

/// `POST .../feature_positions`'s answer.
#[derive(ToSchema)]
pub struct AporiaFeaturePositions {
    /// The version's UUID.
    pub id: String,
    /// The map as stored.
    pub feature_positions: BTreeMap<String, u64>,
}

/// What the SDK attaches to a version (stored as sent).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AporiaVersionDataKind {
    /// `{"artifact_base64", "artifact_type": "onnx" | "h5"}`.
    ModelArtifact,
    /// `{"index_to_word_mapping": {...}}`.
    IndexToWordMapping,
    /// `{"name", "data_source", "sync", ...}` (one per dataset name).
    Datasets,
    /// `{}` with `?enabled=True|False`.
    DatasetsSync,
    /// `{"features", "labels", "raw_inputs"}`.
    TrainingSample,
}

/// A dataset's sync status.
#[derive(ToSchema)]
pub struct AporiaSyncStatus {
    /// The dataset's name.
    pub dataset: String,
    /// Always true (the dataset was connected).
    pub connected: bool,
    /// Whether sync is on (default true).
    pub sync_enabled: bool,
    /// Always `connected_not_synced`: Plinth records the connection, it does not pull.
    pub status: String,
    /// When it was connected, `2021-10-03T10:23:00.913784+00:00`.
    pub updated_at: String,
}

/// What a monitor's last evaluation found.
#[derive(ToSchema)]
pub struct AporiaMonitorRun {
    /// When it ran.
    pub at: String,
    /// The watched value (null: no data to compute it, see `reason`).
    #[schema(required = true)]
    pub value: Option<f64>,
    /// The feature it is about.
    #[schema(required = true)]
    pub field: Option<String>,
    /// Whether the value broke the range (an alert was raised).
    pub fired: bool,
    /// Why there is no value.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// The version evaluated.
    #[schema(required = true)]
    pub version: Option<String>,
    /// The focal window's start.
    pub focal_start: String,
    /// The focal window's end.
    pub focal_end: String,
    /// Per feature values (drift-like monitors).
    pub details: serde_json::Value,
}

/// A monitor.
#[derive(ToSchema)]
pub struct AporiaMonitor {
    /// UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its monitor type.
    #[schema(rename = "type")]
    pub kind: String,
    /// Its five-field cron expression.
    pub scheduling: String,
    /// Its configuration, as given.
    pub configuration: serde_json::Value,
    /// Whether the scheduler runs it.
    pub is_active: bool,
    /// Replaces the alert description.
    #[schema(required = true)]
    pub custom_alert_description: Option<String>,
    /// The model it watches.
    pub model_id: String,
    /// `2021-10-03T10:23:00.913784+00:00`.
    pub created_at: String,
    /// Its last evaluation.
    #[schema(required = true)]
    pub last_run: Option<AporiaMonitorRun>,
    /// Its next scheduled run (null when inactive).
    #[schema(required = true)]
    pub next_run: Option<String>,
}

/// `GET /v1beta/monitors`.
#[derive(ToSchema)]
pub struct AporiaMonitors {
    /// Every monitor, oldest first.
    pub monitors: Vec<AporiaMonitor>,
}

/// `POST /v1beta/monitors`'s body (`null` members count as absent).
#[derive(ToSchema)]
pub struct AporiaMonitorRequest {
    /// A non-blank name.
    pub name: String,
    /// The monitor type (`custom_metric`, which Aporia's client knows, is refused: its
    /// metrics are defined in Aporia's console).
    #[schema(rename = "type")]
    pub kind: crate::monitors::config::MonitorKind,
    /// A five-field cron expression.
    pub scheduling: String,
    /// `{"configuration": {"focal", "metric", "actions", "logicEvaluations", ...},
    /// "identification": {"models": {"id", "version"?}, ...}}`.
    #[schema(value_type = Object)]
    pub configuration: serde_json::Value,
    /// Default true.
    pub is_active: Option<bool>,
    /// Replaces the alert description.
    pub custom_alert_description: Option<String>,
}

/// `PATCH /v1beta/monitors/{id}`'s body: the members to change (`null`: unchanged, except
/// `custom_alert_description`, which null clears).
#[derive(ToSchema)]
pub struct AporiaMonitorUpdate {
    /// Switches it on or off.
    pub is_active: Option<bool>,
    /// A new name.
    pub name: Option<String>,
    /// A five-field cron expression.
    pub scheduling: Option<String>,
    /// A new configuration (of the same monitor type).
    #[schema(value_type = Option<Object>)]
    pub configuration: Option<serde_json::Value>,
    /// Replaces the alert description.
    pub custom_alert_description: Option<String>,
}

/// An alert's range.
#[derive(ToSchema)]
pub struct AporiaThreshold {
    /// Fires below this.
    #[schema(required = true)]
    pub min: Option<f64>,
    /// Fires above this.
    #[schema(required = true)]
    pub max: Option<f64>,
}

/// A webhook delivery of an alert.
#[derive(ToSchema)]
pub struct AporiaDelivery {
    /// UUID.
    pub id: String,
    /// The webhook.
    pub url: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The HTTP status of the last attempt.
    #[schema(required = true)]
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// When it was delivered.
    #[schema(required = true)]
    pub delivered_at: Option<String>,
}

/// An alert a monitor raised.
#[derive(ToSchema)]
pub struct AporiaAlert {
    /// UUID.
    pub id: String,
    /// Always `alert`.
    #[schema(rename = "type")]
    pub kind: String,
    /// The monitor.
    pub monitor_id: String,
    /// The monitor's name.
    pub monitor_name: String,
    /// The monitor's type.
    pub monitor_type: String,
    /// The model.
    pub model_id: String,
    /// The version evaluated.
    #[schema(required = true)]
    pub model_version: Option<String>,
    /// The first action's severity.
    pub severity: String,
    /// The first action's `alertType`.
    #[schema(required = true)]
    pub alert_type: Option<String>,
    /// The feature it is about.
    #[schema(required = true)]
    pub field: Option<String>,
    /// The value that broke the range.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// The range.
    pub threshold: AporiaThreshold,
    /// The description (the monitor's template filled in).
    pub description: String,
    /// The focal window's start.
    pub focal_start: String,
    /// The focal window's end.
    pub focal_end: String,
    /// Per feature values (drift-like monitors).
    pub details: serde_json::Value,
    /// `{"scheduled": <tick>}` or `{"manual": true}`.
    pub run: serde_json::Value,
    /// When it was raised.
    pub created_at: String,
    /// Its webhook deliveries.
    pub deliveries: Vec<AporiaDelivery>,
}

/// `GET /v1beta/alerts`.
#[derive(ToSchema)]
pub struct AporiaAlerts {
    /// The alerts, newest first.
    pub alerts: Vec<AporiaAlert>,
}

/// `GET /v1beta/alerts`'s filters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertFilters {
    /// Only this model's alerts.
    #[param(nullable = false)]
    pub model_id: Option<String>,
    /// Only this monitor's alerts.
    #[param(nullable = false)]
    pub monitor_id: Option<String>,
    /// At most this many (default 100).
    #[param(nullable = false, minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// A GraphQL request (only the SDK's fixed queries are served: the root field of `query`
/// picks the handler, which reads `variables`).
#[derive(ToSchema)]
pub struct AporiaGraphqlRequest {
    /// The GraphQL document.
    pub query: String,
    /// Its variables.
    #[schema(value_type = Option<Object>)]
    pub variables: Option<serde_json::Value>,
    /// Ignored.
    #[schema(rename = "operationName")]
    pub operation_name: Option<String>,
}

/// A GraphQL answer (HTTP 200): `{"data": {<root field>: ...}}` or `{"errors": [...]}`.
#[derive(ToSchema)]
pub struct AporiaGraphqlResponse {
    /// The root field's answer.
    #[schema(value_type = Option<Object>, nullable = false)]
    pub data: Option<serde_json::Value>,
    /// Why the operation failed.
    #[schema(nullable = false)]
    pub errors: Option<Vec<AporiaGraphqlError>>,
}

/// A GraphQL error.
#[derive(ToSchema)]
pub struct AporiaGraphqlError {
    /// What the SDK shows.
    pub message: String,
    /// More.
    pub extensions: AporiaGraphqlErrorExtensions,
}

/// A GraphQL error's extensions.
#[derive(ToSchema)]
pub struct AporiaGraphqlErrorExtensions {
    /// The verbose message.
    pub verbose_message: String,
}

#[cfg(test)]
mod tests {
    use plinth_plugin_api::openapi_checks::{DocumentRules, check_plugin_document, routes};

    #[test]
    fn the_document_covers_every_route_with_auth_errors_and_resolved_refs() {
        let doc = crate::routes::api().into_openapi();
        let ops = check_plugin_document(
            &doc,
            DocumentRules {
                tag: "aporia",
                operation_prefix: "aporia_",
                schema_prefix: "Aporia",
            },
        );
        let json = serde_json::to_value(&doc).expect("JSON");
        for op in &ops {
            assert_eq!(op.schemes, [super::TOKEN], "{} {}", op.method, op.path);
            let responses = &json["paths"][&op.path][op.method.to_lowercase()]["responses"];
            for status in ["401", "403"] {
                assert_eq!(
                    responses[status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/AporiaError",
                    "{} {} {status}",
                    op.method,
                    op.path
                );
            }
        }
        let served: Vec<_> = ops.into_iter().map(|o| (o.method, o.path)).collect();
        assert_eq!(
            served,
            routes(&[
                ("GET", "/v1beta/capabilities"),
                ("GET", "/v1beta/environments"),
                ("POST", "/v1beta/environments"),
                ("GET", "/v1beta/models"),
                ("POST", "/v1beta/models"),
                ("GET", "/v1beta/models/{id}"),
                ("DELETE", "/v1beta/models/{id}"),
                ("POST", "/v1beta/models/{id}/owner"),
                ("GET", "/v1beta/models/{id}/tags"),
                ("POST", "/v1beta/models/{id}/tags"),
                ("DELETE", "/v1beta/models/{id}/tags/{key}"),
                ("GET", "/v1beta/models/{id}/versions"),
                ("POST", "/v1beta/models/{id}/versions"),
                ("GET", "/v1beta/models/{id}/versions/{version}"),
                (
                    "POST",
                    "/v1beta/models/{id}/versions/{version}/feature_importance",
                ),
                (
                    "POST",
                    "/v1beta/models/{id}/versions/{version}/feature_positions",
                ),
                (
                    "GET",
                    "/v1beta/models/{id}/versions/{version}/sync_status/{dataset}",
                ),
                ("POST", "/v1beta/models/{id}/versions/{version}/{kind}"),
                ("GET", "/v1beta/monitors"),
                ("POST", "/v1beta/monitors"),
                ("GET", "/v1beta/monitors/{id}"),
                ("PATCH", "/v1beta/monitors/{id}"),
                ("DELETE", "/v1beta/monitors/{id}"),
                ("GET", "/v1beta/alerts"),
                ("GET", "/v1beta/alerts/{id}"),
                ("POST", "/v1/controller/graphql"),
                ("POST", "/v1/tenant-hasura/v1/graphql"),
            ])
        );
        let types = json["components"]["schemas"]["AporiaMonitorType"]["enum"]
            .as_array()
            .expect("the monitor types");
        assert_eq!(types.len(), 9);
        for name in types {
            let name = name.as_str().expect("a type name");
            assert!(
                crate::monitors::config::MonitorKind::parse(name).is_ok(),
                "documented monitor type {name} is refused"
            );
        }
        let schemes = &json["components"]["securitySchemes"];
        assert_eq!(schemes[super::TOKEN]["type"], "http");
        assert_eq!(schemes[super::TOKEN]["scheme"], "bearer");
    }
}
