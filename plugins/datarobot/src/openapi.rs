//! The plugin's OpenAPI 3.1 documentation: the wire shapes of its answers and request bodies
//! as schema types, its query parameters, its security scheme and its tag.
//!
//! The structs of [`crate::shapes`] are the *inputs* of the body builders there (milliseconds
//! become timestamps, capabilities become a map, keys are left out or sent as `null`), so the
//! types here describe the JSON the builders write, member for member; they are never built.
//! Each is named with the `DataRobot` prefix: component names are global once the host merges
//! every plugin's document, and the merge drops a duplicate name silently.
//!
//! Conventions: a member that is always sent but may be `null` is `Option<T>` marked
//! `required`; a member that is sometimes left out (never `null`) is a plain `T` marked
//! `required = false`; a member that is left out or `null` is a plain `Option<T>`.

use crate::params::{
    AccuracyMetric, DeploymentStatus, DriftMetric, HealthStatus, Importance, SegmentAttribute,
    ServiceStatsMetric,
};
use serde_json::Value;
use std::collections::HashMap;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

/// The name of the plugin's security scheme in the merged document.
pub const SECURITY_SCHEME: &str = "dataRobotToken";

/// The plugin's document before its paths: the `datarobot` tag and the `dataRobotToken`
/// security scheme (no document-level security: the host merges this document with others).
#[derive(OpenApi)]
#[openapi(
    modifiers(&DataRobotSecurity),
    tags((name = "datarobot", description = "The DataRobot Deployments API (`/api/v2/`) over Plinth's monitoring store: deployments are the prediction endpoints of services, their models are generations."))
)]
pub struct DataRobotApiDoc;

/// Registers the `dataRobotToken` scheme: an admin or monitoring key in `Authorization`.
pub struct DataRobotSecurity;

impl Modify for DataRobotSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                SECURITY_SCHEME,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "`Token <key>` or `Bearer <key>`, with an admin or monitoring key of this \
                     server (a service key is refused with 403)",
                ))),
            );
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and empty answers
// ---------------------------------------------------------------------------------------------

/// A DataRobot error body (`Content-Type: application/json`), as `DrError::to_body` writes it.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotError {
    /// What went wrong, for a person.
    pub message: String,
    /// A name the client maps to one of its exception classes (rarely sent).
    #[schema(required = false)]
    pub error_name: String,
    /// Per-parameter messages (sent with a 400 for a bad query parameter).
    #[schema(required = false)]
    pub errors: HashMap<String, String>,
}

/// The `{}` body of a 202 or a 303: the answer is in `Location`.
#[derive(ToSchema)]
pub struct DataRobotEmpty {}

/// `{"status": "COMPLETED"}`: an asynchronous operation that is done.
#[derive(ToSchema)]
pub struct DataRobotOperationStatus {
    /// Always `COMPLETED`.
    pub status: String,
}

// ---------------------------------------------------------------------------------------------
// Version, prediction servers
// ---------------------------------------------------------------------------------------------

/// The API version (`GET version/`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotVersion {
    /// `major.minor.patch`, e.g. `2.49.0`.
    pub version_string: String,
    /// The major version.
    pub major: u32,
    /// The minor version.
    pub minor: u32,
}

/// A prediction server.
#[derive(ToSchema)]
pub struct DataRobotPredictionServer {
    /// Its id.
    pub id: String,
    /// Its absolute base URL.
    pub url: String,
    /// The `datarobot-key` header value, when one is expected.
    #[schema(rename = "datarobot-key", required = false)]
    pub datarobot_key: String,
}

/// The prediction servers, as one page.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionServerList {
    /// Items on this page.
    pub count: u64,
    /// The next page (absolute URL), `null` on the last.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The previous page (absolute URL), `null` on the first.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// The servers.
    pub data: Vec<DataRobotPredictionServer>,
    /// Items on every page.
    pub total_count: u64,
}

// ---------------------------------------------------------------------------------------------
// Deployments
// ---------------------------------------------------------------------------------------------

/// The model of a deployment (a generation of the service).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotDeploymentModel {
    /// The generation.
    pub id: String,
    /// A description of the model type.
    #[schema(rename = "type", required = false)]
    pub model_type: String,
    /// The target column.
    #[schema(required = false)]
    pub target_name: String,
    /// `Regression`, `Binary` or `Multiclass`.
    #[schema(required = false)]
    pub target_type: String,
    /// A project id.
    #[schema(required = false)]
    pub project_id: String,
    /// When the generation was deployed (RFC 3339, UTC).
    #[schema(required = false)]
    pub deployed_at: String,
}

