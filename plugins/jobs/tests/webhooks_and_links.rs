//! Webhooks: one per stage, in order per job, retried while the receiver fails, signed. Download
//! links: a signed one works, a forged, altered or expired one is refused.

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use plinth_jobs::{Config, ItemOutput, JobError, JobHandler, JobRecord, Jobs, NewJob, Stage};
use plinth_plugin_api::test_db::TestDatabase;
use plinth_plugin_api::{ManualClock, Shutdown, SystemClock};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Prepares;

#[async_trait]
impl JobHandler for Prepares {
    async fn prepare(&self, _job: &JobRecord) -> Result<Vec<Value>, JobError> {
        Ok((0..30).map(Value::from).collect())
    }
    async fn process(
        &self,
        _j: &JobRecord,
        _f: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError> {
        Ok(items
            .iter()
            .map(|v| ItemOutput {
                ok: true,
                body: v.clone(),
            })
            .collect())
    }
    async fn finish(&self, _job: &JobRecord) -> Result<Value, JobError> {
        Ok(json!({}))
    }
    fn event(&self, job: &JobRecord, stage: Stage) -> Option<Value> {
        Some(json!({"job": job.id, "stage": stage.as_str(), "total": job.total}))
    }
}

/// A delivery as received: the JSON body, its signature and timestamp headers.
type Delivery = (Value, Option<String>, Option<String>);

#[derive(Default)]
struct Receiver {
    /// Answers 503 to this many requests first.
    failures_left: Mutex<usize>,
    received: Mutex<Vec<Delivery>>,
    refused: Mutex<usize>,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> StatusCode {
    {
        let mut left = r.failures_left.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            *r.refused.lock().unwrap() += 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
    };
    let signature = header("x-plinth-signature");
    let timestamp = header("x-plinth-timestamp");
    r.received.lock().unwrap().push((
        serde_json::from_str(&body).unwrap(),
        signature,
        timestamp.map(|t| format!("{t}.{body}")),
    ));
    StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_arrive_in_order_and_are_retried() {
    let receiver = Arc::new(Receiver {
        failures_left: Mutex::new(3),
        ..Receiver::default()
    });
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let db = TestDatabase::sqlite();
    let db = db.connect().await;
    db.migrate("jobs", plinth_jobs::MIGRATIONS).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        chunk_items: 10,
        retry_backoff_ms: 30,
        ..Config::default()
    };
    let jobs = Jobs::open(db, Arc::new(SystemClock), config, dir.path())
        .await
        .unwrap();
    jobs.register("prep", Arc::new(Prepares));
    let (stop, shutdown) = Shutdown::channel();
    let tasks = jobs.spawn(&shutdown);
    for id in ["j1", "j2"] {
        jobs.submit(NewJob {
            id: id.into(),
            kind: "prep".into(),
            scope: "s".into(),
            params: json!({}),
            items: None,
            webhook: Some((url.clone(), Some("hook-secret".into()))),
        })
        .await
        .unwrap();
    }
    for _ in 0..200 {
        if receiver.received.lock().unwrap().len() == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 6, "three stages of two jobs: {received:?}");
    for id in ["j1", "j2"] {
        let stages: Vec<&str> = received
            .iter()
            .filter(|r| r.0["job"] == id)
            .map(|r| r.0["stage"].as_str().unwrap())
            .collect();
        assert_eq!(stages, ["submitted", "prepared", "completed"], "job {id}");
        let log = jobs.deliveries(id).await.unwrap();
        assert!(log.iter().all(|d| d.1 == "delivered"), "{log:?}");
    }
    assert_eq!(*receiver.refused.lock().unwrap(), 3);
    let prepared = received
        .iter()
        .find(|r| r.0["stage"] == "prepared")
        .unwrap();
    assert_eq!(prepared.0["total"], 30);
    for (_, signature, signed) in &received {
        let expected = plinth_jobs::webhook::signature("hook-secret", 0, "").len();
        let signature = signature.as_ref().expect("signed");
        assert_eq!(signature.len(), expected);
        let (ts, body) = signed.as_ref().unwrap().split_once('.').unwrap();
        assert_eq!(
            *signature,
            plinth_jobs::webhook::signature("hook-secret", ts.parse().unwrap(), body)
        );
    }
    let retried: i64 = jobs
        .deliveries("j1")
        .await
        .unwrap()
        .iter()
        .map(|d| d.2)
        .sum::<i64>()
        + jobs
            .deliveries("j2")
            .await
            .unwrap()
            .iter()
            .map(|d| d.2)
            .sum::<i64>();
    assert_eq!(retried, 6 + 3, "each refusal cost one more attempt");
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn download_links_are_signed_and_expire() {
    let db = TestDatabase::sqlite();
    let db = db.connect().await;
    db.migrate("jobs", plinth_jobs::MIGRATIONS).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let config = Config {
        download_ttl_s: 60,
        ..Config::default()
    };
    let jobs = Jobs::open(db, clock.clone(), config, dir.path())
        .await
        .unwrap();
    let id = jobs
        .store_file("test", "labels.csv", "text/csv", b"id,label\nA,1\n")
        .await
        .unwrap();
    jobs.write_output("job1", "out.csv", b"id,prediction\nA,1\n".to_vec())
        .await
        .unwrap();
    let app = plinth_jobs::download_router(jobs.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let file_url = jobs.file_url(&base, &id, "labels.csv");
    let output_url = jobs.output_url(&base, "job1", "out.csv");
    let get = |url: String| {
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut r = agent.get(&url).call().unwrap();
            (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
        })
    };
    assert_eq!(
        get(file_url.clone()).await.unwrap(),
        (200, "id,label\nA,1\n".into())
    );
    assert_eq!(
        get(output_url.clone()).await.unwrap(),
        (200, "id,prediction\nA,1\n".into())
    );
    // A replica that did not write the output (no local copy) serves it from the database.
    std::fs::remove_dir_all(dir.path().join("plugins/jobs/outputs/job1")).unwrap();
    assert_eq!(
        get(output_url.clone()).await.unwrap(),
        (200, "id,prediction\nA,1\n".into())
    );
    // Forged: another file's path under a valid signature, a changed expiry, no signature.
    let other = output_url.replace("/job1/", "/job2/");
    assert_eq!(get(other).await.unwrap().0, 403);
    let (path, query) = file_url.split_once('?').unwrap();
    let later: i64 = query.split('&').next().unwrap()[8..]
        .parse::<i64>()
        .unwrap()
        + 3600;
    let sig = query.split("signature=").nth(1).unwrap();
    assert_eq!(
        get(format!("{path}?expires={later}&signature={sig}"))
            .await
            .unwrap()
            .0,
        403
    );
    assert_eq!(get(path.to_owned()).await.unwrap().0, 403);
    // Expired.
    clock.set(1_800_000_000_000 + 61_000);
    let (status, body) = get(file_url).await.unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("expired"), "{body}");
}
