//! The test harness: a fake host (service `svc`: a binary classifier `clf`, a regression
//! `reg`, a model-less prediction endpoint `bare`), an invoker that scores by formula (a
//! non-numeric `x` is refused with a 400, as an engine refuses a bad record), the jobs,
//! monitoring and Vidora plugins started on one database, and signed requests through the
//! plugin's router. [`on_both`] runs a test on SQLite and on PostgreSQL.
#![allow(dead_code)]

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use plinth_jobs::{JobRecord, JobState, Jobs};
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{
    Action, ApiError, Clock, EndpointView, EventBus, GenerationView, HostView, Invocation, Invoked,
    Invoker, ModelInfo, ModelTask, Plugin, PluginContext, PluginDb, Principal, PrincipalScope,
    ServiceView, Shared, Shutdown, SystemClock,
};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tower::ServiceExt;

pub const SERVICE: &str = "svc";
pub const CLF: &str = "clf";
pub const REG: &str = "reg";
pub const BARE: &str = "bare";
pub const ADMIN: &str = "Bearer admin-token";

pub struct FakeHost;

fn model(task: ModelTask) -> ModelInfo {
    let classifier = task != ModelTask::Regression;
    ModelInfo {
        task,
        target_name: None,
        classes: if classifier {
            vec!["no".into(), "yes".into()]
        } else {
            vec![]
        },
        positive_class: classifier.then_some(1),
        features: vec![],
        reference: vec![],
    }
}

fn endpoint(id: &str, model: Option<ModelInfo>) -> EndpointView {
    EndpointView {
        id: id.into(),
        kind: "prediction".into(),
        description: None,
        generation: "g1".into(),
        describe: json!({}),
        model: model.map(Arc::new),
    }
}

#[async_trait]
impl HostView for FakeHost {
    fn services(&self) -> Vec<ServiceView> {
        self.service(SERVICE).into_iter().collect()
    }

    fn service(&self, id: &str) -> Option<ServiceView> {
        (id == SERVICE).then(|| ServiceView {
            id: SERVICE.into(),
            description: None,
            enabled: true,
            public: false,
            routed: vec![("g1".into(), 1.0)],
            generations: vec![GenerationView {
                id: "g1".into(),
                seq: 1,
                created_at_ms: 1_700_000_000_000,
            }],
            inactive_endpoints: vec![REG.into()],
            created_at_ms: 1_700_000_000_000,
        })
    }

    async fn endpoints(&self, service: &str, _g: Option<&str>) -> Option<Vec<EndpointView>> {
        (service == SERVICE).then(|| {
            vec![
                endpoint(CLF, Some(model(ModelTask::Binary))),
                endpoint(REG, Some(model(ModelTask::Regression))),
                endpoint(BARE, None),
                EndpointView {
                    kind: "function".into(),
                    ..endpoint("fn", None)
                },
            ]
        })
    }

