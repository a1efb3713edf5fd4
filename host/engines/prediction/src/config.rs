//! The manifest fields of a `kind = "prediction"` endpoint and the server-wide
//! `[engines.prediction]` settings (both documented in the crate's README).

use crate::explain::{ExplanationDefaults, MAX_STEPS, MIN_STEPS, Method};
use plinth_engine_api::LoadError;
use plinth_onnx::Backend;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The endpoint's table in `plinth.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionConfig {
    /// Folder inside the bundle holding `model.onnx`, `model.json` and `reference.csv`.
    pub model: Option<String>,
    /// The ONNX graph (default `<model>/model.onnx`).
    pub onnx: Option<String>,
    /// The serving metadata (default `<model>/model.json`).
    pub schema: Option<String>,
    /// The reference rows (default `<model>/reference.csv`).
    pub reference: Option<String>,
    /// The baseline of monitoring (drift): a CSV of rows like the reference's, e.g. a larger or
    /// more recent sample (default `<model>/baseline.csv` when the bundle ships one, else the
    /// reference rows).
    pub baseline: Option<String>,
    /// `tract` or `onnxruntime`; default from `[engines.prediction] default_engine`.
    pub engine: Option<String>,
    /// What a bad item of a predict-multi call does: `IGNORE` (default) or `ERROR`.
    pub on_item_error: Option<String>,
    /// Explanation defaults.
    pub explanations: Option<ExplanationsConfig>,
    /// Enrichments, applied in order before scoring.
    #[serde(default)]
    pub enrichment: Vec<EnrichmentConfig>,
    /// The call's deadline in ms: enforced by the host (504), which stops the work between
    /// model runs; read here only so that the field is accepted.
    pub timeout_ms: Option<u64>,
}

/// `[endpoint.explanations]`: used when a request leaves a member null or absent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplanationsConfig {
    /// Explain when the request does not say (default false).
    pub enabled: Option<bool>,
    /// `ICE` (default) or `SHAPLEY`.
    pub method: Option<String>,
    /// Explanations per record (default 3).
    pub n_explanations: Option<i64>,
    /// Shapley steps, 25–1000 (default 100).
    pub n_monte_carlo_steps: Option<i64>,
    /// Largest Shapley work of one call, records × steps (default from
    /// `[engines.prediction] max_explanation_cost`, else 200,000).
    pub max_cost: Option<i64>,
}

/// `[[endpoint.enrichment]]`: extra features looked up by key before scoring.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichmentConfig {
    /// A CSV file inside the bundle.
    pub dataset: Option<String>,
    /// Or the id of a lookup endpoint declared earlier in the same manifest.
    pub lookup: Option<String>,
    /// Request feature → key column.
    pub key: BTreeMap<String, String>,
    /// Model feature → dataset column supplying it; default: every column named like a feature.
    pub columns: Option<BTreeMap<String, String>>,
    /// `IGNORE` (default), `DROP_ROW` or `ERROR`.
    pub on_missing_key: Option<String>,
    /// `IGNORE` (default), `DROP_ROW` or `ERROR`.
    pub on_no_match: Option<String>,
    /// `KEEP_FIRST` (default), `DROP_ROW` or `ERROR`.
    pub on_multiple_matches: Option<String>,
}

/// `[engines.prediction]` in the server configuration.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionSettings {
    /// `tract` (default) or `onnxruntime`.
    pub default_engine: Option<String>,
    /// Path of `libonnxruntime.so`; default `ORT_DYLIB_PATH`.
    pub onnxruntime_library: Option<PathBuf>,
    /// Default largest Shapley work of one call, records × steps (200,000 when unset).
    pub max_explanation_cost: Option<u64>,
}

/// What a bad item of a predict-multi call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ItemErrorPolicy {
    /// Answer the item `ignored: true` with its reason and score the others.
    #[default]
    Ignore,
    /// Fail the whole call with the item's error.
    Error,
}

