//! Feature and target drift against the test's own binning and formulas (DATAROBOT.md §4),
//! written here again without plinth-monitoring-math:
//!
//! - numeric: 10 equal-width bins on the baseline's [min, max'] with
//!   max' = max + (|max·1e-10| + 1e-23), plus an underflow bin (< min) and an overflow bin
//!   (≥ max'); a value's bin is the number of edges ≤ it;
//! - categorical: the baseline's categories sorted, plus `__oov__`;
//! - missing (null, or not a number for a numeric column) is counted apart; a `__missing__` bin
//!   is appended to both sides only when the current missing ratio exceeds the baseline's;
//! - with e, a the counts, E, A their totals, q = e/E, p = a/A:
//!   psi = Σ (p−q)·ln(p/q), kl = Σ p·ln(p/q), both skipping bins empty on both sides and using
//!   p = (a+1)/(A+1), q = (e+1)/(E+1) on bins empty on one side; hellinger =
//!   sqrt(Σ(√q−√p)²)/√2; dissimilarity = 1 − Σ min(p, q); js = ½·(kl(P‖M) + kl(Q‖M)) with
//!   M = (P+Q)/2 and the smoothed kl above applied to the proportion vectors.

mod common;

use common::*;
use plinth_monitoring::DriftScore;
use plinth_monitoring_math::drift::DriftMetric;
use plinth_plugin_api::{CallEvent, FeatureKind};
use serde_json::{Map, Value, json};

/// Bins of one column, as the test builds them.
enum TestBins {
    Numeric(Vec<f64>),
    Categorical(Vec<String>),
}

impl TestBins {
    fn numeric(values: &[f64]) -> TestBins {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let top = max + ((max * 1e-10).abs() + 1e-23);
        let width = (top - min) / 10.0;
        let mut edges: Vec<f64> = (0..=10)
            .map(|i| (min + width * i as f64).min(top))
            .collect();
        edges[10] = top;
        TestBins::Numeric(edges)
    }

    fn categorical(values: &[String]) -> TestBins {
        let mut c = values.to_vec();
        c.sort();
        c.dedup();
        TestBins::Categorical(c)
    }

    fn len(&self) -> usize {
        match self {
            TestBins::Numeric(_) => 12,
            TestBins::Categorical(c) => c.len() + 1,
        }
    }

    /// The bin of a value, `None` when missing.
    fn bin(&self, v: &Value) -> Option<usize> {
        match self {
            TestBins::Numeric(edges) => {
                let x = v.as_f64()?;
                Some(edges.iter().filter(|e| **e <= x).count())
            }
            TestBins::Categorical(c) => {
                let s = v.as_str()?;
                Some(c.iter().position(|x| x == s).unwrap_or(c.len()))
            }
        }
    }

    /// (counts, missing) of some values.
    fn count<'a>(&self, values: impl Iterator<Item = &'a Value>) -> (Vec<u64>, u64) {
        let mut counts = vec![0; self.len()];
        let mut missing = 0;
        for v in values {
            match self.bin(v) {
                Some(b) => counts[b] += 1,
                None => missing += 1,
            }
        }
        (counts, missing)
    }
}

/// The two count vectors compared, with the missing-bin rule.
fn compared(base: (Vec<u64>, u64), cur: (Vec<u64>, u64)) -> (Vec<f64>, Vec<f64>) {
    let (mut e, em) = base;
    let (mut a, am) = cur;
    let et: u64 = e.iter().sum::<u64>() + em;
    let at: u64 = a.iter().sum::<u64>() + am;
    if at > 0 && (am as f64 / at as f64) > (em as f64 / et as f64) {
        e.push(em);
        a.push(am);
    }
    (
        e.iter().map(|x| *x as f64).collect(),
        a.iter().map(|x| *x as f64).collect(),
    )
}

fn smoothed(e: &[f64], a: &[f64]) -> Vec<(f64, f64)> {
    let (te, ta): (f64, f64) = (e.iter().sum(), a.iter().sum());
    e.iter()
        .zip(a)
        .filter(|(e, a)| !(**e == 0.0 && **a == 0.0))
        .map(|(e, a)| {
            if *e == 0.0 || *a == 0.0 {
                ((a + 1.0) / (ta + 1.0), (e + 1.0) / (te + 1.0))
            } else {
                (a / ta, e / te)
            }
        })
        .collect()
}