    fn authenticate(&self, authorization: &str) -> Option<Principal> {
        let scope = match authorization {
            ADMIN => PrincipalScope::Admin,
            "Bearer monitoring-token" => PrincipalScope::Monitoring,
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

/// P(yes) of a record: a logistic of `x`.
pub fn p_yes(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What `/predict` answers for these features (the same function serves both actions).
pub fn predict(endpoint: &str, features: &Map<String, Value>) -> Result<Value, ApiError> {
    let x = features
        .get("x")
        .and_then(Value::as_f64)
        .ok_or_else(|| ApiError::new(400, "InvalidInput", "feature x must be a number"))?;
    Ok(if endpoint == CLF {
        let p = p_yes(x);
        json!({"prediction": if p >= 0.5 { "yes" } else { "no" }, "probas": {"no": 1.0 - p, "yes": p}})
    } else {
        json!({"prediction": 2.0 * x + 1.0})
    })
}

#[derive(Default)]
pub struct FakeInvoker {
    pub calls: AtomicUsize,
    /// The contexts the calls carried, in order.
    pub contexts: std::sync::Mutex<Vec<Value>>,
}

#[async_trait]
impl Invoker for FakeInvoker {
    async fn invoke(&self, origin: &str, call: Invocation) -> Result<Invoked, ApiError> {
        assert_eq!(origin, "vidora");
        self.calls.fetch_add(1, Ordering::SeqCst);
        let items = match call.action {
            Action::PredictMulti => call.input["items"].as_array().cloned().unwrap_or_default(),
            _ => vec![Value::Object(call.input.clone())],
        };
        let mut results = Vec::new();
        for item in &items {
            self.contexts
                .lock()
                .unwrap()
                .push(item.get("context").cloned().unwrap_or(Value::Null));
            let features = item["features"].as_object().cloned().unwrap_or_default();
            results.push(predict(&call.endpoint, &features)?);
        }
        let mut body = Map::new();
        if call.action == Action::PredictMulti {
            body.insert("results".into(), Value::Array(results));
        } else {
            body.insert("result".into(), results.remove(0));
        }
        Ok(Invoked {
            generation: "g1".into(),
            body,
        })
    }
}

pub struct Env {
    pub name: &'static str,
    pub db: PluginDb,
    pub router: Router,
    pub jobs: Arc<Jobs>,
    pub monitoring: Arc<Monitoring>,
    pub invoker: Arc<FakeInvoker>,
    pub dir: tempfile::TempDir,
    pub stop: tokio::sync::watch::Sender<bool>,
}

pub async fn start(url: &str, name: &'static str, config: Value) -> Env {
    let db = PluginDb::connect(url).await.expect("connect");
    db.migrate("jobs", plinth_jobs::MIGRATIONS).await.unwrap();
    db.migrate("vidora", plinth_vidora::MIGRATIONS)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let host: Arc<dyn HostView> = Arc::new(FakeHost);
    let invoker = Arc::new(FakeInvoker::default());
    let jobs = Jobs::open(
        db.clone(),
        clock.clone(),
        plinth_jobs::Config {
            workers: 1,
            chunk_items: 3,
            retry_backoff_ms: 50,
            lease_ms: 2_000,
            ..Default::default()
        },
        dir.path(),
    )
    .await
    .unwrap();
    let monitoring = Monitoring::open(db.clone(), host.clone(), invoker.clone(), clock.clone())
        .await
        .unwrap();
    let shared = Arc::new(Shared::default());
    shared.insert(jobs.clone());
    shared.insert(monitoring.clone());
    let (stop, shutdown) = Shutdown::channel();
    let ctx = PluginContext::new(
        "vidora",
        db.clone(),
        host,
        invoker.clone(),
        config,
        dir.path().to_path_buf(),
        clock,
        shutdown.clone(),
        shared,
        Arc::new(EventBus::new()),
    );
    let started = plinth_vidora::VidoraPlugin.start(ctx).await.expect("start");
    jobs.spawn(&shutdown);
    Env {
        name,
        db,
        // The plugin's routes come with their OpenAPI document; the tests need the router.
        router: Router::from(started.routes).merge(plinth_jobs::download_router(jobs.clone())),
        jobs,
        monitoring,
        invoker,
        dir,
        stop,
    }
}

/// Runs `body` on a fresh SQLite file, then in a fresh PostgreSQL schema.
pub async fn on_both<F, Fut>(test: &str, body: F)
where
    F: Fn(Env) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_both_with(test, json!({}), body).await;
}

/// [`on_both`] with this `[plugins.vidora]` configuration.
pub async fn on_both_with<F, Fut>(test: &str, config: Value, body: F)
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

/// A key made through the admin route: `(api_key, secret)`.
pub async fn key(env: &Env, signatures: bool) -> (String, String) {
    let (status, v) = admin(
        env,
        "POST",
        "/admin/api/vidora/keys",
        json!({"signatures": signatures}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    (
        v["api_key"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

pub async fn admin(env: &Env, method: &str, path: &str, body: Value) -> (u16, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, ADMIN)
        .body(Body::from(body.to_string()))
        .unwrap();
    send(env, request).await
}

pub async fn send(env: &Env, request: Request<Body>) -> (u16, Value) {
    let response = env.router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, v)
}

/// A signed client: signs `method path` with these extra query pairs and this body.
pub struct Client {
    pub api_key: String,
    pub secret: String,
}

/// `expires` one hour ahead.
pub fn expires() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The query string (form-encoded, signature appended) of a signed request.
pub fn signed_query(
    c: &Client,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> String {
    let mut pairs: Vec<(String, String)> = vec![
        ("api_key".into(), c.api_key.clone()),
        ("expires".into(), expires()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let signature = plinth_vidora::signing::signature(&c.secret, method, path, &pairs, body);
    pairs.push(("signature".into(), signature));
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl Client {
    pub async fn call(
        &self,
        env: &Env,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let query = signed_query(self, method, path, extra, &body);
        let mut b = Request::builder()
            .method(method)
            .uri(format!("{path}?{query}"))
            .header(header::HOST, "vidora.test");
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        send(env, b.body(Body::from(body)).unwrap()).await
    }

    pub async fn get(&self, env: &Env, path: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        self.call(env, "GET", path, extra, None, Vec::new()).await
    }

    pub async fn json(&self, env: &Env, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(
            env,
            method,
            path,
            &[],
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
    }
}

pub async fn client(env: &Env) -> Client {
    let (api_key, secret) = key(env, true).await;
    Client { api_key, secret }
}

/// A multipart body with these text fields and a `labels` file.
pub fn multipart(fields: &[(&str, &str)], filename: &str, file_type: &str, file: &[u8]) -> Vec<u8> {
    multipart_file(fields, "labels", filename, file_type, file)
}

/// A multipart body with these text fields and a file in the part called `part`.
pub fn multipart_file(
    fields: &[(&str, &str)],
    part: &str,
    filename: &str,
    file_type: &str,
    file: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in fields {
        out.extend_from_slice(
            format!("--BOUNDARY\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--BOUNDARY\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{filename}\"\r\nContent-Type: {file_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(file);
    out.extend_from_slice(b"\r\n--BOUNDARY--\r\n");
    out
}

pub const MULTIPART: &str = "multipart/form-data; boundary=BOUNDARY";

/// Uploads a label set; answers its id.
pub async fn upload(env: &Env, c: &Client, label_type: &str, csv: &[u8]) -> String {
    let body = multipart(
        &[("label_type", label_type), ("name", "my set")],
        "labels.csv",
        "text/csv",
        csv,
    );
    let (status, v) = c
        .call(
            env,
            "POST",
            "/v1/api/label_sets",
            &[],
            Some(MULTIPART),
            body,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "validating");
    v["id"].as_str().unwrap().to_owned()
}

/// Polls a GET until `field` is not `pending`.
pub async fn wait_for(env: &Env, c: &Client, path: &str, field: &str, pending: &str) -> Value {
    for _ in 0..400 {
        let (status, v) = c.get(env, path, &[]).await;
        assert_eq!(status, 200, "{v}");
        if v[field] != pending {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{path} stayed {field}={pending}");
}

pub async fn wait_job(jobs: &Jobs, id: &str) -> JobRecord {
    for _ in 0..400 {
        if let Some(j) = jobs.get(id).await.unwrap()
            && matches!(j.state, JobState::Done | JobState::Failed)
        {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} did not end");
}

/// A plain GET of an absolute download link through the router (no signing: the link is
/// pre-signed): status, Content-Type and body.
pub async fn download(env: &Env, url: &str) -> (u16, String, Vec<u8>) {
    let path = url
        .strip_prefix("http://vidora.test")
        .unwrap_or_else(|| panic!("{url} is not on the request's host"));
    let response = env
        .router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    (status, content_type, bytes.to_vec())
}

/// Gzips `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn pipeline_id(endpoint: &str) -> String {
    plinth_vidora::ids::pipeline_id(SERVICE, endpoint)
}
