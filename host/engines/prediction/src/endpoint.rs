//! The prediction endpoint: `predict`, `predict-multi` and `predict-simple`.
//!
//! A call goes enrich → convert (features → rows) → score (one batch) → explain (one batch of
//! perturbed rows) → shape. Scoring runs on the blocking pool so that a large batch never
//! stalls the server's async workers.

use crate::answer;
use crate::config::{ItemErrorPolicy, engine_name};
use crate::enrich::Enrichment;
use crate::explain::{Explainer, ExplanationDefaults, ExplanationOptions, Subject};
use crate::model::{Model, Row};
use crate::record::{features_from_query, row_from_features};
use crate::stop::StopFlag;
use async_trait::async_trait;
use plinth_engine_api::{Action, ApiError, Endpoint, Input, ModelInfo, Reply, Request, ScoredRows};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

/// The actions of prediction endpoints.
pub const PREDICTION_ACTIONS: &[Action] =
    &[Action::Predict, Action::PredictMulti, Action::PredictSimple];

/// The most items one predict-multi call takes (a 100,000-item body is ~10 MB, within the
/// host's 16 MiB limit).
pub const MAX_ITEMS: usize = 100_000;

/// `ignoreReason` of a predict-multi item whose features could not be used (wrong type,
/// missing required feature) under the `IGNORE` item policy; `message` says why.
pub const INVALID_ITEM_REASON: &str = "IGNORED_BY_MODEL";

/// A loaded prediction endpoint. Cheap to clone and share.
#[derive(Clone)]
pub struct PredictionEndpoint {
    inner: Arc<Inner>,
}

struct Inner {
    model: Model,
    explainer: Explainer,
    enrichments: Vec<Enrichment>,
    defaults: ExplanationDefaults,
    item_policy: ItemErrorPolicy,
    /// The model as monitoring sees it (features, classes, reference sample as JSON).
    info: Arc<ModelInfo>,
}

/// Engine timing entries (name, µs).
type Timing = Vec<(&'static str, u64)>;

/// What scoring a call yields: the answer's results, the engine's timings, and the scored rows
/// when monitoring asked for them.
type Scored = (Vec<Value>, Timing, Option<Box<ScoredRows>>);

/// What became of one record before scoring.
enum Prepared {
    Row(Row),
    Ignored(Value),
}

impl PredictionEndpoint {
    /// Builds an endpoint from a model and its reference rows (precomputes the explanation
    /// data, scoring the Shapley background once).
    pub fn new(
        model: Model,
        reference: &[Row],
        enrichments: Vec<Enrichment>,
        defaults: ExplanationDefaults,
        item_policy: ItemErrorPolicy,
    ) -> Result<PredictionEndpoint, String> {
        let explainer = Explainer::build(&model, reference)?;
        let info = Arc::new(crate::monitoring::model_info(&model.schema, Vec::new()));
        Ok(PredictionEndpoint {
            inner: Arc::new(Inner {
                model,
                explainer,
                enrichments,
                defaults,
                item_policy,
                info,
            }),
        })
    }

    /// Sets the reference sample monitoring uses as the baseline (rows as callers send them,
    /// missing values as `null`). Call right after [`PredictionEndpoint::new`].
    pub fn with_monitoring_reference(
        mut self,
        rows: Vec<Map<String, Value>>,
    ) -> PredictionEndpoint {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.info = Arc::new(crate::monitoring::model_info(&inner.model.schema, rows));
        }
        self
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.inner.model
    }

    /// The explanation data precomputed at load.
    pub fn explainer(&self) -> &Explainer {
        &self.inner.explainer
    }

    /// Answers a request synchronously (what [`Endpoint::serve`] runs on the blocking pool).
    pub fn serve_blocking(&self, request: Request) -> Result<Reply, ApiError> {
        self.inner.serve(request, &StopFlag::default())
    }
}

impl Inner {
    fn serve(&self, request: Request, stop: &StopFlag) -> Result<Reply, ApiError> {
        let observe = request.observe;
        match (request.action, request.input) {
            (Action::PredictSimple, Input::Query(pairs)) => {
                let features = features_from_query(pairs)?;
                self.predict_one(features, None, observe, stop)
            }
            (Action::PredictSimple, Input::Json(map)) => self.predict_one(map, None, observe, stop),
            (Action::Predict, input) => {
                let mut body = json_body(input);
                let features = match body.remove("features") {
                    Some(Value::Object(f)) => f,
                    None | Some(Value::Null) => {
                        return Err(ApiError::invalid_input(
                            "features",
                            "missing; expected {\"features\": {\"name\": value, ...}}",
                        ));
                    }
                    Some(other) => {
                        return Err(ApiError::invalid_input(
                            "features",
                            format!(
                                "expected an object of feature values, found {}",
                                kind_of(&other)
                            ),
                        ));
                    }
                };
                self.predict_one(features, body.get("explanations"), observe, stop)
            }
            (Action::PredictMulti, input) => self.predict_multi(json_body(input), observe, stop),
            (other, _) => Err(ApiError::not_found(
                "UnsupportedAction",
                format!("a prediction endpoint does not answer {other}"),
            )),
        }
    }