fn kl(e: &[f64], a: &[f64]) -> f64 {
    smoothed(e, a).iter().map(|(p, q)| p * (p / q).ln()).sum()
}

/// The five metrics of baseline `e` against current `a`.
fn metrics(e: &[f64], a: &[f64]) -> [(DriftMetric, Option<f64>); 5] {
    let (te, ta): (f64, f64) = (e.iter().sum(), a.iter().sum());
    if te == 0.0 || ta == 0.0 {
        return [
            (DriftMetric::Psi, Some(0.0)),
            (DriftMetric::KlDivergence, None),
            (DriftMetric::Hellinger, None),
            (DriftMetric::Dissimilarity, None),
            (DriftMetric::JsDivergence, None),
        ];
    }
    let psi: f64 = smoothed(e, a)
        .iter()
        .map(|(p, q)| (p - q) * (p / q).ln())
        .sum();
    let p: Vec<f64> = a.iter().map(|x| x / ta).collect();
    let q: Vec<f64> = e.iter().map(|x| x / te).collect();
    let hellinger = p
        .iter()
        .zip(&q)
        .map(|(p, q)| (q.sqrt() - p.sqrt()).powi(2))
        .sum::<f64>()
        .sqrt()
        / 2_f64.sqrt();
    let dissimilarity = (1.0 - p.iter().zip(&q).map(|(p, q)| p.min(*q)).sum::<f64>()).max(0.0);
    let m: Vec<f64> = p.iter().zip(&q).map(|(p, q)| (p + q) / 2.0).collect();
    let js = 0.5 * (kl(&m, &p) + kl(&m, &q));
    [
        (DriftMetric::Psi, Some(psi)),
        (DriftMetric::KlDivergence, Some(kl(e, a))),
        (DriftMetric::Hellinger, Some(hellinger)),
        (DriftMetric::Dissimilarity, Some(dissimilarity)),
        (DriftMetric::JsDivergence, Some(js)),
    ]
}

fn baseline_bins(name: &str) -> TestBins {
    let reference = reference();
    if name == "c" {
        let values: Vec<String> = reference
            .iter()
            .filter_map(|r| r[name].as_str().map(str::to_owned))
            .collect();
        TestBins::categorical(&values)
    } else {
        let values: Vec<f64> = reference.iter().filter_map(|r| r[name].as_f64()).collect();
        TestBins::numeric(&values)
    }
}

/// Calls of one row each at `hour`, with these feature rows.
fn calls(endpoint: &str, hour: i64, rows: &[Map<String, Value>]) -> Vec<CallEvent> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut c = call(endpoint, T0 + hour * HOUR + (i as i64 % 60) * MINUTE);
            c.rows = scored(endpoint, std::slice::from_ref(r));
            c
        })
        .collect()
}

/// The reference rows once, then 200 more drawn from them.
fn from_reference(seed: u64) -> Vec<Map<String, Value>> {
    let reference = reference();
    let mut rng = Lcg::new(seed);
    let mut rows = reference.clone();
    rows.extend((0..200).map(|_| reference[rng.below(200)].clone()));
    rows
}

fn shifted() -> Vec<Map<String, Value>> {
    let x1: Vec<f64> = reference()
        .iter()
        .map(|r| r["x1"].as_f64().unwrap())
        .collect();
    let mean = x1.iter().sum::<f64>() / x1.len() as f64;
    let sd = (x1.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / x1.len() as f64).sqrt();
    from_reference(11)
        .into_iter()
        .map(|mut r| {
            let x = r["x1"].as_f64().unwrap();
            r.insert("x1".into(), json!(x + 2.0 * sd));
            r
        })
        .collect()
}

