//! Association ids (from features or from the call's context), kept predictions, actuals
//! (replaced by a later one for the same id) and the accuracy read, against the test's own
//! RMSE, MAE, R², LogLoss and AUC. Also: actuals are durable once `submit_actuals` returns.

mod common;

use common::*;
use plinth_monitoring::SeriesSettings;
use plinth_monitoring::actuals::{Actual, ActualValue, ModelTerms};
use plinth_plugin_api::shown;
use plinth_plugin_api::{CallEvent, ModelTask};
use serde_json::{Value, json};
use std::collections::HashMap;

fn actual(id: &str, value: ActualValue) -> Actual {
    Actual {
        association_id: id.into(),
        value,
        at_ms: Some(T0 + 30 * HOUR),
        was_acted_on: None,
    }
}

async fn with_ids(env: &Env, endpoint: &str) {
    env.monitoring
        .set_settings(
            SERVICE,
            endpoint,
            SeriesSettings {
                association_columns: vec!["rid".into(), "other".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

fn value_of(report: &plinth_monitoring::AccuracyReport, metric: &str) -> Option<f64> {
    report
        .values
        .iter()
        .find(|(m, _)| m == metric)
        .expect(metric)
        .1
}

#[tokio::test]
async fn regression_accuracy_from_ids_in_the_features() {
    on_both("regression_accuracy", |env| async move {
        with_ids(&env, REG).await;
        let reference = reference();
        let mut rng = Lcg::new(3);
        // id → (prediction time, prediction)
        let mut kept: HashMap<String, (i64, f64)> = HashMap::new();
        let mut calls: Vec<CallEvent> = Vec::new();
        for (i, row) in reference.iter().take(80).enumerate() {
            let mut row = row.clone();
            let at = T0 + (i as i64 % 2) * HOUR + i as i64 * 1000;
            if i % 10 != 9 {
                // Numbers are ids too.
                let id = if i % 7 == 0 {
                    json!(i)
                } else {
                    json!(format!("r{i}"))
                };
                row.insert("rid".into(), id.clone());
                let key = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
                kept.insert(key, (at, regression_of(&row)));
            }
            let mut c = call(REG, at);
            c.rows = scored(REG, &[row]);
            calls.push(c);
        }
        ingest(&env.monitoring, calls).await;
        // r5 is predicted again, later, with other features: the later prediction counts.
        let mut row = reference[150].clone();
        row.insert("rid".into(), json!("r5"));
        let mut again = call(REG, T0 + HOUR + 999_000);
        again.rows = scored(REG, std::slice::from_ref(&row));
        kept.insert("r5".into(), (again.at_ms, regression_of(&row)));
        ingest(&env.monitoring, vec![again]).await;

        // Actuals for two ids in three; r4 first wrong, then replaced.
        let mut actuals = Vec::new();
        let mut truth: HashMap<String, f64> = HashMap::new();
        let mut ids: Vec<&String> = kept.keys().collect();
        ids.sort();
        for (n, id) in ids.iter().enumerate() {
            if n % 3 == 0 {
                continue;
            }
            let y = kept[*id].1 + (rng.next_f64() - 0.5) * 4.0;
            truth.insert((*id).clone(), y);
            actuals.push(actual(id, ActualValue::Number(y)));
        }
        actuals.push(actual("ghost", ActualValue::Number(1.0)));
        env.monitoring
            .submit_actuals(SERVICE, REG, &[actual("r4", ActualValue::Number(1e6))])
            .await
            .unwrap();
        assert!(truth.contains_key("r4"));
        let stored = env
            .monitoring
            .submit_actuals(SERVICE, REG, &actuals)
            .await
            .unwrap();
        assert_eq!(stored, actuals.len());
        // Durable: a store opened afresh on the same database sees every actual.
        let reopened = env.reopen().await;
        assert_eq!(
            reopened.actual_count(SERVICE, REG).await.unwrap(),
            truth.len() as u64 + 1
        );

        let terms = ModelTerms {
            task: ModelTask::Regression,
            classes: vec![],
            positive_class: None,
        };
        let spans = [(0, 1), (1, 2), (0, 2), (2, 3)];
        let ranges: Vec<_> = spans.iter().map(|(a, b)| hours(*a, *b)).collect();
        for m in [&env.monitoring, &reopened] {
            let reports = m
                .accuracy(&filter(REG), &terms, &ranges, &["RMSE", "MAE", "R Squared"])
                .await
                .unwrap();
            for ((from, to), r) in spans.iter().zip(&reports) {
                let what = format!("hours {from}..{to} ({})", env.db.name);
                let in_range = |t: i64| T0 + from * HOUR <= t && t < T0 + to * HOUR;
                let pairs: Vec<(f64, f64)> = kept
                    .iter()
                    .filter(|(_, (t, _))| in_range(*t))
                    .filter_map(|(id, (_, p))| Some((*p, *truth.get(id)?)))
                    .collect();
                assert_eq!(
                    r.rows_with_id,
                    kept.values().filter(|(t, _)| in_range(*t)).count() as u64,
                    "{what}"
                );
                assert_eq!(r.sample_size, pairs.len() as u64, "{what}");
                if pairs.is_empty() {
                    assert_eq!(r.mean_actual, None);
                    continue;
                }
                let n = pairs.len() as f64;
                let rmse = (pairs.iter().map(|(p, a)| (p - a).powi(2)).sum::<f64>() / n).sqrt();
                let mae = pairs.iter().map(|(p, a)| (p - a).abs()).sum::<f64>() / n;
                let mean_a = pairs.iter().map(|(_, a)| a).sum::<f64>() / n;
                let mean_p = pairs.iter().map(|(p, _)| p).sum::<f64>() / n;
                let ss_res: f64 = pairs.iter().map(|(p, a)| (a - p).powi(2)).sum();
                let ss_tot: f64 = pairs.iter().map(|(_, a)| (a - mean_a).powi(2)).sum();
                close(
                    &format!("{what} RMSE"),
                    value_of(r, "RMSE").unwrap(),
                    rmse,
                    1e-9,
                );
                close(
                    &format!("{what} MAE"),
                    value_of(r, "MAE").unwrap(),
                    mae,
                    1e-9,
                );
                close(
                    &format!("{what} R²"),
                    value_of(r, "R Squared").unwrap(),
                    1.0 - ss_res / ss_tot,
                    1e-9,
                );
                close(&what, r.mean_actual.unwrap(), mean_a, 1e-9);
                close(&what, r.mean_predicted.unwrap(), mean_p, 1e-9);
            }
        }
    })
    .await;
}

#[tokio::test]
async fn binary_accuracy_from_ids_in_the_context() {
    on_both("binary_accuracy", |env| async move {
        with_ids(&env, CLF).await;
        let reference = reference();
        let mut rng = Lcg::new(17);
        let mut kept: Vec<(String, i64, f64)> = Vec::new();
        let mut calls = Vec::new();
        let mut n = 0;
        for i in 0..40 {
            let at = T0 + (i as i64 % 3) * HOUR + i as i64;
            let mut c = call(CLF, at);
            if i % 2 == 0 {
                // predict-multi: one context per item, null where an item has none.
                let rows: Vec<_> = (0..3)
                    .map(|k| reference[(i * 3 + k) % 200].clone())
                    .collect();
                let mut contexts = Vec::new();
                for (k, row) in rows.iter().enumerate() {
                    if k == 1 {
                        contexts.push(Value::Null);
                    } else {
                        n += 1;
                        let id = format!("c{n}");
                        contexts.push(json!({"rid": id}));
                        // Kept as the caller received it (the f32's shortest decimal).
                        kept.push((id, at, shown(f64::from(p_yes_of(row)))));
                    }
                }
                c.action = "predict-multi".into();
                c.context = Some(Value::Array(contexts));
                c.rows = scored(CLF, &rows);
            } else {
                let row = reference[100 + i].clone();
                n += 1;
                let id = format!("c{n}");
                c.context = Some(json!({"other": id, "unrelated": 1}));
                kept.push((id, at, shown(f64::from(p_yes_of(&row)))));
                c.rows = scored(CLF, &[row]);
            }
            calls.push(c);
        }
        ingest(&env.monitoring, calls).await;
        let mut truth: HashMap<String, bool> = HashMap::new();
        let mut actuals = Vec::new();
        for (k, (id, _, p)) in kept.iter().enumerate() {
            match k % 5 {
                0 => continue,
                // A label that is not a class: stored, not counted.
                1 if k % 10 == 1 => {
                    actuals.push(actual(id, ActualValue::Text("maybe".into())));
                    continue;
                }
                _ => {}
            }
            let yes = rng.next_f64() < *p;
            truth.insert(id.clone(), yes);
            actuals.push(actual(
                id,
                ActualValue::Text(if yes { "yes" } else { "no" }.into()),
            ));
        }
        env.monitoring
            .submit_actuals(SERVICE, CLF, &actuals)
            .await
            .unwrap();
        let terms = ModelTerms {
            task: ModelTask::Binary,
            classes: vec!["no".into(), "yes".into()],
            positive_class: Some(1),
        };
        let spans = [(0, 1), (1, 2), (2, 3), (0, 3)];
        let ranges: Vec<_> = spans.iter().map(|(a, b)| hours(*a, *b)).collect();
        let reports = env
            .monitoring
            .accuracy(&filter(CLF), &terms, &ranges, &["LogLoss", "AUC"])
            .await
            .unwrap();
        for ((from, to), r) in spans.iter().zip(&reports) {
            let what = format!("hours {from}..{to} ({})", env.db.name);
            let in_range = |t: i64| T0 + from * HOUR <= t && t < T0 + to * HOUR;
            let pairs: Vec<(f64, bool)> = kept
                .iter()
                .filter(|(_, t, _)| in_range(*t))
                .filter_map(|(id, _, p)| Some((*p, *truth.get(id)?)))
                .collect();
            assert_eq!(
                r.rows_with_id,
                kept.iter().filter(|(_, t, _)| in_range(*t)).count() as u64,
                "{what}"
            );
            assert_eq!(r.sample_size, pairs.len() as u64, "{what}");
            let n = pairs.len() as f64;
            let logloss = pairs
                .iter()
                .map(|(p, y)| {
                    let p = p.clamp(1e-15, 1.0 - 1e-15);
                    if *y { -p.ln() } else { -(1.0 - p).ln() }
                })
                .sum::<f64>()
                / n;
            let pos: Vec<f64> = pairs.iter().filter(|x| x.1).map(|x| x.0).collect();
            let neg: Vec<f64> = pairs.iter().filter(|x| !x.1).map(|x| x.0).collect();
            assert!(!pos.is_empty() && !neg.is_empty(), "{what}");
            let mut wins = 0.0;
            for p in &pos {
                for q in &neg {
                    wins += if p > q {
                        1.0
                    } else if p == q {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
            let auc = wins / (pos.len() * neg.len()) as f64;
            close(
                &format!("{what} LogLoss"),
                value_of(r, "LogLoss").unwrap(),
                logloss,
                1e-9,
            );
            close(
                &format!("{what} AUC"),
                value_of(r, "AUC").unwrap(),
                auc,
                1e-9,
            );
            close(
                &format!("{what} positive rate"),
                r.mean_actual.unwrap(),
                pos.len() as f64 / n,
                1e-12,
            );
        }
    })
    .await;
}
