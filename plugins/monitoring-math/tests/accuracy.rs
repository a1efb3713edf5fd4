//! Accuracy metrics on small hand-computed cases, plus brute-force checks of AUC and KS.

use plinth_monitoring_math::accuracy::{
    AccuracyData, Task, binary, compute, default_metric_names, metric_names, multiclass, regression,
};

const TOL: f64 = 1e-12;

fn close(got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("expected {want}, got None"));
    assert!((got - want).abs() < TOL, "expected {want}, got {got}");
}

// ---- names ----

#[test]
fn names_are_datarobots() {
    let all: Vec<&str> = [Task::Regression, Task::Binary, Task::Multiclass]
        .iter()
        .flat_map(|t| metric_names(*t).iter().copied())
        .collect();
    for name in [
        "AUC",
        "Gini Norm",
        "Kolmogorov-Smirnov",
        "LogLoss",
        "Rate@Top10%",
        "Rate@Top5%",
        "RMSE",
        "MAE",
        "Gamma Deviance",
        "Tweedie Deviance",
        "R Squared",
        "Accuracy",
        "Balanced Accuracy",
        "FVE Binomial",
        "FVE Gamma",
        "FVE Poisson",
        "FVE Tweedie",
        "MAD",
        "MAPE",
        "Poisson Deviance",
        "RMSLE",
        "TPR",
        "PPV",
        "F1",
        "MCC",
        "FVE Multinomial",
    ] {
        assert!(all.contains(&name), "{name} missing");
    }
    assert_eq!(metric_names(Task::Regression).len(), 12);
    assert_eq!(metric_names(Task::Binary).len(), 13);
    assert_eq!(
        metric_names(Task::Multiclass),
        [
            "LogLoss",
            "Accuracy",
            "Balanced Accuracy",
            "FVE Multinomial"
        ]
    );
    assert_eq!(
        default_metric_names(Task::Binary),
        [
            "LogLoss",
            "AUC",
            "Kolmogorov-Smirnov",
            "Gini Norm",
            "Rate@Top10%"
        ]
    );
    assert_eq!(
        default_metric_names(Task::Regression),
        [
            "RMSE",
            "MAE",
            "Gamma Deviance",
            "Tweedie Deviance",
            "R Squared"
        ]
    );
    for task in [Task::Regression, Task::Binary, Task::Multiclass] {
        for name in default_metric_names(task) {
            assert!(metric_names(task).contains(name));
        }
    }
}

#[test]
fn every_listed_name_computes_and_others_do_not() {
    let reg = [(2.0, 1.0), (2.0, 2.0), (2.0, 3.0), (5.0, 4.0)];
    let bin = [(0.9, true), (0.2, false), (0.6, false), (0.4, true)];
    let multi = [
        (vec![0.7, 0.3], 0),
        (vec![0.4, 0.6], 1),
        (vec![0.6, 0.4], 1),
    ];
    for data in [
        AccuracyData::Regression(&reg),
        AccuracyData::Binary(&bin),
        AccuracyData::Multiclass(&multi),
    ] {
        for name in metric_names(data.task()) {
            assert!(
                compute(name, &data).is_some(),
                "{name} on {:?}",
                data.task()
            );
        }
        assert_eq!(compute("FPR", &data), None);
        assert_eq!(compute("rmse", &data), None);
    }
    assert_eq!(compute("AUC", &AccuracyData::Regression(&reg)), None);
    assert_eq!(compute("RMSE", &AccuracyData::Binary(&bin)), None);
    assert_eq!(compute("AUC", &AccuracyData::Multiclass(&multi)), None);
    assert_eq!(AccuracyData::Binary(&bin).len(), 4);
}

// ---- regression ----

/// (prediction, actual): actuals 1, 2, 3, 4; predictions 2, 2, 2, 5; errors 1, 0, −1, 1.
const REG: [(f64, f64); 4] = [(2.0, 1.0), (2.0, 2.0), (2.0, 3.0), (5.0, 4.0)];

fn reg(name: &str) -> Option<f64> {
    compute(name, &AccuracyData::Regression(&REG))
}

#[test]
fn regression_errors() {
    // sqrt((1 + 0 + 1 + 1)/4)
    close(reg("RMSE"), 0.8660254037844386);
    // (1 + 0 + 1 + 1)/4
    close(reg("MAE"), 0.75);
    // median of |e| = 0, 1, 1, 1: (1 + 1)/2
    close(reg("MAD"), 1.0);
    // 100·(1/1 + 0/2 + 1/3 + 1/4)/4
    close(reg("MAPE"), 39.583333333333336);
    // sqrt(((ln 3 − ln 2)² + 0 + (ln 3 − ln 4)² + (ln 6 − ln 5)²)/4)
    close(reg("RMSLE"), 0.26476597155558357);
    // ȳ = 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5, SS_res = 3: 1 − 3/5
    close(reg("R Squared"), 0.4);
}

