//! Hostile traffic against the real binary: calls to made-up names stay in one bounded bucket
//! (metrics, audit trail and memory do not grow with them), the audit trail keeps to its
//! retention, slow clients are cut off (head, body, idle keep-alive), the connection cap
//! answers 503, slow work answers 504, over-budget explanations 400 and rate limits 429.

mod support;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

/// Limits short enough for a test, written to a config file the server is started with.
const TEST_LIMITS: &str = "
[limits]
header_read_timeout_ms = 600
body_read_timeout_ms = 600
body_min_bytes_per_second = 1000
idle_timeout_ms = 1000
max_connections = 16

[audit]
retention_interval_ms = 200
max_rows = 100
";

fn start(tmp: &Path, config: &str) -> Plinth {
    let config_path = tmp.join("plinth-server.toml");
    std::fs::write(&config_path, config).unwrap();
    Plinth::start_with(
        &tmp.join("data"),
        Options {
            args: vec!["--config".into(), config_path.display().to_string()],
            ..Default::default()
        },
    )
}

/// A server with `config` and the public lookup service `lookup_svc` (id 1 → "one").
fn start_with_lookup(tmp: &Path, config: &str) -> Plinth {
    let server = start(tmp, config);
    server.deploy(&lookup_bundle(
        &tmp.join("b"),
        "lookup_svc",
        true,
        &[(1, "one")],
    ));
    server
}

fn metrics_text(server: &Plinth) -> String {
    let answer = server.get("/metrics");
    assert_eq!(answer.status, 200);
    answer.text
}

/// The value of an unlabelled sample in Prometheus text.
fn sample(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} not in /metrics"))
        .trim()
        .parse()
        .unwrap()
}

fn audit_rows(server: &Plinth) -> i64 {
    let answer = server.admin_get("metrics");
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["auditRows"].as_i64().unwrap()
}

/// Sends `count` calls to made-up names over `threads` keep-alive connections.
fn random_calls(server: &Plinth, count: usize, threads: usize, salt: u64) {
    std::thread::scope(|scope| {
        for t in 0..threads {
            let addr = server.addr().to_owned();
            scope.spawn(move || {
                let mut conn = Connection::open(&addr);
                for i in 0..count / threads {
                    let n = salt
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add((t * count + i) as u64);
                    // Unknown services, unknown endpoints of a real service, unknown actions.
                    let path = match n % 3 {
                        0 => format!("/public/api/v1/svc{n:x}/ep{n}/predict"),
                        1 => format!("/public/api/v1/lookup_svc/ep{n:x}/lookup"),
                        _ => format!("/public/api/v1/lookup_svc/items/act{n:x}"),
                    };
                    let (status, _) = conn.request("POST", &path, b"{}");
                    assert_eq!(status, 404, "{path}");
                }
            });
        }
    });
}