/// Recent predictions of a deployment.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionUsage {
    /// Predictions per day, oldest first.
    pub daily_rates: Vec<f64>,
    /// The last prediction (RFC 3339, UTC), left out without one.
    #[schema(required = false)]
    pub last_timestamp: String,
}

/// A health summary.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotHealth {
    /// The status.
    pub status: HealthStatus,
    /// A message.
    #[schema(required = false)]
    pub message: String,
    /// Start of the judged period.
    #[schema(required = false)]
    pub start_date: String,
    /// End of the judged period.
    #[schema(required = false)]
    pub end_date: String,
}

/// A tag of a deployment.
#[derive(ToSchema)]
pub struct DataRobotTag {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The fixed feature flags in a deployment object.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotDeploymentFlags {
    /// Always `false`.
    pub batch_monitoring_enabled: bool,
    /// Always `false`.
    pub humble_ai_enabled: bool,
    /// Always `false`.
    pub prediction_intervals_enabled: bool,
    /// Always `false`.
    pub prediction_warning_enabled: bool,
}

/// A deployment: one prediction endpoint of a service (`<service>~<endpoint>`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotDeployment {
    /// `<service>~<endpoint>`.
    pub id: String,
    /// The label.
    pub label: String,
    /// The description, left out without one.
    #[schema(required = false)]
    pub description: String,
    /// `active` or `inactive`.
    pub status: DeploymentStatus,
    /// The importance.
    pub importance: Importance,
    /// The current model.
    pub model: DataRobotDeploymentModel,
    /// Each capability's name, with whether it is supported.
    pub capabilities: HashMap<String, bool>,
    /// Recent predictions.
    pub prediction_usage: DataRobotPredictionUsage,
    /// Service health.
    pub service_health: DataRobotHealth,
    /// Model (drift) health.
    pub model_health: DataRobotHealth,
    /// Accuracy health.
    pub accuracy_health: DataRobotHealth,
    /// Where predictions go.
    #[schema(required = false)]
    pub default_prediction_server: DataRobotPredictionServer,
    /// When the service was created (RFC 3339, UTC).
    pub created_at: String,
    /// The tags.
    pub tags: Vec<DataRobotTag>,
    /// Fixed feature flags.
    pub settings: DataRobotDeploymentFlags,
    /// The caller's permissions, e.g. `CAN_VIEW`.
    pub permissions: Vec<String>,
}

/// A page of deployments.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotDeploymentList {
    /// Items on this page.
    pub count: u64,
    /// The next page (absolute URL), `null` on the last.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The previous page (absolute URL), `null` on the first.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// The deployments.
    pub data: Vec<DataRobotDeployment>,
    /// Deployments on every page.
    pub total_count: u64,
}

/// `PATCH deployments/{id}/`: any of these members (any other is a 422).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotDeploymentUpdate {
    /// A non-blank label of at most 512 characters.
    #[schema(required = false, min_length = 1, max_length = 512)]
    pub label: String,
    /// The description; `null` clears it.
    pub description: Option<String>,
    /// The importance.
    #[schema(required = false)]
    pub importance: Importance,
}

/// The status a deployment is switched to.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DataRobotActivity {
    /// Calls are served.
    Active,
    /// Calls are refused.
    Inactive,
}

/// `PATCH deployments/{id}/status/`.
#[derive(ToSchema)]
pub struct DataRobotStatusChange {
    /// `active` or `inactive`.
    pub status: DataRobotActivity,
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// `associationId` of the settings.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAssociationIdSetting {
    /// The columns whose values identify a prediction.
    pub column_names: Vec<String>,
    /// Whether every prediction request must carry one.
    pub required_in_prediction_requests: bool,
}

/// A setting that is only on or off.
#[derive(ToSchema)]
pub struct DataRobotEnabledSetting {
    /// Whether it is on.
    pub enabled: bool,
}

/// `segmentAnalysis` of the settings.
#[derive(ToSchema)]
pub struct DataRobotSegmentAnalysisSetting {
    /// Always `false`.
    pub enabled: bool,
    /// Always empty.
    pub attributes: Vec<String>,
}

/// `predictionIntervals` of the settings.
#[derive(ToSchema)]
pub struct DataRobotPredictionIntervalsSetting {
    /// Always `false`.
    pub enabled: bool,
    /// Always empty.
    pub percentiles: Vec<f64>,
}

/// `processingLimits` of the settings.
#[derive(ToSchema)]
pub struct DataRobotProcessingLimits {
    /// Always `hour`.
    pub interval: String,
}