#[test]
fn regression_deviances() {
    // Poisson, 2·(y·ln(y/μ) − (y − μ)) per row: 2(ln ½ + 1), 0, 2(3·ln 1.5 − 1), 2(4·ln 0.8 + 1);
    // mean.
    close(reg("Poisson Deviance"), 0.3153369692538545);
    // Gamma, 2·(ln(μ/y) + y/μ − 1): 2(ln 2 − ½), 0, 2(ln(2/3) + ½), 2(ln 1.25 − 0.2); mean.
    close(reg("Gamma Deviance"), 0.15541281188299538);
    // Tweedie 1.5, 4·(√μ − √y)²/√μ: 4(√2 − 1)²/√2, 0, 4(√2 − √3)²/√2, 4(√5 − 2)²/√5; mean.
    close(reg("Tweedie Deviance"), 0.21767499385424705);
    // FVE: 1 − Σd(y, ŷ)/Σd(y, 2.5), the null model predicting ȳ = 2.5 (Python-checked sums).
    close(reg("FVE Poisson"), 0.4074848394247216);
    close(reg("FVE Gamma"), 0.3618973129727421);
    close(reg("FVE Tweedie"), 0.38955119883467615);
}

#[test]
fn perfect_regression() {
    let rows = [(1.0, 1.0), (3.0, 3.0), (0.5, 0.5)];
    for f in [
        regression::rmse,
        regression::mae,
        regression::mad,
        regression::mape,
        regression::rmsle,
    ] {
        close(f(&rows), 0.0);
    }
    for f in [
        regression::gamma_deviance,
        regression::poisson_deviance,
        regression::tweedie_deviance,
    ] {
        close(f(&rows), 0.0);
    }
    for f in [
        regression::r_squared,
        regression::fve_gamma,
        regression::fve_poisson,
        regression::fve_tweedie,
    ] {
        close(f(&rows), 1.0);
    }
}

#[test]
fn regression_undefined_cases_are_none() {
    assert_eq!(regression::rmse(&[]), None);
    assert_eq!(regression::mae(&[(f64::NAN, 1.0)]), None);
    // RMSLE: negative values.
    assert_eq!(regression::rmsle(&[(-0.5, 1.0)]), None);
    assert_eq!(regression::rmsle(&[(1.0, -2.0)]), None);
    // Gamma needs y > 0 and μ > 0; Poisson and Tweedie need μ > 0, y ≥ 0.
    assert_eq!(regression::gamma_deviance(&[(1.0, 0.0)]), None);
    assert_eq!(regression::gamma_deviance(&[(0.0, 1.0)]), None);
    assert_eq!(regression::poisson_deviance(&[(0.0, 1.0)]), None);
    assert_eq!(regression::poisson_deviance(&[(1.0, -1.0)]), None);
    assert_eq!(regression::tweedie_deviance(&[(-1.0, 1.0)]), None);
    // y = 0 is fine for Poisson (2·μ) and Tweedie (4·√μ).
    close(regression::poisson_deviance(&[(3.0, 0.0)]), 6.0);
    close(regression::tweedie_deviance(&[(4.0, 0.0)]), 8.0);
    // All actuals equal: R² and FVE have a zero denominator.
    assert_eq!(regression::r_squared(&[(1.0, 2.0), (3.0, 2.0)]), None);
    assert_eq!(regression::fve_poisson(&[(1.0, 2.0), (3.0, 2.0)]), None);
    // All actuals zero: MAPE has no row, FVE Poisson's null mean is 0.
    assert_eq!(regression::mape(&[(1.0, 0.0), (2.0, 0.0)]), None);
    assert_eq!(regression::fve_poisson(&[(1.0, 0.0), (2.0, 0.0)]), None);
}

#[test]
fn mape_skips_zero_actuals_and_mad_takes_the_median() {
    // Rows with y = 0 dropped: 100·(|2 − 1|/2 + |4 − 5|/4)/2 = 37.5
    close(
        regression::mape(&[(1.0, 2.0), (7.0, 0.0), (5.0, 4.0)]),
        37.5,
    );
    // Odd count: median of 3, 0.5, 10 is 3 (MAE would be 4.5).
    close(regression::mad(&[(4.0, 1.0), (1.5, 1.0), (-9.0, 1.0)]), 3.0);
}

// ---- binary ----

