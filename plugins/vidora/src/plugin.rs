//! The plugin: its tables, its job handlers, its routes. It needs the job engine and the
//! monitoring store, both started before it.

use crate::app::Vid;
use crate::config::Config;
use async_trait::async_trait;
use plinth_jobs::Jobs;
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{Migration, Plugin, PluginContext, PluginError, Started};
use sqlx::Row;
use std::sync::Arc;

/// The Vidora Pipelines API plugin.
#[derive(Debug, Default)]
pub struct VidoraPlugin;

impl Vid {
    /// Registers the job handlers of the plugin's kinds.
    pub fn register(self: &Arc<Vid>) {
        use crate::{export_job, train_job, validate_job};
        let jobs = &self.jobs;
        jobs.register(
            validate_job::KIND,
            Arc::new(validate_job::Validate(self.clone())),
        );
        jobs.register(train_job::KIND, Arc::new(train_job::Train(self.clone())));
        jobs.register(export_job::KIND, Arc::new(export_job::Export(self.clone())));
    }

    /// Submits again the validation of sets left `validating` without a job (a crash
    /// between storing the set and submitting its job): no set stays stuck.
    pub async fn resume_validations(&self) -> Result<usize, sqlx::Error> {
        let rows =
            sqlx::query("SELECT id, job_id FROM vidora_label_sets WHERE status = 'validating'")
                .fetch_all(self.db.pool())
                .await?;
        let mut resumed = 0;
        for r in rows {
            let (id, job_id): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if self.jobs.get(&job_id).await?.is_none() {
                self.jobs
                    .submit(plinth_jobs::NewJob {
                        id: job_id,
                        kind: crate::validate_job::KIND.into(),
                        scope: id.clone(),
                        params: serde_json::json!({"label_set_id": id}),
                        items: Some(Vec::new()),
                        webhook: None,
                    })
                    .await?;
                resumed += 1;
            }
        }
        Ok(resumed)
    }
}

#[async_trait]
impl Plugin for VidoraPlugin {
    fn id(&self) -> &'static str {
        "vidora"
    }

    fn migrations(&self) -> &'static [Migration] {
        crate::schema::MIGRATIONS
    }

    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError> {
        let jobs = ctx.shared.get::<Jobs>().ok_or_else(|| {
            PluginError::new("the vidora plugin runs on the job engine: enable [plugins.jobs]")
        })?;
        let monitoring = ctx.shared.get::<Monitoring>().ok_or_else(|| {
            PluginError::new(
                "the vidora plugin evaluates label sets in the monitoring store: enable [plugins.monitoring]",
            )
        })?;
        let vid = Arc::new(Vid {
            db: ctx.db.clone(),
            jobs,
            monitoring,
            host: ctx.host.clone(),
            invoker: ctx.invoker.clone(),
            clock: ctx.clock.clone(),
            config: Config::from_json(&ctx.config)?,
        });
        vid.register();
        match vid.resume_validations().await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(target: "plinth::vidora", "{n} label set validation(s) resubmitted")
            }
            Err(e) => {
                return Err(PluginError::new(format!(
                    "the vidora plugin could not read its label sets: {e}"
                )));
            }
        }
        Ok(Started {
            routes: crate::routes::documented(vid),
            tasks: Vec::new(),
        })
    }
}