    fn predict_one(
        &self,
        features: Map<String, Value>,
        explanations: Option<&Value>,
        observe: bool,
        stop: &StopFlag,
    ) -> Result<Reply, ApiError> {
        let options = self.defaults.resolve(explanations)?;
        let (mut results, timing, scored) =
            self.predict(vec![Ok(features)], options, true, observe, stop)?;
        let mut reply = Reply::member("result", results.pop().unwrap_or(Value::Null));
        reply.timing = timing;
        reply.scored = scored;
        Ok(reply)
    }

    fn predict_multi(
        &self,
        mut body: Map<String, Value>,
        observe: bool,
        stop: &StopFlag,
    ) -> Result<Reply, ApiError> {
        let options = self.defaults.resolve(body.get("explanations"))?;
        let items = match body.remove("items") {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => {
                return Err(ApiError::invalid_input(
                    "items",
                    "missing; expected {\"items\": [{\"features\": {...}}, ...]}",
                ));
            }
            Some(other) => {
                return Err(ApiError::invalid_input(
                    "items",
                    format!(
                        "expected an array of {{\"features\": {{...}}}} objects, found {}",
                        kind_of(&other)
                    ),
                ));
            }
        };
        if items.len() > MAX_ITEMS {
            return Err(ApiError::new(
                400,
                "TooManyItems",
                format!(
                    "{} items in one predict-multi call; at most {MAX_ITEMS} are accepted: split the call",
                    items.len()
                ),
            ));
        }
        let items = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(mut m) => match m.remove("features") {
                    Some(Value::Object(f)) => Ok(f),
                    other => Err(ApiError::invalid_input(
                        &format!("items[{i}].features"),
                        format!(
                            "expected an object of feature values, found {}",
                            other.as_ref().map_or("nothing", kind_of)
                        ),
                    )),
                },
                other => Err(ApiError::invalid_input(
                    &format!("items[{i}]"),
                    format!(
                        "expected {{\"features\": {{...}}}}, found {}",
                        kind_of(&other)
                    ),
                )),
            })
            .collect();
        let (results, timing, scored) = self.predict(items, options, false, observe, stop)?;
        let mut reply = Reply::member("results", Value::Array(results));
        reply.timing = timing;
        reply.scored = scored;
        Ok(reply)
    }

    /// Scores records; `single` makes a bad record fail the call (predict) instead of being
    /// answered `ignored` (predict-multi under the `IGNORE` item policy). `observe` also
    /// returns the scored rows (features as seen, outputs) for monitoring.
    fn predict(
        &self,
        items: Vec<Result<Map<String, Value>, ApiError>>,
        options: Option<ExplanationOptions>,
        single: bool,
        observe: bool,
        stop: &StopFlag,
    ) -> Result<Scored, ApiError> {
        if let Some(options) = &options {
            self.defaults.check_cost(options, items.len())?;
        }
        let mut timing = Vec::new();
        let schema = &self.model.schema;
        let bad_item = |i: usize, e: ApiError| -> Result<Prepared, ApiError> {
            if single {
                return Err(e);
            }
            match self.item_policy {
                ItemErrorPolicy::Error => Err(ApiError {
                    message: format!("items[{i}]: {}", e.message),
                    ..e
                }),
                ItemErrorPolicy::Ignore => Ok(Prepared::Ignored(answer::ignored(
                    INVALID_ITEM_REASON,
                    Some(&e.message),
                ))),
            }
        };

        let started = Instant::now();
        let mut items = items;
        let mut dropped: Vec<Option<Value>> = vec![None; items.len()];
        // The features as received, kept only when monitoring asks and enrichment changes them.
        let received: Vec<Option<Map<String, Value>>> = if observe && !self.enrichments.is_empty() {
            items.iter().map(|i| i.as_ref().ok().cloned()).collect()
        } else {
            Vec::new()
        };
        if !self.enrichments.is_empty() {
            for (i, item) in items.iter_mut().enumerate() {
                let Ok(features) = item else { continue };
                for enrichment in &self.enrichments {
                    if let Some(reason) = enrichment.apply(features)? {
                        dropped[i] = Some(answer::ignored(reason.as_str(), None));
                        break;
                    }
                }
            }
            timing.push(("enrich", micros(started)));
        }

        let mut prepared = Vec::with_capacity(items.len());
        let mut seen: Vec<Map<String, Value>> = Vec::new();
        for (i, (item, drop)) in items.into_iter().zip(dropped).enumerate() {
            let (next, features) = match (item, drop) {
                (item, Some(ignored)) => (Prepared::Ignored(ignored), item.unwrap_or_default()),
                (Err(e), None) => (bad_item(i, e)?, Map::new()),
                (Ok(features), None) => match row_from_features(schema, &features) {
                    Ok(row) => (Prepared::Row(row), features),
                    Err(e) => (bad_item(i, e)?, features),
                },
            };
            prepared.push(next);
            if observe {
                seen.push(features);
            }
        }

        let started = Instant::now();
        let scored: Vec<&Row> = prepared
            .iter()
            .filter_map(|p| match p {
                Prepared::Row(r) => Some(r),
                Prepared::Ignored(_) => None,
            })
            .collect();
        let mut builder = self.model.builder(scored.len());
        for row in &scored {
            builder.push(row);
        }
        let outputs = self.model.run(&builder.finish())?;
        timing.push(("predictionInternal", micros(started)));

        let explanations = match options {
            None => None,
            Some(options) => {
                let started = Instant::now();
                let subjects: Vec<Subject<'_>> = scored
                    .iter()
                    .enumerate()
                    .map(|(k, row)| Subject {
                        row,
                        output: outputs.row(k),
                    })
                    .collect();
                let values = self
                    .explainer
                    .explain(&self.model, &subjects, &options, stop)?;
                timing.push(("explanations", micros(started)));
                Some(values)
            }
        };

        let scored = observe.then(|| {
            Box::new(crate::monitoring::scored_rows(
                schema,
                &prepared_kinds(&prepared),
                &outputs,
                seen,
                received,
            ))
        });
        let mut k = 0;
        let results = prepared
            .into_iter()
            .map(|p| match p {
                Prepared::Ignored(v) => v,
                Prepared::Row(_) => {
                    let value = answer::result(
                        schema,
                        outputs.row(k),
                        explanations.as_ref().map(|e| e[k].as_slice()),
                    );
                    k += 1;
                    value
                }
            })
            .collect();
        Ok((results, timing, scored))
    }
}

