//! The plugin: its tables, the `apres.batch` job handler, its routes. It needs the job engine,
//! started before it.

use crate::app::Apres;
use crate::config::Config;
use async_trait::async_trait;
use plinth_jobs::Jobs;
use plinth_plugin_api::{Migration, Plugin, PluginContext, PluginError, Started};
use std::sync::Arc;

/// The Apres API plugin.
#[derive(Debug, Default)]
pub struct ApresPlugin;

#[async_trait]
impl Plugin for ApresPlugin {
    fn id(&self) -> &'static str {
        "apres"
    }

    fn migrations(&self) -> &'static [Migration] {
        crate::schema::MIGRATIONS
    }

    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError> {
        let jobs = ctx.shared.get::<Jobs>().ok_or_else(|| {
            PluginError::new("the apres plugin runs on the job engine: enable [plugins.jobs]")
        })?;
        let apres = Arc::new(Apres {
            db: ctx.db.clone(),
            jobs: jobs.clone(),
            host: ctx.host.clone(),
            invoker: ctx.invoker.clone(),
            clock: ctx.clock.clone(),
            config: Config::from_json(&ctx.config)?,
        });
        jobs.register(
            crate::batch_job::KIND,
            Arc::new(crate::batch_job::Batch(apres.clone())),
        );
        Ok(Started {
            routes: crate::routes::documented(apres),
            tasks: Vec::new(),
        })
    }
}