/// A bare HTTP/1.1 keep-alive connection (for exact control of what is sent).
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    fn open(addr: &str) -> Connection {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Connection {
            stream,
            buffer: Vec::new(),
        }
    }

    /// Sends a request and reads its answer: (status, body).
    fn request(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        // One write: a body that arrives after an early answer (a 404 before the body is read)
        // would make hyper close the connection rather than wait to drain it.
        let mut bytes = format!(
            "{method} {path} HTTP/1.1\r\nhost: plinth\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(body);
        self.stream.write_all(&bytes).unwrap();
        self.read_answer()
    }

    fn read_answer(&mut self) -> (u16, String) {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + length {
                    let body = String::from_utf8_lossy(&self.buffer[end + 4..end + 4 + length])
                        .to_string();
                    self.buffer.drain(..end + 4 + length);
                    let status = head[9..12].parse().unwrap();
                    return (status, body);
                }
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "connection closed while reading an answer");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    /// Waits until the server closes the connection; returns how long that took and what it
    /// sent meanwhile.
    fn wait_for_close(&mut self, limit: Duration) -> (Duration, String) {
        let started = Instant::now();
        self.stream.set_read_timeout(Some(limit)).unwrap();
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("the connection was not closed within {limit:?}: {e}"),
            }
        }
        (
            started.elapsed(),
            String::from_utf8_lossy(&received).to_string(),
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_hundred_thousand_calls_to_made_up_names_leave_metrics_audit_and_memory_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    // Retention far away: the audit table must stay small on its own.
    let server = start_with_lookup(tmp.path(), "[limits]\nmax_connections = 64\n");
    assert_eq!(server.lookup("lookup_svc", 1).status, 200);

    // Warm up the allocator and the connection paths, then measure.
    random_calls(&server, 10_000, 4, 1);
    std::thread::sleep(Duration::from_millis(1500));
    let metrics_before = metrics_text(&server);
    let audit_before = audit_rows(&server);
    let rss_before = server.rss_kib();
    let started = Instant::now();

    random_calls(&server, 100_000, 4, 2);
    let seconds = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(1500));

    let metrics_after = metrics_text(&server);
    let audit_after = audit_rows(&server);
    let rss_after = server.rss_kib();
    eprintln!(
        "100,000 calls in {seconds:.1} s: /metrics {} -> {} bytes, audit rows {audit_before} -> {audit_after}, RSS {rss_before} -> {rss_after} KiB",
        metrics_before.len(),
        metrics_after.len()
    );
    assert_eq!(
        sample(&metrics_after, "plinth_unknown_calls_total"),
        110_000
    );
    // The same series; only counter digits may change.
    let series = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.rsplit_once(' ').unwrap().0.to_owned())
            .collect()
    };
    assert_eq!(series(&metrics_before), series(&metrics_after));
    assert!(metrics_after.len() < metrics_before.len() + 200);
    assert!(
        !metrics_after.contains("service=\"svc") && !metrics_after.contains("endpoint=\"ep"),
        "made-up names in /metrics"
    );
    // At most one sampled audit row per second (+2 for the edges).
    assert!(
        audit_after - audit_before <= seconds.ceil() as i64 + 3,
        "{audit_before} -> {audit_after} audit rows in {seconds:.1} s"
    );
    assert!(
        rss_after <= rss_before + 8 * 1024,
        "RSS grew from {rss_before} to {rss_after} KiB"
    );
    // The sample says how many calls it stands for.
    let entries = server.admin_get("audit?limit=5").json()["entries"].clone();
    let sampled = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "unknown")
        .expect("a sampled row for unknown names");
    assert!(
        sampled["detail"]
            .as_str()
            .unwrap()
            .contains("call(s) to unknown services, endpoints or actions"),
        "{sampled}"
    );

    // Real calls are still accounted per endpoint.
    assert_eq!(server.lookup("lookup_svc", 1).status, 200);
    let text = metrics_text(&server);
    assert!(
        text.contains(
            "plinth_calls_total{service=\"lookup_svc\",endpoint=\"items\",outcome=\"ok\"} 2"
        ),
        "{text}"
    );
}

