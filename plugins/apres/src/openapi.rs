//! The plugin's OpenAPI 3.1 document: its security schemes and the schemas of the JSON the
//! routes build (the handlers serialize `serde_json` trees, see [`crate::shapes`]; these
//! types describe those exact shapes and are never serialized themselves). Every component
//! name starts with `Apres`: names are global in the server's merged document.
//!
//! Authentication: `apresRecipeKey` is the recipe's key, sent raw in `Authorization` (no
//! scheme; `Bearer <key>` works too). The recipe admin routes take the host's admin key
//! (`adminKey`, as the rest of `/admin/api`).

use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};

/// The name of the recipe key's security scheme.
pub const RECIPE_KEY: &str = "apresRecipeKey";
/// The host's admin key scheme, which guards `/admin/api/apres/recipes`.
pub const ADMIN_KEY: &str = "adminKey";

/// The plugin's document before its paths: the `apres` tag and the security schemes.
#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&SecuritySchemes),
    tags((name = "apres", description = "The Apres API (/api/v1): the recipe, its processed batches, task batches; and the recipe admin"))
)]
pub struct ApresDoc;

/// Registers `apresRecipeKey` and `adminKey` in the document's components.
pub struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            RECIPE_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The recipe's API key, raw (no scheme); `Bearer <key>` is accepted too.",
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

/// The error body of every Apres error: `{"message": "..."}`.
#[derive(ToSchema)]
#[schema(as = ApresError)]
pub struct ApresErrorBody {
    /// What went wrong.
    pub message: String,
}

/// A plain confirmation: `{"message": "..."}`.
#[derive(ToSchema)]
pub struct ApresMessage {
    /// What was done.
    pub message: String,
}

/// The recipe's one processing template.
#[derive(ToSchema)]
pub struct ApresProcessingTemplate {
    /// Its integer id.
    pub id: i64,
    /// Always 1.
    pub sequence: i64,
    /// `CategorisationTemplate`.
    #[schema(rename = "type")]
    pub kind: String,
    /// The question the model answers.
    pub instruction: String,
    /// The model's class labels.
    pub choices: Vec<String>,
    /// Always false.
    pub multiple_choices: bool,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub options: Option<serde_json::Value>,
}

/// A recipe's status.
#[derive(ToSchema)]
pub enum ApresRecipeStatus {
    /// The endpoint is enabled.
    Enabled,
    /// It is not.
    Disabled,
}

/// The Recipe object (P1).
#[derive(ToSchema)]
pub struct ApresRecipe {
    /// The recipe id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether its endpoint is enabled.
    pub status: ApresRecipeStatus,
    /// `2019-04-28T12:51:44.000Z`.
    pub created_at: String,
    /// `2019-04-28T12:51:44.000Z`.
    pub updated_at: String,
    /// Its one categorisation template.
    pub processing_templates: Vec<ApresProcessingTemplate>,
}

/// P2's body: a processed batch of labelled rows, as a Base64 CSV.
#[derive(ToSchema)]
pub struct ApresLoadBatch {
    /// The file name.
    pub file: String,
    /// The CSV (`Input`, `Type`, `Output` columns), Base64.
    pub data: String,
    /// Whether it is the recipe's Golden Set (a boolean, or `"true"`/`"false"`; default
    /// false).
    pub golden_set: Option<bool>,
}

/// The recipe's Golden Set.
#[derive(ToSchema)]
pub struct ApresGoldenSet {
    /// Its file name.
    pub file: String,
    /// Its rows.
    pub size: i64,
    /// When it was loaded, `2019-04-28T12:51:44.000Z`.
    pub created_at: String,
}

/// One inline input file of a task batch.
#[derive(ToSchema)]
pub struct ApresInputFile {
    /// The file name.
    pub file: String,
    /// The CSV, Base64.
    pub data: String,
}

