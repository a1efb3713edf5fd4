//! Function endpoints end to end, on the Python example `python_svc` (built from source by
//! `scripts/lib/functions.sh`, which `scripts/test.sh` runs first): the reference's
//! `simple_sum` answers exactly as the seed shows, faults get clear errors while the server goes
//! on, and a restart serves without recompiling.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::*;

const SUM: &str = "/public/api/v1/python_svc/simple_sum/run";

fn require_built_examples() {
    let build = repo_root().join("examples/python_svc/build");
    for name in ["simple_sum", "report", "faults"] {
        assert!(
            build.join(format!("{name}.wasm")).is_file(),
            "examples/python_svc/build/{name}.wasm is missing: run \
             `bash -c 'source scripts/lib/setup.sh && setup_examples'` (scripts/test.sh does)"
        );
    }
}

/// Starts a server with the examples and a private compile cache; returns it and the time
/// from start to its first `simple_sum` answer.
fn start(data: &std::path::Path, cache: &std::path::Path) -> (Plinth, Duration) {
    let started = Instant::now();
    let server = Plinth::start_with(
        data,
        Options {
            examples: true,
            env: vec![("PLINTH_FUNCTION_CACHE".into(), cache.display().to_string())],
            ..Default::default()
        },
    );
    let answer = server.get(&format!("{SUM}?param1=1&param2=2"));
    assert_eq!(answer.status, 200, "{}", answer.text);
    (server, started.elapsed())
}

fn run(server: &Plinth, endpoint: &str, body: Value) -> Answer {
    server.post(&format!("/public/api/v1/python_svc/{endpoint}/run"), &body)
}

