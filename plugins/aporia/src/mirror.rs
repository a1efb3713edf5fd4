//! What is deployed is registered: each prediction endpoint of a service is a model
//! (`<service>~<endpoint>`, `source: "plinth"`) and each generation that serves or was newest a
//! version named after it, with the model's type, schema and feature importance.
//!
//! The mirror compares a fingerprint of every service (its generations and routing) with the
//! one it last synchronised, so it is cheap to call before every registry read; it also runs at
//! start and on each admin event. A deleted service's models are marked retired, never deleted.

use crate::registry::{Model, Registry, Version};
use plinth_plugin_api::{FeatureKind, HostView, ModelInfo, ModelTask, ServiceView};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The separator of a mirrored model's id: never part of a Plinth id.
pub const SEPARATOR: char = '~';

/// The id of the model of a deployed endpoint.
pub fn model_id(service: &str, endpoint: &str) -> String {
    format!("{service}{SEPARATOR}{endpoint}")
}

/// Keeps the registry in step with the host.
pub struct Mirror {
    host: Arc<dyn HostView>,
    registry: Registry,
    /// Per service, the fingerprint last synchronised; `None` before the first run.
    known: tokio::sync::Mutex<Option<HashMap<String, String>>>,
}

fn fingerprint(s: &ServiceView) -> String {
    let mut out = String::new();
    for g in &s.generations {
        out.push_str(&g.id);
        out.push('\u{1}');
    }
    for (g, share) in &s.routed {
        out.push_str(&format!("{g}={share}\u{2}"));
    }
    out
}

/// The generations a service's models get versions for: the routed ones and the newest.
fn mirrored_generations(s: &ServiceView) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    let newest = s.generations.iter().max_by_key(|g| g.seq);
    for g in &s.generations {
        let routed = s.routed.iter().any(|(id, _)| *id == g.id);
        if routed || newest.is_some_and(|n| n.id == g.id) {
            out.push((g.id.clone(), g.created_at_ms));
        }
    }
    out
}

/// `model_type` of a task.
pub fn model_type(task: ModelTask) -> &'static str {
    match task {
        ModelTask::Regression => "regression",
        ModelTask::Binary => "binary",
        ModelTask::Multiclass => "multiclass",
    }
}

/// The version schema of a deployed model.
pub fn version_schema(model: &ModelInfo) -> Value {
    let features: Map<String, Value> = model
        .features
        .iter()
        .map(|f| {
            let kind = match f.kind {
                FeatureKind::Numeric => "numeric",
                FeatureKind::Categorical => "categorical",
            };
            (f.name.clone(), Value::from(kind))
        })
        .collect();
    let target = model
        .target_name
        .clone()
        .unwrap_or_else(|| "prediction".to_owned());
    let prediction = match model.task {
        ModelTask::Regression => "numeric",
        ModelTask::Binary => "boolean",
        ModelTask::Multiclass => "categorical",
    };
    json!({"features": features, "predictions": {target: prediction}})
}

/// The feature importance a deployed model declares, if any.
pub fn feature_importance(model: &ModelInfo) -> Option<Value> {
    let map: Map<String, Value> = model
        .features
        .iter()
        .filter_map(|f| f.importance.map(|i| (f.name.clone(), Value::from(i))))
        .collect();
    (!map.is_empty()).then_some(Value::Object(map))
}

impl Mirror {
    /// A mirror of `host` into `registry`.
    pub fn new(host: Arc<dyn HostView>, registry: Registry) -> Mirror {
        Mirror {
            host,
            registry,
            known: tokio::sync::Mutex::new(None),
        }
    }

    /// Brings the registry up to date with the host's services.
    pub async fn ensure_current(&self, now: i64) -> Result<(), sqlx::Error> {
        let mut known = self.known.lock().await;
        let first = known.is_none();
        let known = known.get_or_insert_with(HashMap::new);
        let services = self.host.services();
        let live: HashSet<&str> = services.iter().map(|s| s.id.as_str()).collect();
        for s in &services {
            let fp = fingerprint(s);
            if known.get(&s.id) != Some(&fp) {
                self.sync_service(s, now).await?;
                known.insert(s.id.clone(), fp);
            }
        }
        let vanished = known.keys().any(|k| !live.contains(k.as_str()));
        if first || vanished {
            known.retain(|k, _| live.contains(k.as_str()));
            for m in self.registry.models().await? {
                let gone = m.service_id.as_deref().is_some_and(|s| !live.contains(s));
                if m.source == "plinth" && !m.retired && gone {
                    self.registry.set_retired(&m.id, true).await?;
                }
            }
        }
        Ok(())
    }

    async fn sync_service(&self, s: &ServiceView, now: i64) -> Result<(), sqlx::Error> {
        let mut endpoints_seen: HashSet<String> = HashSet::new();
        // Whether every mirrored generation could be read (else nothing is retired).
        let mut complete = true;
        for (generation, created_at) in mirrored_generations(s) {
            let Some(endpoints) = self.host.endpoints(&s.id, Some(&generation)).await else {
                complete = false;
                continue;
            };
            for e in endpoints {
                let Some(model) = e.model.as_deref() else {
                    continue;
                };
                endpoints_seen.insert(e.id.clone());
                let id = model_id(&s.id, &e.id);
                match self.registry.model(&id).await? {
                    Some(m) if m.retired => self.registry.set_retired(&id, false).await?,
                    Some(_) => {}
                    None => {
                        let m = Model {
                            id: id.clone(),
                            name: format!("{} {}", s.id, e.id),
                            description: e.description.clone().or_else(|| s.description.clone()),
                            color: "blue".into(),
                            icon: "general".into(),
                            owner: None,
                            source: "plinth".into(),
                            service_id: Some(s.id.clone()),
                            endpoint_id: Some(e.id.clone()),
                            retired: false,
                            created_at: now,
                        };
                        self.registry.insert_model(&m, &Default::default()).await?;
                    }
                }
                if self.registry.version(&id, &generation).await?.is_none() {
                    let v = Version {
                        id: crate::app::new_uuid(),
                        model_id: id.clone(),
                        name: generation.clone(),
                        model_type: model_type(model.task).into(),
                        schema: version_schema(model),
                        feature_importance: feature_importance(model),
                        feature_positions: None,
                        request: None,
                        created_at: if created_at > 0 { created_at } else { now },
                    };
                    self.registry.insert_version(&v).await?;
                }
            }
        }
        for m in self.registry.models_of_service(&s.id).await? {
            let live = m
                .endpoint_id
                .as_deref()
                .is_some_and(|e| endpoints_seen.contains(e));
            if complete && !live && !m.retired {
                self.registry.set_retired(&m.id, true).await?;
            }
        }
        Ok(())
    }
}
