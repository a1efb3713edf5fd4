//! A test hook for the crash tests (`tests/e2e/batch.rs`): with
//! `PLINTH_TEST_PAUSE_AT=jobs.after_items:<N>` in the environment, the worker that commits the
//! chunk bringing a job to `N` or more items stops forever after the commit, having printed
//! `plinth test hook: paused at jobs.after_items:<N>` to stderr, so that a test can `kill -9`
//! the process in the middle of a job, at a known point.
//!
//! Not for production use: the variable is read once; unset, a check costs one load of an
//! initialised `OnceLock`.

use std::sync::OnceLock;

fn threshold() -> Option<i64> {
    static AT: OnceLock<Option<i64>> = OnceLock::new();
    *AT.get_or_init(|| {
        std::env::var("PLINTH_TEST_PAUSE_AT")
            .ok()?
            .strip_prefix("jobs.after_items:")?
            .parse()
            .ok()
    })
}

/// Pauses forever if the hook is set and `done` reached its threshold.
pub(crate) async fn after_chunk(done: i64) {
    if let Some(n) = threshold()
        && done >= n
    {
        eprintln!("plinth test hook: paused at jobs.after_items:{n}");
        std::future::pending::<()>().await;
    }
}