/// (probability, positive), in an order where ignoring ties would change KS.
const BIN: [(f64, bool); 6] = [
    (0.9, true),
    (0.8, true),
    (0.8, false),
    (0.3, true),
    (0.3, false),
    (0.1, false),
];

#[test]
fn auc_counts_ties_as_half() {
    // Positives 0.9, 0.8, 0.3 against negatives 0.8, 0.3, 0.1:
    // 0.9 wins 3; 0.8 ties ½ and wins 2; 0.3 loses, ties ½, wins 1: (3 + 2.5 + 1.5)/9.
    close(binary::auc(&BIN), 7.0 / 9.0);
    // 2·7/9 − 1
    close(binary::gini_norm(&BIN), 5.0 / 9.0);
    // All scores equal: every pair a tie.
    close(binary::auc(&[(0.5, true), (0.5, false), (0.5, false)]), 0.5);
    // Perfectly wrong ranking.
    close(binary::auc(&[(0.1, true), (0.9, false)]), 0.0);
    assert_eq!(
        binary::auc(&[(0.3, true), (0.7, true)]),
        None,
        "one class only"
    );
}

#[test]
fn ks_moves_the_threshold_between_distinct_scores() {
    // Thresholds after 0.9: TPR 1/3, FPR 0; after 0.8: 2/3, 1/3; after 0.3: 1, 2/3; after 0.1:
    // 1, 1. Max gap 1/3 (splitting the tied 0.8s would wrongly give 2/3).
    close(binary::kolmogorov_smirnov(&BIN), 1.0 / 3.0);
    // Perfect separation.
    close(
        binary::kolmogorov_smirnov(&[(0.2, false), (0.7, true), (0.1, false)]),
        1.0,
    );
    assert_eq!(binary::kolmogorov_smirnov(&[(0.2, false)]), None);
}

#[test]
fn log_loss_and_fve_binomial() {
    // −(ln 0.9 + ln 0.8 + ln 0.2 + ln 0.3 + ln 0.7 + ln 0.9)/6
    close(binary::log_loss(&BIN), 0.6006583738881052);
    // Base rate ½: base log loss ln 2; 1 − 0.60066/ln 2.
    close(binary::fve_binomial(&BIN), 0.13343314272320184);
    // Clipping: p = 1 for a negative costs −ln(1e-15), not infinity.
    close(binary::log_loss(&[(1.0, false)]), -(1e-15f64).ln());
    close(
        binary::log_loss(&[(0.0, false), (1.0, true)]),
        -(1.0f64 - 1e-15).ln(),
    );
    assert_eq!(binary::fve_binomial(&[(0.3, true), (0.8, true)]), None);
}

#[test]
fn threshold_metrics() {
    // TP 3, FP 1, TN 5, FN 2 at threshold 0.5.
    let mut rows = vec![(0.9, true), (0.7, true), (0.5, true), (0.6, false)];
    rows.extend([(0.1, false); 5]);
    rows.extend([(0.2, true), (0.49, true)]);
    // (3 + 5)/11
    close(binary::accuracy(&rows), 8.0 / 11.0);
    // (3/5 + 5/6)/2
    close(binary::balanced_accuracy(&rows), 0.7166666666666667);
    close(binary::tpr(&rows), 0.6);
    close(binary::ppv(&rows), 0.75);
    // 2·3/(2·3 + 1 + 2)
    close(binary::f1(&rows), 2.0 / 3.0);
    // (3·5 − 1·2)/sqrt(4·5·6·7) = 13/sqrt(840)
    close(binary::mcc(&rows), 0.4485426135725303);

    // Exactly 0.5 is positive.
    close(binary::accuracy(&[(0.5, true), (0.49999, false)]), 1.0);
    // Nothing predicted positive: PPV undefined, MCC undefined; one class: balanced = its recall.
    let low = [(0.1, true), (0.2, false)];
    assert_eq!(binary::ppv(&low), None);
    assert_eq!(binary::mcc(&low), None);
    close(binary::f1(&low), 0.0);
    close(binary::balanced_accuracy(&[(0.9, true), (0.1, true)]), 0.5);
    assert_eq!(binary::tpr(&[(0.9, false)]), None);
    assert_eq!(binary::f1(&[(0.1, false)]), None);
}

