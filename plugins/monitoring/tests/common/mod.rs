//! Fakes and helpers shared by the monitoring store's tests: a host with two prediction
//! endpoints (a regression and a binary classifier) whose models carry a deterministic
//! reference sample, an invoker that scores it by a formula, call-event builders, and
//! [`on_both`], which runs a test body on a fresh SQLite file and on a private PostgreSQL
//! schema.
#![allow(dead_code)]

use async_trait::async_trait;
use plinth_monitoring::{Monitoring, SeriesFilter, SeriesKey, TimeRange};
use plinth_plugin_api::test_db::TestDatabase;
use plinth_plugin_api::{
    Action, ApiError, CallEvent, CallOrigin, Clock, EndpointView, Event, FeatureInfo, FeatureKind,
    GenerationView, HostView, Invocation, Invoked, Invoker, ManualClock, ModelInfo, ModelTask,
    PluginDb, Principal, ScoredOutput, ScoredRow, ScoredRows, ServiceView,
};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const SERVICE: &str = "svc";
pub const GEN: &str = "g1";
/// The regression endpoint (features x1, x2 numeric; c categorical).
pub const REG: &str = "reg";
/// The binary classifier (classes ["no", "yes"], positive "yes").
pub const CLF: &str = "clf";
/// A prediction endpoint without a model.
pub const BARE: &str = "bare";
/// A multiclass classifier (classes ["red", "green", "blue"], not in sorted order).
pub const MULTI: &str = "multi";
pub const COLOURS: [&str; 3] = ["red", "green", "blue"];
/// A binary classifier shipped without a reference sample (no baseline).
pub const NOREF: &str = "noref";
/// 2026-01-01T00:00:00Z: the first hour of the test traffic.
pub const T0: i64 = 1_767_225_600_000;
pub const HOUR: i64 = 3_600_000;
pub const MINUTE: i64 = 60_000;
pub const REFERENCE_ROWS: usize = 200;

/// A deterministic generator (Knuth's MMIX LCG), uniform in [0, 1).
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(7))
    }
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_f64() * n as f64) as usize).min(n - 1)
    }
}

/// One reference row: x1 uniform on [0, 10), x2 uniform on [-5, 5) (null in every 20th
/// row), c one of a (50%), b (30%), c (20%).
pub fn reference_row(rng: &mut Lcg, i: usize) -> Map<String, Value> {
    let x1 = rng.next_f64() * 10.0;
    let x2 = rng.next_f64() * 10.0 - 5.0;
    let u = rng.next_f64();
    let c = if u < 0.5 {
        "a"
    } else if u < 0.8 {
        "b"
    } else {
        "c"
    };
    let mut row = Map::new();
    row.insert("x1".into(), json!(x1));
    row.insert(
        "x2".into(),
        if i % 20 == 7 { Value::Null } else { json!(x2) },
    );
    row.insert("c".into(), json!(c));
    row
}

pub fn reference() -> Vec<Map<String, Value>> {
    let mut rng = Lcg::new(42);
    (0..REFERENCE_ROWS)
        .map(|i| reference_row(&mut rng, i))
        .collect()
}

fn num(row: &Map<String, Value>, k: &str) -> f64 {
    row.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

/// The regression model's prediction.
pub fn regression_of(row: &Map<String, Value>) -> f64 {
    let c = row.get("c").and_then(Value::as_str).unwrap_or("");
    2.0 * num(row, "x1") - num(row, "x2") + if c == "b" { 3.0 } else { 0.0 }
}

/// The classifier's P(yes), as the f32 an engine reports.
pub fn p_yes_of(row: &Map<String, Value>) -> f32 {
    let z = num(row, "x1") - 5.0 + 0.3 * num(row, "x2");
    (1.0 / (1.0 + (-z).exp())) as f32
}

/// The multiclass model's probabilities (softmax of three scores), as f32.
pub fn colour_probabilities(row: &Map<String, Value>) -> Vec<f32> {
    let c = row.get("c").and_then(Value::as_str).unwrap_or("");
    let scores = [
        num(row, "x1") / 3.0,
        num(row, "x2") / 2.0 + 1.0,
        if c == "c" { 3.0 } else { 0.5 },
    ];
    let total: f64 = scores.iter().map(|s: &f64| s.exp()).sum();
    scores.iter().map(|s| (s.exp() / total) as f32).collect()
}

fn argmax(p: &[f32]) -> usize {
    (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best })
}

pub fn features() -> Vec<FeatureInfo> {
    vec![
        FeatureInfo {
            name: "x1".into(),
            kind: FeatureKind::Numeric,
            importance: Some(0.6),
        },
        FeatureInfo {
            name: "x2".into(),
            kind: FeatureKind::Numeric,
            importance: Some(0.3),
        },
        FeatureInfo {
            name: "c".into(),
            kind: FeatureKind::Categorical,
            importance: None,
        },
    ]
}

