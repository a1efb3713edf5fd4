//! The engine on SQLite and PostgreSQL: chunks committed in order, exactly one output per item
//! after a worker dies mid-job, two engines on one database never processing an item twice,
//! transient failures retried, webhooks delivered in order and retried, the admin listing.

use async_trait::async_trait;
use plinth_jobs::{
    Config, ItemOutput, JobError, JobHandler, JobRecord, JobState, Jobs, NewJob, Stage,
};
use plinth_plugin_api::test_db::TestDatabase;
use plinth_plugin_api::{PluginDb, Shutdown, SystemClock};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Doubles each item; counts the items it processed; can stall forever at a given chunk.
#[derive(Default)]
struct Doubler {
    processed: AtomicUsize,
    stall_at: Option<i64>,
    fail_first: AtomicUsize,
}

#[async_trait]
impl JobHandler for Doubler {
    async fn process(
        &self,
        _job: &JobRecord,
        first: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError> {
        if self.stall_at == Some(first) {
            std::future::pending::<()>().await;
        }
        if self.fail_first.load(Ordering::SeqCst) > 0 {
            self.fail_first.fetch_sub(1, Ordering::SeqCst);
            return Err(JobError::transient("the endpoint is busy"));
        }
        self.processed.fetch_add(items.len(), Ordering::SeqCst);
        Ok(items
            .iter()
            .map(|v| ItemOutput {
                ok: v.as_i64().is_some(),
                body: json!(v.as_i64().map(|n| n * 2)),
            })
            .collect())
    }

    async fn finish(&self, job: &JobRecord) -> Result<Value, JobError> {
        Ok(json!({"items": job.total}))
    }

    fn event(&self, job: &JobRecord, stage: Stage) -> Option<Value> {
        Some(json!({"job": job.id, "stage": stage.as_str()}))
    }
}

fn config() -> Config {
    Config {
        chunk_items: 100,
        lease_ms: 400,
        retry_backoff_ms: 50,
        workers: 1,
        ..Config::default()
    }
}

async fn engine(db: &PluginDb, dir: &std::path::Path) -> Arc<Jobs> {
    db.migrate("jobs", plinth_jobs::MIGRATIONS).await.unwrap();
    Jobs::open(db.clone(), Arc::new(SystemClock), config(), dir)
        .await
        .unwrap()
}

fn job(id: &str, n: i64) -> NewJob {
    NewJob {
        id: id.into(),
        kind: "double".into(),
        scope: "s".into(),
        params: json!({}),
        items: Some((0..n).map(Value::from).collect()),
        webhook: None,
    }
}

async fn wait_done(jobs: &Jobs, id: &str) -> JobRecord {
    for _ in 0..600 {
        let job = jobs.get(id).await.unwrap().unwrap();
        if matches!(job.state, JobState::Done | JobState::Failed) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish");
}

async fn all_outputs(jobs: &Jobs, id: &str) -> Vec<Value> {
    jobs.outputs(id, 0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.body)
        .collect()
}

async fn runs_in_chunks(db: &PluginDb) {
    let dir = tempfile::tempdir().unwrap();
    let jobs = engine(db, dir.path()).await;
    let handler = Arc::new(Doubler::default());
    jobs.register("double", handler.clone());
    let (stop, shutdown) = Shutdown::channel();
    let tasks = jobs.spawn(&shutdown);
    jobs.submit(job("a", 1_050)).await.unwrap();
    let done = wait_done(&jobs, "a").await;
    assert_eq!(done.state, JobState::Done);
    assert_eq!(
        (done.total, done.done, done.failed_items),
        (Some(1_050), 1_050, 0)
    );
    assert_eq!(done.result, Some(json!({"items": 1_050})));
    let outputs = all_outputs(&jobs, "a").await;
    assert_eq!(
        outputs,
        (0..1_050).map(|n| json!(n * 2)).collect::<Vec<_>>()
    );
    assert_eq!(handler.processed.load(Ordering::SeqCst), 1_050);
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
}

/// A worker stalls in the middle (as if killed); a second engine (a restarted process, or a
/// replica on PostgreSQL) takes the job over after the lease and completes it from the last
/// committed chunk: every item once in the output.
async fn resumes_after_a_dead_worker(db: &PluginDb) {
    let dir = tempfile::tempdir().unwrap();
    let first = engine(db, dir.path()).await;
    let stalled = Arc::new(Doubler {
        stall_at: Some(500),
        ..Doubler::default()
    });
    first.register("double", stalled.clone());
    let (stop_first, shutdown_first) = Shutdown::channel();
    let first_tasks = first.spawn(&shutdown_first);
    first.submit(job("b", 1_000)).await.unwrap();
    for _ in 0..200 {
        if first.get("b").await.unwrap().unwrap().done == 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(first.get("b").await.unwrap().unwrap().done, 500);
    for t in &first_tasks {
        t.abort();
    }
    drop(stop_first);
    let second = engine(db, dir.path()).await;
    let resumed = Arc::new(Doubler::default());
    second.register("double", resumed.clone());
    let (stop, shutdown) = Shutdown::channel();
    let tasks = second.spawn(&shutdown);
    let done = wait_done(&second, "b").await;
    assert_eq!((done.state, done.done), (JobState::Done, 1_000));
    assert_eq!(
        all_outputs(&second, "b").await,
        (0..1_000).map(|n| json!(n * 2)).collect::<Vec<_>>()
    );
    assert_eq!(stalled.processed.load(Ordering::SeqCst), 500);
    assert_eq!(
        resumed.processed.load(Ordering::SeqCst),
        500,
        "only the uncommitted half is redone"
    );
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
}

/// Two engines on one database, three workers each, twelve jobs: each item processed once.
async fn two_engines_share_the_queue(db: &PluginDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut engines = Vec::new();
    let handler = Arc::new(Doubler::default());
    let (stop, shutdown) = Shutdown::channel();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let mut c = config();
        c.workers = 3;
        c.lease_ms = 30_000;
        db.migrate("jobs", plinth_jobs::MIGRATIONS).await.unwrap();
        let jobs = Jobs::open(db.clone(), Arc::new(SystemClock), c, dir.path())
            .await
            .unwrap();
        jobs.register("double", handler.clone());
        tasks.extend(jobs.spawn(&shutdown));
        engines.push(jobs);
    }
    for i in 0..12 {
        engines[i % 2]
            .submit(job(&format!("c{i}"), 250))
            .await
            .unwrap();
    }
    for i in 0..12 {
        let done = wait_done(&engines[0], &format!("c{i}")).await;
        assert_eq!((done.state, done.done), (JobState::Done, 250));
    }
    assert_eq!(handler.processed.load(Ordering::SeqCst), 12 * 250);
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
}

async fn retries_transient_failures(db: &PluginDb) {
    let dir = tempfile::tempdir().unwrap();
    let jobs = engine(db, dir.path()).await;
    let handler = Arc::new(Doubler {
        fail_first: AtomicUsize::new(2),
        ..Doubler::default()
    });
    jobs.register("double", handler.clone());
    let (stop, shutdown) = Shutdown::channel();
    let tasks = jobs.spawn(&shutdown);
    jobs.submit(job("d", 10)).await.unwrap();
    let done = wait_done(&jobs, "d").await;
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 3, "two setbacks, then the run that finished");
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
}

/// The admin listing: every kind and scope, newest first, filtered by state and kind, bounded.
async fn lists_every_job(db: &PluginDb) {
    let dir = tempfile::tempdir().unwrap();
    let jobs = engine(db, dir.path()).await;
    jobs.register("double", Arc::new(Doubler::default()));
    jobs.register("other", Arc::new(Doubler::default()));
    for (id, kind, scope) in [
        ("l1", "double", "s1"),
        ("l2", "other", "s2"),
        ("l3", "double", "s3"),
    ] {
        let mut j = job(id, 3);
        j.kind = kind.into();
        j.scope = scope.into();
        jobs.submit(j).await.unwrap();
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let ids = |v: Vec<JobRecord>| v.into_iter().map(|j| j.id).collect::<Vec<_>>();
    let mine = |v: Vec<String>| {
        v.into_iter()
            .filter(|id| id.starts_with('l'))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        mine(ids(jobs.list_all(100, None, None).await.unwrap())),
        ["l3", "l2", "l1"]
    );
    assert_eq!(
        ids(jobs.list_all(100, None, Some("other")).await.unwrap()),
        ["l2"]
    );
    assert_eq!(
        mine(ids(jobs
            .list_all(100, Some(JobState::Queued), Some("double"))
            .await
            .unwrap())),
        ["l3", "l1"]
    );
    assert!(
        jobs.list_all(100, Some(JobState::Running), Some("other"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(jobs.list_all(1, None, None).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_on_sqlite() {
    let db = TestDatabase::sqlite();
    let db = db.connect().await;
    runs_in_chunks(&db).await;
    retries_transient_failures(&db).await;
    resumes_after_a_dead_worker(&db).await;
    lists_every_job(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_on_postgres() {
    let Some(pg) = TestDatabase::postgres("jobs_engine").await else {
        return;
    };
    let db = pg.connect().await;
    runs_in_chunks(&db).await;
    retries_transient_failures(&db).await;
    resumes_after_a_dead_worker(&db).await;
    two_engines_share_the_queue(&db).await;
    lists_every_job(&db).await;
    pg.finish().await;
}