fn component_sources(server: &Plinth) -> Vec<(String, String)> {
    let service = server.admin_get("services/python_svc").json();
    service["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "function")
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                e["details"]["componentSource"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn python_functions_answer_fail_cleanly_and_survive_a_restart() {
    require_built_examples();
    let tmp = tempfile::tempdir().unwrap();
    let (data, cache) = (tmp.path().join("data"), tmp.path().join("cache"));
    let (server, first_start) = start(&data, &cache);

    // The seed's two examples, exactly (the seed's GET uses `?param1=30?param2=12`).
    for answer in [
        server.get("/public/api/v1/python_svc/simple_sum/run/?param1=30?param2=12"),
        server.get(&format!("{SUM}?param1=30&param2=12")),
        server.post(SUM, &json!({"param1": 30, "param2": 12})),
    ] {
        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        let members: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, ["response", "timing", "apiContext"]);
        assert_eq!(body["response"], json!(42));
        assert!(body["timing"]["functionInternal"].is_u64(), "{body}");
        assert_eq!(
            body["apiContext"],
            json!({"serviceId": "python_svc", "endpointId": "simple_sum", "serviceGeneration": "v1"})
        );
    }
    let pooled = server.post(
        "/public/api/v1/python_svc/simple_sum_pooled/run",
        &json!({"param1": 40, "param2": 2}),
    );
    assert_eq!(pooled.json()["response"], json!(42));
    // A caller's mistake is a 400 naming the parameter and the type.
    let answer = server.get(&format!("{SUM}?param1=thirty&param2=12"));
    assert_eq!(answer.status, 400);
    assert!(
        answer.text.contains("param1") && answer.text.contains("s64"),
        "{}",
        answer.text
    );

    // Host imports: a lookup and an SQL query of the same service.
    let report = run(&server, "passenger_report", json!({"passenger_id": 42}));
    assert_eq!(report.status, 200, "{}", report.text);
    let r = &report.json()["response"];
    assert!(r["name"].as_str().unwrap().starts_with("Turpin"), "{r}");
    assert!(r["older_passengers"].as_i64().unwrap() > 0, "{r}");
    let missing = run(&server, "passenger_report", json!({"passenger_id": 99999}));
    assert_eq!(
        (missing.status, missing.error_type().as_str()),
        (500, "FunctionError")
    );
    // The function's calls to its siblings are accounted like user calls (and published to
    // the event bus with the calling function as their origin).
    let metrics = server.get("/metrics").text;
    for (endpoint, calls) in [("passengers", 2), ("older_than", 1)] {
        let line = format!(
            "plinth_calls_total{{service=\"python_svc\",endpoint=\"{endpoint}\",outcome=\"ok\"}} {calls}"
        );
        assert!(metrics.contains(&line), "no `{line}` in\n{metrics}");
    }

    // A Python exception: a 500 with the guest's message.
    let answer = run(&server, "fail", json!({"message": "boom"}));
    assert_eq!(
        (answer.status, answer.error_type().as_str()),
        (500, "FunctionFailed")
    );
    assert!(
        answer.json()["message"]
            .as_str()
            .unwrap()
            .contains("ValueError: boom"),
        "{}",
        answer.text
    );

    // An infinite loop: a 504 within the deadline (1 s), then the next call is fine.
    let started = Instant::now();
    let answer = run(&server, "spin", json!({}));
    assert_eq!(
        (answer.status, answer.error_type().as_str()),
        (504, "DeadlineExceeded")
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        server.post(SUM, &json!({"param1": 1, "param2": 1})).json()["response"],
        json!(2)
    );

    // Memory beyond the cap (128 MiB).
    let answer = run(&server, "grow", json!({"mib": 512}));
    assert_eq!(
        (answer.status, answer.error_type().as_str()),
        (500, "OutOfMemory"),
        "{}",
        answer.text
    );
    assert_eq!(
        run(&server, "grow", json!({"mib": 8})).json()["response"],
        json!(8)
    );

    // Files: the bundle's resources/ folder is readable, nothing else is visible.
    let answer = run(
        &server,
        "read_file",
        json!({"path": "/resources/greeting.txt"}),
    );
    assert_eq!(
        answer.json()["response"],
        json!("Hello from the bundle's resources folder.\n")
    );
    for path in [
        "/etc/passwd",
        "/resources/../plinth.toml",
        "../plinth.toml",
        "plinth.toml",
    ] {
        let answer = run(&server, "read_file", json!({"path": path}));
        assert_eq!(answer.status, 500, "{path}: {}", answer.text);
        assert!(
            answer.json()["message"].as_str().unwrap().contains("Error"),
            "{path}: {}",
            answer.text
        );
    }

    // 200 concurrent calls, good and faulty mixed: every good one is answered correctly.
    let server = std::sync::Arc::new(server);
    let threads: Vec<_> = (0..200i64)
        .map(|i| {
            let server = server.clone();
            std::thread::spawn(move || match i % 10 {
                0 => (i, run(&server, "spin", json!({})).status, Value::Null),
                1 => (
                    i,
                    run(&server, "fail", json!({"message": "x"})).status,
                    Value::Null,
                ),
                2 => (
                    i,
                    run(&server, "grow", json!({"mib": 512})).status,
                    Value::Null,
                ),
                _ => {
                    let a = server.post(SUM, &json!({"param1": i, "param2": 1000}));
                    (i, a.status, a.json()["response"].clone())
                }
            })
        })
        .collect();
    for t in threads {
        let (i, status, response) = t.join().unwrap();
        match i % 10 {
            0 => assert_eq!(status, 504, "call {i}"),
            1 | 2 => assert_eq!(status, 500, "call {i}"),
            _ => assert_eq!((status, response), (200, json!(i + 1000)), "call {i}"),
        }
    }

    // A restart deserializes the cached compilations instead of compiling.
    assert!(
        component_sources(&server)
            .iter()
            .any(|(_, s)| s == "compiled")
    );
    std::sync::Arc::into_inner(server).unwrap().kill();
    let (server, restart) = start(&data, &cache);
    for (id, source) in component_sources(&server) {
        assert_ne!(source, "compiled", "{id} was recompiled after the restart");
    }
    eprintln!(
        "time to first simple_sum answer: first start {} ms (compiling), restart {} ms",
        first_start.as_millis(),
        restart.as_millis()
    );
}
