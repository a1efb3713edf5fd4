//! Replicas on one PostgreSQL state (`--state postgres://...`): what one replica is told, all
//! serve within a second; a switch under load fails no call on any replica; hash-based
//! dispatch picks the same generation for a key on every replica. Skipped (with a message)
//! without `PLINTH_TEST_PG_URL`; a failure with `PLINTH_REQUIRE_POSTGRES=1`.

mod support;

use plinth_plugin_api::test_db::TestDatabase;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

/// A fresh schema of the test PostgreSQL, dropped at the end.
struct Schema {
    db: Option<TestDatabase>,
    runtime: tokio::runtime::Runtime,
}

impl Schema {
    fn new(test: &str) -> Option<Schema> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let db = runtime.block_on(TestDatabase::postgres(test))?;
        Some(Schema {
            db: Some(db),
            runtime,
        })
    }

    fn url(&self) -> String {
        self.db.as_ref().unwrap().url.clone()
    }

    /// One text value of a query on the schema (`None` without a row).
    fn text(&self, query: &str) -> Option<String> {
        let db = self.db.as_ref().unwrap();
        self.runtime.block_on(async {
            let pool = db.connect().await;
            sqlx::query_scalar::<_, String>(query)
                .fetch_optional(pool.pool())
                .await
                .unwrap()
        })
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            self.runtime.block_on(db.finish());
        }
    }
}

/// Replicas of one test: a fresh schema, a scratch directory, a configuration file.
struct Cluster {
    schema: Schema,
    tmp: tempfile::TempDir,
    config: std::path::PathBuf,
}

impl Cluster {
    /// `None` (the test skips) without a test PostgreSQL.
    fn new(test: &str, config: &str) -> Option<Cluster> {
        let schema = Schema::new(test)?;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("plinth.toml");
        std::fs::write(&path, config).unwrap();
        Some(Cluster {
            schema,
            tmp,
            config: path,
        })
    }

    /// Starts replica `name` (its own data directory) on the shared state.
    fn replica(&self, name: &str, pause_at: Option<&str>) -> Plinth {
        Plinth::start_with(
            &self.tmp.path().join(name),
            Options {
                env: vec![("PLINTH_STATE".into(), self.schema.url())],
                args: vec!["--config".into(), self.config.display().to_string()],
                pause_at: pause_at.map(str::to_owned),
                ..Default::default()
            },
        )
    }

    /// Replicas `r1` to `rN`.
    fn replicas(&self, n: usize) -> Vec<Plinth> {
        (1..=n)
            .map(|i| self.replica(&format!("r{i}"), None))
            .collect()
    }

    /// The replica an owner id names: its replica id (`data_dir/replica-id`, the scheduler
    /// lease) or its process (`<pid>-...`, a job lease).
    fn holder(replicas: &[Plinth], owner: &str) -> usize {
        replicas
            .iter()
            .position(|r| {
                let id = std::fs::read_to_string(r.data_dir.join("replica-id")).unwrap_or_default();
                owner == id.trim() || owner.starts_with(&format!("{}-", r.pid()))
            })
            .unwrap_or_else(|| panic!("the owner {owner} is none of the replicas"))
    }
}

