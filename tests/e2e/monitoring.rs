//! The monitoring plugin and the DataRobot API against the real binary: what they answered as
//! accepted survives `kill -9`, the loss window of traffic rollups is bounded by the flush
//! interval, calls to made-up names create no monitoring state, and a deactivated deployment's
//! endpoint refuses calls (persistently) while the rest of the service goes on.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{ADMIN_KEY, Options, Plinth, repo_root};

const DEPLOYMENT: &str = "diabetes_svc~diabetes";
const PREDICT: &str = "/public/api/v1/diabetes_svc/diabetes/predict";

fn token() -> String {
    format!("Token {ADMIN_KEY}")
}

fn dr_get(server: &Plinth, path: &str) -> Value {
    let answer = server.call(
        "GET",
        &format!("/api/v2/{path}"),
        Some(&token()),
        None,
        None,
    );
    assert_eq!(answer.status, 200, "GET {path}: {}", answer.text);
    answer.json()
}

fn dr_send(server: &Plinth, method: &str, path: &str, body: &Value) -> support::Answer {
    server.call(
        method,
        &format!("/api/v2/{path}"),
        Some(&token()),
        Some(body.to_string().as_bytes()),
        Some("application/json"),
    )
}

fn features(i: usize) -> Value {
    json!({"age": 40 + (i % 20) as i64, "sex": 1 + (i % 2) as i64, "bmi": 25.0 + (i % 7) as f64,
           "bp": 90.0, "s1": 190.0, "s2": 110.0, "s3": 48.0, "s4": 4.0, "s5": 4.6, "s6": 90.0})
}

fn predict(server: &Plinth, i: usize) {
    let answer = server.post(
        PREDICT,
        &json!({"features": features(i), "context": {"rid": format!("r{i}")}}),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
}

fn start(data: &Path) -> Plinth {
    Plinth::start_with(data, Options::default())
}

fn deploy_diabetes(server: &Plinth) {
    server.deploy(&repo_root().join("examples/diabetes_svc"));
}

fn total_requests(server: &Plinth) -> u64 {
    dr_get(server, &format!("deployments/{DEPLOYMENT}/serviceStats/"))["metrics"]["totalRequests"]
        .as_u64()
        .unwrap()
}

/// `plinth_events_delivered_total{subscriber="monitoring",kind="call"}` from `/metrics`: the
/// call events the monitoring store received.
fn delivered_to_monitoring(server: &Plinth) -> u64 {
    let text = server.get("/metrics").text;
    text.lines()
        .find_map(|l| {
            l.strip_prefix(
                "plinth_events_delivered_total{subscriber=\"monitoring\",kind=\"call\"} ",
            )
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no monitoring subscriber in /metrics:\n{text}"))
}

#[test]
fn acknowledged_actuals_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data);
    deploy_diabetes(&server);
    let settings = dr_send(
        &server,
        "PATCH",
        &format!("deployments/{DEPLOYMENT}/settings/"),
        &json!({"associationId": {"columnNames": ["rid"], "requiredInPredictionRequests": false}}),
    );
    assert_eq!(settings.status, 202, "{}", settings.text);
    for i in 0..20 {
        predict(&server, i);
    }
    // The kept predictions are written with the rollups, once a second.
    std::thread::sleep(Duration::from_millis(1600));
    let actuals: Vec<Value> = (0..12)
        .map(|i| json!({"associationId": format!("r{i}"), "actualValue": 100.0 + i as f64}))
        .collect();
    let answer = dr_send(
        &server,
        "POST",
        &format!("deployments/{DEPLOYMENT}/actuals/fromJSON/"),
        &json!({"data": actuals}),
    );
    assert_eq!(answer.status, 202, "{}", answer.text);
    // Killed right after the answer.
    server.kill();
    let server = start(&data);
    let accuracy = dr_get(&server, &format!("deployments/{DEPLOYMENT}/accuracy/"));
    let rmse = accuracy["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metricName"] == "RMSE")
        .unwrap_or_else(|| panic!("no RMSE in {accuracy}"));
    assert_eq!(rmse["sampleSize"], 12, "{accuracy}");
    assert!(rmse["value"].as_f64().is_some(), "{accuracy}");
    // The association-id setting was acknowledged too.
    let settings = dr_get(&server, &format!("deployments/{DEPLOYMENT}/settings/"));
    assert_eq!(settings["associationId"]["columnNames"], json!(["rid"]));
}

