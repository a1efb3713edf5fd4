//! The plugin's lifecycle: started with a context, it reads the bus, skips its own
//! invocations, and flushes what it holds when the bus closes.

mod common;

use common::*;
use plinth_monitoring::read::HealthQuery;
use plinth_monitoring::{Monitoring, MonitoringPlugin};
use plinth_plugin_api::{
    CallOrigin, Clock, Event, EventBus, Plugin, PluginContext, Shared, Shutdown,
};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn the_plugin_flushes_what_it_holds_at_shutdown() {
    on_both("plugin_lifecycle", |env| async move {
        let bus = Arc::new(EventBus::new());
        let shared = Arc::new(Shared::default());
        let (stop, shutdown) = Shutdown::channel();
        let dir = tempfile::tempdir().unwrap();
        let plugin = MonitoringPlugin;
        let db = env.db.connect().await;
        db.migrate(plugin.id(), plugin.migrations()).await.unwrap();
        let ctx = PluginContext::new(
            plugin.id(),
            db,
            env.host.clone(),
            env.invoker.clone(),
            // Long enough that only the final flush writes.
            json!({"flush_interval_ms": 3_600_000, "prediction_retention_days": 7}),
            dir.path().to_path_buf(),
            env.clock.clone() as Arc<dyn Clock>,
            shutdown,
            shared.clone(),
            bus.clone(),
        );
        let started = plugin.start(ctx).await.unwrap();
        assert!(bus.wants_rows());
        let m = shared.get::<Monitoring>().expect("published");
        assert_eq!(m.prediction_retention.as_secs(), 7 * 86_400);
        for i in 0..10 {
            let mut c = call(REG, T0 + i * 1000);
            c.rows = scored(REG, &reference()[..2]);
            if i == 3 {
                c.origin = CallOrigin::Plugin {
                    id: "monitoring".into(),
                };
            }
            bus.publish(Event::Call(Arc::new(c)));
        }
        // Let the ingest read the first tick's (empty) flush and some events.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        bus.close();
        stop.send(true).unwrap();
        for task in started.tasks {
            task.await.unwrap();
        }
        let h = &m
            .service_health(&filter(REG), &[hours(0, 1)], HealthQuery::default())
            .await
            .unwrap()[0];
        assert_eq!(h.total_requests, 9);
        assert_eq!(h.total_predictions, 18);
        assert_eq!(bus.dropped(), 0);
    })
    .await;
}

#[tokio::test]
async fn bad_configuration_is_refused() {
    on_both("plugin_config", |env| async move {
        let (_stop, shutdown) = Shutdown::channel();
        let ctx = PluginContext::new(
            "monitoring",
            env.db.connect().await,
            env.host.clone(),
            env.invoker.clone(),
            json!({"flush_interval_ms": "soon"}),
            std::env::temp_dir(),
            env.clock.clone() as Arc<dyn Clock>,
            shutdown,
            Arc::new(Shared::default()),
            Arc::new(EventBus::new()),
        );
        let err = MonitoringPlugin.start(ctx).await.err().expect("refused");
        assert!(err.0.contains("flush_interval_ms"), "{err}");
    })
    .await;
}
