//! `plinth run <bundle|component> <function> --arg k=v`: calls a function locally, without a
//! server, exactly as the `run` action would (same engine, same conversions, same sandbox).

use anyhow::{Context, bail};
use plinth_engine_api::{Action, Endpoint, Input, LoadContext, Request, ServerResources};
use plinth_server::bundle::{MANIFEST_FILE, Manifest};
use plinth_server::engines::{EngineRegistry, builtin_factories};
use plinth_server::generation::{self, AdmissionDefaults};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `plinth run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// A bundle directory (with plinth.toml) or a component file (.wasm).
    target: PathBuf,
    /// The function endpoint id (bundle) or exported function name (component).
    function: String,
    /// A parameter, converted by the function's declared type (like a GET query string).
    #[arg(long = "arg", value_name = "NAME=VALUE")]
    args: Vec<String>,
    /// All parameters as one JSON object (like a POST body) instead of --arg.
    #[arg(long, conflicts_with = "args")]
    json: Option<String>,
}

/// Loads the target, calls the function once, prints the answer.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let input = input(&args)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let resources = Arc::new(ServerResources {
            sibling_calls: None,
            data_dir: std::env::temp_dir(),
            cache_dir: cache_dir(),
            settings: toml::Table::new(),
        });
        let started = Instant::now();
        let endpoint = if args.target.is_dir() {
            load_from_bundle(&args.target, &args.function, &resources).await?
        } else {
            load_component(&args.target, &args.function, &resources).await?
        };
        let loaded = started.elapsed();
        let reply = endpoint
            .serve(Request {
                observe: false,
                action: Action::Run,
                input,
            })
            .await;
        match reply {
            Ok(reply) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&Value::Object(reply.body))?
                );
                let timing: Vec<String> = reply
                    .timing
                    .iter()
                    .map(|(k, v)| format!("{k} {v} µs"))
                    .collect();
                eprintln!(
                    "(loaded in {} ms; {})",
                    loaded.as_millis(),
                    timing.join(", ")
                );
                Ok(())
            }
            Err(e) => bail!(
                "{} {}: {}{}",
                e.status,
                e.error_type,
                e.message,
                e.detailed_message
                    .map(|d| format!("\n{d}"))
                    .unwrap_or_default()
            ),
        }
    })
}

fn input(args: &RunArgs) -> anyhow::Result<Input> {
    if let Some(json) = &args.json {
        return match serde_json::from_str(json).context("--json")? {
            Value::Object(map) => Ok(Input::Json(map)),
            _ => bail!("--json must be a JSON object"),
        };
    }
    if args.args.is_empty() {
        return Ok(Input::Json(Map::new()));
    }
    let pairs = args
        .args
        .iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
            None => bail!("--arg {a}: expected NAME=VALUE"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Input::Query(pairs))
}

/// Compiled components are kept between runs (a Python component takes ~13 s to compile).
fn cache_dir() -> PathBuf {
    super::cache_dir().join("run-cache")
}

/// Loads every endpoint of the bundle (a function may call earlier ones) and picks `id`.
async fn load_from_bundle(
    dir: &Path,
    id: &str,
    resources: &Arc<ServerResources>,
) -> anyhow::Result<Arc<dyn Endpoint>> {
    let registry = EngineRegistry::new(builtin_factories());
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE))
        .with_context(|| format!("reading {}", dir.join(MANIFEST_FILE).display()))?;
    let manifest = Manifest::parse(&text, &registry.kinds())
        .map_err(|e| anyhow::anyhow!("{MANIFEST_FILE}: {e}"))?;
    let admission = AdmissionDefaults {
        max_concurrency: 1,
        queue_timeout: Duration::from_secs(1),
        call_timeout: plinth_server::config::Limits::default().call_timeout,
    };
    let root = std::path::absolute(dir)?;
    let generation = generation::load(&registry, resources, admission, "local", manifest, root)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let Some(endpoint) = generation.endpoint(id) else {
        let ids: Vec<&str> = generation
            .endpoints
            .iter()
            .filter(|e| e.kind == plinth_engine_function::KIND)
            .map(|e| e.id.as_str())
            .collect();
        bail!(
            "no endpoint '{id}' in the bundle (function endpoints: {})",
            ids.join(", ")
        );
    };
    if endpoint.kind != plinth_engine_function::KIND {
        bail!(
            "endpoint '{id}' is a '{}' endpoint, not a function",
            endpoint.kind
        );
    }
    Ok(endpoint.handle.clone())
}

/// Loads a bare component: its function `name`, with `log` granted and nothing else.
async fn load_component(
    file: &Path,
    name: &str,
    resources: &Arc<ServerResources>,
) -> anyhow::Result<Arc<dyn Endpoint>> {
    let file = std::path::absolute(file)?;
    let (Some(dir), Some(file_name)) = (file.parent(), file.file_name().and_then(|n| n.to_str()))
    else {
        bail!("{} is not a component file", file.display());
    };
    let mut config = toml::Table::new();
    config.insert("component".into(), file_name.into());
    config.insert("function".into(), name.into());
    let mut grants = toml::Table::new();
    grants.insert("log".into(), true.into());
    config.insert("grants".into(), grants.into());
    let ctx = LoadContext::new(
        "local",
        "local",
        name.replace('-', "_"),
        dir,
        config,
        resources.clone(),
    );
    let endpoint = plinth_engine_function::load(ctx)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Ok(Arc::new(endpoint))
}
