//! The plugin's OpenAPI 3.1 document: its security schemes and the schemas of the JSON the
//! routes build (the handlers serialize `serde_json` trees; these types describe those exact
//! shapes and are never serialized themselves). Every component name starts with `Vidora`:
//! names are global in the server's merged document.
//!
//! Authentication: `api_key` is the `vidoraApiKey` scheme (an API key in the query); `expires`
//! and `signature` are documented as optional query parameters of each operation
//! ([`SigningParams`]) rather than as further schemes, since a key whose signatures are off
//! needs neither (a requirement naming three schemes would demand all three on every call).
//! The key admin routes take the host's admin key (`adminKey`, as the rest of `/admin/api`).

use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, ToSchema};

/// The name of the `api_key` security scheme.
pub const API_KEY: &str = "vidoraApiKey";
/// The host's admin key scheme, which guards `/admin/api/vidora/keys`.
pub const ADMIN_KEY: &str = "adminKey";

/// The plugin's document before its paths: the `vidora` tag and the security schemes.
#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&SecuritySchemes),
    tags((name = "vidora", description = "The Vidora Pipelines API (/v1/api): pipelines, label sets, prediction exports; and its key admin"))
)]
pub struct VidoraDoc;

/// Registers `vidoraApiKey` and `adminKey` in the document's components.
pub struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "api_key",
                "The Vidora api_key. When signatures are on for the key, the request also \
                 carries `expires` and `signature` (query parameters of each operation).",
            ))),
        );
        // The same definition as the host's (the host's wins in the merged document); here
        // so that this document's requirements resolve on their own.
        components.add_security_scheme(
            ADMIN_KEY,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The signing parameters of every `/v1/api` request (besides `api_key`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SigningParams {
    /// When the signature expires, UTC `%Y-%m-%dT%H:%M` (e.g. `2020-06-01T00:00`); required
    /// when signatures are on for the key.
    pub expires: Option<String>,
    /// The request's signature (43 characters of standard Base64); required when signatures
    /// are on for the key.
    pub signature: Option<String>,
}

/// The error body of every Vidora error: `{"error": "<message>", "errors": [...]}`.
#[derive(ToSchema)]
#[schema(as = VidoraError)]
pub struct VidoraErrorBody {
    /// The main message.
    pub error: String,
    /// Every message (at least the main one).
    pub errors: Vec<String>,
}

/// A pipeline's type (from its endpoint's model).
#[derive(ToSchema)]
pub enum VidoraPipelineType {
    /// A binary or multiclass classifier.
    Classification,
    /// A regression.
    Regression,
    /// An endpoint without a model (takes no labels).
    Prediction,
}

/// A pipeline's status (from its last label-set assignment).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum VidoraPipelineStatus {
    /// The evaluation of the assigned label set runs.
    Running,
    /// Done, or never assigned.
    Complete,
    /// The evaluation failed.
    Failed,
}

/// A pipeline as V1 lists it.
#[derive(ToSchema)]
pub struct VidoraPipeline {
    /// 16 lowercase hex.
    pub id: String,
    /// `<service>/<endpoint>` unless renamed.
    pub name: String,
    /// Its type.
    #[schema(rename = "type")]
    pub kind: VidoraPipelineType,
    /// Whether the service and endpoint serve calls.
    pub active: bool,
    /// Always false.
    pub recurring: bool,
    /// Its status.
    pub status: VidoraPipelineStatus,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub created_at: String,
    /// When its last evaluation ended.
    pub last_trained_at: Option<String>,
    /// When its last export completed.
    pub last_prediction_at: Option<String>,
}

/// A pipeline as V2 and V7 show it: the V1 fields, the active label set and its evaluation.
#[derive(ToSchema)]
pub struct VidoraPipelineDetail {
    /// 16 lowercase hex.
    pub id: String,
    /// `<service>/<endpoint>` unless renamed.
    pub name: String,
    /// Its type.
    #[schema(rename = "type")]
    pub kind: VidoraPipelineType,
    /// Whether the service and endpoint serve calls.
    pub active: bool,
    /// Always false.
    pub recurring: bool,
    /// Its status.
    pub status: VidoraPipelineStatus,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub created_at: String,
    /// When its last evaluation ended.
    pub last_trained_at: Option<String>,
    /// When its last export completed.
    pub last_prediction_at: Option<String>,
    /// The assigned label set.
    pub active_label_set_id: Option<String>,
    /// The evaluation of the assigned label set (its metrics), null until it ends.
    pub evaluation: Option<serde_json::Value>,
    /// Why the evaluation failed (present only then).
    pub error: Option<String>,
}

/// V7's body: a rename and/or the assignment of a validated label set (an empty body changes
/// nothing).
#[derive(ToSchema)]
pub struct VidoraPipelineUpdate {
    /// A non-empty new name.
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The label set to assign (it starts an evaluation).
    pub active_label_set_id: Option<String>,
}

/// A label type.
#[derive(ToSchema)]
pub enum VidoraLabelType {
    /// Boolean labels.
    #[schema(rename = "classification")]
    Classification,
    /// Boolean labels, all true.
    #[schema(rename = "look alike")]
    LookAlike,
    /// Float labels.
    #[schema(rename = "regression")]
    Regression,
}

/// A label set's status.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum VidoraLabelSetStatus {
    /// Its validation job runs.
    Validating,
    /// Valid: it can be assigned.
    Validated,
    /// Invalid, see its errors.
    Failed,
}

