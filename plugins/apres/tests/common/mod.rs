//! The harness of the Apres HTTP tests: a host with one service `shop` (a three-class model
//! `species`, a regression `price`, a function `fn`), an invoker that classifies by the
//! feature `x` (a non-numeric `x` is refused with a 400, as an engine refuses a bad record),
//! and the jobs and Apres plugins started on one database. [`on_both`] runs a test on SQLite
//! and on PostgreSQL.
#![allow(dead_code)]

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use plinth_jobs::{JobRecord, JobState, Jobs};
use plinth_plugin_api::{
    Action, ApiError, Clock, EndpointView, EventBus, GenerationView, HostView, Invocation, Invoked,
    Invoker, ModelInfo, ModelTask, Plugin, PluginContext, PluginDb, Principal, PrincipalScope,
    ServiceView, Shared, Shutdown, SystemClock,
};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub const ADMIN: &str = "Bearer the-admin";
pub const CLASSES: [&str; 3] = ["small", "medium", "large"];

struct Shop;

fn prediction(id: &str, task: Option<ModelTask>) -> EndpointView {
    EndpointView {
        id: id.into(),
        kind: if task.is_some() {
            "prediction"
        } else {
            "function"
        }
        .into(),
        description: None,
        generation: "v1".into(),
        describe: json!({}),
        model: task.map(|task| {
            Arc::new(ModelInfo {
                task,
                target_name: Some("size".into()),
                classes: if task == ModelTask::Multiclass {
                    CLASSES.map(str::to_owned).to_vec()
                } else {
                    vec![]
                },
                positive_class: None,
                features: vec![],
                reference: vec![],
            })
        }),
    }
}

#[async_trait]
impl HostView for Shop {
    fn services(&self) -> Vec<ServiceView> {
        self.service("shop").into_iter().collect()
    }

    fn service(&self, id: &str) -> Option<ServiceView> {
        (id == "shop").then(|| ServiceView {
            id: "shop".into(),
            description: None,
            enabled: true,
            public: false,
            routed: vec![("v1".into(), 1.0)],
            generations: vec![GenerationView {
                id: "v1".into(),
                seq: 1,
                created_at_ms: 1_750_000_000_000,
            }],
            inactive_endpoints: vec![],
            created_at_ms: 1_750_000_000_000,
        })
    }

    async fn endpoints(&self, service: &str, _: Option<&str>) -> Option<Vec<EndpointView>> {
        (service == "shop").then(|| {
            vec![
                prediction("species", Some(ModelTask::Multiclass)),
                prediction("price", Some(ModelTask::Regression)),
                prediction("fn", None),
            ]
        })
    }

    fn authenticate(&self, authorization: &str) -> Option<Principal> {
        let scope = match authorization {
            ADMIN => PrincipalScope::Admin,
            "Bearer shop-key" => PrincipalScope::Service("shop".into()),
            _ => return None,
        };
        Some(Principal {
            key_id: "k".into(),
            scope,
        })
    }

    async fn set_endpoint_active(&self, _: &str, _: &str, _: bool) -> Result<(), ApiError> {
        Ok(())
    }
}

/// What `/predict` answers for features: probabilities from `x` (softmax of three lines).
pub fn predict(endpoint: &str, features: &Map<String, Value>) -> Result<Value, ApiError> {
    let x = features
        .get("x")
        .and_then(Value::as_f64)
        .ok_or_else(|| ApiError::new(400, "InvalidInput", "feature x must be a number"))?;
    if endpoint == "price" {
        return Ok(json!({"prediction": 3.0 * x - 1.0}));
    }
    let scores = [-x, 0.5, x - 1.0].map(f64::exp);
    let sum: f64 = scores.iter().sum();
    let probas: Map<String, Value> = CLASSES
        .iter()
        .zip(scores)
        .map(|(c, s)| (c.to_string(), json!(s / sum)))
        .collect();
    let best = (0..3)
        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
        .unwrap();
    Ok(json!({"prediction": CLASSES[best], "probas": probas}))
}

pub struct Scorer;