/// P3's body (JSON whatever the Content-Type): exactly one of `files` or `location` (a
/// `location` is refused with a 422: this server reaches no bucket).
#[derive(ToSchema)]
pub struct ApresTaskBatchRequest {
    /// The inline files.
    #[schema(nullable = false)]
    pub files: Option<Vec<ApresInputFile>>,
    /// An S3 or Azure location (always refused here).
    #[schema(value_type = Option<Object>, nullable = false)]
    pub location: Option<serde_json::Value>,
    /// 1 or 7 (default 7).
    #[schema(nullable = false)]
    pub delivery_timeframe: Option<i64>,
    /// `days` (the default).
    #[schema(nullable = false)]
    pub delivery_units: Option<String>,
    /// An absolute http(s) URL that receives the batch's state changes.
    #[schema(nullable = false)]
    pub webhook_url: Option<String>,
}

/// A task batch's `status`.
#[derive(ToSchema)]
pub enum ApresBatchStatus {
    /// Received; no task yet.
    Pending,
    /// Its tasks run.
    Processing,
    /// Every task ended.
    Completed,
    /// It could not be processed.
    Failed,
}

/// A task batch's `state`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ApresBatchState {
    /// Received; no task yet.
    Confirmed,
    /// Its tasks run.
    Created,
    /// Every task ended.
    Completed,
    /// It could not be processed.
    Failed,
}

/// The Task Batch object (P3, P4, P5).
#[derive(ToSchema)]
pub struct ApresTaskBatch {
    /// The batch id.
    pub id: String,
    /// `2019-04-28T12:51:44.000Z`.
    pub created_at: String,
    /// `2019-04-28T12:51:44.000Z`.
    pub updated_at: String,
    /// Tasks created (0 until they are).
    pub size: u64,
    /// Its status.
    pub status: ApresBatchStatus,
    /// Its price (null if not finite).
    pub price: Option<f64>,
    /// Its state.
    pub state: ApresBatchState,
    /// Tasks expected.
    pub estimated_size: u64,
    /// Data points expected.
    pub estimated_data_points: u64,
    /// Its three-word slug.
    pub slug: String,
    /// `default`.
    pub mode: String,
    /// 1 or 7.
    pub delivery_timeframe: i64,
    /// `days`.
    pub delivery_units: String,
    /// Whether it was sent with a sandbox key.
    pub sandbox: bool,
    /// Why it failed (lists and P5 only, present only then).
    pub error: Option<String>,
}

/// A task's `status`.
#[derive(ToSchema)]
pub enum ApresTaskStatus {
    /// Not scored yet.
    Pending,
    /// Scored.
    Completed,
    /// Scoring failed.
    Failed,
}

/// A task's `state`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ApresTaskState {
    /// Not scored yet.
    Pending,
    /// Scored.
    Completed,
    /// Scoring failed.
    Failed,
}

/// The Task object (P7).
#[derive(ToSchema)]
pub struct ApresTask {
    /// The task id.
    pub id: String,
    /// Its status.
    pub status: ApresTaskStatus,
    /// `2019-04-28T12:51:44.000Z`.
    pub created_at: String,
    /// `2019-04-28T12:51:44.000Z`.
    pub updated_at: String,
    /// The row's feature record, or a file name.
    pub input: serde_json::Value,
    /// The predicted label(s); empty until scored.
    pub output: Vec<serde_json::Value>,
    /// Reviewer feedback (null when none).
    pub feedback: Option<serde_json::Value>,
    /// Its state.
    pub state: ApresTaskState,
    /// `tabular`, `image`...
    pub input_type: String,
    /// The probability of the chosen class, when the model gives one.
    pub consensus_score: Option<f64>,
    /// Per-class probabilities, when the model gives them.
    pub responses_with_confidence: Option<serde_json::Value>,
}

/// One task of P6's `json`.
#[derive(ToSchema)]
pub struct ApresOutputTask {
    /// The task id.
    pub task_id: String,
    /// The row's feature record, or a file name.
    pub input: serde_json::Value,
    /// The predicted label(s); empty until scored.
    pub output: Vec<serde_json::Value>,
    /// Its status.
    pub status: ApresTaskStatus,
    /// The probability of the chosen class, when the model gives one.
    pub consensus_score: Option<f64>,
}