/// Rows with many missing values: x2 null in every third row, c null or empty in every
/// fifth, x1 a non-numeric string in every seventh, unseen categories now and then, x2 absent
/// from every 17th.
fn with_missing() -> Vec<Map<String, Value>> {
    from_reference(13)
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            if i % 3 == 0 {
                r.insert("x2".into(), Value::Null);
            }
            if i % 5 == 0 {
                r.insert("c".into(), if i % 2 == 0 { Value::Null } else { json!("") });
            }
            if i % 7 == 0 {
                r.insert("x1".into(), json!("n/a"));
            }
            if i % 13 == 0 {
                r.insert("c".into(), json!("zzz"));
            }
            if i % 17 == 0 {
                r.remove("x2");
            }
            r
        })
        .collect()
}

/// What the store should say of one feature on these rows.
fn expect_feature(name: &str, rows: &[Map<String, Value>]) -> (Vec<f64>, Vec<f64>) {
    let bins = baseline_bins(name);
    let reference = reference();
    let base = bins.count(
        reference
            .iter()
            .map(|r| r.get(name).unwrap_or(&Value::Null)),
    );
    let cur = bins.count(rows.iter().map(|r| {
        let v = r.get(name).unwrap_or(&Value::Null);
        // Empty strings are missing categories.
        if v.as_str() == Some("") {
            &Value::Null
        } else {
            v
        }
    }));
    compared(base, cur)
}

#[track_caller]
fn check(what: &str, got: &DriftScore, e: &[f64], a: &[f64], metric: DriftMetric) {
    let want = metrics(e, a)
        .into_iter()
        .find(|(m, _)| *m == metric)
        .unwrap()
        .1;
    match (got.score, want) {
        (Some(g), Some(w)) => close(
            &format!("{what} {}", metric.as_str()),
            g,
            w,
            1e-12 * w.abs().max(1.0),
        ),
        (g, w) => assert_eq!(g, w, "{what} {}", metric.as_str()),
    }
    assert_eq!(
        got.sample_size,
        a.iter().sum::<f64>() as u64,
        "{what} sampleSize"
    );
    assert_eq!(
        got.baseline_sample_size,
        e.iter().sum::<f64>() as u64,
        "{what} baselineSampleSize"
    );
}

async fn scores(
    env: &Env,
    endpoint: &str,
    hour: i64,
    metric: DriftMetric,
) -> (Vec<DriftScore>, Option<DriftScore>) {
    let baseline = env
        .monitoring
        .baseline(&series(endpoint))
        .await
        .expect("baseline");
    env.monitoring
        .drift(&series(endpoint), &baseline, hours(hour, hour + 1), metric)
        .await
        .unwrap()
}

#[tokio::test]
async fn feature_drift_matches_an_independent_computation() {
    on_both("feature_drift", |env| async move {
        let traffic = [from_reference(5), shifted(), with_missing()];
        for (hour, rows) in traffic.iter().enumerate() {
            ingest(&env.monitoring, calls(REG, hour as i64, rows)).await;
        }
        for metric in DriftMetric::ALL {
            for (hour, rows) in traffic.iter().enumerate() {
                let (features, _) = scores(&env, REG, hour as i64, metric).await;
                let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
                assert_eq!(names, ["x1", "x2", "c"]);
                assert_eq!(features[0].kind, FeatureKind::Numeric);
                assert_eq!(features[2].kind, FeatureKind::Categorical);
                assert_eq!(features[0].importance, Some(0.6));
                assert_eq!(features[2].importance, None);
                for f in &features {
                    let (e, a) = expect_feature(&f.name, rows);
                    check(
                        &format!("{} hour {hour} ({})", f.name, env.db.name),
                        f,
                        &e,
                        &a,
                        metric,
                    );
                }
            }
        }
        let psi = |f: &[DriftScore], name: &str| {
            f.iter().find(|s| s.name == name).unwrap().score.unwrap()
        };
        let (same, _) = scores(&env, REG, 0, DriftMetric::Psi).await;
        for name in ["x1", "x2", "c"] {
            assert!(psi(&same, name) < 0.1, "{name}: {}", psi(&same, name));
        }
        let (moved, _) = scores(&env, REG, 1, DriftMetric::Psi).await;
        assert!(psi(&moved, "x1") > 0.25, "x1 {}", psi(&moved, "x1"));
        assert!(psi(&moved, "x2") < 0.1);
        assert!(psi(&moved, "c") < 0.1);
        // The missing-bin rule was exercised both ways.
        let (e, _) = expect_feature("x2", &traffic[0]);
        assert_eq!(e.len(), 12, "reference-like traffic: no missing bin");
        let (e, _) = expect_feature("x2", &traffic[2]);
        assert_eq!(e.len(), 13, "more missing than the baseline: a missing bin");
        let (e, _) = expect_feature("c", &traffic[2]);
        assert_eq!(e.len(), 5);
        // A window without traffic.
        let (empty, target) = scores(&env, REG, 7, DriftMetric::Psi).await;
        assert!(
            empty
                .iter()
                .all(|f| f.score == Some(0.0) && f.sample_size == 0)
        );
        assert_eq!(target.unwrap().sample_size, 0);
        let (empty, _) = scores(&env, REG, 7, DriftMetric::KlDivergence).await;
        assert!(empty.iter().all(|f| f.score.is_none()));
    })
    .await;
}