/// A deployment's settings (`GET deployments/{id}/settings/`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotSettings {
    /// Association ids.
    pub association_id: DataRobotAssociationIdSetting,
    /// Target drift tracking.
    pub target_drift: DataRobotEnabledSetting,
    /// Feature drift tracking.
    pub feature_drift: DataRobotEnabledSetting,
    /// Whether prediction rows are kept.
    pub predictions_data_collection: DataRobotEnabledSetting,
    /// Segmented analysis (off).
    pub segment_analysis: DataRobotSegmentAnalysisSetting,
    /// Off.
    pub automatic_actuals: DataRobotEnabledSetting,
    /// Off.
    pub challenger_models: DataRobotEnabledSetting,
    /// Off.
    pub humility: DataRobotEnabledSetting,
    /// Off.
    pub prediction_intervals: DataRobotPredictionIntervalsSetting,
    /// Off.
    pub prediction_warning: DataRobotEnabledSetting,
    /// Off.
    pub predictions_by_forecast_date: DataRobotEnabledSetting,
    /// Hourly.
    pub processing_limits: DataRobotProcessingLimits,
}

/// `associationId` of a settings change.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAssociationIdUpdate {
    /// The columns whose values identify a prediction.
    #[schema(required = false)]
    pub column_names: Vec<String>,
    /// Whether every prediction request must carry one.
    #[schema(required = false)]
    pub required_in_prediction_requests: bool,
}

/// A section of a settings change that is switched on or off.
#[derive(ToSchema)]
pub struct DataRobotEnabledUpdate {
    /// Whether it is on (`true` is a 422 for the features Plinth lacks).
    #[schema(required = false)]
    pub enabled: bool,
}

/// `PATCH deployments/{id}/settings/`: any of these sections (any other is a 422).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotSettingsUpdate {
    /// Association ids.
    #[schema(required = false)]
    pub association_id: DataRobotAssociationIdUpdate,
    /// Target drift tracking.
    #[schema(required = false)]
    pub target_drift: DataRobotEnabledUpdate,
    /// Feature drift tracking.
    #[schema(required = false)]
    pub feature_drift: DataRobotEnabledUpdate,
    /// Whether prediction rows are kept.
    #[schema(required = false)]
    pub predictions_data_collection: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub automatic_actuals: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub bias_and_fairness: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub challenger_models: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub humility: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub prediction_intervals: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub prediction_warning: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub predictions_by_forecast_date: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub processing_limits: DataRobotEnabledUpdate,
    /// Not supported: only `enabled: false`.
    #[schema(required = false)]
    pub segment_analysis: DataRobotEnabledUpdate,
}

/// The health settings in force: the seven sections, each an object. Plinth's defaults fill
/// every section; a `PATCH` may have replaced or added members of any type.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotHealthSettings {
    /// Service health.
    #[schema(value_type = Object)]
    pub service: Value,
    /// Data drift.
    #[schema(value_type = Object)]
    pub data_drift: Value,
    /// Accuracy.
    #[schema(value_type = Object)]
    pub accuracy: Value,
    /// Fairness.
    #[schema(value_type = Object)]
    pub fairness: Value,
    /// Custom metrics.
    #[schema(value_type = Object)]
    pub custom_metrics: Value,
    /// Predictions timeliness.
    #[schema(value_type = Object)]
    pub predictions_timeliness: Value,
    /// Actuals timeliness.
    #[schema(value_type = Object)]
    pub actuals_timeliness: Value,
}

/// `PATCH deployments/{id}/healthSettings/`: any of the seven sections, each an object whose
/// members replace the current ones (any other section is a 422).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotHealthSettingsUpdate {
    /// Service health.
    #[schema(value_type = Object, required = false)]
    pub service: Value,
    /// Data drift.
    #[schema(value_type = Object, required = false)]
    pub data_drift: Value,
    /// Accuracy.
    #[schema(value_type = Object, required = false)]
    pub accuracy: Value,
    /// Fairness.
    #[schema(value_type = Object, required = false)]
    pub fairness: Value,
    /// Custom metrics.
    #[schema(value_type = Object, required = false)]
    pub custom_metrics: Value,
    /// Predictions timeliness.
    #[schema(value_type = Object, required = false)]
    pub predictions_timeliness: Value,
    /// Actuals timeliness.
    #[schema(value_type = Object, required = false)]
    pub actuals_timeliness: Value,
}

// ---------------------------------------------------------------------------------------------
// Capabilities, features, tags
// ---------------------------------------------------------------------------------------------

/// A capability.
#[derive(ToSchema)]
pub struct DataRobotCapability {
    /// Its name, e.g. `supportsTargetDriftTracking`.
    pub name: String,
    /// Whether it is supported.
    pub supported: bool,
    /// Why not.
    pub messages: Vec<String>,
}

/// `GET deployments/{id}/capabilities/`.
#[derive(ToSchema)]
pub struct DataRobotCapabilityList {
    /// Every capability.
    pub data: Vec<DataRobotCapability>,
}