/// One statistic of a batch.
#[derive(ToSchema)]
pub struct ApresStatistic {
    /// Its name.
    pub name: String,
    /// Its value (a number, a string, or null while unknown).
    pub value: serde_json::Value,
}

/// P6: a page of tasks, the CSV link once completed, the statistics.
#[derive(ToSchema)]
pub struct ApresOutput {
    /// The page's tasks.
    pub json: Vec<ApresOutputTask>,
    /// The CSV of every task, once the batch is completed.
    pub csv: Option<String>,
    /// The batch's statistics.
    pub statistics: Vec<ApresStatistic>,
}

/// A recipe as the admin routes show it.
#[derive(ToSchema)]
pub struct ApresRecipeRecord {
    /// The recipe id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The Plinth service.
    pub service: String,
    /// Its prediction endpoint.
    pub endpoint: String,
    /// The instruction of its template.
    pub instruction: String,
    /// The first characters of its key.
    pub key_hint: String,
    /// `2019-04-28T12:51:44.000Z`.
    pub created_at: String,
}

/// A new recipe, with its key (shown this once).
#[derive(ToSchema)]
pub struct ApresNewRecipe {
    /// The recipe id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The Plinth service.
    pub service: String,
    /// Its prediction endpoint.
    pub endpoint: String,
    /// The instruction of its template.
    pub instruction: String,
    /// The first characters of its key.
    pub key_hint: String,
    /// `2019-04-28T12:51:44.000Z`.
    pub created_at: String,
    /// Its key, for `Authorization`.
    pub api_key: String,
}

/// The body of a recipe creation.
#[derive(ToSchema)]
pub struct ApresRecipeRequest {
    /// The Plinth service.
    pub service: String,
    /// Its prediction endpoint.
    pub endpoint: String,
    /// A non-empty name (default `<service>/<endpoint>`).
    pub name: Option<String>,
    /// A non-empty instruction (default `Which class does this row belong to?`).
    pub instruction: Option<String>,
}

/// The answer of a recipe deletion.
#[derive(ToSchema)]
pub struct ApresDeleted {
    /// The deleted recipe's id.
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
                tag: "apres",
                operation_prefix: "apres_",
                schema_prefix: "Apres",
            },
        );
        for op in &ops {
            let wanted = if op.path.starts_with("/admin/") {
                super::ADMIN_KEY
            } else {
                super::RECIPE_KEY
            };
            assert_eq!(op.schemes, [wanted], "{} {}", op.method, op.path);
        }
        let served: Vec<_> = ops.into_iter().map(|o| (o.method, o.path)).collect();
        assert_eq!(
            served,
            routes(&[
                ("GET", "/api/v1/recipe"),
                ("GET", "/api/v1/recipes/{id}"),
                ("POST", "/api/v1/recipe/load_batch"),
                ("GET", "/api/v1/recipe/golden_set"),
                ("DELETE", "/api/v1/recipe/golden_set"),
                ("GET", "/api/v1/task_batches"),
                ("POST", "/api/v1/task_batches"),
                ("GET", "/api/v1/task_batches/{id}"),
                ("GET", "/api/v1/task_batches/{id}/output"),
                ("GET", "/api/v1/task_batches/{id}/tasks"),
                ("GET", "/admin/api/apres/recipes"),
                ("POST", "/admin/api/apres/recipes"),
                ("DELETE", "/admin/api/apres/recipes/{id}"),
            ])
        );
        let schemes = &serde_json::to_value(&doc).expect("JSON")["components"]["securitySchemes"];
        assert!(schemes[super::ADMIN_KEY].is_object());
        assert_eq!(
            schemes[super::RECIPE_KEY],
            serde_json::json!({"type": "apiKey", "in": "header", "name": "Authorization",
                "description": schemes[super::RECIPE_KEY]["description"]})
        );
    }
}
