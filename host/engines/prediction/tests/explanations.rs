//! Explanation maths on models whose exact answers are known: linear and logistic models
//! computed in Rust from known weights (a test double of the model, not of the engine).

mod common;

use common::linear::{self, Kind, LinearScorer};
use common::post_blocking;
use plinth_engine_api::Action;
use plinth_engine_prediction::cell::Cell;
use plinth_engine_prediction::explain::log_odds;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

const WEIGHTS: [f64; 6] = [0.8, -0.5, 0.0, 0.3, -0.2, 0.1];
const X: [f64; 6] = [0.9, -1.2, 2.0, 1.5, -2.0, 0.5];

fn features(x: &[f64]) -> Value {
    Value::Object(
        x.iter()
            .enumerate()
            .map(|(i, v)| (format!("x{i}"), json!(v)))
            .collect(),
    )
}

fn explain(
    endpoint: &plinth_engine_prediction::PredictionEndpoint,
    x: &[f64],
    method: &str,
    n: usize,
    steps: usize,
) -> serde_json::Map<String, Value> {
    let body = json!({"features": features(x), "explanations": {"enabled": true, "method": method, "nExplanations": n, "nMonteCarloSteps": steps}});
    let (answer, _) = post_blocking(endpoint, Action::Predict, body).unwrap();
    answer["result"]["explanations"]
        .as_object()
        .unwrap()
        .clone()
}

fn phi(map: &serde_json::Map<String, Value>, i: usize) -> f64 {
    map[&format!("x{i}")].as_f64().unwrap()
}

/// x as the model sees it (f32), back in f64.
fn as_f32(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| f64::from(*v as f32)).collect()
}

#[test]
fn shapley_of_a_logistic_model_is_w_times_distance_to_the_mean_in_log_odds() {
    let reference = linear::reference(200, 6);
    let mean = linear::means(&reference);
    let scorer = Arc::new(LinearScorer::new(
        Kind::Binary,
        vec![WEIGHTS.to_vec()],
        vec![0.1],
    ));
    let endpoint = linear::endpoint(
        scorer,
        linear::schema(Kind::Binary, 6, &[1.0; 6]),
        &reference,
    );
    let x = as_f32(&X);

    // 1000 steps = five full passes over the 200 reference rows: the background mean is the
    // reference mean, so the only error is float rounding.
    let exact = explain(&endpoint, &X, "SHAPLEY", 6, 1000);
    for i in 0..6 {
        let want = WEIGHTS[i] * (x[i] - mean[i]);
        assert!(
            (phi(&exact, i) - want).abs() < 1e-4,
            "x{i}: {} vs {want}",
            phi(&exact, i)
        );
    }
    assert_eq!(
        phi(&exact, 2),
        0.0,
        "a feature the model ignores gets exactly 0"
    );

    // 100 steps: within Monte Carlo error of the background sample (4 standard errors).
    let sampled = explain(&endpoint, &X, "SHAPLEY", 6, 100);
    for i in 0..6 {
        let want = WEIGHTS[i] * (x[i] - mean[i]);
        let sigma = (1.0 + i as f64 / 2.0) / 3f64.sqrt();
        let tolerance = 4.0 * WEIGHTS[i].abs() * sigma / 10.0 + 1e-4;
        assert!(
            (phi(&sampled, i) - want).abs() < tolerance,
            "x{i}: {} vs {want} ± {tolerance}",
            phi(&sampled, i)
        );
    }
}

#[test]
fn shapley_of_a_regression_sums_to_prediction_minus_mean_and_is_repeatable() {
    let reference = linear::reference(200, 6);
    let mean = linear::means(&reference);
    let scorer = Arc::new(LinearScorer::new(
        Kind::Regression,
        vec![vec![3.0, -2.0, 0.0, 1.0, 0.5, -4.0]],
        vec![10.0],
    ));
    let endpoint = linear::endpoint(
        scorer.clone(),
        linear::schema(Kind::Regression, 6, &[1.0; 6]),
        &reference,
    );
    let x = as_f32(&X);
    let a = explain(&endpoint, &X, "SHAPLEY", 6, 1000);
    let b = explain(&endpoint, &X, "SHAPLEY", 6, 1000);
    assert_eq!(a, b, "identical across calls");
    let total: f64 = (0..6).map(|i| phi(&a, i)).sum();
    let prediction = scorer.linear(0, &x);
    let mean_prediction = scorer.linear(0, &mean);
    assert!(
        (total - (prediction - mean_prediction)).abs() < 1e-3,
        "{total} vs {}",
        prediction - mean_prediction
    );
    for i in 0..6 {
        let want = scorer.weights[0][i] * (x[i] - mean[i]);
        assert!(
            (phi(&a, i) - want).abs() < 1e-3,
            "x{i}: {} vs {want}",
            phi(&a, i)
        );
    }
    // Ordered by magnitude, largest first.
    let magnitudes: Vec<f64> = a.values().map(|v| v.as_f64().unwrap().abs()).collect();
    assert!(
        magnitudes.windows(2).all(|w| w[0] >= w[1]),
        "{magnitudes:?}"
    );
}

