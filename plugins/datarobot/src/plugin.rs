//! The plugin: its tables and its routes.

use crate::app::Dr;
use async_trait::async_trait;
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{Migration, Plugin, PluginContext, PluginError, Started};
use std::sync::Arc;

/// The DataRobot Deployments API plugin (`[plugins.datarobot]`); needs the monitoring plugin,
/// started before it.
#[derive(Debug, Default)]
pub struct DataRobotPlugin;

#[async_trait]
impl Plugin for DataRobotPlugin {
    fn id(&self) -> &'static str {
        "datarobot"
    }

    fn migrations(&self) -> &'static [Migration] {
        crate::store::MIGRATIONS
    }

    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError> {
        let monitoring = ctx.shared.get::<Monitoring>().ok_or_else(|| {
            PluginError::new(
                "the datarobot plugin reads the monitoring store: enable [plugins.monitoring]",
            )
        })?;
        let dr = Arc::new(Dr {
            monitoring,
            host: ctx.host.clone(),
            tables: crate::store::Tables { db: ctx.db.clone() },
        });
        Ok(Started {
            routes: crate::routes::router(dr),
            tasks: Vec::new(),
        })
    }
}