/// An input feature of the deployment's model.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeature {
    /// Its name.
    pub name: String,
    /// `Numeric` or `Categorical`.
    pub feature_type: String,
    /// Its importance, `null` if unknown.
    #[schema(required = true)]
    pub importance: Option<f64>,
    /// Its date format (always `null`).
    #[schema(required = true)]
    pub date_format: Option<String>,
    /// Whether it is known in advance (always `false`).
    pub known_in_advance: bool,
}

/// `GET deployments/{id}/features/`: every feature on one page.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureList {
    /// Items on this page.
    pub count: u64,
    /// Always `null`.
    #[schema(required = true)]
    pub next: Option<String>,
    /// Always `null`.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// The features.
    pub data: Vec<DataRobotFeature>,
    /// Every feature.
    pub total_count: u64,
}

/// The body of `POST deployments/{id}/tags/` and `PATCH deployments/{id}/tags/{tag}/`.
#[derive(ToSchema)]
pub struct DataRobotTagBody {
    /// A non-empty name of at most 50 characters.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// A non-empty value of at most 50 characters.
    #[schema(min_length = 1, max_length = 50)]
    pub value: String,
}

// ---------------------------------------------------------------------------------------------
// Monitoring reads
// ---------------------------------------------------------------------------------------------

/// A period, `[start, end)`, each end RFC 3339 in UTC (`2024-01-01T00:00:00Z`).
#[derive(ToSchema)]
pub struct DataRobotPeriod {
    /// Inclusive start.
    pub start: String,
    /// Exclusive end.
    pub end: String,
}

/// The eleven service-health numbers of a period.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotServiceStatsMetrics {
    /// Prediction rows.
    pub total_predictions: u64,
    /// Prediction requests.
    pub total_requests: u64,
    /// Requests slower than the threshold.
    pub slow_requests: u64,
    /// Execution time at the quantile (ms), `null` without requests.
    #[schema(required = true)]
    pub execution_time: Option<f64>,
    /// Response time at the quantile (ms), `null` without requests.
    #[schema(required = true)]
    pub response_time: Option<f64>,
    /// 4xx / requests.
    pub user_error_rate: f64,
    /// 5xx / requests.
    pub server_error_rate: f64,
    /// Distinct consumers.
    pub num_consumers: u64,
    /// Cache hit ratio.
    pub cache_hit_ratio: f64,
    /// Median requests per minute.
    pub median_load: f64,
    /// Peak requests per minute.
    pub peak_load: f64,
}

/// `GET deployments/{id}/serviceStats/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotServiceStats {
    /// The effective period.
    pub period: DataRobotPeriod,
    /// The model.
    #[schema(required = true)]
    pub model_id: Option<String>,
    /// The numbers.
    pub metrics: DataRobotServiceStatsMetrics,
}

/// One bucket of `serviceStatsOverTime`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotServiceStatsBucket {
    /// The bucket's period.
    pub period: DataRobotPeriod,
    /// The metric (an integer for the counts), `null` when there is none.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// The model.
    #[schema(required = true)]
    pub model_id: Option<String>,
}

/// A value over a period.
#[derive(ToSchema)]
pub struct DataRobotPeriodValue {
    /// The period.
    pub period: DataRobotPeriod,
    /// The value, `null` when there is none.
    #[schema(required = true)]
    pub value: Option<f64>,
}

/// `GET deployments/{id}/serviceStatsOverTime/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotServiceStatsOverTime {
    /// The metric.
    pub metric: ServiceStatsMetric,
    /// The model.
    #[schema(required = true)]
    pub model_id: Option<String>,
    /// The buckets, in time order.
    pub buckets: Vec<DataRobotServiceStatsBucket>,
    /// The metric over the whole period.
    pub summary: DataRobotPeriodValue,
}

/// A class with a value.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotClassValue {
    /// The class.
    pub class_name: String,
    /// The value, `null` without rows.
    #[schema(required = true)]
    pub value: Option<f64>,
}

/// A class with a count and its share.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotClassCount {
    /// The class.
    pub class_name: String,
    /// Rows of the class.
    pub count: u64,
    /// `count` as a percentage of the rows.
    pub percent: f64,
}

/// The prediction statistics of a model on its reference sample.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionStats {
    /// The model.
    pub model_id: String,
    /// Rows.
    pub row_count: u64,
    /// Mean prediction (regression, or the positive class's probability).
    #[schema(required = true)]
    pub mean_predicted_value: Option<f64>,
    /// Mean probability per class (classification).
    pub mean_probabilities: Vec<DataRobotClassValue>,
    /// Predicted-class distribution (classification).
    pub class_distribution: Vec<DataRobotClassCount>,
}