#[test]
fn shapley_of_a_multiclass_model_sums_exactly_for_the_predicted_class() {
    let reference = linear::reference(200, 4);
    let weights = vec![
        vec![1.0, -0.5, 0.2, 0.0],
        vec![-0.3, 0.8, -0.6, 0.0],
        vec![0.2, 0.1, 0.9, 0.0],
    ];
    let scorer = Arc::new(LinearScorer::new(
        Kind::Multiclass(3),
        weights,
        vec![0.0, 0.2, -0.1],
    ));
    let endpoint = linear::endpoint(
        scorer.clone(),
        linear::schema(Kind::Multiclass(3), 4, &[1.0; 4]),
        &reference,
    );
    let x = [0.7, -0.4, 1.1, 0.3];
    let map = explain(&endpoint, &x, "SHAPLEY", 4, 1000);
    // s = log-odds of the predicted class, clipped; nonlinear, but the walk sums exactly to
    // s(x) − mean over the background (every reference row five times).
    let probabilities = |row: &[f64]| -> Vec<f32> {
        let z: Vec<f64> = (0..3).map(|c| scorer.linear(c, row)).collect();
        let m = z.iter().copied().fold(f64::MIN, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| (v / s) as f32).collect()
    };
    let px = probabilities(&as_f32(&x));
    let class = (0..3).max_by(|a, b| px[*a].total_cmp(&px[*b])).unwrap();
    let mean_background: f64 = reference
        .iter()
        .map(|r| {
            let row: Vec<f64> = r
                .iter()
                .map(|c| match c {
                    Cell::F32(v) => f64::from(*v),
                    _ => unreachable!(),
                })
                .collect();
            log_odds(probabilities(&row)[class])
        })
        .sum::<f64>()
        / reference.len() as f64;
    let total: f64 = map.values().map(|v| v.as_f64().unwrap()).sum();
    let want = log_odds(px[class]) - mean_background;
    assert!((total - want).abs() < 1e-4, "{total} vs {want}");
    assert_eq!(phi(&map, 3), 0.0, "x3 is unused by every class");
}

#[test]
fn ice_of_a_linear_regression_is_w_times_distance_to_the_weighted_modalities() {
    let reference = linear::reference(200, 6);
    let weights = vec![3.0, -2.0, 0.0, 1.0, 0.5, -4.0];
    let scorer = Arc::new(LinearScorer::new(
        Kind::Regression,
        vec![weights.clone()],
        vec![10.0],
    ));
    let endpoint = linear::endpoint(
        scorer,
        linear::schema(Kind::Regression, 6, &[1.0; 6]),
        &reference,
    );
    let x = as_f32(&X);
    let map = explain(&endpoint, &X, "ICE", 6, 100);
    for (i, w) in weights.iter().enumerate() {
        let modalities = &endpoint.explainer().modalities().per_feature[i];
        assert_eq!(modalities.len(), 10, "200 distinct values make 10 deciles");
        let expected_x: f64 = modalities
            .iter()
            .map(|(m, weight)| match m {
                Cell::F32(v) => weight * f64::from(*v),
                _ => unreachable!(),
            })
            .sum();
        let want = w * (x[i] - expected_x);
        assert!(
            (phi(&map, i) - want).abs() < 1e-3,
            "x{i}: {} vs {want}",
            phi(&map, i)
        );
    }
    assert_eq!(phi(&map, 2), 0.0);
}

#[test]
fn ice_explains_the_candidates_picked_by_global_importance() {
    // Importance falls from x0 to x7; x7 matters most to this model but is least important
    // globally, so with nExplanations = 1 (5 candidates: x0..x4) it is not explained.
    let reference = linear::reference(200, 8);
    let weights = vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.0, 0.0, 9.0];
    let scorer = Arc::new(LinearScorer::new(
        Kind::Regression,
        vec![weights],
        vec![0.0],
    ));
    let importance = [0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.04, 0.01];
    let endpoint = linear::endpoint(
        scorer,
        linear::schema(Kind::Regression, 8, &importance),
        &reference,
    );
    let x = [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0];
    let one = explain(&endpoint, &x, "ICE", 1, 100);
    assert_eq!(one.keys().collect::<Vec<_>>(), ["x4"]);
    let two = explain(&endpoint, &x, "ICE", 2, 100);
    assert!(two.contains_key("x7"), "10 candidates include x7: {two:?}");
    assert_eq!(two.len(), 2);
}

