//! Calls to names that do not exist (an unknown service, endpoint or action): counted in one
//! bounded bucket instead of per name, and sampled into the audit trail at most once a second
//! as one row with a count. Anyone on the network can make up names; nothing about them may
//! grow with their number.

use crate::store::now_millis;
use plinth_plugin_api::AdminEvent;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest name kept in a sample (longer ones are cut, with `…`).
const SAMPLE_NAME_CHARS: usize = 64;

/// The bucket of calls to unknown names.
#[derive(Default)]
pub struct StrayCalls {
    total: AtomicU64,
    since_sample: AtomicU64,
    /// One example of the last second's calls, for the audit row.
    example: Mutex<Option<String>>,
}

impl StrayCalls {
    /// Counts one call to `service/endpoint/action` answered with `status`.
    pub fn record(&self, service: &str, endpoint: &str, action: &str, status: u16) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.since_sample.fetch_add(1, Ordering::Relaxed);
        // Only the first call of each second pays for formatting the example.
        if let Ok(mut example) = self.example.try_lock()
            && example.is_none()
        {
            *example = Some(format!(
                "{}/{}/{} ({status})",
                cut(service),
                cut(endpoint),
                cut(action)
            ));
        }
    }

    /// Calls to unknown names since start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// The audit row for the calls since the last sample, if there were any.
    pub fn take_sample(&self) -> Option<AdminEvent> {
        let count = self.since_sample.swap(0, Ordering::Relaxed);
        let example = self
            .example
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        (count > 0).then(|| AdminEvent {
            at_ms: now_millis(),
            kind: "unknown".into(),
            service_id: None,
            generation: None,
            action: "unknown-calls".into(),
            detail: Some(format!(
                "{count} call(s) to unknown services, endpoints or actions, e.g. {}",
                example.as_deref().unwrap_or("?")
            )),
        })
    }
}

fn cut(name: &str) -> String {
    match name.char_indices().nth(SAMPLE_NAME_CHARS) {
        None => name.to_owned(),
        Some((at, _)) => format!("{}…", &name[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_calls_make_one_sample_with_their_count() {
        let stray = StrayCalls::default();
        assert!(stray.take_sample().is_none());
        for i in 0..1000 {
            stray.record(&format!("svc{i}{}", "x".repeat(100)), "ep", "predict", 404);
        }
        let row = stray.take_sample().unwrap();
        let detail = row.detail.unwrap();
        assert!(detail.starts_with("1000 call(s) to unknown"), "{detail}");
        assert!(
            detail.contains("svc0xxx") && detail.contains("…/ep/predict (404)"),
            "{detail}"
        );
        assert!(detail.len() < 200);
        assert!(stray.take_sample().is_none());
        assert_eq!(stray.total(), 1000);
    }
}