/// The prediction statistics of a model over a bucket.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionsBucket {
    /// The bucket's period.
    pub period: DataRobotPeriod,
    /// The model.
    pub model_id: String,
    /// Rows predicted.
    pub row_count: u64,
    /// Mean prediction (regression, or the positive class's probability).
    #[schema(required = true)]
    pub mean_predicted_value: Option<f64>,
    /// Mean probability per class (classification).
    pub mean_probabilities: Vec<DataRobotClassValue>,
    /// Predicted-class distribution (classification).
    pub class_distribution: Vec<DataRobotClassCount>,
}

/// `GET deployments/{id}/predictionsOverTime/`: exactly these two members.
#[derive(ToSchema)]
pub struct DataRobotPredictionsOverTime {
    /// One entry per model that has a reference sample.
    pub baselines: Vec<DataRobotPredictionStats>,
    /// The buckets, per model, in time order.
    pub buckets: Vec<DataRobotPredictionsBucket>,
}

/// Rows scored and rows with an actual.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotRowCounts {
    /// Rows predicted.
    pub row_count_total: u64,
    /// Rows with an actual.
    pub row_count_with_actual: u64,
}

/// Predictions against actuals for a model on its reference sample.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionsVsActualsStats {
    /// The model.
    pub model_id: String,
    /// Rows predicted.
    pub row_count_total: u64,
    /// Rows with an actual.
    pub row_count_with_actual: u64,
    /// Mean prediction over the rows with an actual.
    #[schema(required = true)]
    pub mean_predicted_value: Option<f64>,
    /// Mean actual.
    #[schema(required = true)]
    pub mean_actual_value: Option<f64>,
    /// Predicted-class distribution (left out when empty).
    #[schema(required = false)]
    pub predicted_class_distribution: Vec<DataRobotClassCount>,
    /// Actual-class distribution (left out when empty).
    #[schema(required = false)]
    pub actual_class_distribution: Vec<DataRobotClassCount>,
}

/// Predictions against actuals for a model over a bucket.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionsVsActualsBucket {
    /// The bucket's period.
    pub period: DataRobotPeriod,
    /// The model.
    pub model_id: String,
    /// Rows predicted.
    pub row_count_total: u64,
    /// Rows with an actual.
    pub row_count_with_actual: u64,
    /// Mean prediction over the rows with an actual.
    #[schema(required = true)]
    pub mean_predicted_value: Option<f64>,
    /// Mean actual.
    #[schema(required = true)]
    pub mean_actual_value: Option<f64>,
    /// Predicted-class distribution (left out when empty).
    #[schema(required = false)]
    pub predicted_class_distribution: Vec<DataRobotClassCount>,
    /// Actual-class distribution (left out when empty).
    #[schema(required = false)]
    pub actual_class_distribution: Vec<DataRobotClassCount>,
}

/// `GET deployments/{id}/predictionsVsActualsOverTime/`.
#[derive(ToSchema)]
pub struct DataRobotPredictionsVsActualsOverTime {
    /// Over the whole period.
    pub summary: DataRobotRowCounts,
    /// One entry per model (Plinth sends none).
    pub baselines: Vec<DataRobotPredictionsVsActualsStats>,
    /// The buckets, per model, in time order.
    pub buckets: Vec<DataRobotPredictionsVsActualsBucket>,
}

/// Whether a drifting feature (or the target) is numeric or categorical.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DataRobotFeatureKind {
    /// Numeric.
    Numeric,
    /// Categorical.
    Categorical,
}

/// `GET deployments/{id}/targetDrift/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotTargetDrift {
    /// The effective period.
    pub period: DataRobotPeriod,
    /// The metric.
    pub metric: DriftMetric,
    /// The model.
    #[schema(required = true)]
    pub model_id: Option<String>,
    /// The target's name.
    #[schema(required = true)]
    pub target_name: Option<String>,
    /// The score, `null` without a baseline or data.
    #[schema(required = true)]
    pub drift_score: Option<f64>,
    /// Predictions in the window.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
    /// Rows of the baseline.
    #[schema(required = true)]
    pub baseline_sample_size: Option<u64>,
    /// Always `null` (segments are not kept).
    #[schema(required = true)]
    pub segment_value: Option<String>,
    /// The target's kind, when it was scored.
    #[schema(rename = "type", required = false)]
    pub kind: DataRobotFeatureKind,
}

/// A feature of `featureDrift`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureDriftItem {
    /// The feature's name.
    pub name: String,
    /// The score, `null` without data.
    #[schema(required = true)]
    pub drift_score: Option<f64>,
    /// The feature's importance, `null` if unknown.
    #[schema(required = true)]
    pub feature_impact: Option<f64>,
    /// Values in the window.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
    /// Values in the baseline.
    #[schema(required = true)]
    pub baseline_sample_size: Option<u64>,
    /// The feature's kind.
    #[schema(rename = "type", required = false)]
    pub kind: DataRobotFeatureKind,
}