pub fn regression_model() -> ModelInfo {
    ModelInfo {
        task: ModelTask::Regression,
        target_name: Some("y".into()),
        classes: vec![],
        positive_class: None,
        features: features(),
        reference: reference(),
    }
}

pub fn binary_model() -> ModelInfo {
    ModelInfo {
        task: ModelTask::Binary,
        target_name: Some("label".into()),
        classes: vec!["no".into(), "yes".into()],
        positive_class: Some(1),
        features: features(),
        reference: reference(),
    }
}

/// The scored output an engine would report for a row.
pub fn output_of(endpoint: &str, row: &Map<String, Value>) -> ScoredOutput {
    if endpoint == MULTI {
        let p = colour_probabilities(row);
        let class = argmax(&p);
        return ScoredOutput {
            value: f64::from(p[class]),
            class: Some(class),
            probabilities: p.iter().map(|x| f64::from(*x)).collect(),
        };
    }
    if endpoint == CLF || endpoint == NOREF {
        let p = p_yes_of(row);
        ScoredOutput {
            value: f64::from(p),
            class: Some(usize::from(p >= 0.5)),
            probabilities: vec![f64::from(1.0 - p), f64::from(p)],
        }
    } else {
        ScoredOutput {
            value: regression_of(row),
            class: None,
            probabilities: vec![],
        }
    }
}

/// A host with one service `svc`, generation `g1`, endpoints `reg`, `clf` and `bare`.
pub struct FakeHost {
    pub endpoint_calls: AtomicUsize,
}

impl FakeHost {
    pub fn new() -> Arc<FakeHost> {
        Arc::new(FakeHost {
            endpoint_calls: AtomicUsize::new(0),
        })
    }
}

fn endpoint(id: &str, model: Option<ModelInfo>) -> EndpointView {
    EndpointView {
        id: id.into(),
        kind: "prediction".into(),
        description: None,
        generation: GEN.into(),
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
            routed: vec![(GEN.into(), 1.0)],
            generations: vec![GenerationView {
                id: GEN.into(),
                seq: 1,
                created_at_ms: T0 - HOUR,
            }],
            inactive_endpoints: vec![],
            created_at_ms: T0 - HOUR,
        })
    }

    async fn endpoints(
        &self,
        service: &str,
        generation: Option<&str>,
    ) -> Option<Vec<EndpointView>> {
        self.endpoint_calls.fetch_add(1, Ordering::SeqCst);
        if service != SERVICE || generation.is_some_and(|g| g != GEN) {
            return None;
        }
        Some(vec![
            endpoint(REG, Some(regression_model())),
            endpoint(CLF, Some(binary_model())),
            endpoint(BARE, None),
            endpoint(
                MULTI,
                Some(ModelInfo {
                    task: ModelTask::Multiclass,
                    classes: COLOURS.iter().map(|c| c.to_string()).collect(),
                    positive_class: None,
                    ..binary_model()
                }),
            ),
            endpoint(
                NOREF,
                Some(ModelInfo {
                    reference: vec![],
                    ..binary_model()
                }),
            ),
        ])
    }

    fn authenticate(&self, _authorization: &str) -> Option<Principal> {
        None
    }

    async fn set_endpoint_active(
        &self,
        _service: &str,
        _endpoint: &str,
        _active: bool,
    ) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Answers `predict-multi` on the reference with the formulas above.
#[derive(Default)]
pub struct FakeInvoker {
    pub calls: AtomicUsize,
    /// When set, every invocation fails (503).
    pub failing: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl Invoker for FakeInvoker {
    async fn invoke(&self, origin: &str, call: Invocation) -> Result<Invoked, ApiError> {
        assert_eq!(origin, "monitoring");
        assert_eq!(call.action, Action::PredictMulti);
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(ApiError::new(503, "Overloaded", "try again"));
        }
        let items = call.input["items"].as_array().expect("items").clone();
        let results: Vec<Value> = items
            .iter()
            .map(|item| {
                let features = item["features"].as_object().expect("features");
                if call.endpoint == MULTI {
                    let p = colour_probabilities(features);
                    let probas: Map<String, Value> = COLOURS
                        .iter()
                        .zip(&p)
                        .map(|(c, p)| (c.to_string(), json!(f64::from(*p))))
                        .collect();
                    json!({"prediction": COLOURS[argmax(&p)], "probas": probas})
                } else if call.endpoint == CLF {
                    let p = p_yes_of(features);
                    json!({
                        "prediction": if p >= 0.5 { "yes" } else { "no" },
                        "probas": {"no": f64::from(1.0 - p), "yes": f64::from(p)},
                    })
                } else {
                    json!({"prediction": regression_of(features)})
                }
            })
            .collect();
        let mut body = Map::new();
        body.insert("results".into(), Value::Array(results));
        Ok(Invoked {
            generation: call.generation.unwrap_or_else(|| GEN.into()),
            body,
        })
    }
}

