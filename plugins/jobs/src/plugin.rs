//! The jobs plugin: opens the engine, publishes it for the plugins started after it, runs the
//! worker pool and the webhook deliverer, serves the download links.

use crate::config::Config;
use crate::jobs::Jobs;
use async_trait::async_trait;
use plinth_plugin_api::{
    Clock, Migration, Plugin, PluginContext, PluginDb, PluginError, Shutdown, Started,
};
use sqlx::Row;
use std::path::Path;
use std::sync::Arc;
use tokio::task::JoinHandle;

impl Jobs {
    /// Opens the engine on migrated tables: loads (or creates) the URL key and frees the jobs a
    /// dead process held (SQLite only; on PostgreSQL their leases run out).
    pub async fn open(
        db: PluginDb,
        clock: Arc<dyn Clock>,
        config: Config,
        data_dir: &Path,
    ) -> Result<Arc<Jobs>, sqlx::Error> {
        sqlx::query(
            "INSERT INTO job_url_key (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(crate::files::random_token(48))
        .execute(db.pool())
        .await?;
        let secret: String = sqlx::query("SELECT secret FROM job_url_key WHERE id = 1")
            .fetch_one(db.pool())
            .await?
            .try_get(0)?;
        let jobs = Arc::new(Jobs {
            db,
            clock,
            config,
            handlers: Default::default(),
            wake: Default::default(),
            deliveries: Default::default(),
            owner: format!("{}-{}", std::process::id(), crate::files::random_token(8)),
            url_key: secret.into_bytes(),
            dir: data_dir.join("plugins").join("jobs"),
        });
        let freed = crate::worker::reclaim_after_restart(&jobs).await?;
        if freed > 0 {
            tracing::info!(target: "plinth::jobs", "{freed} job(s) left running by the last process resume from their last committed chunk");
        }
        Ok(jobs)
    }

    /// Spawns the workers and the deliverer.
    pub fn spawn(self: &Arc<Jobs>, shutdown: &Shutdown) -> Vec<JoinHandle<()>> {
        let mut tasks: Vec<JoinHandle<()>> = (0..self.config.workers)
            .map(|_| tokio::spawn(crate::worker::run(self.clone(), shutdown.clone())))
            .collect();
        tasks.push(tokio::spawn(crate::outbox::run(
            self.clone(),
            shutdown.clone(),
        )));
        tasks
    }
}

/// The job engine plugin (`[plugins.jobs]`); start it before the plugins that submit jobs.
#[derive(Debug, Default)]
pub struct JobsPlugin;

#[async_trait]
impl Plugin for JobsPlugin {
    fn id(&self) -> &'static str {
        "jobs"
    }

    fn migrations(&self) -> &'static [Migration] {
        crate::schema::MIGRATIONS
    }

    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError> {
        let config = Config::from_json(&ctx.config)?;
        let jobs = Jobs::open(ctx.db.clone(), ctx.clock.clone(), config, &ctx.data_dir)
            .await
            .map_err(|e| {
                PluginError::new(format!("the job engine could not open its tables: {e}"))
            })?;
        ctx.shared.insert(jobs.clone());
        Ok(Started {
            routes: crate::files::openapi_router(jobs.clone()).merge(crate::admin::openapi_router(
                Arc::new(crate::admin::AdminState {
                    jobs: jobs.clone(),
                    host: ctx.host.clone(),
                }),
            )),
            tasks: jobs.spawn(&ctx.shutdown),
        })
    }
}
