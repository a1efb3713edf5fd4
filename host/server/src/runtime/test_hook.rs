//! A test hook for the crash tests (`tests/e2e/deploy_crash.rs`): with
//! `PLINTH_TEST_PAUSE_AT=<point>` in the environment, the server stops forever at the named
//! point of a deploy, a switch or a service deletion, after printing
//! `plinth test hook: paused at <point>` to stderr, so that a test can `kill -9` the process
//! exactly there.
//!
//! Not for production use. The variable is read once; when it is unset a pause point costs one
//! load of an initialised `OnceLock`. Pause points are only on admin paths (deploy, switch,
//! deletion), never on the path of a user call.

use std::sync::OnceLock;

/// The marker printed before pausing; the tests wait for it.
const PAUSED_MARKER: &str = "plinth test hook: paused at ";

fn configured() -> Option<&'static str> {
    static POINT: OnceLock<Option<String>> = OnceLock::new();
    POINT
        .get_or_init(|| {
            std::env::var("PLINTH_TEST_PAUSE_AT")
                .ok()
                .filter(|p| !p.is_empty())
        })
        .as_deref()
}

/// Pauses forever if `PLINTH_TEST_PAUSE_AT` names `point`; returns at once otherwise.
pub(crate) async fn pause_at(point: &'static str) {
    if configured() == Some(point) {
        eprintln!("{PAUSED_MARKER}{point}");
        std::future::pending::<()>().await;
    }
}
