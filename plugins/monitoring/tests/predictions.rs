//! Prediction statistics per range (rows, mean value, class counts, mean probabilities)
//! against the test's own sums over the scored rows.

mod common;

use common::*;
use plinth_plugin_api::CallEvent;

fn traffic(endpoint: &str) -> Vec<CallEvent> {
    let reference = reference();
    let mut rng = Lcg::new(99);
    (0..150)
        .map(|i| {
            let hour = [0, 0, 1, 3][i % 4];
            let mut c = call(endpoint, T0 + hour * HOUR + rng.below(3_600_000) as i64);
            let n = 1 + rng.below(4);
            let rows: Vec<_> = (0..n).map(|_| reference[rng.below(200)].clone()).collect();
            c.action = "predict-multi".into();
            c.rows = scored(endpoint, &rows);
            if i % 10 == 0 {
                c.rows.as_mut().unwrap().rows[0].output = None;
            }
            c
        })
        .collect()
}

#[tokio::test]
async fn prediction_stats_match_the_rows() {
    on_both("prediction_stats", |env| async move {
        // NOREF has no baseline: its prediction stats must not depend on one.
        for endpoint in [REG, CLF, NOREF, MULTI] {
            let calls = traffic(endpoint);
            for chunk in calls.chunks(40) {
                ingest(&env.monitoring, chunk.to_vec()).await;
            }
            let spans = [(0, 1), (1, 2), (2, 3), (0, 4), (3, 24)];
            let ranges: Vec<_> = spans.iter().map(|(a, b)| hours(*a, *b)).collect();
            let classes = match endpoint {
                REG => 0,
                MULTI => 3,
                _ => 2,
            };
            let got = env
                .monitoring
                .prediction_stats(&filter(endpoint), &ranges, classes)
                .await
                .unwrap();
            for ((from, to), stats) in spans.iter().zip(&got) {
                let what = format!("{endpoint} {from}..{to} ({})", env.db.name);
                let outputs: Vec<_> = calls
                    .iter()
                    .filter(|c| T0 + from * HOUR <= c.at_ms && c.at_ms < T0 + to * HOUR)
                    .flat_map(|c| c.rows.as_ref().unwrap().rows.iter())
                    .filter_map(|r| r.output.as_ref())
                    .collect();
                assert_eq!(stats.rows, outputs.len() as u64, "{what} rows");
                if outputs.is_empty() {
                    assert_eq!(stats.mean_value, None, "{what}");
                    assert!(stats.class_counts.iter().all(|c| *c == 0));
                    continue;
                }
                let n = outputs.len() as f64;
                if endpoint == MULTI {
                    // P(predicted class) is not averaged.
                    assert_eq!(stats.mean_value, None, "{what}");
                } else {
                    let mean = outputs.iter().map(|o| o.value).sum::<f64>() / n;
                    close(
                        &format!("{what} mean"),
                        stats.mean_value.unwrap(),
                        mean,
                        1e-9,
                    );
                }
                assert_eq!(stats.class_counts.len(), classes);
                assert_eq!(stats.mean_probabilities.len(), classes);
                for c in 0..classes {
                    let count = outputs.iter().filter(|o| o.class == Some(c)).count() as u64;
                    assert_eq!(stats.class_counts[c], count, "{what} class {c}");
                    let p = outputs.iter().map(|o| o.probabilities[c]).sum::<f64>() / n;
                    close(
                        &format!("{what} mean P(class {c})"),
                        stats.mean_probabilities[c],
                        p,
                        1e-9,
                    );
                }
                if classes == 2 {
                    // Binary: the mean value is the mean P(positive).
                    close(
                        &what,
                        stats.mean_value.unwrap(),
                        stats.mean_probabilities[1],
                        1e-6,
                    );
                    assert!(stats.class_counts.iter().all(|c| *c > 0), "{what}");
                }
            }
        }
        assert!(env.monitoring.baseline(&series(NOREF)).await.is_none());
    })
    .await;
}