/// A label set as V3 and V5 answer it.
#[derive(ToSchema)]
pub struct VidoraLabelSet {
    /// 16 `[0-9a-z]`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: VidoraLabelSetStatus,
    /// Its label type.
    pub label_type: VidoraLabelType,
    /// The uploaded file's name.
    pub filename: String,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub updated_at: String,
    /// The training window's start, `YYYY-MM-DD`.
    pub start_date: String,
    /// The training window's end, `YYYY-MM-DD`.
    pub end_date: String,
}

/// A label set as V4 shows it.
#[derive(ToSchema)]
pub struct VidoraLabelSetDetail {
    /// 16 `[0-9a-z]`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: VidoraLabelSetStatus,
    /// Its label type.
    pub label_type: VidoraLabelType,
    /// Its label type again (the seed's name).
    #[schema(rename = "type")]
    pub kind: VidoraLabelType,
    /// The uploaded file's name.
    pub filename: String,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub updated_at: String,
    /// The training window's start, `YYYY-MM-DD`.
    pub start_date: String,
    /// The training window's end, `YYYY-MM-DD`.
    pub end_date: String,
    /// The original file.
    pub download_url: String,
    /// Validation errors.
    pub errors: Vec<String>,
    /// Validation warnings.
    pub warnings: Vec<String>,
    /// The set whose ids this one must share.
    pub ancestor_set_id: Option<String>,
    /// Valid rows, once validated.
    pub rows: Option<i64>,
    /// The first error (present only when failed).
    pub error: Option<String>,
}

/// A label set as V6 lists it.
#[derive(ToSchema)]
pub struct VidoraLabelSetBrief {
    /// 16 `[0-9a-z]`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: VidoraLabelSetStatus,
    /// Its label type.
    pub label_type: VidoraLabelType,
    /// The uploaded file's name.
    pub filename: String,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub updated_at: String,
}

/// V3's `multipart/form-data` body. `label_type` and `name` are required, as form fields or
/// in the query; every field but `labels` may be sent in the query instead.
#[derive(ToSchema)]
pub struct VidoraLabelSetUpload {
    /// The label type.
    #[schema(nullable = false)]
    pub label_type: Option<VidoraLabelType>,
    /// The set's name.
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The CSV (optionally gzipped): an `id` column and a `label` column.
    #[schema(value_type = String, format = Binary)]
    pub labels: Vec<u8>,
    /// `YYYY-MM-DD` (default 90 days before the end).
    #[schema(nullable = false)]
    pub start_date: Option<String>,
    /// `YYYY-MM-DD` (default today).
    #[schema(nullable = false)]
    pub end_date: Option<String>,
    /// A set at least 80% of whose ids this one must share.
    #[schema(nullable = false)]
    pub ancestor_set_id: Option<String>,
}

/// V5's body: the fields to change (the set is validated again).
#[derive(ToSchema)]
pub struct VidoraLabelSetUpdate {
    /// A non-empty new name.
    pub name: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// A set at least 80% of whose ids this one must share (empty or null: none).
    pub ancestor_set_id: Option<String>,
}

/// A prediction export's status.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum VidoraExportStatus {
    /// Its job runs.
    Exporting,
    /// Its file is ready.
    Complete,
    /// Its job failed.
    Failed,
}

/// A prediction export as V8 lists it.
#[derive(ToSchema)]
pub struct VidoraExportBrief {
    /// 16 `[0-9a-z]`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: VidoraExportStatus,
    /// Always false.
    pub recurring: bool,
    /// When it completed, `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub last_exported: Option<String>,
}

