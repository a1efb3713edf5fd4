//! One endpoint called one request at a time: latency percentiles of its `serve`.

use plinth_engine_api::{Action, Endpoint, Input, Request};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// `BUNDLE:ENDPOINT?k=v&k=v`: the endpoint of a bundle folder and the query string of each call.
pub struct Target {
    /// The bundle folder (holds `plinth.toml`).
    pub bundle: PathBuf,
    /// The endpoint id in that manifest.
    pub endpoint: String,
    /// The parameters of every call, as a GET query string gives them.
    pub query: Vec<(String, String)>,
}

impl Target {
    /// Parses `BUNDLE:ENDPOINT[?k=v&k=v]`.
    pub fn parse(arg: &str) -> Result<Target, String> {
        let (bundle, rest) = arg
            .rsplit_once(':')
            .ok_or_else(|| format!("{arg}: expected BUNDLE:ENDPOINT[?k=v&k=v]"))?;
        let (endpoint, query) = rest.split_once('?').unwrap_or((rest, ""));
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                pair.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| format!("{arg}: {pair:?} is not k=v"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Target {
            bundle: PathBuf::from(bundle),
            endpoint: endpoint.to_string(),
            query,
        })
    }

    /// The bundle's folder name, standing for its service id.
    pub fn service(&self) -> String {
        self.bundle
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// `service/endpoint`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.service(), self.endpoint)
    }
}

/// Latency summary in microseconds.
pub struct Stats {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub mean: f64,
}

/// Calls `endpoint` `calls` times after `calls / 10` (at least 20) warm-up calls; every call
/// must answer (an error stops the measure, naming it).
pub async fn latencies(
    endpoint: &Arc<dyn Endpoint>,
    target: &Target,
    calls: usize,
) -> Result<Stats, String> {
    let request = || Request {
        observe: false,
        action: Action::Run,
        input: Input::Query(target.query.clone()),
    };
    for _ in 0..(calls / 10).max(20) {
        endpoint
            .serve(request())
            .await
            .map_err(|e| format!("{} {}: {}", e.status, e.error_type, e.message))?;
    }
    let mut micros = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        let reply = endpoint.serve(request()).await;
        micros.push(start.elapsed().as_secs_f64() * 1e6);
        reply.map_err(|e| format!("{} {}: {}", e.status, e.error_type, e.message))?;
    }
    if micros.is_empty() {
        return Err("--calls must be at least 1".into());
    }
    let mean = micros.iter().sum::<f64>() / micros.len() as f64;
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    Ok(Stats {
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        mean,
    })
}