/// Parses an engine name.
pub fn parse_engine(field: &str, text: &str) -> Result<Backend, LoadError> {
    match text.to_ascii_lowercase().as_str() {
        "tract" => Ok(Backend::Tract),
        "onnxruntime" | "ort" | "onnx-runtime" => Ok(Backend::OnnxRuntime),
        _ => Err(LoadError::field(
            field,
            format!("unknown engine \"{text}\"; expected \"tract\" or \"onnxruntime\""),
        )),
    }
}

/// The name of a backend as written in manifests.
pub fn engine_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Tract => "tract",
        Backend::OnnxRuntime => "onnxruntime",
    }
}

impl PredictionConfig {
    /// The item policy.
    pub fn item_policy(&self) -> Result<ItemErrorPolicy, LoadError> {
        match self
            .on_item_error
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("IGNORE") => Ok(ItemErrorPolicy::Ignore),
            Some("ERROR") => Ok(ItemErrorPolicy::Error),
            Some(_) => Err(LoadError::field(
                "on_item_error",
                format!(
                    "unknown policy \"{}\"; expected \"IGNORE\" or \"ERROR\"",
                    self.on_item_error.as_deref().unwrap_or_default()
                ),
            )),
        }
    }

    /// The explanation defaults.
    pub fn explanation_defaults(
        &self,
        settings: &PredictionSettings,
    ) -> Result<ExplanationDefaults, LoadError> {
        let mut d = ExplanationDefaults::default();
        if let Some(max) = settings.max_explanation_cost {
            d.max_cost = max.max(1) as usize;
        }
        let Some(c) = &self.explanations else {
            return Ok(d);
        };
        if let Some(max) = c.max_cost {
            if max < 1 {
                return Err(LoadError::field(
                    "explanations.max_cost",
                    format!("expected a positive number of records × steps, found {max}"),
                ));
            }
            d.max_cost = max as usize;
        }
        if let Some(e) = c.enabled {
            d.enabled = e;
        }
        if let Some(m) = &c.method {
            d.method = Method::parse(m).ok_or_else(|| {
                LoadError::field(
                    "explanations.method",
                    format!("unknown method \"{m}\"; expected \"ICE\" or \"SHAPLEY\""),
                )
            })?;
        }
        if let Some(n) = c.n_explanations {
            if n < 1 {
                return Err(LoadError::field(
                    "explanations.n_explanations",
                    format!("expected at least 1, found {n}"),
                ));
            }
            d.n_explanations = n as usize;
        }
        if let Some(n) = c.n_monte_carlo_steps {
            if !(MIN_STEPS as i64..=MAX_STEPS as i64).contains(&n) {
                return Err(LoadError::field(
                    "explanations.n_monte_carlo_steps",
                    format!("expected {MIN_STEPS} to {MAX_STEPS}, found {n}"),
                ));
            }
            d.n_monte_carlo_steps = n as usize;
        }
        Ok(d)
    }

    /// The baseline's path as written, with the field to blame: `baseline`, or `model` for the
    /// folder's `baseline.csv` (used only when that file exists).
    pub fn baseline_artifact(&self) -> Option<(&'static str, String)> {
        match (&self.baseline, &self.model) {
            (Some(path), _) => Some(("baseline", path.clone())),
            (None, Some(m)) => Some(("model", format!("{}/baseline.csv", m.trim_end_matches('/')))),
            (None, None) => None,
        }
    }

    /// The three artifact paths as written (relative to the bundle), each field's name first.
    pub fn artifacts(&self) -> Result<[(&'static str, String); 3], LoadError> {
        let from_folder = |file: &str| {
            self.model
                .as_ref()
                .map(|m| format!("{}/{file}", m.trim_end_matches('/')))
        };
        let pick = |field: &'static str, given: &Option<String>, file: &str| {
            given
                .clone()
                .map(|p| (field, p))
                .or_else(|| from_folder(file).map(|p| ("model", p)))
                .ok_or_else(|| {
                    LoadError::field(
                        "model",
                        format!("expected the model folder (holding model.onnx, model.json, reference.csv) or the field \"{field}\""),
                    )
                })
        };
        Ok([
            pick("onnx", &self.onnx, "model.onnx")?,
            pick("schema", &self.schema, "model.json")?,
            pick("reference", &self.reference, "reference.csv")?,
        ])
    }
}
