//! Multiclass metrics over `(probabilities per class, actual class index)` rows.
//!
//! Every function is `None` for no rows, rows of different lengths, an empty probability row, a
//! probability that is not finite, or an actual class index outside the row, besides the cases
//! it lists. The predicted class is the one of highest probability, the lowest index on a tie.

use super::{finite, neg_ln_clipped};

/// The multiclass metric names, as DataRobot spells them.
pub const METRIC_NAMES: &[&str] = &[
    "LogLoss",
    "Accuracy",
    "Balanced Accuracy",
    "FVE Multinomial",
];

/// The metric `name` (one of [`METRIC_NAMES`]) on `rows`.
pub fn compute(name: &str, rows: &[(Vec<f64>, usize)]) -> Option<f64> {
    match name {
        "LogLoss" => log_loss(rows),
        "Accuracy" => accuracy(rows),
        "Balanced Accuracy" => balanced_accuracy(rows),
        "FVE Multinomial" => fve_multinomial(rows),
        _ => None,
    }
}

/// The number of classes when the rows are valid.
fn class_count(rows: &[(Vec<f64>, usize)]) -> Option<usize> {
    let classes = rows.first()?.0.len();
    let ok = classes > 0
        && rows.iter().all(|(probabilities, actual)| {
            probabilities.len() == classes
                && *actual < classes
                && probabilities.iter().all(|p| p.is_finite())
        });
    ok.then_some(classes)
}

/// The index of the highest probability, the lowest index on a tie.
fn predicted(probabilities: &[f64]) -> usize {
    let mut best = 0;
    for (class, p) in probabilities.iter().enumerate() {
        if *p > probabilities[best] {
            best = class;
        }
    }
    best
}

/// Log loss: `−mean(ln p_actual)`, the actual class's probability clipped to
/// `[1e-15, 1 − 1e-15]` (rows are not renormalised).
pub fn log_loss(rows: &[(Vec<f64>, usize)]) -> Option<f64> {
    class_count(rows)?;
    let total: f64 = rows
        .iter()
        .map(|(probabilities, actual)| neg_ln_clipped(probabilities[*actual]))
        .sum();
    finite(total / rows.len() as f64)
}

/// Accuracy: the share of rows whose predicted class is the actual one.
pub fn accuracy(rows: &[(Vec<f64>, usize)]) -> Option<f64> {
    class_count(rows)?;
    let hits = rows
        .iter()
        .filter(|(probabilities, actual)| predicted(probabilities) == *actual)
        .count();
    finite(hits as f64 / rows.len() as f64)
}

/// Balanced accuracy: the mean recall of the classes that occur among the actuals.
pub fn balanced_accuracy(rows: &[(Vec<f64>, usize)]) -> Option<f64> {
    let classes = class_count(rows)?;
    let mut support = vec![0u64; classes];
    let mut hits = vec![0u64; classes];
    for (probabilities, actual) in rows {
        support[*actual] += 1;
        if predicted(probabilities) == *actual {
            hits[*actual] += 1;
        }
    }
    let recalls: Vec<f64> = support
        .iter()
        .zip(&hits)
        .filter(|(n, _)| **n > 0)
        .map(|(n, h)| *h as f64 / *n as f64)
        .collect();
    finite(recalls.iter().sum::<f64>() / recalls.len() as f64)
}

/// Fraction of multinomial deviance explained: `1 − LogLoss / LogLoss(base)`, where the base
/// model predicts each class's share of the actuals for every row. `None` when only one class
/// occurs among the actuals (the base model is then perfect).
pub fn fve_multinomial(rows: &[(Vec<f64>, usize)]) -> Option<f64> {
    let classes = class_count(rows)?;
    let mut support = vec![0u64; classes];
    for (_, actual) in rows {
        support[*actual] += 1;
    }
    if support.iter().filter(|n| **n > 0).count() < 2 {
        return None;
    }
    let n = rows.len() as f64;
    let base: f64 = rows
        .iter()
        .map(|(_, actual)| neg_ln_clipped(support[*actual] as f64 / n))
        .sum::<f64>()
        / n;
    finite(1.0 - log_loss(rows)? / base)
}
