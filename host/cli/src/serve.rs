//! `plinth serve`.

use anyhow::Context;
use plinth_server::{ConfigFile, Overrides, Server, ServerConfig};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// Flags of `plinth serve`; each has an environment variable and a config-file key.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "PLINTH_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (state database, bundles, caches).
    #[arg(long, env = "PLINTH_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// State database URL: `postgres://...` for replicas sharing one state (default: the
    /// SQLite file `state.db` in the data directory).
    #[arg(long, env = "PLINTH_STATE", hide_env_values = true)]
    state: Option<String>,
    /// Address to listen on, e.g. 127.0.0.1:11200 (port 0: any free port).
    #[arg(long, env = "PLINTH_LISTEN")]
    listen: Option<String>,
    /// Bundles to deploy on a first run (default: ./examples when it exists).
    #[arg(long, env = "PLINTH_EXAMPLES_DIR")]
    examples_dir: Option<PathBuf>,
    /// Do not deploy examples on a first run.
    #[arg(long)]
    no_examples: bool,
    /// Log format.
    #[arg(long, env = "PLINTH_LOG_FORMAT", value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_env("PLINTH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if args.log_format == "json" {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let file = match &args.config {
        Some(path) => ConfigFile::read(path)?,
        None => ConfigFile::default(),
    };
    let examples_dir = args.examples_dir.clone().or_else(|| {
        let default = PathBuf::from("examples");
        (file.examples_dir.is_none() && default.is_dir()).then_some(default)
    });
    let overrides = Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
        examples_dir,
        no_examples: args.no_examples,
        state: args.state,
        admin_key: std::env::var("PLINTH_ADMIN_KEY").ok(),
    };
    let config = ServerConfig::resolve(file, overrides);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = Server::start_with_plugins(config, crate::plugins::builtin()).await?;
        if let Some(key) = &server.new_admin_key {
            eprintln!("\n  Admin API key for this new install (shown once, store it now):\n\n      {key}\n");
        }
        let addr = server.addr;
        tracing::info!("plinth listening on http://{addr}");
        println!("plinth listening on http://{addr}");
        server.run(shutdown_signal()).await
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing calls in flight");
}