/// Which prepared records were scored (`true`) or ignored.
fn prepared_kinds(prepared: &[Prepared]) -> Vec<bool> {
    prepared
        .iter()
        .map(|p| matches!(p, Prepared::Row(_)))
        .collect()
}

#[async_trait]
impl Endpoint for PredictionEndpoint {
    fn kind(&self) -> &'static str {
        crate::KIND
    }

    fn actions(&self) -> &'static [Action] {
        PREDICTION_ACTIONS
    }

    fn describe(&self) -> Value {
        let inner = &self.inner;
        let mut d = match inner.model.schema.describe() {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        d.insert(
            "engine".into(),
            Value::String(engine_name(inner.model.backend()).into()),
        );
        d.insert(
            "enrichments".into(),
            Value::Array(inner.enrichments.iter().map(Enrichment::describe).collect()),
        );
        d.insert(
            "explanations".into(),
            serde_json::json!({
                "enabled": inner.defaults.enabled,
                "method": inner.defaults.method.as_str(),
                "nExplanations": inner.defaults.n_explanations,
                "nMonteCarloSteps": inner.defaults.n_monte_carlo_steps,
            }),
        );
        d.insert(
            "onItemError".into(),
            Value::String(match inner.item_policy {
                ItemErrorPolicy::Ignore => "IGNORE".into(),
                ItemErrorPolicy::Error => "ERROR".into(),
            }),
        );
        d.insert("maxItems".into(), Value::from(MAX_ITEMS));
        Value::Object(d)
    }

    fn call_doc(&self) -> plinth_engine_api::CallDoc {
        crate::doc::call_doc(&self.inner.model.schema)
    }

    async fn serve(&self, request: Request) -> Result<Reply, ApiError> {
        let this = self.clone();
        let stop = StopFlag::default();
        // Dropped with this future (the host's deadline passed): the blocking work stops at
        // its next checkpoint.
        let _stop_when_abandoned = stop.raise_on_drop();
        tokio::task::spawn_blocking(move || this.inner.serve(request, &stop))
            .await
            .map_err(|e| {
                ApiError::internal(
                    "PredictionFailed",
                    format!("the prediction stopped unexpectedly: {e}"),
                )
            })?
    }

    fn model_info(&self) -> Option<Arc<ModelInfo>> {
        Some(self.inner.info.clone())
    }
}

fn json_body(input: Input) -> Map<String, Value> {
    match input {
        Input::Json(map) => map,
        Input::Query(pairs) => pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn micros(since: Instant) -> u64 {
    since.elapsed().as_micros().min(u128::from(u64::MAX)) as u64
}