/// `GET deployments/{id}/featureDrift/`: a page of features, by importance.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureDrift {
    /// The effective period.
    pub period: DataRobotPeriod,
    /// The metric.
    pub metric: DriftMetric,
    /// The model.
    #[schema(required = true)]
    pub model_id: Option<String>,
    /// Items on this page.
    pub count: u64,
    /// The next page (absolute URL), `null` on the last.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The previous page (absolute URL), `null` on the first.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// The features.
    pub data: Vec<DataRobotFeatureDriftItem>,
}

/// A feature's drift over one bucket.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureDriftBucket {
    /// The feature.
    pub feature_name: String,
    /// The bucket's period.
    pub period: DataRobotPeriod,
    /// The score, `null` without data.
    #[schema(required = true)]
    pub drift_score: Option<f64>,
    /// The feature's importance.
    #[schema(required = true)]
    pub feature_impact: Option<f64>,
    /// Values in the bucket.
    pub sample_size: u64,
    /// Values in the baseline.
    pub baseline_sample_size: u64,
}

/// A feature's type.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureType {
    /// The feature.
    pub feature_name: String,
    /// Its kind.
    pub feature_type: DataRobotFeatureKind,
}

/// A feature's importance.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureImpact {
    /// The feature.
    pub feature_name: String,
    /// Its importance, `null` if unknown.
    #[schema(required = true)]
    pub feature_impact: Option<f64>,
}

/// `GET deployments/{id}/featureDriftOverTime/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotFeatureDriftOverTime {
    /// The metric.
    pub metric: DriftMetric,
    /// The model.
    pub model_id: String,
    /// Per bucket, each asked feature.
    pub buckets: Vec<DataRobotFeatureDriftBucket>,
    /// The asked features' types.
    pub features: Vec<DataRobotFeatureType>,
    /// The asked features' importances.
    pub summaries: Vec<DataRobotFeatureImpact>,
}

/// A metric in `accuracy.metrics`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracyMetricValue {
    /// The value.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// The baseline's value.
    #[schema(required = true)]
    pub baseline_value: Option<f64>,
    /// `(value − baseline) / |baseline| × 100`.
    #[schema(required = true)]
    pub percent_change: Option<f64>,
}

/// An item of `accuracy.data`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracyValue {
    /// The metric.
    pub metric_name: AccuracyMetric,
    /// The model.
    pub model_id: String,
    /// The value.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Rows with actuals behind the value.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
    /// The baseline's value.
    #[schema(required = true)]
    pub baseline_value: Option<f64>,
    /// Rows behind the baseline.
    #[schema(required = true)]
    pub baseline_sample_size: Option<u64>,
    /// `(value − baseline) / |baseline| × 100`.
    #[schema(required = true)]
    pub percent_change: Option<f64>,
}

/// `GET deployments/{id}/accuracy/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracy {
    /// The effective period.
    pub period: DataRobotPeriod,
    /// The first model.
    pub model_id: String,
    /// The first model's values, by metric name.
    pub metrics: HashMap<String, DataRobotAccuracyMetricValue>,
    /// Every value, per model.
    pub data: Vec<DataRobotAccuracyValue>,
}

/// A bucket of `accuracyOverTime`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracyBucket {
    /// The bucket's period.
    pub period: DataRobotPeriod,
    /// The value.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Rows with actuals.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
    /// The model.
    pub model_id: String,
}

/// The summary of `accuracyOverTime`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracySummary {
    /// The whole period.
    pub period: DataRobotPeriod,
    /// The value.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Rows with actuals.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
}

/// The (deprecated) single baseline of `accuracyOverTime`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracyOldBaseline {
    /// The period it covers, if any.
    #[schema(required = true)]
    pub period: Option<DataRobotPeriod>,
    /// The value.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Rows behind it.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
}

/// A model's baseline in `accuracyOverTime`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracyBaseline {
    /// The model.
    pub model_id: String,
    /// The value.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Rows behind it.
    #[schema(required = true)]
    pub sample_size: Option<u64>,
}

/// `GET deployments/{id}/accuracyOverTime/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotAccuracyOverTime {
    /// The metric.
    pub metric: AccuracyMetric,
    /// The first model.
    #[schema(required = true)]
    pub model_id: Option<String>,
    /// Per model, in time order.
    pub buckets: Vec<DataRobotAccuracyBucket>,
    /// The first model over the whole period.
    pub summary: DataRobotAccuracySummary,
    /// The first model's baseline.
    pub baseline: DataRobotAccuracyOldBaseline,
    /// One baseline per model.
    pub baselines: Vec<DataRobotAccuracyBaseline>,
}

