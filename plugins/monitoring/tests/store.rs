//! The store's bookkeeping: baselines built once and reloaded identical, settings round trips
//! and their effect on ingest, delete_data, retention of kept predictions, the plugin's own
//! invocations, and calls the store must ignore without creating state.

mod common;

use common::*;
use plinth_monitoring::actuals::{Actual, ActualValue, ModelTerms};
use plinth_monitoring::read::HealthQuery;
use plinth_monitoring::{Baseline, SeriesSettings, TimeRange};
use plinth_monitoring_math::drift::DriftMetric;
use plinth_plugin_api::{CallOrigin, ModelTask};
use serde_json::json;
use sqlx::Row;
use std::sync::atomic::Ordering;

async fn count(env: &Env, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(env.monitoring.db().pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn requests(env: &Env, endpoint: &str, from: i64, to: i64) -> (u64, u64) {
    let h = &env
        .monitoring
        .service_health(
            &filter(endpoint),
            &[hours(from, to)],
            HealthQuery::default(),
        )
        .await
        .unwrap()[0];
    (h.total_requests, h.total_predictions)
}

#[tokio::test]
async fn baselines_are_built_once_and_reload_identical() {
    on_both("baselines", |env| async move {
        let b = env
            .monitoring
            .baseline(&series(REG))
            .await
            .expect("baseline");
        assert!(env.monitoring.baseline(&series(REG)).await.is_some());
        assert_eq!(env.invoker.calls.load(Ordering::SeqCst), 1);
        // Its content.
        let reference = reference();
        assert_eq!(b.task, ModelTask::Regression);
        assert_eq!(b.reference_rows, 200);
        let names: Vec<&str> = b.features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["x1", "x2", "c"]);
        let x2 = b.feature("x2").unwrap();
        assert_eq!(x2.histogram.missing, 10);
        assert_eq!(x2.histogram.counts.iter().sum::<u64>(), 190);
        assert_eq!(x2.histogram.counts.len(), 12);
        let c = b.feature("c").unwrap();
        assert_eq!(c.bins.labels(), ["a", "b", "c", "__oov__"]);
        let target = b.target.as_ref().expect("target baseline");
        assert_eq!(target.rows, 200);
        // The baseline reads the answers' numbers as the engine's f32 outputs.
        let mean = reference
            .iter()
            .map(|r| plinth_plugin_api::as_output(regression_of(r)))
            .sum::<f64>()
            / 200.0;
        close("target mean", target.mean_value.unwrap(), mean, 1e-9);
        assert_eq!(target.histogram.counts.iter().sum::<u64>(), 200);
        // JSON round trip.
        assert_eq!(Baseline::from_json(&b.to_json()).as_ref(), Some(&*b));
        // A classifier's.
        let cb = env
            .monitoring
            .baseline(&series(CLF))
            .await
            .expect("clf baseline");
        assert_eq!(env.invoker.calls.load(Ordering::SeqCst), 2);
        let ct = cb.target.as_ref().unwrap();
        let yes = reference.iter().filter(|r| p_yes_of(r) >= 0.5).count() as u64;
        assert_eq!(ct.class_counts, vec![200 - yes, yes]);
        assert!(yes > 0 && yes < 200);
        let p_sum: f64 = reference.iter().map(|r| f64::from(p_yes_of(r))).sum();
        close("P(yes) sum", ct.probability_sums[1], p_sum, 1e-9);
        close("mean P(yes)", ct.mean_value.unwrap(), p_sum / 200.0, 1e-9);
        assert_eq!(Baseline::from_json(&cb.to_json()).as_ref(), Some(&*cb));
        // Stored once; a restarted store reads it instead of building another.
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_baselines").await, 2);
        let again = env.reopen().await;
        let reloaded = again.baseline(&series(REG)).await.expect("reloaded");
        assert_eq!(*reloaded, *b);
        assert_eq!(*again.baseline(&series(CLF)).await.unwrap(), *cb);
        assert_eq!(env.invoker.calls.load(Ordering::SeqCst), 2);
        // No baseline for an endpoint without a model or a generation the host lacks.
        assert!(env.monitoring.baseline(&series(BARE)).await.is_none());
        let mut ghost = series(REG);
        ghost.generation = "g9".into();
        assert!(env.monitoring.baseline(&ghost).await.is_none());
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_baselines").await, 2);
    })
    .await;
}

#[tokio::test]
async fn settings_round_trip_and_steer_the_ingest() {
    on_both("settings", |env| async move {
        let m = &env.monitoring;
        assert_eq!(m.settings(SERVICE, REG).await, SeriesSettings::default());
        let custom = SeriesSettings {
            association_columns: vec!["rid".into(), "order".into()],
            association_required: true,
            target_drift: false,
            feature_drift: false,
            collect_predictions: false,
        };
        assert_eq!(SeriesSettings::from_json(&custom.to_json()), custom);
        m.set_settings(SERVICE, REG, custom.clone()).await.unwrap();
        assert_eq!(m.settings(SERVICE, REG).await, custom);
        assert_eq!(env.reopen().await.settings(SERVICE, REG).await, custom);
        // Overwritten, not duplicated.
        let mut second = custom.clone();
        second.feature_drift = true;
        m.set_settings(SERVICE, REG, second.clone()).await.unwrap();
        assert_eq!(env.reopen().await.settings(SERVICE, REG).await, second);
        m.set_settings(SERVICE, REG, custom.clone()).await.unwrap();
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_settings").await, 1);
        // No drift tracked, no predictions kept: rollups only.
        let mut row = reference()[0].clone();
        row.insert("rid".into(), json!("a1"));
        let mut c = call(REG, T0);
        c.rows = scored(REG, &[row]);
        ingest(m, vec![c]).await;
        assert_eq!(requests(&env, REG, 0, 1).await, (1, 1));
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_bins").await, 0);
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_predictions").await, 0);
    })
    .await;
}

fn with_id(endpoint: &str, at: i64, id: &str) -> plinth_plugin_api::CallEvent {
    let mut row = reference()[(at / 1000 % 200) as usize].clone();
    row.insert("rid".into(), json!(id));
    let mut c = call(endpoint, at);
    c.rows = scored(endpoint, &[row]);
    c
}

async fn rows_with_id(env: &Env, endpoint: &str, range: TimeRange) -> u64 {
    let terms = ModelTerms {
        task: ModelTask::Regression,
        classes: vec![],
        positive_class: None,
    };
    env.monitoring
        .accuracy(&filter(endpoint), &terms, &[range], &["RMSE"])
        .await
        .unwrap()[0]
        .rows_with_id
}

#[tokio::test]
async fn delete_data_removes_what_it_names() {
    on_both("delete_data", |env| async move {
        let m = &env.monitoring;
        for e in [REG, CLF] {
            m.set_settings(
                SERVICE,
                e,
                SeriesSettings {
                    association_columns: vec!["rid".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        ingest(
            m,
            vec![
                with_id(REG, T0 + 1000, "a"),
                with_id(REG, T0 + 2000, "b"),
                with_id(REG, T0 + HOUR + 3000, "c"),
                with_id(CLF, T0 + 4000, "a"),
            ],
        )
        .await;
        let actual = |id: &str| Actual {
            association_id: id.into(),
            value: ActualValue::Number(1.0),
            at_ms: None,
            was_acted_on: Some(true),
        };
        m.submit_actuals(SERVICE, REG, &[actual("a"), actual("c")])
            .await
            .unwrap();
        m.submit_actuals(SERVICE, CLF, &[actual("a")])
            .await
            .unwrap();
        let day = hours(0, 24);
        assert_eq!(rows_with_id(&env, REG, day).await, 3);

        // Another generation: nothing goes.
        m.delete_data(SERVICE, REG, Some("g0"), None).await.unwrap();
        assert_eq!(requests(&env, REG, 0, 24).await, (3, 3));
        // The first hour of REG's generation.
        m.delete_data(SERVICE, REG, Some(GEN), Some(hours(0, 1)))
            .await
            .unwrap();
        assert_eq!(requests(&env, REG, 0, 1).await, (0, 0));
        assert_eq!(requests(&env, REG, 1, 2).await, (1, 1));
        assert_eq!(requests(&env, CLF, 0, 1).await, (1, 1));
        assert_eq!(rows_with_id(&env, REG, day).await, 1);
        let b = m.baseline(&series(REG)).await.unwrap();
        let (f, _) = m
            .drift(&series(REG), &b, hours(0, 1), DriftMetric::Psi)
            .await
            .unwrap();
        assert!(f.iter().all(|s| s.sample_size == 0));
        let (f, _) = m
            .drift(&series(REG), &b, hours(1, 2), DriftMetric::Psi)
            .await
            .unwrap();
        assert!(f.iter().all(|s| s.sample_size == 1));
        assert_eq!(m.actual_count(SERVICE, REG).await.unwrap(), 2);
        // Everything of REG, its actuals too; CLF untouched.
        m.delete_data(SERVICE, REG, None, None).await.unwrap();
        assert_eq!(requests(&env, REG, 0, 24).await, (0, 0));
        assert_eq!(rows_with_id(&env, REG, day).await, 0);
        assert_eq!(m.actual_count(SERVICE, REG).await.unwrap(), 0);
        assert_eq!(m.actual_count(SERVICE, CLF).await.unwrap(), 1);
        assert_eq!(requests(&env, CLF, 0, 24).await, (1, 1));
        assert_eq!(rows_with_id(&env, CLF, day).await, 1);
        let (_, last) = m.usage(SERVICE, REG, T0 + 86_400_000, 1).await.unwrap();
        assert_eq!(last, None);
    })
    .await;
}

#[tokio::test]
async fn kept_predictions_are_pruned_past_retention() {
    on_both("prune", |env| async move {
        let m = &env.monitoring;
        m.set_settings(
            SERVICE,
            REG,
            SeriesSettings {
                association_columns: vec!["rid".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ingest(
            m,
            vec![
                with_id(REG, T0 + 1000, "old1"),
                with_id(REG, T0 + HOUR - 1, "old2"),
                with_id(REG, T0 + HOUR, "new1"),
                with_id(REG, T0 + 2 * HOUR, "new2"),
            ],
        )
        .await;
        assert_eq!(m.prune_predictions().await.unwrap(), 0);
        assert_eq!(m.prediction_retention.as_secs(), 90 * 86_400);
        env.clock.set(T0 + 90 * 86_400_000 + HOUR);
        assert_eq!(m.prune_predictions().await.unwrap(), 2);
        assert_eq!(rows_with_id(&env, REG, hours(0, 24)).await, 2);
        assert_eq!(rows_with_id(&env, REG, hours(0, 1)).await, 0);
        // Rollups are not affected by the retention of raw predictions.
        assert_eq!(requests(&env, REG, 0, 24).await, (4, 4));
        env.clock.advance(10 * HOUR);
        assert_eq!(m.prune_predictions().await.unwrap(), 2);
        assert_eq!(m.prune_predictions().await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn own_invocations_and_unknown_series_create_nothing() {
    on_both("ignored_calls", |env| async move {
        let m = &env.monitoring;
        // The plugin's own invocations (e.g. scoring the reference) are not traffic.
        let mut own = call(REG, T0);
        own.origin = CallOrigin::Plugin {
            id: "monitoring".into(),
        };
        own.rows = scored(REG, &reference()[..5]);
        // A function calling the endpoint, and another plugin, are.
        let mut function = call(REG, T0 + 1);
        function.origin = CallOrigin::Function {
            endpoint: "f".into(),
        };
        let mut other_plugin = call(REG, T0 + 2);
        other_plugin.origin = CallOrigin::Plugin {
            id: "datarobot".into(),
        };
        ingest(m, vec![own, function, other_plugin]).await;
        assert_eq!(requests(&env, REG, 0, 1).await, (2, 0));
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_bins").await, 0);
        assert_eq!(env.invoker.calls.load(Ordering::SeqCst), 0);

        // Refused before dispatch (no generation, no rows): counted against the generation
        // the service routes to, as a user error.
        let mut refused = call(REG, T0 + 3);
        refused.generation = None;
        refused.status = 401;
        // A generation the host does not have, and an endpoint without a model.
        let mut ghost = call(REG, T0 + 4);
        ghost.generation = Some("g9".into());
        ghost.rows = scored(REG, &reference()[..3]);
        let mut bare = call(BARE, T0 + 5);
        bare.rows = scored(REG, &reference()[..4]);
        ingest(m, vec![refused, ghost, bare]).await;
        assert_eq!(env.invoker.calls.load(Ordering::SeqCst), 0);
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_bins").await, 0);
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_baselines").await, 0);
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_classes").await, 0);
        assert_eq!(requests(&env, BARE, 0, 1).await, (1, 4));
        // The ghost generation's call is kept under its own series, not the routed one's.
        let mut only = filter(REG);
        only.generations = Some(vec![GEN.into()]);
        let h = &m
            .service_health(&only, &[hours(0, 1)], HealthQuery::default())
            .await
            .unwrap()[0];
        assert_eq!(h.total_requests, 3);
        assert_eq!(h.user_error_rate, 1.0 / 3.0);
        let stats = &m
            .prediction_stats(&filter(BARE), &[hours(0, 1)], 0)
            .await
            .unwrap()[0];
        assert_eq!(stats.rows, 4);
    })
    .await;
}

/// Scoring the reference failed (the engine was overloaded): the baseline has its features
/// but no target, and it is not stored, so a later start builds the whole baseline.
#[tokio::test]
async fn a_failed_reference_scoring_is_not_stored_for_good() {
    on_both("failed_reference_scoring", |env| async move {
        env.invoker.failing.store(true, Ordering::SeqCst);
        let partial = env
            .monitoring
            .baseline(&series(REG))
            .await
            .expect("features");
        assert_eq!(partial.features.len(), 3);
        assert!(partial.target.is_none());
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_baselines").await, 0);
        env.invoker.failing.store(false, Ordering::SeqCst);
        let again = env.reopen().await;
        let full = again.baseline(&series(REG)).await.expect("baseline");
        assert!(full.target.is_some());
        assert_eq!(full.features, partial.features);
        assert_eq!(count(&env, "SELECT COUNT(*) FROM mon_baselines").await, 1);
        assert_eq!(
            *env.reopen().await.baseline(&series(REG)).await.unwrap(),
            *full
        );
    })
    .await;
}