/// A database under test: a SQLite file or a PostgreSQL schema, reopenable.
pub struct TestDb {
    pub url: String,
    pub name: &'static str,
}

impl TestDb {
    pub async fn connect(&self) -> PluginDb {
        PluginDb::connect(&self.url).await.expect("connect")
    }
}

/// Everything a test body gets.
pub struct Env {
    pub db: TestDb,
    pub host: Arc<FakeHost>,
    pub invoker: Arc<FakeInvoker>,
    pub clock: Arc<ManualClock>,
    pub monitoring: Arc<Monitoring>,
}

impl Env {
    /// A second store over the same database (a restart).
    pub async fn reopen(&self) -> Arc<Monitoring> {
        Monitoring::open(
            self.db.connect().await,
            self.host.clone(),
            self.invoker.clone(),
            self.clock.clone() as Arc<dyn Clock>,
        )
        .await
        .expect("reopen")
    }
}

async fn env(db: TestDb) -> Env {
    let host = FakeHost::new();
    let invoker = Arc::new(FakeInvoker::default());
    let clock = Arc::new(ManualClock::new(T0 + 24 * HOUR));
    let monitoring = Monitoring::open(
        db.connect().await,
        host.clone(),
        invoker.clone(),
        clock.clone() as Arc<dyn Clock>,
    )
    .await
    .expect("open");
    Env {
        db,
        host,
        invoker,
        clock,
        monitoring,
    }
}

async fn run_caught<F, Fut>(body: &F, e: Env) -> Result<(), Box<dyn std::any::Any + Send>>
where
    F: Fn(Env) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(body(e)).await.map_err(|e| e.into_panic())
}

/// Runs `body` on a fresh SQLite file, then on a fresh PostgreSQL schema (when
/// `PLINTH_TEST_PG_URL` is set; required when `PLINTH_REQUIRE_POSTGRES=1`).
pub async fn on_both<F, Fut>(test: &str, body: F)
where
    F: Fn(Env) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let sqlite = TestDatabase::sqlite();
    let outcome = run_caught(
        &body,
        env(TestDb {
            url: sqlite.url.clone(),
            name: sqlite.name,
        })
        .await,
    )
    .await;
    if let Err(panic) = outcome {
        eprintln!("{test}: failed on SQLite");
        std::panic::resume_unwind(panic);
    }
    let Some(pg) = TestDatabase::postgres(test).await else {
        return;
    };
    // Checks that the connection is in the test's own schema.
    drop(pg.connect().await);
    let e = env(TestDb {
        url: pg.url.clone(),
        name: pg.name,
    })
    .await;
    let outcome = run_caught(&body, e).await;
    pg.finish().await;
    if let Err(panic) = outcome {
        eprintln!("{test}: failed on PostgreSQL");
        std::panic::resume_unwind(panic);
    }
}

/// A call builder with the defaults of a successful user call.
pub fn call(endpoint: &str, at_ms: i64) -> CallEvent {
    CallEvent {
        at_ms,
        service_id: SERVICE.into(),
        endpoint_id: endpoint.into(),
        generation: Some(GEN.into()),
        action: "predict".into(),
        status: 200,
        error_type: None,
        key_id: Some("k1".into()),
        remote: None,
        duration_us: 1000,
        execution_us: Some(500),
        warm: true,
        origin: CallOrigin::User,
        context: None,
        rows: None,
    }
}

/// Scored rows for these feature rows, outputs by the endpoint's formula.
pub fn scored(endpoint: &str, rows: &[Map<String, Value>]) -> Option<Box<ScoredRows>> {
    Some(Box::new(ScoredRows {
        rows: rows
            .iter()
            .map(|f| ScoredRow {
                features: f.clone(),
                received: None,
                output: Some(output_of(endpoint, f)),
            })
            .collect(),
    }))
}

/// Adds the calls and flushes them as one batch.
pub async fn ingest(m: &Monitoring, calls: Vec<CallEvent>) {
    let mut pending = Default::default();
    for c in calls {
        m.add(&mut pending, &Event::Call(Arc::new(c))).await;
    }
    if let Err((e, _)) = m.flush(pending).await {
        panic!("flush failed: {e}");
    }
}

pub fn filter(endpoint: &str) -> SeriesFilter {
    SeriesFilter {
        service: SERVICE.into(),
        endpoint: endpoint.into(),
        generations: None,
    }
}

pub fn series(endpoint: &str) -> SeriesKey {
    SeriesKey {
        service: SERVICE.into(),
        endpoint: endpoint.into(),
        generation: GEN.into(),
    }
}

pub fn hours(from: i64, to: i64) -> TimeRange {
    TimeRange {
        start_ms: T0 + from * HOUR,
        end_ms: T0 + to * HOUR,
    }
}

/// |a − b| ≤ tol, with a message.
#[track_caller]
pub fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tolerance {tol})"
    );
}