/// A kept prediction with its actual.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionResult {
    /// Its association id.
    pub association_id: String,
    /// The model that scored it.
    pub model_id: String,
    /// When it was scored (RFC 3339, UTC).
    pub timestamp: String,
    /// The prediction: a number, or the class (multiclass); may be `null`.
    pub predicted: Value,
    /// The actual (a number for regression, else as submitted), left out without one.
    #[schema(required = false)]
    pub actual: Value,
}

/// `GET deployments/{id}/predictionResults/`: a page of kept predictions.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotPredictionResults {
    /// Items on this page.
    pub count: u64,
    /// The next page (absolute URL), `null` on the last.
    #[schema(required = true)]
    pub next: Option<String>,
    /// The previous page (absolute URL), `null` on the first.
    #[schema(required = true)]
    pub previous: Option<String>,
    /// The predictions, newest first.
    pub data: Vec<DataRobotPredictionResult>,
    /// Predictions on every page.
    pub total_count: u64,
    /// The association id columns.
    pub association_id_column_names: Vec<String>,
}

/// An actual of `actuals/fromJSON`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotActual {
    /// The prediction's association id: a non-empty string of at most 128 characters (a
    /// number is taken as its text).
    #[schema(min_length = 1, max_length = 128)]
    pub association_id: String,
    /// The actual: a number, or a class label (non-empty string, or a boolean).
    pub actual_value: Value,
    /// When it happened (RFC 3339).
    pub timestamp: Option<String>,
    /// Whether the prediction was acted on.
    pub was_acted_on: Option<bool>,
}

/// `POST deployments/{id}/actuals/fromJSON/`.
#[derive(ToSchema)]
pub struct DataRobotActualsUpload {
    /// Between 1 and 10,000 actuals.
    #[schema(min_items = 1, max_items = 10000)]
    pub data: Vec<DataRobotActual>,
}

/// `POST deployments/{id}/monitoringDataDeletions/`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DataRobotMonitoringDataDeletion {
    /// The model whose data is deleted.
    pub model_id: String,
    /// From (a date-time on the hour); without it, from the beginning.
    pub start: Option<String>,
    /// Until (a date-time on the hour); without it, to the end.
    pub end: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Query parameters (the handlers parse the raw query with [`crate::params`]; these describe it)
// ---------------------------------------------------------------------------------------------

/// The `bucketSize` values of `predictionsOverTime` and `predictionsVsActualsOverTime`.
#[derive(ToSchema)]
pub enum DataRobotBucketSize {
    /// One hour.
    #[schema(rename = "PT1H")]
    Hour,
    /// One day.
    #[schema(rename = "P1D")]
    Day,
    /// One week.
    #[schema(rename = "P7D")]
    Week,
    /// One calendar month.
    #[schema(rename = "P1M")]
    Month,
}

/// `GET deployments/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotListParams {
    /// Items to skip (default 0).
    pub offset: Option<u64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Case-insensitive text in the label or the description.
    pub search: Option<String>,
    /// A field to order by, e.g. `label`, descending as `-label`.
    pub order_by: Option<String>,
    /// Statuses (repeated, or comma-joined).
    #[param(inline)]
    pub status: Option<Vec<DeploymentStatus>>,
    /// Importances (repeated, or comma-joined).
    #[param(inline)]
    pub importance: Option<Vec<Importance>>,
    /// Service-health statuses (repeated, or comma-joined).
    #[param(inline)]
    pub service_health: Option<Vec<HealthStatus>>,
    /// Model-health statuses (repeated, or comma-joined).
    #[param(inline)]
    pub model_health: Option<Vec<HealthStatus>>,
    /// Accuracy-health statuses (repeated, or comma-joined).
    #[param(inline)]
    pub accuracy_health: Option<Vec<HealthStatus>>,
    /// Tag names (a deployment matches any).
    pub tag_keys: Option<Vec<String>>,
    /// Tag values (a deployment matches any).
    pub tag_values: Option<Vec<String>>,
}

