//! The Aporia plugin against the real binary: a scheduled monitor fires on its own tick, the
//! alert and its pending webhook delivery survive `kill -9`, the delivery resumes after the
//! restart (signed, exactly once), and the tick is never evaluated a second time.

mod support;

use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};
use support::webhooks::{Received, hmac_hex, receive};
use support::{ADMIN_KEY, Options, Plinth, repo_root};

const SECRET: &str = "e2e-webhook-secret";

fn bearer() -> String {
    format!("Bearer {ADMIN_KEY}")
}

fn ap(server: &Plinth, method: &str, path: &str, body: Option<&Value>) -> support::Answer {
    let text = body.map(Value::to_string);
    let answer = server.call(
        method,
        path,
        Some(&bearer()),
        text.as_deref().map(str::as_bytes),
        body.map(|_| "application/json"),
    );
    assert_eq!(
        answer
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap()),
        Some("application/json"),
        "{method} {path}"
    );
    answer
}

fn start(data: &Path, config: &Path) -> Plinth {
    Plinth::start_with(
        data,
        Options {
            args: vec!["--config".into(), config.display().to_string()],
            ..Options::default()
        },
    )
}

/// The alerts of a monitor, newest first.
fn alerts_of(server: &Plinth, monitor: &str) -> Vec<Value> {
    let answer = ap(
        server,
        "GET",
        &format!("/v1beta/alerts?monitor_id={monitor}"),
        None,
    );
    answer.json()["alerts"].as_array().unwrap().clone()
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_scheduled_alert_and_its_pending_delivery_survive_kill_9_and_the_tick_runs_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("plinth.toml");
    std::fs::write(
        &config,
        "[plugins.aporia]\nwebhook_backoff_ms = 300\nwebhook_max_attempts = 50\n",
    )
    .unwrap();
    let data = tmp.path().join("data");
    let server = start(&data, &config);
    server.deploy(&repo_root().join("examples/diabetes_svc"));
    // A port nothing listens on yet: the first attempts fail and stay pending.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let model = "diabetes_svc~diabetes";
    assert_eq!(
        ap(&server, "GET", &format!("/v1beta/models/{model}"), None).status,
        200
    );
    let monitor = |name: &str, min: u64| {
        json!({"name": name, "type": "model_activity", "scheduling": "* * * * *",
               "configuration": {"configuration": {"focal": {"source": "SERVING", "timePeriod": "1h"},
                   "metric": {"type": "count", "field": "_id"},
                   "actions": [{"type": "ALERT", "severity": "HIGH", "notification": [{"type": "WEBHOOK", "url": url, "secret": SECRET}]}],
                   "logicEvaluations": [{"name": "RANGE", "min": min, "max": null}]},
                 "identification": {"models": {"id": model}, "segment": {"group": null}, "environment": null}},
               "is_active": true, "custom_alert_description": null})
    };
    let fires = ap(
        &server,
        "POST",
        "/v1beta/monitors",
        Some(&monitor("fires", 1_000_000)),
    );
    assert_eq!(fires.status, 201, "{}", fires.text);
    let fires = fires.json()["id"].as_str().unwrap().to_owned();
    let holds = ap(
        &server,
        "POST",
        "/v1beta/monitors",
        Some(&monitor("holds", 0)),
    );
    let holds = holds.json()["id"].as_str().unwrap().to_owned();

    // The scheduler evaluates both at the next minute; only one fires.
    let alert = wait_for("the scheduled alert", Duration::from_secs(75), || {
        let first = alerts_of(&server, &fires).first()?.clone();
        (first["deliveries"][0]["attempts"].as_i64()? >= 1).then_some(first)
    });
    let tick = alert["run"]["scheduled"].as_str().unwrap().to_owned();
    assert_eq!(alert["deliveries"][0]["status"], "pending", "{alert}");
    let held = ap(&server, "GET", &format!("/v1beta/monitors/{holds}"), None).json();
    assert_eq!(held["last_run"]["fired"], false, "{held}");
    assert_eq!(alerts_of(&server, &holds), Vec::<Value>::new());

    server.kill();
    let seen = receive(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let server = start(&data, &config);

    // The pending delivery resumes: delivered once, signed.
    let delivered = wait_for(
        "the delivery after the restart",
        Duration::from_secs(45),
        || {
            let a = alerts_of(&server, &fires)
                .into_iter()
                .find(|a| a["id"] == alert["id"])?;
            (a["deliveries"][0]["status"] == "delivered").then_some(a)
        },
    );
    let received = seen.lock().unwrap().clone();
    let of_alert: Vec<&Received> = received
        .iter()
        .filter(|(_, body)| serde_json::from_str::<Value>(body).unwrap()["id"] == alert["id"])
        .collect();
    assert_eq!(
        of_alert.len(),
        1,
        "exactly one delivery of the alert: {received:?}"
    );
    let (headers, body) = of_alert[0];
    assert_eq!(
        headers["x-plinth-delivery"],
        delivered["deliveries"][0]["id"].as_str().unwrap()
    );
    let expected = format!(
        "sha256={}",
        hmac_hex(SECRET, &format!("{}.{body}", headers["x-plinth-timestamp"]))
    );
    assert_eq!(headers["x-plinth-signature"], expected);
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["model_id"], model);
    assert_eq!(payload["value"], json!(0.0));
    assert_eq!(payload["threshold"]["min"], json!(1_000_000.0));

    // Every alert of the monitor is for a different tick: the one before the kill is not
    // evaluated again.
    let alerts = alerts_of(&server, &fires);
    let ticks: Vec<&str> = alerts
        .iter()
        .map(|a| a["run"]["scheduled"].as_str().unwrap())
        .collect();
    let mut distinct = ticks.clone();
    distinct.dedup();
    assert_eq!(ticks.len(), distinct.len(), "{ticks:?}");
    assert!(ticks.contains(&tick.as_str()));
    // The monitors themselves are still there.
    let listed = ap(&server, "GET", "/v1beta/monitors", None).json();
    assert_eq!(listed["monitors"].as_array().unwrap().len(), 2);
}