#[async_trait]
impl Invoker for Scorer {
    async fn invoke(&self, origin: &str, call: Invocation) -> Result<Invoked, ApiError> {
        assert_eq!(origin, "apres");
        let mut body = Map::new();
        if call.action == Action::PredictMulti {
            let items = call.input["items"].as_array().cloned().unwrap_or_default();
            let mut results = Vec::new();
            for item in items {
                let features = item["features"].as_object().cloned().unwrap_or_default();
                results.push(predict(&call.endpoint, &features)?);
            }
            body.insert("results".into(), Value::Array(results));
        } else {
            let features = call.input["features"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            body.insert("result".into(), predict(&call.endpoint, &features)?);
        }
        Ok(Invoked {
            generation: "v1".into(),
            body,
        })
    }
}

pub struct Env {
    pub name: &'static str,
    pub router: Router,
    pub jobs: Arc<Jobs>,
    pub dir: tempfile::TempDir,
    pub stop: tokio::sync::watch::Sender<bool>,
}

pub async fn start(url: &str, name: &'static str, config: Value) -> Env {
    let db = PluginDb::connect(url).await.expect("connect");
    db.migrate("jobs", plinth_jobs::MIGRATIONS).await.unwrap();
    db.migrate("apres", plinth_apres::MIGRATIONS).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let jobs = Jobs::open(
        db.clone(),
        clock.clone(),
        plinth_jobs::Config {
            workers: 1,
            chunk_items: 4,
            retry_backoff_ms: 50,
            lease_ms: 2_000,
            ..Default::default()
        },
        dir.path(),
    )
    .await
    .unwrap();
    let shared = Arc::new(Shared::default());
    shared.insert(jobs.clone());
    let (stop, shutdown) = Shutdown::channel();
    let ctx = PluginContext::new(
        "apres",
        db.clone(),
        Arc::new(Shop),
        Arc::new(Scorer),
        config,
        dir.path().to_path_buf(),
        clock,
        shutdown.clone(),
        shared,
        Arc::new(EventBus::new()),
    );
    let started = plinth_apres::ApresPlugin.start(ctx).await.expect("start");
    jobs.spawn(&shutdown);
    Env {
        name,
        // The plugin's routes come with their OpenAPI document; the tests need the router.
        router: Router::from(started.routes).merge(plinth_jobs::download_router(jobs.clone())),
        jobs,
        dir,
        stop,
    }
}

/// Runs `body` on SQLite, then on PostgreSQL, the plugin started with `config`.
pub async fn on_both<F, Fut>(test: &str, config: Value, body: F)
where
    F: Fn(Env) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let start = |url: String, name| {
        let config = config.clone();
        async move { start(&url, name, config).await }
    };
    plinth_plugin_api::test_db::on_both(test, start, body).await;
}

/// An answer: status, `X-Total-Count`, body (JSON, or the text as a JSON string).
pub struct Answer {
    pub status: u16,
    pub total: Option<String>,
    pub body: Value,
    pub text: String,
}

pub async fn call(
    env: &Env,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<Vec<u8>>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(a) = authorization {
        request = request.header(header::AUTHORIZATION, a);
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let request = request.body(Body::from(body.unwrap_or_default())).unwrap();
    let response = env.router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let total = response
        .headers()
        .get("x-total-count")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 28)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(text.clone()));
    Answer {
        status,
        total,
        body,
        text,
    }
}

/// A JSON request sent the way curl `-d` sends it (form-encoded Content-Type).
pub async fn send(env: &Env, method: &str, path: &str, key: &str, body: &Value) -> Answer {
    call(
        env,
        method,
        path,
        Some(key),
        Some(body.to_string().into_bytes()),
        &[("content-type", "application/x-www-form-urlencoded")],
    )
    .await
}

pub async fn get(env: &Env, path: &str, key: &str) -> Answer {
    call(env, "GET", path, Some(key), None, &[]).await
}

/// A recipe over `endpoint` made through the admin route: `(id, api_key)`.
pub async fn recipe(env: &Env, endpoint: &str) -> (String, String) {
    let a = call(
        env,
        "POST",
        "/admin/api/apres/recipes",
        Some(ADMIN),
        Some(
            json!({"service": "shop", "endpoint": endpoint})
                .to_string()
                .into_bytes(),
        ),
        &[],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    (
        a.body["id"].as_str().unwrap().to_owned(),
        a.body["api_key"].as_str().unwrap().to_owned(),
    )
}

/// Base64 of a text.
pub fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The batch body of these `(name, csv)` files.
pub fn batch_body(files: &[(&str, &str)]) -> Value {
    json!({"files": files.iter().map(|(n, c)| json!({"file": n, "data": b64(c)})).collect::<Vec<_>>()})
}

/// Waits for the job of a batch to end.
pub async fn ended(env: &Env, id: &str) -> JobRecord {
    for _ in 0..600 {
        let job = env.jobs.get(id).await.unwrap().expect("the batch's job");
        if matches!(job.state, JobState::Done | JobState::Failed) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("batch {id} did not end");
}

/// The path and query of an absolute link the plugin handed out.
pub fn local(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_owned()
}