/// Polls `check` until it holds; returns how long that took, or panics after `limit`.
fn within(limit: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if check() {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn answers_with(server: &Plinth, generation: &str) -> bool {
    let answer = server.lookup("shop", 1);
    answer.status == 200 && generation_of(&answer) == generation
}

#[test]
fn three_replicas_on_one_postgresql_serve_as_one() {
    let Some(cluster) = Cluster::new("three_replicas", "") else {
        return;
    };
    let tmp = &cluster.tmp;
    let replicas: Vec<Arc<Plinth>> = cluster.replicas(3).into_iter().map(Arc::new).collect();
    let (r1, r2, r3) = (&replicas[0], &replicas[1], &replicas[2]);

    // A deploy on replica 1 answers on replicas 2 and 3 within 1 s: they fetch the bundle
    // from the state database (their data directories never saw it).
    let v1 = lookup_bundle(&tmp.path().join("b1"), "shop", true, &[(1, "one-v1")]);
    r1.deploy(&v1);
    let took = within(Duration::from_secs(1), "v1 on replicas 2 and 3", || {
        answers_with(r2, "v1") && answers_with(r3, "v1")
    });
    eprintln!("a new service's first generation answered on replicas 2 and 3 after {took:?}");

    let v2 = lookup_bundle(&tmp.path().join("b2"), "shop", true, &[(1, "one-v2")]);
    let imported = r1.upload(&tar_gz_dir(&v2), "activate=false");
    assert_eq!(imported.status, 200, "{}", imported.text);
    // Not activated: every replica still answers v1 (and has the row for v2 soon).
    within(Duration::from_secs(1), "v2 known on replica 3", || {
        r3.admin_get("services/shop/generations")
            .text
            .contains("\"v2\"")
    });
    for r in &replicas {
        assert!(answers_with(r, "v1"));
    }

    // Switches under load, each made on a different replica, with a client loop on each:
    // no call fails, none mixes generations, every replica follows every switch within 1 s.
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let loops: Vec<_> = replicas
        .iter()
        .map(|server| {
            let (server, stop, ok, failures) =
                (server.clone(), stop.clone(), ok.clone(), failures.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Err(failure) = consistent_generation(&server.lookup("shop", 1)) {
                        failures.lock().unwrap().push(failure);
                        continue;
                    }
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for round in 0..6 {
        let target = if round % 2 == 0 { "v2" } else { "v1" };
        let by = &replicas[round % 3];
        let answer = by.admin_post(
            &format!("services/shop/actions/switchTo/{target}"),
            &json!({}),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        let took = within(
            Duration::from_secs(1),
            &format!("switch {round} to {target} on every replica"),
            || replicas.iter().all(|r| answers_with(r, target)),
        );
        slowest = slowest.max(took);
    }
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        l.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "failed calls during switches: {failures:?}"
    );
    eprintln!(
        "6 switches under load: {} calls, 0 failed, slowest propagation {slowest:?}",
        ok.load(Ordering::Relaxed)
    );

    // Hash-based dispatch, set on replica 2: the same generation for each of 1,000 keys on
    // every replica.
    let mapping = json!({"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.5}], "strategy": "HASH_BASED"});
    let set = r2.admin_post("services/shop/actions/setMapping", &mapping);
    assert_eq!(set.status, 200, "{}", set.text);
    let expected = json!({"strategy": "HASH_BASED", "entries": mapping["entries"]});
    within(
        Duration::from_secs(1),
        "the mapping on every replica",
        || {
            replicas
                .iter()
                .all(|r| r.admin_get("services/shop/mapping").json() == expected)
        },
    );
    let mut per_generation = std::collections::HashMap::new();
    for k in 0..1000 {
        let key = format!("customer-{k}");
        let picks: Vec<String> = replicas
            .iter()
            .map(|r| {
                generation_of(&r.post(
                    "/public/api/v1/shop/items/lookup",
                    &json!({"data": {"id": 1}, "dispatch": {"dispatchKey": key}}),
                ))
            })
            .collect();
        assert!(
            picks.iter().all(|p| *p == picks[0]),
            "key {key} went to {picks:?}"
        );
        *per_generation.entry(picks[0].clone()).or_insert(0) += 1;
    }
    assert_eq!(per_generation.len(), 2, "{per_generation:?}");

    // A key made on replica 3 for a private service works on replica 1 within 1 s; disabling
    // on replica 1 stops replica 2 within 1 s.
    let private = lookup_bundle(&tmp.path().join("p1"), "vault", false, &[(1, "secret")]);
    r3.deploy(&private);
    let key = r3.admin_post("services/vault/keys", &json!({"label": "k"}));
    assert_eq!(key.status, 200, "{}", key.text);
    let secret = key.json()["key"].as_str().unwrap().to_owned();
    let with_key = |r: &Plinth| {
        r.call(
            "POST",
            "/public/api/v1/vault/items/lookup",
            Some(&basic(&secret)),
            Some(br#"{"data": {"id": 1}}"#),
            None,
        )
        .status
    };
    within(Duration::from_secs(1), "the new key on replica 1", || {
        with_key(r1) == 200
    });
    let disabled = r1.admin_post("services/vault/actions/disable", &json!({}));
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    within(Duration::from_secs(1), "disabled on replica 2", || {
        with_key(r2) == 503
    });
    let enabled = r3.admin_post("services/vault/actions/enable", &json!({}));
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    within(Duration::from_secs(1), "enabled again on replica 2", || {
        with_key(r2) == 200
    });
    // Deleted on replica 2: gone from replica 3 (and its local bundle files with it).
    assert_eq!(r2.admin_delete("services/vault").status, 200);
    within(Duration::from_secs(1), "deleted on replica 3", || {
        r3.lookup("vault", 1).status == 404
    });
    within(
        Duration::from_secs(1),
        "bundle files removed on replica 1",
        || !r1.data_dir.join("bundles/vault").exists(),
    );
    drop(replicas);
}

fn diabetes_features(i: usize) -> serde_json::Value {
    json!({"age": 40 + (i % 20) as i64, "sex": 1 + (i % 2) as i64, "bmi": 25.0 + (i % 7) as f64,
           "bp": 90.0, "s1": 190.0, "s2": 110.0, "s3": 48.0, "s4": 4.0, "s5": 4.6, "s6": 90.0})
}

/// Traffic spread over three replicas adds up in the DataRobot service stats of any of them
/// (each writes its own rollup rows), and a scheduled Aporia monitor evaluated by three
/// schedulers fires once per tick, with one webhook delivery.
#[test]
fn monitoring_adds_up_and_a_monitor_fires_once_across_three_replicas() {
    let Some(cluster) = Cluster::new(
        "replicas_monitoring",
        "[plugins.aporia]\nwebhook_backoff_ms = 300\nscheduler_lease_ms = 4000\n",
    ) else {
        return;
    };
    let schema = &cluster.schema;
    let mut replicas = cluster.replicas(3);
    replicas[0].deploy(&repo_root().join("examples/diabetes_svc"));
    let predict = "/public/api/v1/diabetes_svc/diabetes/predict";
    // Every answered call counts, the readiness polls too (a refused one is not an event of
    // the deployment: the endpoint did not exist there yet).
    let mut answered = 0u64;
    for r in &replicas {
        within(Duration::from_secs(5), "the model on every replica", || {
            let ok = r
                .post(predict, &json!({"features": diabetes_features(0)}))
                .status
                == 200;
            answered += ok as u64;
            ok
        });
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = support::webhooks::receive(listener);
    let bearer = format!("Bearer {ADMIN_KEY}");
    let monitor = json!({"name": "fires", "type": "model_activity", "scheduling": "* * * * *",
        "configuration": {"configuration": {"focal": {"source": "SERVING", "timePeriod": "1h"},
            "metric": {"type": "count", "field": "_id"},
            "actions": [{"type": "ALERT", "severity": "HIGH", "notification": [{"type": "WEBHOOK", "url": hook, "secret": "s"}]}],
            "logicEvaluations": [{"name": "RANGE", "min": 1_000_000, "max": null}]},
          "identification": {"models": {"id": "diabetes_svc~diabetes"}, "segment": {"group": null}, "environment": null}},
        "is_active": true, "custom_alert_description": null});
    let created = replicas[1].call(
        "POST",
        "/v1beta/monitors",
        Some(&bearer),
        Some(monitor.to_string().as_bytes()),
        Some("application/json"),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let monitor_id = created.json()["id"].as_str().unwrap().to_owned();

    // 30 + 45 + 75 calls, plus the readiness calls above.
    let sent = [30, 45, 75];
    for (r, n) in replicas.iter().zip(sent) {
        for i in 0..n {
            let answer = r.post(predict, &json!({"features": diabetes_features(i)}));
            assert_eq!(answer.status, 200, "{}", answer.text);
        }
    }
    let total: u64 = sent.iter().sum::<usize>() as u64 + answered;
    let stats = |r: &Plinth| {
        r.call(
            "GET",
            "/api/v2/deployments/diabetes_svc~diabetes/serviceStats/",
            Some(&format!("Token {ADMIN_KEY}")),
            None,
            None,
        )
        .json()["metrics"]["totalRequests"]
            .as_u64()
            .unwrap()
    };
    within(Duration::from_secs(10), "every call in the stats", || {
        stats(&replicas[2]) == total
    });
    for r in &replicas {
        assert_eq!(stats(r), total, "the same total read through every replica");
    }

    // The next minute's tick fires once, whichever scheduler gets it.
    let alerts = |r: &Plinth| -> Vec<serde_json::Value> {
        r.call(
            "GET",
            &format!("/v1beta/alerts?monitor_id={monitor_id}"),
            Some(&bearer),
            None,
            None,
        )
        .json()["alerts"]
            .as_array()
            .unwrap()
            .clone()
    };
    within(
        Duration::from_secs(75),
        "the scheduled alert delivered",
        || !seen.lock().unwrap().is_empty(),
    );
    // Let the other schedulers pass the same tick (they wake every 30 s at most), then count.
    std::thread::sleep(Duration::from_secs(5));
    let fired = alerts(&replicas[0]);
    let ticks: std::collections::HashSet<String> = fired
        .iter()
        .map(|a| a["run"]["scheduled"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ticks.len(), fired.len(), "one alert per tick: {fired:?}");
    let deliveries = seen.lock().unwrap().len();
    assert_eq!(
        deliveries,
        fired.len(),
        "one webhook per alert, not one per replica"
    );
    eprintln!(
        "{} alert(s), {deliveries} delivery(ies) from three schedulers",
        fired.len()
    );

    // The replica holding the scheduler lease dies: another takes the schedule over, and the
    // next tick fires once too.
    let owner = schema
        .text("SELECT owner FROM plugin_leases WHERE name = 'aporia.scheduler'")
        .expect("a scheduler lease");
    replicas.remove(Cluster::holder(&replicas, &owner)).kill();
    let before = fired.len();
    within(Duration::from_secs(90), "the next tick's delivery", || {
        seen.lock().unwrap().len() > before
    });
    std::thread::sleep(Duration::from_secs(3));
    let now_owner = schema
        .text("SELECT owner FROM plugin_leases WHERE name = 'aporia.scheduler'")
        .unwrap();
    assert_ne!(now_owner, owner, "the lease moved to a living replica");
    let fired = alerts(&replicas[0]);
    let ticks: std::collections::HashSet<String> = fired
        .iter()
        .map(|a| a["run"]["scheduled"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ticks.len(), fired.len(), "one alert per tick: {fired:?}");
    assert_eq!(
        seen.lock().unwrap().len(),
        fired.len(),
        "one webhook per alert"
    );
    eprintln!(
        "after the scheduler's replica died: {} alerts, each tick once",
        fired.len()
    );

    // A DataRobot deployment deactivated through one replica refuses calls on the other
    // within 1 s, and is served again within 1 s once activated through that other one.
    let status = |r: &Plinth, to: &str| {
        let answer = r.call(
            "PATCH",
            "/api/v2/deployments/diabetes_svc~diabetes/status/",
            Some(&format!("Token {ADMIN_KEY}")),
            Some(json!({"status": to}).to_string().as_bytes()),
            Some("application/json"),
        );
        assert_eq!(answer.status, 202, "{}", answer.text);
    };
    let call = |r: &Plinth| r.post(predict, &json!({"features": diabetes_features(1)}));
    status(&replicas[0], "inactive");
    within(
        Duration::from_secs(1),
        "inactive on the other replica",
        || {
            let answer = call(&replicas[1]);
            answer.status == 503 && answer.error_type() == "EndpointInactive"
        },
    );
    status(&replicas[1], "active");
    within(Duration::from_secs(1), "active again on the first", || {
        call(&replicas[0]).status == 200
    });
}

/// An Apres batch whose replica is killed (`kill -9`) mid-way finishes on another replica
/// with every input row exactly once, and its output downloads from the replica that did not
/// write it.
#[test]
fn an_apres_batch_killed_with_its_replica_finishes_on_another() {
    use support::apres::*;
    const ROWS: u64 = 6_000;
    let Some(cluster) = Cluster::new(
        "replicas_apres",
        "[plugins.jobs]\nworkers = 1\nchunk_items = 500\nlease_ms = 2000\nretry_backoff_ms = 200\n",
    ) else {
        return;
    };
    let r1 = cluster.replica("r1", Some("jobs.after_items:2000"));
    r1.deploy(&repo_root().join("examples/iris_svc"));
    let key = apres_recipe(&r1);
    let batch = submit_batch(&r1, &key, ROWS, None);
    let id = batch["id"].as_str().unwrap().to_owned();
    r1.wait_paused(Duration::from_secs(120));
    // Replica 2 joins while replica 1 holds the job, then replica 1 dies.
    let r2 = cluster.replica("r2", None);
    r1.kill();
    let done = wait_batch(&r2, &key, &id, Duration::from_secs(120));
    assert_eq!(done["size"], ROWS, "{done}");
    let rows = batch_output(&r2, &key, &id);
    assert_eq!(rows.len() as u64, ROWS);
    let inputs: std::collections::HashSet<u64> = rows.iter().map(input_row).collect();
    assert_eq!(inputs, (0..ROWS).collect(), "each input row exactly once");
    // A third replica, which wrote nothing, serves the same output.
    let r3 = cluster.replica("r3", None);
    assert_eq!(batch_output(&r3, &key, &id), rows);
}

/// SIGTERM (a rolling update) on the replica running a batch: it stops between chunks, gives
/// its job lease back and exits cleanly, and another replica resumes the job at once, not
/// after the lease (two minutes here) runs out; every row once.
#[test]
fn a_replica_stopped_with_sigterm_hands_its_batch_over_at_once() {
    use support::apres::*;
    const ROWS: u64 = 40_000;
    let Some(cluster) = Cluster::new(
        "replicas_sigterm",
        "[plugins.jobs]\nworkers = 1\nchunk_items = 250\nlease_ms = 120000\nretry_backoff_ms = 200\n",
    ) else {
        return;
    };
    let schema = &cluster.schema;
    let mut replicas = cluster.replicas(2);
    replicas[0].deploy(&repo_root().join("examples/iris_svc"));
    let key = apres_recipe(&replicas[0]);
    within(Duration::from_secs(5), "iris on replica 2", || {
        replicas[1]
            .post(
                "/public/api/v1/iris_svc/iris/predict",
                &json!({"features": {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}}),
            )
            .status
            == 200
    });
    let batch = submit_batch(&replicas[0], &key, ROWS, None);
    let id = batch["id"].as_str().unwrap().to_owned();
    // Claimed, and past its first chunks: SIGTERM lands in the middle of the work.
    let lease_query = format!(
        "SELECT lease_owner FROM job_jobs WHERE id = '{id}' AND state = 'running' AND cursor >= 1000"
    );
    let mut owner = None;
    within(
        Duration::from_secs(30),
        "a replica claiming the batch",
        || {
            owner = schema.text(&lease_query);
            owner.is_some()
        },
    );
    let owner = owner.unwrap();
    let stopped = replicas.remove(Cluster::holder(&replicas, &owner));
    let sent = Instant::now();
    let (clean, took) = stopped.terminate(Duration::from_secs(20));
    assert!(clean, "the replica exited with an error after SIGTERM");
    // It stopped mid-way: what is left is the other replica's to do.
    let left = schema
        .text(&format!(
            "SELECT CAST({ROWS} - cursor AS TEXT) FROM job_jobs WHERE id = '{id}'"
        ))
        .unwrap();
    assert_ne!(
        left, "0",
        "the batch finished before the signal: nothing was handed over"
    );
    let other = &replicas[0];
    let done = wait_batch(other, &key, &id, Duration::from_secs(60));
    let handed_over = sent.elapsed();
    assert!(
        handed_over < Duration::from_secs(60),
        "finished {handed_over:?} after SIGTERM: the lease was not given back"
    );
    assert_eq!(done["size"], ROWS, "{done}");
    let rows = batch_output(other, &key, &id);
    assert_eq!(rows.len() as u64, ROWS);
    let inputs: std::collections::HashSet<u64> = rows.iter().map(input_row).collect();
    assert_eq!(inputs, (0..ROWS).collect(), "each input row exactly once");
    eprintln!(
        "SIGTERM: the replica exited in {took:?} with {left} rows left; the batch finished on the other {handed_over:?} after the signal"
    );
}
