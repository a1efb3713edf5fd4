//! Request counters and latency histograms per service and endpoint, exported as JSON for the
//! admin API and as Prometheus text at `/metrics`.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Upper bounds of the latency buckets, microseconds.
const BUCKETS_US: [u64; 14] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 5_000_000,
];

/// Counters of one endpoint.
#[derive(Default)]
pub struct EndpointMetrics {
    calls: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    total_us: AtomicU64,
    buckets: [AtomicU64; BUCKETS_US.len() + 1],
}

impl EndpointMetrics {
    fn record(&self, status: u16, duration_us: u64) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if (400..500).contains(&status) {
            self.client_errors.fetch_add(1, Ordering::Relaxed);
        } else if status >= 500 {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.total_us.fetch_add(duration_us, Ordering::Relaxed);
        let slot = BUCKETS_US
            .iter()
            .position(|&b| duration_us <= b)
            .unwrap_or(BUCKETS_US.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
    }
}

/// All endpoints' counters.
#[derive(Default)]
pub struct Metrics {
    /// service → endpoint → counters. Two levels so that recording a call looks up `&str`s
    /// without allocating a key; the write lock is taken only for an endpoint's first call.
    by_endpoint: RwLock<HashMap<String, HashMap<String, Arc<EndpointMetrics>>>>,
}

impl Metrics {
    /// Records one call.
    pub fn record(&self, service: &str, endpoint: &str, status: u16, duration_us: u64) {
        let existing = self
            .by_endpoint
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(service)
            .and_then(|endpoints| endpoints.get(endpoint))
            .cloned();
        let entry = match existing {
            Some(entry) => entry,
            None => self
                .by_endpoint
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(service.to_owned())
                .or_default()
                .entry(endpoint.to_owned())
                .or_default()
                .clone(),
        };
        entry.record(status, duration_us);
    }

    fn snapshot(&self) -> Vec<((String, String), Arc<EndpointMetrics>)> {
        let mut all: Vec<_> = self
            .by_endpoint
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .flat_map(|(service, endpoints)| {
                endpoints
                    .iter()
                    .map(|(endpoint, m)| ((service.clone(), endpoint.clone()), m.clone()))
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// JSON for `GET /admin/api/metrics`.
    pub fn to_json(&self) -> Value {
        let endpoints: Vec<Value> = self
            .snapshot()
            .into_iter()
            .map(|((service, endpoint), m)| {
                let calls = m.calls.load(Ordering::Relaxed);
                let total = m.total_us.load(Ordering::Relaxed);
                json!({
                    "serviceId": service,
                    "endpointId": endpoint,
                    "calls": calls,
                    "clientErrors": m.client_errors.load(Ordering::Relaxed),
                    "serverErrors": m.server_errors.load(Ordering::Relaxed),
                    "meanDurationUs": total.checked_div(calls).unwrap_or(0),
                })
            })
            .collect();
        json!({ "endpoints": endpoints })
    }

    /// Prometheus text exposition format.
    pub fn to_prometheus(&self, extra: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let all = self.snapshot();
        let _ = writeln!(
            out,
            "# HELP plinth_calls_total User-API calls by service, endpoint and outcome."
        );
        let _ = writeln!(out, "# TYPE plinth_calls_total counter");
        for ((s, e), m) in &all {
            let calls = m.calls.load(Ordering::Relaxed);
            let ce = m.client_errors.load(Ordering::Relaxed);
            let se = m.server_errors.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "plinth_calls_total{{service=\"{}\",endpoint=\"{}\",outcome=\"ok\"}} {}",
                esc(s),
                esc(e),
                calls - ce - se
            );
            let _ = writeln!(
                out,
                "plinth_calls_total{{service=\"{}\",endpoint=\"{}\",outcome=\"client_error\"}} {ce}",
                esc(s),
                esc(e)
            );
            let _ = writeln!(
                out,
                "plinth_calls_total{{service=\"{}\",endpoint=\"{}\",outcome=\"server_error\"}} {se}",
                esc(s),
                esc(e)
            );
        }
        let _ = writeln!(
            out,
            "# HELP plinth_call_duration_seconds User-API call latency."
        );
        let _ = writeln!(out, "# TYPE plinth_call_duration_seconds histogram");
        for ((s, e), m) in &all {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS_US.iter().enumerate() {
                cumulative += m.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "plinth_call_duration_seconds_bucket{{service=\"{}\",endpoint=\"{}\",le=\"{}\"}} {cumulative}",
                    esc(s),
                    esc(e),
                    *bound as f64 / 1e6
                );
            }
            cumulative += m.buckets[BUCKETS_US.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "plinth_call_duration_seconds_bucket{{service=\"{}\",endpoint=\"{}\",le=\"+Inf\"}} {cumulative}",
                esc(s),
                esc(e)
            );
            let _ = writeln!(
                out,
                "plinth_call_duration_seconds_sum{{service=\"{}\",endpoint=\"{}\"}} {}",
                esc(s),
                esc(e),
                m.total_us.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "plinth_call_duration_seconds_count{{service=\"{}\",endpoint=\"{}\"}} {cumulative}",
                esc(s),
                esc(e)
            );
        }
        for (name, help, value) in extra {
            let _ = writeln!(out, "# HELP {name} {help}");
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

fn esc(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_outcomes_and_fills_cumulative_buckets() {
        let m = Metrics::default();
        m.record("s", "e", 200, 90);
        m.record("s", "e", 404, 3_000);
        m.record("s", "e", 500, 10_000_000);
        let text = m.to_prometheus(&[]);
        assert!(text.contains("plinth_calls_total{service=\"s\",endpoint=\"e\",outcome=\"ok\"} 1"));
        assert!(text.contains("outcome=\"client_error\"} 1"));
        assert!(text.contains("outcome=\"server_error\"} 1"));
        assert!(text.contains("le=\"0.0001\"} 1"));
        assert!(text.contains("le=\"0.005\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 3"));
        assert_eq!(m.to_json()["endpoints"][0]["calls"], 3);
    }
}
