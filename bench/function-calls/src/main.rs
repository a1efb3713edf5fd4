//! In-process latency of function calls: each named endpoint of an example bundle is loaded
//! from its own `plinth.toml` through `FunctionFactory` (as the host loads it) and called one
//! request at a time, without HTTP, so that the figures are the engine's cost alone (instance
//! creation or reuse, argument and answer conversion, the guest's own work).
//!
//! ```text
//! plinth-bench-function-calls [--calls N] [--cache DIR] BUNDLE:ENDPOINT[?k=v&k=v]...
//! ```
//!
//! Prints a Markdown table: calls, p50, p90, p99 and mean in microseconds per endpoint.

mod manifest;
mod measure;

use plinth_engine_api::{EngineFactory, LoadContext, ServerResources};
use plinth_engine_function::FunctionFactory;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What the command line asks for.
struct Args {
    calls: usize,
    cache: PathBuf,
    targets: Vec<measure::Target>,
}

fn parse_args() -> Result<Args, String> {
    let mut calls = 5000;
    let mut cache = std::env::temp_dir().join("plinth-bench-function-calls");
    let mut targets = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--calls" => {
                let value = args.next().ok_or("--calls needs a number")?;
                calls = value
                    .parse()
                    .map_err(|_| format!("--calls {value}: not a number"))?;
            }
            "--cache" => cache = PathBuf::from(args.next().ok_or("--cache needs a folder")?),
            _ => targets.push(measure::Target::parse(&arg)?),
        }
    }
    if targets.is_empty() {
        return Err(
            "usage: plinth-bench-function-calls [--calls N] [--cache DIR] \
                    BUNDLE:ENDPOINT[?k=v&k=v]..."
                .into(),
        );
    }
    Ok(Args {
        calls,
        cache,
        targets,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let server = Arc::new(ServerResources {
        sibling_calls: None,
        data_dir: args.cache.clone(),
        cache_dir: args.cache.clone(),
        settings: toml::Table::new(),
    });
    println!("| endpoint | isolation | calls | p50 µs | p90 µs | p99 µs | mean µs |");
    println!("|---|---|---|---|---|---|---|");
    for target in &args.targets {
        let endpoint = match manifest::endpoint_config(&target.bundle, &target.endpoint) {
            Ok(config) => config,
            Err(message) => {
                eprintln!("{message}");
                std::process::exit(1);
            }
        };
        let isolation = endpoint
            .get("isolation")
            .and_then(|v| v.as_str())
            .unwrap_or("per-request")
            .to_string();
        let ctx = LoadContext {
            service_id: target.service(),
            generation: "v1".into(),
            endpoint_id: target.endpoint.clone(),
            bundle_root: target.bundle.clone(),
            config: endpoint,
            siblings: HashMap::new(),
            server: server.clone(),
        };
        let loaded = match FunctionFactory.load(ctx).await {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("{}: {error}", target.label());
                std::process::exit(1);
            }
        };
        match measure::latencies(&loaded, target, args.calls).await {
            Ok(stats) => println!(
                "| `{}` | {isolation} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
                target.label(),
                args.calls,
                stats.p50,
                stats.p90,
                stats.p99,
                stats.mean
            ),
            Err(message) => {
                eprintln!("{}: {message}", target.label());
                std::process::exit(1);
            }
        }
    }
}