#[test]
fn all_perturbed_rows_of_a_call_are_scored_in_one_batch() {
    let reference = linear::reference(200, 6);
    let scorer = Arc::new(LinearScorer::new(
        Kind::Binary,
        vec![WEIGHTS.to_vec()],
        vec![0.1],
    ));
    let endpoint = linear::endpoint(
        scorer.clone(),
        linear::schema(Kind::Binary, 6, &[1.0; 6]),
        &reference,
    );
    for method in ["ICE", "SHAPLEY"] {
        let before = scorer.runs.load(Ordering::SeqCst);
        let items: Vec<Value> = (0..20)
            .map(|k| json!({"features": features(&[k as f64 / 10.0, 0.5, 1.0, -1.0, 0.0, 2.0])}))
            .collect();
        let body = json!({"items": items, "explanations": {"enabled": true, "method": method, "nExplanations": 3, "nMonteCarloSteps": 200}});
        let (answer, timing) = post_blocking(&endpoint, Action::PredictMulti, body).unwrap();
        assert_eq!(answer["results"].as_array().unwrap().len(), 20);
        assert!(
            answer["results"][19]["explanations"]
                .as_object()
                .unwrap()
                .len()
                == 3
        );
        // One run for the predictions, one for every perturbed row of the 20 records.
        assert_eq!(scorer.runs.load(Ordering::SeqCst) - before, 2, "{method}");
        assert!(timing.iter().any(|(n, _)| *n == "explanations"));
    }
}

#[test]
fn explanations_off_or_bad_options() {
    let reference = linear::reference(50, 6);
    let scorer = Arc::new(LinearScorer::new(
        Kind::Binary,
        vec![WEIGHTS.to_vec()],
        vec![0.1],
    ));
    let endpoint = linear::endpoint(
        scorer,
        linear::schema(Kind::Binary, 6, &[1.0; 6]),
        &reference,
    );
    let body = json!({"features": features(&X), "explanations": {"enabled": null, "method": null, "nExplanations": null, "nMonteCarloSteps": null}});
    let (answer, timing) = post_blocking(&endpoint, Action::Predict, body).unwrap();
    assert!(answer["result"].get("explanations").is_none());
    assert!(!timing.iter().any(|(n, _)| *n == "explanations"));
    let body = json!({"features": features(&X), "explanations": {"enabled": true, "method": "SHAPLEY", "nMonteCarloSteps": 5000}});
    let e = post_blocking(&endpoint, Action::Predict, body).unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.message.contains("nMonteCarloSteps"), "{}", e.message);
    // More explanations than features: all of them.
    let map = explain(&endpoint, &X, "SHAPLEY", 50, 25);
    assert_eq!(map.len(), 6);
}

#[test]
fn shapley_on_wide_models_groups_the_features_outside_the_candidates() {
    // 8 features, nExplanations = 1: 5 candidates by importance (x0..x4) each on its own and
    // x5..x7 switched as one group. On an additive model each candidate still gets exactly
    // w·(x − mean), and x7 (largest weight, least important) is not reported.
    let reference = linear::reference(200, 8);
    let mean = linear::means(&reference);
    let weights = vec![0.1, -0.2, 0.3, 0.4, -0.5, 0.0, 0.0, 9.0];
    let scorer = Arc::new(LinearScorer::new(
        Kind::Regression,
        vec![weights.clone()],
        vec![0.0],
    ));
    let importance = [0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.04, 0.01];
    let endpoint = linear::endpoint(
        scorer.clone(),
        linear::schema(Kind::Regression, 8, &importance),
        &reference,
    );
    let x = [3.0; 8];
    let before = scorer.rows.load(Ordering::SeqCst);
    let one = explain(&endpoint, &x, "SHAPLEY", 1, 1000);
    // 1 prediction row + 1000 steps × 5 switches (6 players, the last switch is x itself).
    assert_eq!(scorer.rows.load(Ordering::SeqCst) - before, 1 + 1000 * 5);
    assert_eq!(one.keys().collect::<Vec<_>>(), ["x4"]);
    let want = weights[4] * (3.0 - mean[4]);
    assert!(
        (phi(&one, 4) - want).abs() < 1e-3,
        "{} vs {want}",
        phi(&one, 4)
    );
}