#[test]
fn rate_at_top_rounds_the_row_count_up() {
    // 20 rows scored 0.05 … 1.0; the highest is positive, the second highest not.
    let mut rows: Vec<(f64, bool)> = (1..=20)
        .map(|i| (f64::from(i) / 20.0, i % 3 == 0))
        .collect();
    rows[19].1 = true;
    rows[18].1 = false;
    // 5% of 20 = 1 row: the positive top row.
    close(binary::rate_at_top(&rows, 5), 1.0);
    close(compute("Rate@Top5%", &AccuracyData::Binary(&rows)), 1.0);
    // 10% of 20 = 2 rows: 1 positive of 2.
    close(compute("Rate@Top10%", &AccuracyData::Binary(&rows)), 0.5);
    // 21 rows: ceil(1.05) = 2 rows and ceil(2.1) = 3 rows; the 0.9 row (i = 18) is positive.
    rows.push((0.0, true));
    close(binary::rate_at_top(&rows, 5), 0.5);
    close(binary::rate_at_top(&rows, 10), 2.0 / 3.0);
    // Fewer than 20 rows still take one.
    close(binary::rate_at_top(&[(0.2, true), (0.8, false)], 5), 0.0);
    assert_eq!(binary::rate_at_top(&[], 10), None);
}

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn auc_and_ks_match_brute_force() {
    let mut rng = Lcg(7);
    for _ in 0..200 {
        let n = 2 + rng.next(40) as usize;
        // Coarse scores, so ties are common.
        let rows: Vec<(f64, bool)> = (0..n)
            .map(|_| (rng.next(8) as f64 / 8.0, rng.next(2) == 1))
            .collect();
        let pos: Vec<f64> = rows.iter().filter(|r| r.1).map(|r| r.0).collect();
        let neg: Vec<f64> = rows.iter().filter(|r| !r.1).map(|r| r.0).collect();
        if pos.is_empty() || neg.is_empty() {
            assert_eq!(binary::auc(&rows), None);
            continue;
        }
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
        let want_auc = wins / (pos.len() * neg.len()) as f64;
        assert!((binary::auc(&rows).unwrap() - want_auc).abs() < 1e-12);

        let mut want_ks: f64 = 0.0;
        for t in rows.iter().map(|r| r.0) {
            let tpr = pos.iter().filter(|p| **p >= t).count() as f64 / pos.len() as f64;
            let fpr = neg.iter().filter(|q| **q >= t).count() as f64 / neg.len() as f64;
            want_ks = want_ks.max((tpr - fpr).abs());
        }
        assert!((binary::kolmogorov_smirnov(&rows).unwrap() - want_ks).abs() < 1e-12);
    }
}

// ---- multiclass ----

fn multi_rows() -> Vec<(Vec<f64>, usize)> {
    vec![
        (vec![0.7, 0.2, 0.1], 0),
        (vec![0.1, 0.6, 0.3], 2),
        (vec![0.2, 0.3, 0.5], 2),
        (vec![0.3, 0.4, 0.3], 1),
    ]
}

#[test]
fn multiclass_metrics() {
    let rows = multi_rows();
    // −(ln 0.7 + ln 0.3 + ln 0.5 + ln 0.4)/4
    close(multiclass::log_loss(&rows), 0.7925214151746922);
    // Predicted 0, 1, 2, 1 against 0, 2, 2, 1: 3 of 4.
    close(multiclass::accuracy(&rows), 0.75);
    // Recalls: class 0 1/1, class 1 1/1, class 2 1/2.
    close(multiclass::balanced_accuracy(&rows), 2.5 / 3.0);
    // Base shares ¼, ¼, ½: base log loss −(2·ln ¼ + 2·ln ½)/4; 1 − 0.79252/1.03972.
    close(multiclass::fve_multinomial(&rows), 0.23775552301944547);
}

#[test]
fn multiclass_ties_and_bad_rows() {
    // A tie predicts the lowest index.
    close(multiclass::accuracy(&[(vec![0.5, 0.5], 0)]), 1.0);
    close(multiclass::accuracy(&[(vec![0.5, 0.5], 1)]), 0.0);
    // A class never seen as actual is left out of balanced accuracy.
    close(
        multiclass::balanced_accuracy(&[(vec![0.1, 0.2, 0.7], 2), (vec![0.8, 0.1, 0.1], 1)]),
        0.5,
    );
    assert_eq!(
        multiclass::fve_multinomial(&[(vec![0.1, 0.9], 1), (vec![0.4, 0.6], 1)]),
        None
    );
    assert_eq!(multiclass::log_loss(&[]), None);
    assert_eq!(
        multiclass::log_loss(&[(vec![0.5, 0.5], 2)]),
        None,
        "class out of range"
    );
    assert_eq!(
        multiclass::log_loss(&[(vec![0.5, 0.5], 0), (vec![1.0], 0)]),
        None,
        "ragged"
    );
    assert_eq!(multiclass::accuracy(&[(vec![f64::NAN, 0.5], 0)]), None);
}