/// An export's progress.
#[derive(ToSchema)]
pub struct VidoraExportProgress {
    /// Records scored.
    pub done: i64,
    /// Records in all, once known.
    pub total: Option<i64>,
}

/// A prediction export as V9 shows it (and its creation answers).
#[derive(ToSchema)]
pub struct VidoraExport {
    /// 16 `[0-9a-z]`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Always false.
    pub recurring: bool,
    /// Its status.
    pub status: VidoraExportStatus,
    /// When it completed, `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub last_exported: Option<String>,
    /// The file's columns, once complete.
    pub columns: Vec<String>,
    /// Rows in the file.
    pub total: i64,
    /// Records that failed to score.
    pub failed: i64,
    /// Its progress.
    pub progress: VidoraExportProgress,
    /// The file, once complete.
    pub download_url: Option<String>,
    /// Why it failed (present only then).
    pub error: Option<String>,
}

/// The JSON body of an export: records with an `id` (a non-empty string or a number) and
/// their features.
#[derive(ToSchema)]
pub struct VidoraExportRequest {
    /// A non-empty name (default `export of <pipeline>`).
    pub name: Option<String>,
    /// At least one record: `{"id": ..., <feature>: <value>...}`.
    #[schema(value_type = Vec<Object>, min_items = 1)]
    pub records: Vec<serde_json::Value>,
}

/// The `multipart/form-data` body of an export.
#[derive(ToSchema)]
pub struct VidoraExportUpload {
    /// A non-empty name (also accepted in the query).
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// The CSV (optionally gzipped): an `id` column and the feature columns.
    #[schema(value_type = String, format = Binary)]
    pub data: Vec<u8>,
}

/// A Vidora key, without its secret.
#[derive(ToSchema)]
pub struct VidoraKey {
    /// The public `api_key`.
    pub api_key: String,
    /// Whether requests must be signed.
    pub signatures: bool,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub created_at: String,
}

/// A new Vidora key, with its secret (shown this once).
#[derive(ToSchema)]
pub struct VidoraNewKey {
    /// The public `api_key`.
    pub api_key: String,
    /// Whether requests must be signed.
    pub signatures: bool,
    /// `YYYY-MM-DDTHH:MM:SS` (UTC).
    pub created_at: String,
    /// The signing secret.
    pub secret: String,
}

/// The body of a key creation (an empty body: signatures on).
#[derive(ToSchema)]
pub struct VidoraKeyRequest {
    /// Whether requests must be signed (default true).
    pub signatures: Option<bool>,
}

/// The answer of a key deletion.
#[derive(ToSchema)]
pub struct VidoraDeletedKey {
    /// The deleted `api_key`.
    pub deleted: String,
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
                tag: "vidora",
                operation_prefix: "vidora_",
                schema_prefix: "Vidora",
            },
        );
        for op in &ops {
            let wanted = if op.path.starts_with("/admin/") {
                super::ADMIN_KEY
            } else {
                super::API_KEY
            };
            assert_eq!(op.schemes, [wanted], "{} {}", op.method, op.path);
        }
        let served: Vec<_> = ops.into_iter().map(|o| (o.method, o.path)).collect();
        assert_eq!(
            served,
            routes(&[
                ("GET", "/v1/api/pipelines"),
                ("GET", "/v1/api/pipelines/{id}"),
                ("PUT", "/v1/api/pipelines/{id}"),
                ("GET", "/v1/api/pipelines/{id}/prediction_exports"),
                ("POST", "/v1/api/pipelines/{id}/prediction_exports"),
                ("GET", "/v1/api/pipelines/{id}/prediction_exports/{export}"),
                ("GET", "/v1/api/label_sets"),
                ("POST", "/v1/api/label_sets"),
                ("GET", "/v1/api/label_sets/{id}"),
                ("PUT", "/v1/api/label_sets/{id}"),
                ("GET", "/admin/api/vidora/keys"),
                ("POST", "/admin/api/vidora/keys"),
                ("DELETE", "/admin/api/vidora/keys/{api_key}"),
            ])
        );
        let schemes = &serde_json::to_value(&doc).expect("JSON")["components"]["securitySchemes"];
        assert!(schemes[super::ADMIN_KEY].is_object());
        assert_eq!(
            schemes[super::API_KEY],
            serde_json::json!({"type": "apiKey", "in": "query", "name": "api_key",
                "description": schemes[super::API_KEY]["description"]})
        );
    }
}