#[test]
fn traffic_rollups_lose_at_most_the_last_flush_interval_to_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data);
    deploy_diabetes(&server);
    // Answered calls, each with the time of its answer.
    let mut answered: Vec<Instant> = Vec::new();
    let until = Instant::now() + Duration::from_millis(3300);
    let mut i = 0;
    while Instant::now() < until {
        predict(&server, i);
        answered.push(Instant::now());
        i += 1;
    }
    let killed = Instant::now();
    server.kill();
    let server = start(&data);
    let recorded = total_requests(&server) as usize;
    // Everything answered more than one flush interval (1 s) plus the write's own time before
    // the kill is on disk.
    let settled = answered
        .iter()
        .filter(|t| killed.duration_since(**t) > Duration::from_millis(1500))
        .count();
    let lost = answered.len() - recorded.min(answered.len());
    eprintln!(
        "rollups: {} calls answered, {recorded} recorded after kill -9, {lost} lost (answered in the last {:?} before the kill: {})",
        answered.len(),
        Duration::from_millis(1500),
        answered.len() - settled
    );
    assert!(recorded <= answered.len());
    assert!(
        recorded >= settled,
        "only {recorded} of the {settled} calls answered more than 1.5 s before the kill were recorded"
    );
}

#[test]
fn calls_to_made_up_names_create_no_monitoring_state() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"));
    deploy_diabetes(&server);
    for i in 0..300 {
        let paths = [
            format!("/public/api/v1/made-up-{i}/diabetes/predict"),
            format!("/public/api/v1/diabetes_svc/made-up-{i}/predict"),
            format!("/public/api/v1/diabetes_svc/diabetes/made-up-{i}"),
        ];
        for path in &paths {
            let answer = server.post(path, &json!({"features": features(i)}));
            assert_eq!(answer.status, 404, "{path}: {}", answer.text);
        }
        let answer = server.call(
            "GET",
            &format!("/api/v2/deployments/made-up-{i}~x/serviceStats/"),
            Some(&token()),
            None,
            None,
        );
        assert_eq!(answer.status, 404, "{}", answer.text);
    }
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(delivered_to_monitoring(&server), 0);
    let list = dr_get(&server, "deployments/");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![DEPLOYMENT]);
    assert_eq!(total_requests(&server), 0);
    // A real call reaches it, and so does the store's own scoring of the reference sample (the
    // generation's baseline, built at its first monitored call; not counted as traffic).
    predict(&server, 1);
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(delivered_to_monitoring(&server), 2);
    assert_eq!(total_requests(&server), 1);
}

#[test]
fn a_deactivated_deployment_refuses_calls_until_activated_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data);
    deploy_diabetes(&server);
    let answer = dr_send(
        &server,
        "PATCH",
        &format!("deployments/{DEPLOYMENT}/status/"),
        &json!({"status": "inactive"}),
    );
    assert_eq!(answer.status, 202, "{}", answer.text);
    let location = answer.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://"), "{location}");
    let refused = server.post(PREDICT, &json!({"features": features(0)}));
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert_eq!(refused.error_type(), "EndpointInactive");
    assert_eq!(
        dr_get(&server, &format!("deployments/{DEPLOYMENT}/"))["status"],
        "inactive"
    );
    server.kill();
    let server = start(&data);
    let refused = server.post(PREDICT, &json!({"features": features(0)}));
    assert_eq!(refused.status, 503, "after a restart: {}", refused.text);
    let answer = dr_send(
        &server,
        "PATCH",
        &format!("deployments/{DEPLOYMENT}/status/"),
        &json!({"status": "active"}),
    );
    assert_eq!(answer.status, 202, "{}", answer.text);
    predict(&server, 0);
    assert_eq!(
        dr_get(&server, &format!("deployments/{DEPLOYMENT}/"))["status"],
        "active"
    );
}

#[test]
fn the_datarobot_api_answers_errors_the_client_reads_and_never_retries() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"));
    deploy_diabetes(&server);
    let cases: Vec<(Option<String>, String, u16, &str)> = vec![
        (None, "deployments/".into(), 401, ""),
        (Some("Token wrong".into()), "deployments/".into(), 401, ""),
        (Some(token()), "deployments/nope~x/".into(), 404, "nope~x"),
        (
            Some(token()),
            format!("deployments/{DEPLOYMENT}/serviceStats/?start=2024-01-01T00:30:00Z"),
            400,
            "start",
        ),
        (
            Some(token()),
            format!("deployments/{DEPLOYMENT}/featureDrift/?metric=nope"),
            400,
            "metric",
        ),
        (
            Some(token()),
            format!("deployments/{DEPLOYMENT}/serviceStatsOverTime/?bucketSize=PT90M"),
            400,
            "bucketSize",
        ),
        (
            Some(token()),
            format!("deployments/{DEPLOYMENT}/serviceStatsOverTime/?metric=nope"),
            400,
            "metric",
        ),
    ];
    for (auth, path, status, names) in cases {
        let answer = server.call(
            "GET",
            &format!("/api/v2/{path}"),
            auth.as_deref(),
            None,
            None,
        );
        assert_eq!(answer.status, status, "{path}: {}", answer.text);
        assert_eq!(
            answer.headers["content-type"], "application/json",
            "{path}: the client needs exactly application/json"
        );
        assert!(answer.text.contains(names), "{path}: {}", answer.text);
        assert!(
            answer.json()["message"].is_string(),
            "{path}: {}",
            answer.text
        );
    }
}