#[tokio::test]
async fn target_drift_on_the_predictions() {
    on_both("target_drift", |env| async move {
        let traffic = [from_reference(21), shifted()];
        for endpoint in [REG, CLF] {
            for (hour, rows) in traffic.iter().enumerate() {
                ingest(&env.monitoring, calls(endpoint, hour as i64, rows)).await;
            }
            let value = |r: &Map<String, Value>| output_of(endpoint, r).value;
            let base_values: Vec<f64> = reference().iter().map(value).collect();
            let bins = TestBins::numeric(&base_values);
            let base_json: Vec<Value> = base_values.iter().map(|v| json!(v)).collect();
            let base = bins.count(base_json.iter());
            assert_eq!(base.1, 0);
            for metric in DriftMetric::ALL {
                for (hour, rows) in traffic.iter().enumerate() {
                    let cur_json: Vec<Value> = rows.iter().map(|r| json!(value(r))).collect();
                    let (e, a) = compared(base.clone(), bins.count(cur_json.iter()));
                    let (_, target) = scores(&env, endpoint, hour as i64, metric).await;
                    let target = target.expect("target drift");
                    assert_eq!(target.name, "");
                    assert_eq!(target.kind, FeatureKind::Numeric);
                    check(
                        &format!("{endpoint} target hour {hour} ({})", env.db.name),
                        &target,
                        &e,
                        &a,
                        metric,
                    );
                }
            }
            let (_, same) = scores(&env, endpoint, 0, DriftMetric::Psi).await;
            assert!(same.unwrap().score.unwrap() < 0.1);
            let (_, moved) = scores(&env, endpoint, 1, DriftMetric::Psi).await;
            assert!(moved.unwrap().score.unwrap() > 0.25);
        }
        // Multiclass: a categorical histogram of the predicted class, on the classes sorted.
        for (hour, rows) in traffic.iter().enumerate() {
            ingest(&env.monitoring, calls(MULTI, hour as i64, rows)).await;
        }
        let colours: Vec<String> = COLOURS.iter().map(|c| c.to_string()).collect();
        let bins = TestBins::categorical(&colours);
        let label = |r: &Map<String, Value>| json!(COLOURS[output_of(MULTI, r).class.unwrap()]);
        let base_json: Vec<Value> = reference().iter().map(label).collect();
        let base = bins.count(base_json.iter());
        assert!(base.0.iter().take(3).all(|n| *n > 0), "{base:?}");
        for metric in DriftMetric::ALL {
            for (hour, rows) in traffic.iter().enumerate() {
                let cur_json: Vec<Value> = rows.iter().map(label).collect();
                let (e, a) = compared(base.clone(), bins.count(cur_json.iter()));
                let (_, target) = scores(&env, MULTI, hour as i64, metric).await;
                let target = target.expect("multiclass target drift");
                assert_eq!(target.kind, FeatureKind::Categorical);
                check(
                    &format!("multiclass target hour {hour} ({})", env.db.name),
                    &target,
                    &e,
                    &a,
                    metric,
                );
            }
        }
    })
    .await;
}
