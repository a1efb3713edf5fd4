//! `plinth`: run the server, deploy bundles, manage services and keys.

mod admin_client;
mod deploy;
mod dev;
mod function_dev;
mod manage;
mod plugin_keys;
mod plugins;
mod serve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Plinth hosts prediction, function, SQL and lookup endpoints with the Dataiku API Node user API.
#[derive(Parser)]
#[command(name = "plinth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the admin commands find the server.
#[derive(clap::Args, Clone)]
pub struct Remote {
    /// Base URL of the Plinth server.
    #[arg(
        long,
        global = true,
        env = "PLINTH_SERVER",
        default_value = "http://127.0.0.1:11200"
    )]
    pub server: String,
    /// Admin API key.
    #[arg(long, global = true, env = "PLINTH_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server. On a first run with no services, deploys every bundle under the
    /// examples directory.
    Serve(serve::ServeArgs),
    /// Deploy a bundle (directory or .tar.gz/.zip) to a running server as a new generation.
    Deploy {
        /// Bundle directory or archive.
        bundle: PathBuf,
        /// Generation id to give (default: v<N>).
        #[arg(long)]
        generation: Option<String>,
        /// Upload and load the generation but keep calls on the current one.
        #[arg(long)]
        no_activate: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// List the services of a running server.
    Services {
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Route a service's calls to one generation (or to its newest with --newest).
    Switch {
        /// Service id.
        service: String,
        /// Generation id.
        #[arg(required_unless_present = "newest")]
        generation: Option<String>,
        /// Switch to the newest generation.
        #[arg(long, conflicts_with = "generation")]
        newest: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Manage API keys (admin keys, or a service's keys with --service).
    Keys {
        #[command(subcommand)]
        action: manage::KeysAction,
        #[command(flatten)]
        remote: Remote,
    },
    /// Vidora Pipelines API keys (`plinth vidora keys create|list|delete`).
    Vidora {
        #[command(subcommand)]
        keys: VidoraCommand,
        #[command(flatten)]
        remote: Remote,
    },
    /// Apres recipes: prediction endpoints behind the Apres API, each with its key.
    Apres {
        #[command(subcommand)]
        recipes: ApresCommand,
        #[command(flatten)]
        remote: Remote,
    },
    /// The local loop in a bundle directory: start a server, deploy, rebuild and redeploy a
    /// new generation on every save (a broken save keeps the last good one serving).
    Dev(dev::DevArgs),
    /// Create a project: `plinth new function --lang python NAME`.
    New(function_dev::NewArgs),
    /// Build a function project's component (componentize-py from the project's venv).
    Build(function_dev::BuildArgs),
    /// Call a function locally, without a server: `plinth run <bundle|component> <function> --arg k=v`.
    Run(function_dev::RunArgs),
}

/// `plinth vidora ...`.
#[derive(Subcommand)]
enum VidoraCommand {
    /// The keys of the Vidora API.
    Keys {
        #[command(subcommand)]
        action: plugin_keys::VidoraKeysAction,
    },
}

/// `plinth apres ...`.
#[derive(Subcommand)]
enum ApresCommand {
    /// Recipes of the Apres API.
    Recipes {
        #[command(subcommand)]
        action: plugin_keys::ApresRecipesAction,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Deploy {
            bundle,
            generation,
            no_activate,
            remote,
        } => deploy::run(&remote, &bundle, generation.as_deref(), !no_activate),
        Command::Services { json, remote } => manage::services(&remote, json),
        Command::Switch {
            service,
            generation,
            newest: _,
            remote,
        } => manage::switch(&remote, &service, generation.as_deref()),
        Command::Keys { action, remote } => manage::keys(&remote, action),
        Command::Vidora {
            keys: VidoraCommand::Keys { action },
            remote,
        } => plugin_keys::vidora(&remote, action),
        Command::Apres {
            recipes: ApresCommand::Recipes { action },
            remote,
        } => plugin_keys::apres(&remote, action),
        Command::Dev(args) => dev::run(args),
        Command::New(args) => function_dev::new(args),
        Command::Build(args) => function_dev::build(args),
        Command::Run(args) => function_dev::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
