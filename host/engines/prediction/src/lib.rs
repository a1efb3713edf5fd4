//! Plinth's prediction engine (`kind = "prediction"`): ONNX models exported from
//! scikit-learn, served with the Dataiku API node's `predict`, `predict-multi` and
//! `predict-simple` answers.
//!
//! At load: `model.json` (the feature schema, classes, percentiles, importance) is parsed,
//! `model.onnx` becomes a runnable plan on tract or ONNX Runtime ([`plinth_onnx`]), the
//! reference rows give the ICE modalities and the Shapley background (scored once), and the
//! enrichment datasets are indexed. Per call: enrichment, features → typed columns, one batched
//! model run, explanations as one more batched run, answers in the reference's shapes.

pub mod answer;
pub use plinth_features::cell;
pub mod config;
pub mod doc;
pub mod endpoint;
pub mod enrich;
pub mod explain;
pub mod model;
pub mod monitoring;
pub use plinth_features::record;
pub mod reference;
pub use plinth_features::schema;
pub mod stop;

pub use config::{ItemErrorPolicy, PredictionConfig, PredictionSettings};
pub use endpoint::{MAX_ITEMS, PREDICTION_ACTIONS, PredictionEndpoint};
pub use model::{Model, Row};
pub use schema::Schema;

use async_trait::async_trait;
use config::parse_engine;
use enrich::Enrichment;
use plinth_engine_api::{Endpoint, EngineFactory, LoadContext, LoadError};
use plinth_onnx::{Backend, LoadOptions, OnnxError};
use std::sync::Arc;

/// The manifest `kind` of prediction endpoints.
pub const KIND: &str = "prediction";

/// Loads `kind = "prediction"` endpoints.
#[derive(Clone, Debug, Default)]
pub struct PredictionFactory;

#[async_trait]
impl EngineFactory for PredictionFactory {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn load(&self, ctx: LoadContext) -> Result<Arc<dyn Endpoint>, LoadError> {
        let config: PredictionConfig = ctx.parse_config()?;
        let settings: PredictionSettings = ctx.server.engine_settings(KIND)?;
        let endpoint = tokio::task::spawn_blocking(move || load_blocking(&ctx, &config, &settings))
            .await
            .map_err(|e| {
                LoadError::general(format!("loading the model stopped unexpectedly: {e}"))
            })??;
        Ok(Arc::new(endpoint))
    }
}

/// Everything slow of a load: reading artifacts, building the plan, precomputing explanations.
fn load_blocking(
    ctx: &LoadContext,
    config: &PredictionConfig,
    settings: &PredictionSettings,
) -> Result<PredictionEndpoint, LoadError> {
    let [onnx, schema_file, reference_file] = config.artifacts()?;
    let onnx_path = ctx.artifact(onnx.0, &onnx.1)?;
    let schema_path = ctx.artifact(schema_file.0, &schema_file.1)?;
    let reference_path = ctx.artifact(reference_file.0, &reference_file.1)?;
    let text = std::fs::read_to_string(&schema_path)
        .map_err(|e| LoadError::field(schema_file.0, format!("{}: {e}", schema_file.1)))?;
    let schema = Schema::parse(&text)
        .map_err(|m| LoadError::field(schema_file.0, format!("{}: {m}", schema_file.1)))?;
    let backend = backend(config, settings)?;
    let options = LoadOptions {
        onnxruntime_library: settings.onnxruntime_library.clone(),
    };
    let scorer = plinth_onnx::load(&onnx_path, backend, &options).map_err(|e| match e {
        OnnxError::Unavailable(_) => LoadError::field("engine", e.to_string()),
        _ => LoadError::field(onnx.0, format!("{}: {e}", onnx.1)),
    })?;
    let model = Model::new(schema, scorer).map_err(|m| {
        LoadError::field(
            schema_file.0,
            format!("{} does not match {}: {m}", schema_file.1, onnx.1),
        )
    })?;
    let reference = reference::read_reference(&reference_path, &model.schema)
        .map_err(|m| LoadError::field(reference_file.0, format!("{}: {m}", reference_file.1)))?;
    let enrichments = config
        .enrichment
        .iter()
        .enumerate()
        .map(|(n, e)| Enrichment::load(ctx, n, e, &model.schema))
        .collect::<Result<Vec<_>, _>>()?;
    // Monitoring's baseline: the bundle's own (the `baseline` field, or `<model>/baseline.csv`
    // when present), else the reference rows.
    let baseline = match config.baseline_artifact() {
        Some(("baseline", path)) => Some(("baseline", ctx.artifact("baseline", &path)?, path)),
        Some((field, path)) => ctx
            .artifact(field, &path)
            .ok()
            .filter(|p| p.is_file())
            .map(|p| (field, p, path)),
        None => None,
    };
    let (baseline_field, baseline_path, baseline_file) = baseline.unwrap_or((
        reference_file.0,
        reference_path.clone(),
        reference_file.1.clone(),
    ));
    let reference_json = monitoring::read_reference_json(&baseline_path, &model.schema)
        .map_err(|m| LoadError::field(baseline_field, format!("{baseline_file}: {m}")))?;
    PredictionEndpoint::new(
        model,
        &reference,
        enrichments,
        config.explanation_defaults(settings)?,
        config.item_policy()?,
    )
    .map(|endpoint| endpoint.with_monitoring_reference(reference_json))
    .map_err(|m| LoadError::field(reference_file.0, m))
}

/// The manifest's `engine`, else the server's `default_engine`, else tract.
fn backend(config: &PredictionConfig, settings: &PredictionSettings) -> Result<Backend, LoadError> {
    match (&config.engine, &settings.default_engine) {
        (Some(e), _) => parse_engine("engine", e),
        (None, Some(e)) => parse_engine("engine", e).map_err(|err| {
            LoadError::general(format!(
                "server configuration [engines.prediction] default_engine: {}",
                err.message
            ))
        }),
        (None, None) => Ok(Backend::Tract),
    }
}