#[test]
fn the_audit_trail_keeps_to_its_retention() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_lookup(tmp.path(), TEST_LIMITS);
    let mut conn = Connection::open(server.addr());
    let mut last_call_ms = 0;
    for _ in 0..500 {
        last_call_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let (status, _) = conn.request(
            "POST",
            "/public/api/v1/lookup_svc/items/lookup",
            br#"{"data":{"id":1}}"#,
        );
        assert_eq!(status, 200);
    }
    // The audit writer is a subscriber of the event bus: its rows arrive a little after the
    // calls, and retention trims them on its own interval. Wait until both have happened: at
    // most max_rows rows, the newest of them the last call (stamped after `last_call_ms`; a
    // sampled unknown call of the harness may be newer still, hence the ten).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = audit_rows(&server);
        let entries = server.admin_get("audit?limit=10").json()["entries"].clone();
        let last_call_kept = entries.as_array().unwrap().iter().any(|e| {
            e["serviceId"] == "lookup_svc" && e["at"].as_i64().is_some_and(|at| at >= last_call_ms)
        });
        if rows <= 100 && last_call_kept {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{rows} audit rows (max_rows = 100), newest: {entries}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn slow_heads_slow_bodies_and_idle_connections_are_cut_off_and_the_cap_answers_503() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_lookup(tmp.path(), TEST_LIMITS);
    let addr = server.addr().to_owned();

    // A head that never ends: closed after header_read_timeout (600 ms).
    let mut slow_head = Connection::open(&addr);
    slow_head
        .stream
        .write_all(b"POST /public/api/v1/lookup_svc/items/lookup HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    // A body that stops after one byte: 408 after body_read_timeout, then closed.
    let mut slow_body = Connection::open(&addr);
    slow_body
        .stream
        .write_all(b"POST /public/api/v1/lookup_svc/items/lookup HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        .unwrap();
    // An idle keep-alive connection: closed after idle_timeout (1 s).
    let mut idle = Connection::open(&addr);
    assert_eq!(idle.request("GET", "/public/api/v1/ping", b"").0, 200);
    let idle_since = Instant::now();

    // Meanwhile the server answers at once.
    let started = Instant::now();
    assert_eq!(server.get("/public/api/v1/ping").status, 200);
    assert!(started.elapsed() < Duration::from_millis(200));

    let (took, sent) = slow_head.wait_for_close(Duration::from_secs(5));
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(sent.is_empty(), "{sent}");

    let (took, sent) = slow_body.wait_for_close(Duration::from_secs(5));
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains("\"errorType\":\"RequestTimeout\""), "{sent}");
    assert!(
        sent.to_ascii_lowercase().contains("connection: close"),
        "{sent}"
    );

    let (_, sent) = idle.wait_for_close(Duration::from_secs(5));
    let took = idle_since.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(sent.is_empty(), "{sent}");

    // A body that trickles (a byte every 400 ms, under the pause limit) but below 1,000
    // bytes/s: 408 too.
    let mut trickle = Connection::open(&addr);
    trickle
        .stream
        .write_all(b"POST /public/api/v1/lookup_svc/items/lookup HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut answered = String::new();
    for _ in 0..20 {
        if trickle.stream.write_all(b" ").is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(400));
        trickle.stream.set_nonblocking(true).unwrap();
        let mut chunk = [0u8; 4096];
        if let Ok(n) = trickle.stream.read(&mut chunk) {
            answered.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
        trickle.stream.set_nonblocking(false).unwrap();
        if !answered.is_empty() {
            break;
        }
    }
    assert!(answered.starts_with("HTTP/1.1 408"), "{answered:?}");
    assert!(started.elapsed() < Duration::from_secs(4));

    // The connection cap (16): the 17th connection gets a 503 and is closed. First let the
    // HTTP client's pooled connections go idle past idle_timeout.
    std::thread::sleep(Duration::from_millis(1300));
    let mut held: Vec<Connection> = (0..16).map(|_| Connection::open(&addr)).collect();
    for conn in &mut held {
        assert_eq!(conn.request("GET", "/public/api/v1/ping", b"").0, 200);
    }
    let mut refused = Connection::open(&addr);
    let (_, sent) = refused.wait_for_close(Duration::from_secs(3));
    assert!(sent.starts_with("HTTP/1.1 503"), "{sent}");
    assert!(sent.contains("retry-after: 1"), "{sent}");
    assert!(sent.contains("TooManyConnections"), "{sent}");
    let text = metrics_text_when_free(&server, &mut held);
    assert!(sample(&text, "plinth_connections_refused_total") >= 1);
    assert!(sample(&text, "plinth_connections_closed_slow_head_total") >= 1);
    assert!(sample(&text, "plinth_connections_closed_idle_total") >= 1);
}

/// Frees the held connections, then reads `/metrics` on a new one.
fn metrics_text_when_free(server: &Plinth, held: &mut Vec<Connection>) -> String {
    held.clear();
    std::thread::sleep(Duration::from_millis(200));
    metrics_text(server)
}

/// A bundle with the cancer model (Shapley by default) and the given extra endpoint lines.
fn cancer_bundle(dir: &Path, extra: &str) -> std::path::PathBuf {
    let model = repo_root().join("examples/cancer_svc/model");
    std::fs::create_dir_all(dir.join("model")).unwrap();
    for file in ["model.json", "model.onnx", "reference.csv"] {
        std::fs::copy(model.join(file), dir.join("model").join(file)).unwrap();
    }
    std::fs::write(
        dir.join("plinth.toml"),
        format!(
            "[service]\nid = \"slow_svc\"\npublic = true\n\n[[endpoint]]\nid = \"cancer\"\nkind = \"prediction\"\nmodel = \"model\"\n{extra}\n[endpoint.explanations]\nmethod = \"SHAPLEY\"\n"
        ),
    )
    .unwrap();
    dir.to_owned()
}

fn cancer_features() -> Value {
    let path = repo_root().join("models/cancer_trees/expected.json");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    expected["cases"][0]["features"].clone()
}

fn shapley_items(records: usize, steps: u64) -> Value {
    json!({
        "items": vec![json!({"features": cancer_features()}); records],
        "explanations": {"enabled": true, "method": "SHAPLEY", "nMonteCarloSteps": steps},
    })
}

#[test]
fn slow_predictions_answer_504_at_their_deadline_and_over_budget_explanations_400() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(tmp.path(), "");
    server.deploy(&cancer_bundle(&tmp.path().join("b"), "timeout_ms = 100"));
    let path = "/public/api/v1/slow_svc/cancer/predict-multi";

    // 200 records x 1,000 steps: within the cost limit, far beyond 100 ms of work.
    let started = Instant::now();
    let answer = server.post(path, &shapley_items(200, 1000));
    let took = started.elapsed();
    assert_eq!(answer.status, 504, "{}", answer.text);
    assert_eq!(answer.error_type(), "DeadlineExceeded");
    assert!(
        answer.json()["message"]
            .as_str()
            .unwrap()
            .contains("100 ms")
    );
    assert!(took < Duration::from_secs(2), "{took:?}");

    // The work stopped: the next calls are served at once, and in order.
    let started = Instant::now();
    let single = server.post(
        "/public/api/v1/slow_svc/cancer/predict",
        &json!({"features": cancer_features(), "explanations": {"enabled": false}}),
    );
    assert_eq!(single.status, 200, "{}", single.text);
    assert!(started.elapsed() < Duration::from_millis(500));

    // 2,000 records x 1,000 steps = 2,000,000 > 200,000: refused before any work.
    let answer = server.post(path, &shapley_items(2000, 1000));
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.error_type(), "ExplanationTooExpensive");
    let message = answer.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("2000 records × 1000 Monte Carlo steps = 2000000")
            && message.contains("limit of 200000 (max_explanation_cost)"),
        "{message}"
    );
    // ICE is not limited by it, and a small Shapley call passes.
    let answer = server.post(path, &shapley_items(2, 100));
    assert_eq!(answer.status, 200, "{}", answer.text);

    // A slow call is accounted per endpoint as a 504.
    let text = metrics_text(&server);
    assert!(
        text.contains(
            "plinth_calls_total{service=\"slow_svc\",endpoint=\"cancer\",outcome=\"server_error\"} 1"
        ),
        "{text}"
    );
}