/// `GET deployments/{id}/serviceStats/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotServiceStatsParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// The model (default: the current one).
    pub model_id: Option<String>,
    /// The execution-time quantile, in (0, 1] (default 0.5).
    #[param(exclusive_minimum = 0, maximum = 1)]
    pub execution_time_quantile: Option<f64>,
    /// The response-time quantile, in (0, 1] (default 0.5).
    #[param(exclusive_minimum = 0, maximum = 1)]
    pub response_time_quantile: Option<f64>,
    /// The slow-request threshold in ms, at least 1 (default 1000).
    #[param(minimum = 1)]
    pub slow_requests_threshold: Option<u64>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/serviceStatsOverTime/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotServiceStatsOverTimeParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// An ISO 8601 duration, a whole number of hours no longer than the period (e.g. `PT1H`,
    /// `P1D`); the default depends on the period's length.
    pub bucket_size: Option<String>,
    /// The metric (default `totalPredictions`).
    #[param(inline)]
    pub metric: Option<ServiceStatsMetric>,
    /// Models (default: the current one).
    pub model_id: Option<Vec<String>>,
    /// The quantile of `executionTime`/`responseTime`, in (0, 1] (default 0.5).
    #[param(exclusive_minimum = 0, maximum = 1)]
    pub quantile: Option<f64>,
    /// The threshold of `slowRequests` in ms, at least 1 (default 1000).
    #[param(minimum = 1)]
    pub threshold: Option<u64>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/predictionsOverTime/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotPredictionsOverTimeParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// The bucket size (default by the period's length).
    #[param(inline)]
    pub bucket_size: Option<DataRobotBucketSize>,
    /// Models (default: the current one).
    pub model_id: Option<Vec<String>>,
    /// Classes to keep (default: all).
    pub target_class: Option<Vec<String>>,
    /// Accepted; percentiles are not sent.
    pub include_percentiles: Option<bool>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/predictionsVsActualsOverTime/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotPredictionsVsActualsParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// The bucket size (default by the period's length).
    #[param(inline)]
    pub bucket_size: Option<DataRobotBucketSize>,
    /// Models (default: the current one).
    pub model_id: Option<Vec<String>>,
    /// Classes (accepted).
    pub target_class: Option<Vec<String>>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/targetDrift/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotTargetDriftParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// The model (default: the current one).
    pub model_id: Option<String>,
    /// The drift metric (default `psi`).
    #[param(inline)]
    pub metric: Option<DriftMetric>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/featureDrift/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotFeatureDriftParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// The model (default: the current one).
    pub model_id: Option<String>,
    /// The drift metric (default `psi`).
    #[param(inline)]
    pub metric: Option<DriftMetric>,
    /// Features to skip (default 0).
    pub offset: Option<u64>,
    /// Features per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/featureDriftOverTime/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotFeatureDriftOverTimeParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// An ISO 8601 duration, a whole number of hours no longer than the period; the default
    /// depends on the period's length.
    pub bucket_size: Option<String>,
    /// The drift metric (default `psi`).
    #[param(inline)]
    pub metric: Option<DriftMetric>,
    /// The model (default: the current one).
    pub model_id: Option<String>,
    /// One or two features of the model (repeated, or comma-joined).
    #[param(min_items = 1, max_items = 2)]
    pub feature_names: Vec<String>,
}

/// `GET deployments/{id}/accuracy/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotAccuracyParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// Models (default: the current one).
    pub model_id: Option<Vec<String>>,
    /// Classes (repeated).
    pub target_class: Option<Vec<String>>,
    /// Classes (comma-joined, as older clients send them).
    pub target_classes: Option<String>,
    /// One metric (default: the task's default metrics).
    #[param(inline)]
    pub metric: Option<AccuracyMetric>,
    /// A baseline model (accepted).
    pub baseline_model_id: Option<String>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/accuracyOverTime/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotAccuracyOverTimeParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// An ISO 8601 duration, a whole number of hours no longer than the period; the default
    /// depends on the period's length.
    pub bucket_size: Option<String>,
    /// Models (default: the current one).
    pub model_id: Option<Vec<String>>,
    /// The metric (default: RMSE for regression, LogLoss for classifiers).
    #[param(inline)]
    pub metric: Option<AccuracyMetric>,
    /// Classes (repeated).
    pub target_class: Option<Vec<String>>,
    /// Classes (comma-joined, as older clients send them).
    pub target_classes: Option<String>,
    /// A segment attribute: refused (422), segments are not kept.
    #[param(inline)]
    pub segment_attribute: Option<SegmentAttribute>,
    /// A segment value, only with `segmentAttribute`.
    pub segment_value: Option<String>,
}

/// `GET deployments/{id}/predictionResults/`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataRobotPredictionResultsParams {
    /// Start of the period: a date-time on the hour (default: `end` − 7 days).
    pub start: Option<String>,
    /// End of the period: a date-time on the hour (default: the next hour).
    pub end: Option<String>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Rows per page (default 100, kept within 1 to 10,000).
    pub limit: Option<u64>,
    /// Only rows with (`true`) or without (`false`) an actual.
    pub actuals_present: Option<bool>,
    /// Models (default: the current one).
    pub model_id: Option<Vec<String>>,
}
