//! The Plinth host server as a library: the `plinth` binary is a thin command-line shell over
//! [`Server`].
//!
//! See `ARCHITECTURE.md` at the repository root for the request path and the invariants.

pub mod auth;
pub mod calls;
pub use plinth_bundle as bundle;
pub mod config;
pub mod dispatch;
pub mod engines;
pub mod events;
pub mod generation;
pub mod http;
pub mod metrics;
pub mod net;
pub mod plugins;
pub mod rate_limit;
pub mod runtime;
pub mod store;
pub mod stray_calls;

pub use config::{ConfigFile, Overrides, ServerConfig};
pub use runtime::Host;

use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer as _;

/// A started server: the host and its listening socket.
pub struct Server {
    /// The running host.
    pub host: Arc<Host>,
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// The admin key generated on first start, if one was (print it once).
    pub new_admin_key: Option<String>,
    listener: tokio::net::TcpListener,
    plugin_routes: utoipa_axum::router::OpenApiRouter,
}

impl Server {
    /// Opens the data directory, restores the services (deploying the examples on a first run)
    /// and binds the listening socket. No plugins.
    pub async fn start(config: ServerConfig) -> anyhow::Result<Server> {
        Server::start_with_plugins(config, Vec::new()).await
    }

    /// [`Server::start`], then starts `plugins` in order (those `[plugins.<id>]` does not switch
    /// off), whose routes are served beside the host's.
    pub async fn start_with_plugins(
        config: ServerConfig,
        plugins: Vec<Box<dyn plinth_plugin_api::Plugin>>,
    ) -> anyhow::Result<Server> {
        let listen = config.listen.clone();
        let engines = engines::EngineRegistry::new(engines::builtin_factories());
        let (host, new_admin_key) = Host::start(config, engines).await?;
        let plugin_routes = host.start_plugins(plugins).await?;
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        Ok(Server {
            host,
            addr,
            new_admin_key,
            listener,
            plugin_routes,
        })
    }

    /// Serves until `shutdown` completes, then lets calls in flight finish.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = tower::util::MapRequestLayer::new(http::normalize_path)
            .layer(http::router(self.host.clone(), self.plugin_routes));
        let served = net::serve(
            self.listener,
            app,
            self.host.config.limits,
            self.host.connections.clone(),
            shutdown,
        )
        .await;
        // Calls in flight have finished: every event they published is queued.
        self.host.stop_plugins().await;
        served?;
        Ok(())
    }
}