#[test]
fn rate_limits_answer_429_with_retry_after_per_address_and_per_key() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(
        tmp.path(),
        "[rate_limit]\nper_key_per_second = 3\nburst_seconds = 1\n",
    );
    // A public service with its own per-address limit.
    let dir = lookup_bundle(&tmp.path().join("pub"), "open_svc", true, &[(1, "one")]);
    let manifest = std::fs::read_to_string(dir.join("plinth.toml")).unwrap();
    std::fs::write(
        dir.join("plinth.toml"),
        manifest.replace(
            "public = true\n",
            "public = true\nrate_limit = { per_address_per_second = 2 }\n",
        ),
    )
    .unwrap();
    server.deploy(&dir);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let answer = server.lookup("open_svc", 1);
        if answer.status == 429 {
            retry_after = answer.headers.get("retry-after").cloned();
            assert_eq!(answer.error_type(), "TooManyRequests");
            assert!(
                answer.text.contains("2 calls per second per address"),
                "{}",
                answer.text
            );
        }
        statuses.push(answer.status);
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    assert_eq!(retry_after.unwrap(), "1");
    // The bucket refills.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(server.lookup("open_svc", 1).status, 200);

    // A private service: the server's per-key default, counted per key.
    server.deploy(&lookup_bundle(
        &tmp.path().join("priv"),
        "closed_svc",
        false,
        &[(1, "one")],
    ));
    let keys: Vec<String> = (0..2)
        .map(|_| {
            let created =
                server.admin_post("services/closed_svc/keys", &json!({"label": "limited"}));
            assert_eq!(created.status, 200, "{}", created.text);
            created.json()["key"].as_str().unwrap().to_owned()
        })
        .collect();
    let call = |key: &str| {
        server.call(
            "POST",
            "/public/api/v1/closed_svc/items/lookup",
            Some(&basic(key)),
            Some(br#"{"data":{"id":1}}"#),
            None,
        )
    };
    let first: Vec<u16> = (0..4).map(|_| call(&keys[0]).status).collect();
    assert_eq!(first, [200, 200, 200, 429]);
    assert_eq!(call(&keys[1]).status, 200, "another key, another bucket");
}
