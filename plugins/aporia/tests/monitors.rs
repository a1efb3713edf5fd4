//! The registry, logged predictions, monitor evaluation, alerts and deliveries on SQLite and
//! PostgreSQL, through the plugin's own state over a real monitoring store (no HTTP).

use async_trait::async_trait;
use plinth_aporia::alerts::{RunKey, list, record_run};
use plinth_aporia::app::Ap;
use plinth_aporia::mirror::Mirror;
use plinth_aporia::monitors::evaluate::evaluate;
use plinth_aporia::monitors::{Monitor, Monitors};
use plinth_aporia::plugin::Config;
use plinth_aporia::registry::{Model, Registry, Version};
use plinth_aporia::series::series_of;
use plinth_aporia::webhooks::deliver_due;
use plinth_monitoring::logged::LoggedRow;
use plinth_monitoring::{Baseline, Monitoring};
use plinth_plugin_api::test_db::TestDatabase;
use plinth_plugin_api::{
    ApiError, EndpointView, FeatureInfo, FeatureKind, HostView, Invocation, Invoked, Invoker,
    ManualClock, ModelInfo, ModelTask, Principal, ScoredOutput, ScoredRow, ServiceView,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// 2026-01-01T00:30:00Z.
const NOW: i64 = 1_767_225_600_000 + 30 * 60_000;

struct NoHost;

#[async_trait]
impl HostView for NoHost {
    fn services(&self) -> Vec<ServiceView> {
        Vec::new()
    }
    fn service(&self, _id: &str) -> Option<ServiceView> {
        None
    }
    async fn endpoints(&self, _s: &str, _g: Option<&str>) -> Option<Vec<EndpointView>> {
        None
    }
    fn authenticate(&self, _authorization: &str) -> Option<Principal> {
        None
    }
    async fn set_endpoint_active(&self, _s: &str, _e: &str, _a: bool) -> Result<(), ApiError> {
        Ok(())
    }
}

struct NoInvoker;

#[async_trait]
impl Invoker for NoInvoker {
    async fn invoke(&self, _origin: &str, _call: Invocation) -> Result<Invoked, ApiError> {
        Err(ApiError::new(
            503,
            "Unavailable",
            "no endpoints in this test",
        ))
    }
}

async fn state(database: &TestDatabase) -> (Arc<Ap>, Arc<ManualClock>) {
    let db = database.connect().await;
    db.migrate("aporia", plinth_aporia::schema::MIGRATIONS)
        .await
        .unwrap();
    let host: Arc<dyn HostView> = Arc::new(NoHost);
    let clock = Arc::new(ManualClock::new(NOW));
    let monitoring = Monitoring::open(db.clone(), host.clone(), Arc::new(NoInvoker), clock.clone())
        .await
        .unwrap();
    let ap = Arc::new(Ap {
        db: db.clone(),
        monitoring,
        host: host.clone(),
        clock: clock.clone(),
        mirror: Mirror::new(host, Registry { db }),
        monitors_changed: Default::default(),
        deliveries_queued: Default::default(),
        config: Config::from_json(&json!({})).unwrap(),
    });
    (ap, clock)
}

fn model(id: &str) -> Model {
    Model {
        id: id.into(),
        name: id.into(),
        description: Some("é 🚀".into()),
        color: "blue".into(),
        icon: "general".into(),
        owner: None,
        source: "user".into(),
        service_id: None,
        endpoint_id: None,
        retired: false,
        created_at: NOW - 1000,
    }
}

fn version(model: &str, name: &str) -> Version {
    Version {
        id: format!("{model}-{name}-uuid"),
        model_id: model.into(),
        name: name.into(),
        model_type: "regression".into(),
        schema: json!({"features": {"x": "numeric", "y": "numeric"}, "predictions": {"score": "numeric"}}),
        feature_importance: None,
        feature_positions: None,
        request: Some("{}".into()),
        created_at: NOW - 1000,
    }
}

/// A deterministic pseudo-random stream in [0, 1).
fn uniform(i: u64) -> f64 {
    let mut x = i
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn features(i: u64, shift: f64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("x".into(), json!(uniform(2 * i) * 10.0 + shift));
    m.insert("y".into(), json!(uniform(2 * i + 1) * 5.0));
    m
}

fn logged(n: u64, offset: u64, shift: f64) -> Vec<LoggedRow> {
    (0..n)
        .map(|i| LoggedRow {
            row: ScoredRow {
                features: features(offset + i, shift),
                received: None,
                output: Some(ScoredOutput {
                    value: uniform(offset + i + 7) * 100.0,
                    class: None,
                    probabilities: vec![],
                }),
            },
            association_id: Some(format!("row-{}", offset + i)),
            at_ms: NOW - 60_000,
        })
        .collect()
}

fn baseline() -> Baseline {
    let info = ModelInfo {
        task: ModelTask::Regression,
        target_name: Some("score".into()),
        classes: vec![],
        positive_class: None,
        features: ["x", "y"]
            .iter()
            .map(|n| FeatureInfo {
                name: (*n).into(),
                kind: FeatureKind::Numeric,
                importance: None,
            })
            .collect(),
        reference: (0..500).map(|i| features(10_000 + i, 0.0)).collect(),
    };
    Baseline::build(&info, &[])
}

fn monitor(id: &str, kind: &str, model: &str, inner: Value) -> Monitor {
    Monitor {
        id: id.into(),
        name: format!("{kind} of {model}"),
        monitor_type: kind.into(),
        scheduling: "*/5 * * * *".into(),
        configuration: json!({"configuration": inner, "identification": {"models": {"id": model}}}),
        is_active: true,
        custom_alert_description: None,
        model_id: model.into(),
        created_at: NOW - 1000,
        last_tick_ms: 0,
        last_run: None,
    }
}

/// A webhook receiver answering `statuses` in turn (then 200), recording each body.
fn receiver(statuses: Vec<u16>) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let seen = bodies.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line.trim_end() != "" {
                if let Some(v) = line.to_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                line.clear();
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(String::from_utf8(body).unwrap());
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, bodies)
}

async fn exercise(database: &TestDatabase) {
    let (ap, clock) = state(database).await;
    let (hook, received) = receiver(vec![500]);
    let registry = ap.registry();

    // Models: a duplicate id is refused, tags merge atomically within the limit.
    assert!(
        registry
            .insert_model(&model("ext"), &BTreeMap::new())
            .await
            .unwrap()
    );
    assert!(
        !registry
            .insert_model(&model("ext"), &BTreeMap::new())
            .await
            .unwrap()
    );
    let ten: BTreeMap<String, String> = (0..10).map(|i| (format!("k{i}"), "v".into())).collect();
    registry.merge_tags("ext", &ten, 10).await.unwrap();
    let one_more: BTreeMap<String, String> = [("k10".to_owned(), "v".to_owned())].into();
    let refused = registry.merge_tags("ext", &one_more, 10).await.unwrap_err();
    assert_eq!(refused.status, 400);
    assert_eq!(registry.tags("ext").await.unwrap(), ten, "nothing written");
    let update: BTreeMap<String, String> = [("k1".to_owned(), "new".to_owned())].into();
    registry.merge_tags("ext", &update, 10).await.unwrap();
    assert_eq!(registry.tags("ext").await.unwrap()["k1"], "new");

    // Versions: unique by name, found by name or id.
    let (v1, v2) = (version("ext", "v1"), version("ext", "v2"));
    assert!(registry.insert_version(&v1).await.unwrap());
    assert!(!registry.insert_version(&v1).await.unwrap());
    assert!(registry.insert_version(&v2).await.unwrap());
    assert_eq!(
        registry.version("ext", &v1.id).await.unwrap().unwrap().name,
        "v1"
    );
    assert_eq!(registry.versions("ext").await.unwrap().len(), 2);

    // v1 drifts on x, v2 is sampled like the baseline; both get the same baseline.
    let m = registry.model("ext").await.unwrap().unwrap();
    for v in [&v1, &v2] {
        ap.monitoring
            .set_baseline(&series_of(&m, v), baseline())
            .await
            .unwrap();
    }
    let n = ap
        .monitoring
        .record_logged(&series_of(&m, &v1), Some("key"), &logged(300, 0, 8.0))
        .await
        .unwrap();
    assert_eq!(n, 300);
    ap.monitoring
        .record_logged(&series_of(&m, &v2), None, &logged(300, 50_000, 0.0))
        .await
        .unwrap();

    let activity = monitor(
        "m-activity",
        "model_activity",
        "ext",
        json!({"focal": {"timePeriod": "1h"}, "actions": [{"notification": [{"type": "WEBHOOK", "url": hook, "secret": "k"}]}],
               "logicEvaluations": [{"name": "RANGE", "min": 1000}]}),
    );
    let drift = |id: &str, v: &str| {
        let mut m = monitor(
            id,
            "data_drift",
            "ext",
            json!({"focal": {"timePeriod": "1h"}, "metric": {"type": "psi"}, "logicEvaluations": [{"name": "THRESHOLD", "threshold": 0.25}]}),
        );
        m.configuration["identification"]["models"]["version"] = json!(v);
        m
    };
    let monitors = Monitors(&ap.db);
    for m in [
        &activity,
        &drift("m-drift-1", "v1"),
        &drift("m-drift-2", "v2"),
    ] {
        monitors.put(m).await.unwrap();
    }

    // model_activity over all of the newest version's rows: 300 < 1000, it fires once per tick.
    let mut spec = activity.spec().unwrap();
    spec.version = Some("v1".into());
    let outcome = evaluate(&ap, &spec, NOW).await;
    assert_eq!(outcome.value, Some(300.0));
    assert!(outcome.fired);
    let tick = NOW - 5 * 60_000;
    let alert = record_run(&ap, &activity, &spec, &outcome, RunKey::Tick(tick), NOW)
        .await
        .unwrap();
    assert!(alert.is_some());
    let again = record_run(&ap, &activity, &spec, &outcome, RunKey::Tick(tick), NOW)
        .await
        .unwrap();
    assert_eq!(again, None, "a tick is evaluated once");
    let stored = monitors.get("m-activity").await.unwrap().unwrap();
    assert_eq!(stored.last_tick_ms, tick);
    assert_eq!(stored.last_run.unwrap()["value"], json!(300.0));

    // Drift: the shifted stream fires on x, the sampled one does not.
    let d1 = evaluate(&ap, &drift("m-drift-1", "v1").spec().unwrap(), NOW).await;
    let d2 = evaluate(&ap, &drift("m-drift-2", "v2").spec().unwrap(), NOW).await;
    assert!(d1.fired, "{d1:?}");
    assert_eq!(d1.field.as_deref(), Some("x"));
    assert!(!d2.fired, "{d2:?}");
    assert!(d2.value.unwrap() < 0.1, "{d2:?}");

    // A monitor without data does not fire and says why.
    let mut no_rows = spec.clone();
    no_rows.focal_hours = 1;
    no_rows.skip_hours = 5;
    let quiet = evaluate(&ap, &no_rows, NOW).await;
    assert_eq!(quiet.value, Some(0.0));
    let mut other = drift("m-drift-1", "v1").spec().unwrap();
    other.skip_hours = 5;
    let none = evaluate(&ap, &other, NOW).await;
    assert!(
        !none.fired && none.value.is_none() && none.reason.is_some(),
        "{none:?}"
    );

    // The alert lists with its pending delivery; a manual run records another alert.
    let alerts = list(&ap, Some("ext"), None, None, 10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["monitor_id"], "m-activity");
    assert_eq!(alerts[0]["deliveries"][0]["status"], "pending");
    assert_eq!(alerts[0]["deliveries"][0]["attempts"], 0);

    // The delivery: the receiver's first 500 is retried after the backoff, then delivered.
    let wait = deliver_due(&ap).await.unwrap();
    let first = list(&ap, Some("ext"), None, None, 10).await.unwrap()[0]["deliveries"][0].clone();
    assert_eq!(first["status"], "pending", "{first}");
    assert_eq!(first["attempts"], 1);
    assert_eq!(first["last_status"], 500);
    assert_eq!(wait, 1000, "the first retry waits webhook_backoff_ms");
    deliver_due(&ap).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 1, "not due yet");
    clock.advance(1001);
    deliver_due(&ap).await.unwrap();
    let done = list(&ap, Some("ext"), None, None, 10).await.unwrap()[0]["deliveries"][0].clone();
    assert_eq!(done["status"], "delivered", "{done}");
    assert_eq!(done["attempts"], 2);
    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1], "a retry sends the same alert");
    let sent: Value = serde_json::from_str(&bodies[1]).unwrap();
    assert_eq!(sent["value"], json!(300.0));
    deliver_due(&ap).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 2, "delivered once");

    // Environments are created once; what the SDK attaches to a version is kept.
    let prod = registry.environment("prod", NOW).await.unwrap();
    assert_eq!(registry.environment("prod", NOW + 5).await.unwrap(), prod);
    assert_eq!(
        registry.environments().await.unwrap(),
        vec![(prod, "prod".to_owned())]
    );
    registry
        .put_version_data(&v1.id, "datasets:serving", &json!({"a": 1}), NOW)
        .await
        .unwrap();
    registry
        .put_version_data(&v1.id, "datasets:serving", &json!({"a": 2}), NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        registry
            .version_data(&v1.id, "datasets:serving")
            .await
            .unwrap(),
        Some((json!({"a": 2}), NOW + 1))
    );

    let manual = record_run(&ap, &activity, &spec, &outcome, RunKey::Manual, NOW + 1)
        .await
        .unwrap();
    assert!(manual.is_some());
    let alerts = list(&ap, None, Some("m-activity"), None, 10).await.unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["id"], json!(manual.unwrap()), "newest first");

    // Deleting the model takes its versions, tags and monitors; alerts stay.
    registry.delete_model("ext").await.unwrap();
    assert!(registry.model("ext").await.unwrap().is_none());
    assert!(registry.versions("ext").await.unwrap().is_empty());
    assert!(monitors.get("m-activity").await.unwrap().is_none());
    assert_eq!(
        list(&ap, Some("ext"), None, None, 10).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn on_sqlite() {
    let db = TestDatabase::sqlite();
    exercise(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn on_postgres() {
    let Some(db) = TestDatabase::postgres("aporia_monitors").await else {
        return;
    };
    exercise(&db).await;
    db.finish().await;
}
