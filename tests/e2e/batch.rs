//! The batch APIs against the real binary, on the `iris_svc/iris` example:
//!
//! - a 20,000-row Apres task batch whose server is killed with SIGKILL in the middle (the job
//!   engine's test hook pauses the worker after a chunk commit): after the restart the batch
//!   completes with exactly 20,000 tasks, each input row scored once, and the webhook receiver
//!   saw `confirmed`, `created`, `completed` in that order, once each, signed;
//! - a 10,000-row Apres batch and a 10,000-row Vidora prediction export whose outputs equal, row
//!   for row, what `/predict` answers for the same features (the same label, bit-equal
//!   probabilities). The Vidora calls are signed here
//!   with the seed's algorithm, written out independently of the server's code.

mod support;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};
use support::apres::*;
use support::webhooks::{Received, hmac_hex, receive};
use support::{Options, Plinth};

fn config(dir: &Path, chunk_items: u64) -> String {
    let path = dir.join("plinth-batch.toml");
    std::fs::write(
        &path,
        format!(
            "[plugins.jobs]\nworkers = 1\nchunk_items = {chunk_items}\nretry_backoff_ms = 200\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn start(data: &Path, config: &str, pause_at: Option<&str>) -> Plinth {
    Plinth::start_with(
        data,
        Options {
            examples: true,
            args: vec!["--config".into(), config.to_owned()],
            pause_at: pause_at.map(str::to_owned),
            ..Options::default()
        },
    )
}

// --- Apres -------------------------------------------------------------------------------

#[test]
fn apres_batch_killed_mid_way_completes_with_every_task_once() {
    const ROWS: u64 = 20_000;
    let data = tempfile::tempdir().unwrap();
    let config = config(data.path(), 1_000);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = receive(listener);

    let server = start(data.path(), &config, Some("jobs.after_items:8000"));
    let key = apres_recipe(&server);
    let batch = submit_batch(&server, &key, ROWS, Some(&hook));
    let id = batch["id"].as_str().unwrap().to_owned();
    server.wait_paused(Duration::from_secs(120));
    let mid = apres(
        &server,
        &key,
        "GET",
        &format!("/api/v1/task_batches/{id}"),
        None,
    );
    assert_eq!(mid["state"], "created", "{mid}");
    // `confirmed` and `created` are delivered before the kill (a delivery cut by the kill
    // would be sent again: at least once, with X-Plinth-Delivery to deduplicate).
    let waited = Instant::now();
    while seen.lock().unwrap().len() < 2 && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    server.kill();

    let server = start(data.path(), &config, None);
    let done = wait_batch(&server, &key, &id, Duration::from_secs(300));
    assert_eq!(done["size"], ROWS, "{done}");
    assert_eq!(done["status"], "Completed");

    let rows = batch_output(&server, &key, &id);
    assert_eq!(rows.len() as u64, ROWS);
    let task_ids: HashSet<&str> = rows.iter().map(|r| r["task_id"].as_str()).collect();
    assert_eq!(task_ids.len() as u64, ROWS, "task ids are unique");
    let inputs: HashSet<u64> = rows.iter().map(input_row).collect();
    assert_eq!(inputs, (0..ROWS).collect(), "each input row exactly once");

    let tasks = apres(
        &server,
        &key,
        "GET",
        &format!("/api/v1/task_batches/{id}/tasks?per_page=100000"),
        None,
    );
    assert_eq!(tasks.as_array().unwrap().len() as u64, ROWS);

    // The admin listing of every plugin's jobs (what the dashboard's jobs page reads) shows
    // the batch finished, with its counts; it is for admin keys only and checks its query.
    let listing = server.admin_get("jobs?kind=apres.batch");
    assert_eq!(listing.status, 200, "{}", listing.text);
    let listing = listing.json();
    let job = listing["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("batch {id} is not listed: {listing}"));
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        (job["total"].as_u64(), job["done"].as_u64()),
        (Some(ROWS), Some(ROWS)),
        "{job}"
    );
    assert!(job["finishedAtMs"].as_i64().is_some(), "{job}");
    let unauthenticated = server.get("/admin/api/jobs");
    assert_eq!(unauthenticated.status, 401, "{}", unauthenticated.text);
    assert_eq!(unauthenticated.error_type(), "Unauthorized");
    let bad = server.admin_get("jobs?limit=0");
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.json()["message"].as_str().unwrap().contains("limit"),
        "{}",
        bad.text
    );

    // One webhook per state change, in order, each signed with the recipe key.
    let start = Instant::now();
    let received: Vec<Received> = loop {
        let received = seen.lock().unwrap().clone();
        if received.len() >= 3 || start.elapsed() > Duration::from_secs(60) {
            break received;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let states: Vec<String> = received
        .iter()
        .map(|(_, body)| {
            let event: Value = serde_json::from_str(body).unwrap();
            assert_eq!(event["task_batch_id"], id.as_str());
            event["state"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(states, ["confirmed", "created", "completed"]);
    for (headers, body) in &received {
        let expected = format!(
            "sha256={}",
            hmac_hex(&key, &format!("{}.{body}", headers["x-plinth-timestamp"]))
        );
        assert_eq!(headers["x-plinth-signature"], expected);
    }
}

// --- Vidora ------------------------------------------------------------------------------

/// Ruby's CGI.escape of a value, as `to_query` sends it.
fn cgi_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `expires` an hour ahead, as the seed writes it (UTC, minutes).
fn expires() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The query of a signed Vidora call: the seed's text (secret, method, path, the params sorted
/// and unescaped, the body) hashed with plain SHA-256, standard Base64 cut to 43 characters.
fn signed_query(api_key: &str, secret: &str, method: &str, path: &str, body: &[u8]) -> String {
    let mut params = [("api_key", api_key.to_owned()), ("expires", expires())];
    params.sort();
    let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut text = format!("{secret}\n{method}\n{path}\n{}\n", joined.join("&")).into_bytes();
    text.extend_from_slice(body);
    let encoded = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&text));
    let signature = &encoded[..43];
    let mut query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", cgi_escape(v)))
        .collect();
    query.push(format!("signature={}", cgi_escape(signature)));
    query.join("&")
}

struct Vidora<'a> {
    server: &'a Plinth,
    api_key: String,
    secret: String,
}

impl Vidora<'_> {
    fn call(&self, method: &str, path: &str, body: &[u8], content_type: Option<&str>) -> Value {
        let query = signed_query(&self.api_key, &self.secret, method, path, body);
        let body = (!body.is_empty()).then_some(body);
        let answer = self
            .server
            .call(method, &format!("{path}?{query}"), None, body, content_type);
        assert_eq!(answer.status, 200, "{method} {path}: {}", answer.text);
        answer.json()
    }
}

fn multipart(boundary: &str, name: &str, filename: &str, content: &str) -> Vec<u8> {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
         Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    )
    .into_bytes()
}

#[test]
fn apres_batch_and_vidora_export_equal_predict_row_for_row() {
    const ROWS: u64 = 10_000;
    let data = tempfile::tempdir().unwrap();
    let config = config(data.path(), 500);
    let server = start(data.path(), &config, None);

    // Apres: one task per row.
    let key = apres_recipe(&server);
    let batch = submit_batch(&server, &key, ROWS, None);
    let batch_id = batch["id"].as_str().unwrap().to_owned();

    // Vidora: a signed export of the same rows, with ids.
    let keys = server.admin_post("vidora/keys", &json!({"signatures": true}));
    assert_eq!(keys.status, 200, "{}", keys.text);
    let vidora = Vidora {
        server: &server,
        api_key: keys.json()["api_key"].as_str().unwrap().to_owned(),
        secret: keys.json()["secret"].as_str().unwrap().to_owned(),
    };
    let pipelines = vidora.call("GET", "/v1/api/pipelines", b"", None);
    let pipeline = pipelines
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "iris_svc/iris")
        .unwrap_or_else(|| panic!("no iris pipeline in {pipelines}"));
    assert_eq!(pipeline["type"], "Classification");
    let exports = format!(
        "/v1/api/pipelines/{}/prediction_exports",
        pipeline["id"].as_str().unwrap()
    );
    let body = multipart("XyZ", "data", "rows.csv", &feature_csv(ROWS, true));
    let export = vidora.call(
        "POST",
        &exports,
        &body,
        Some("multipart/form-data; boundary=XyZ"),
    );
    let export_path = format!("{exports}/{}", export["id"].as_str().unwrap());
    let start = Instant::now();
    let export = loop {
        let export = vidora.call("GET", &export_path, b"", None);
        match export["status"].as_str() {
            Some("complete") => break export,
            Some("failed") => panic!("the export failed: {export}"),
            _ if start.elapsed() > Duration::from_secs(300) => panic!("stuck: {export}"),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    assert_eq!(export["total"], ROWS);
    let exported = read_csv(&download(&server, export["download_url"].as_str().unwrap()));
    assert_eq!(exported.len() as u64, ROWS);
    let columns: Vec<&str> = export["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let mut header: Vec<&str> = exported[0].keys().map(String::as_str).collect();
    header.sort();
    let mut sorted = columns.clone();
    sorted.sort();
    assert_eq!(header, sorted, "columns are the file's");

    wait_batch(&server, &key, &batch_id, Duration::from_secs(300));
    let tasks = batch_output(&server, &key, &batch_id);
    assert_eq!(tasks.len() as u64, ROWS);

    let by_row: HashMap<u64, &HashMap<String, String>> =
        tasks.iter().map(|t| (input_row(t), t)).collect();
    let by_id: HashMap<&str, &HashMap<String, String>> =
        exported.iter().map(|r| (r["id"].as_str(), r)).collect();
    for i in 0..ROWS {
        let (label, probas) = predicted(&server, i);
        let task = by_row[&i];
        assert_eq!(task["output"], label, "Apres row {i}");
        let confidence: f64 = task["consensus_score"].parse().unwrap();
        assert_eq!(confidence, probas[&label], "Apres row {i} confidence");
        let row = by_id[format!("row-{i}").as_str()];
        assert_eq!(row["prediction"], label, "Vidora row {i}");
        for (class, p) in &probas {
            let got: f64 = row[&format!("proba_{class}")].parse().unwrap();
            assert_eq!(got, *p, "Vidora row {i} proba_{class}");
        }
    }
}
