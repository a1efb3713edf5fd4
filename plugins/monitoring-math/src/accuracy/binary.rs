//! Binary classification metrics over `(probability of the positive class, actual is positive)`
//! rows.
//!
//! Every function is `None` for no rows or a probability that is not finite, besides the cases
//! it lists. The threshold metrics (Accuracy, Balanced Accuracy, TPR, PPV, F1, MCC) predict the
//! positive class when `probability >= THRESHOLD` (0.5).

use super::{finite, neg_ln_clipped};

/// The binary classification metric names, as DataRobot spells them.
pub const METRIC_NAMES: &[&str] = &[
    "LogLoss",
    "AUC",
    "Gini Norm",
    "Kolmogorov-Smirnov",
    "Rate@Top5%",
    "Rate@Top10%",
    "Accuracy",
    "Balanced Accuracy",
    "TPR",
    "PPV",
    "F1",
    "MCC",
    "FVE Binomial",
];

/// The threshold of the class predictions: a row is predicted positive when its probability is
/// at least this.
pub const THRESHOLD: f64 = 0.5;

/// The metric `name` (one of [`METRIC_NAMES`]) on `rows`.
pub fn compute(name: &str, rows: &[(f64, bool)]) -> Option<f64> {
    match name {
        "LogLoss" => log_loss(rows),
        "AUC" => auc(rows),
        "Gini Norm" => gini_norm(rows),
        "Kolmogorov-Smirnov" => kolmogorov_smirnov(rows),
        "Rate@Top5%" => rate_at_top(rows, 5),
        "Rate@Top10%" => rate_at_top(rows, 10),
        "Accuracy" => accuracy(rows),
        "Balanced Accuracy" => balanced_accuracy(rows),
        "TPR" => tpr(rows),
        "PPV" => ppv(rows),
        "F1" => f1(rows),
        "MCC" => mcc(rows),
        "FVE Binomial" => fve_binomial(rows),
        _ => None,
    }
}

/// The rows when there is at least one and every probability is finite.
fn valid(rows: &[(f64, bool)]) -> Option<&[(f64, bool)]> {
    (!rows.is_empty() && rows.iter().all(|(p, _)| p.is_finite())).then_some(rows)
}

/// `(positives, negatives)` among the actuals.
fn class_counts(rows: &[(f64, bool)]) -> (u64, u64) {
    let positives = rows.iter().filter(|(_, y)| *y).count() as u64;
    (positives, rows.len() as u64 - positives)
}

/// The mean log loss of predicting `probability(row)` for each row, clipped to
/// `[1e-15, 1 − 1e-15]`.
fn mean_log_loss(rows: &[(f64, bool)], probability: impl Fn(f64) -> f64) -> f64 {
    let total: f64 = rows
        .iter()
        .map(|&(p, y)| {
            let p = probability(p);
            if y {
                neg_ln_clipped(p)
            } else {
                neg_ln_clipped(1.0 - p)
            }
        })
        .sum();
    total / rows.len() as f64
}

/// Log loss: `−mean(y·ln p + (1−y)·ln(1−p))` with `p` clipped to `[1e-15, 1 − 1e-15]`.
pub fn log_loss(rows: &[(f64, bool)]) -> Option<f64> {
    let rows = valid(rows)?;
    finite(mean_log_loss(rows, |p| p))
}

/// Area under the ROC curve, exactly, as the Mann-Whitney statistic: the share of
/// (positive, negative) pairs where the positive scores higher, a tie counting one half. `None`
/// unless both classes occur.
pub fn auc(rows: &[(f64, bool)]) -> Option<f64> {
    let rows = valid(rows)?;
    let (positives, negatives) = class_counts(rows);
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = rows.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the (1-based, tie-averaged) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let end = tie_group_end(&sorted, start);
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let group_positives = sorted[start..end].iter().filter(|(_, y)| *y).count();
        rank_sum += mean_rank * group_positives as f64;
        start = end;
    }
    let (n1, n0) = (positives as f64, negatives as f64);
    let u = rank_sum - n1 * (n1 + 1.0) / 2.0;
    finite(u / (n1 * n0))
}

/// The end (exclusive) of the run of rows scored equal to `sorted[start]`.
fn tie_group_end(sorted: &[(f64, bool)], start: usize) -> usize {
    let score = sorted[start].0;
    start
        + sorted[start..]
            .iter()
            .take_while(|(p, _)| *p == score)
            .count()
}

/// Normalised Gini: `2·AUC − 1`. `None` unless both classes occur.
pub fn gini_norm(rows: &[(f64, bool)]) -> Option<f64> {
    auc(rows).map(|auc| 2.0 * auc - 1.0)
}

/// Kolmogorov-Smirnov: the largest `|TPR − FPR|` over every threshold between distinct scores
/// (rows scored equal always fall on the same side). `None` unless both classes occur.
pub fn kolmogorov_smirnov(rows: &[(f64, bool)]) -> Option<f64> {
    let rows = valid(rows)?;
    let (positives, negatives) = class_counts(rows);
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = rows.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp, mut best) = (0u64, 0u64, 0.0f64);
    let mut start = 0;
    while start < sorted.len() {
        let end = tie_group_end(&sorted, start);
        let group_tp = sorted[start..end].iter().filter(|(_, y)| *y).count() as u64;
        tp += group_tp;
        fp += (end - start) as u64 - group_tp;
        let gap = (tp as f64 / positives as f64 - fp as f64 / negatives as f64).abs();
        best = best.max(gap);
        start = end;
    }
    finite(best)
}

/// "Rate@Top{percent}%": the share of positives among the `ceil(n·percent/100)` rows with the
/// highest probabilities, at least 1 and at most `n` (computed in integers, so 5% of 20 rows is
/// exactly 1 row and 5% of 21 rows is 2). Rows scored
/// equal keep their input order, so a tie across the cut is decided by row order. `None` for no
/// rows.
pub fn rate_at_top(rows: &[(f64, bool)], percent: u32) -> Option<f64> {
    let rows = valid(rows)?;
    let top = (rows.len() * percent as usize)
        .div_ceil(100)
        .clamp(1, rows.len());
    let mut sorted: Vec<(f64, bool)> = rows.to_vec();
    // A stable sort: ties stay in input order.
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let hits = sorted[..top].iter().filter(|(_, y)| *y).count();
    finite(hits as f64 / top as f64)
}

/// The confusion matrix at [`THRESHOLD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Confusion {
    tp: u64,
    fp: u64,
    tn: u64,
    fn_: u64,
}

fn confusion(rows: &[(f64, bool)]) -> Confusion {
    let mut c = Confusion {
        tp: 0,
        fp: 0,
        tn: 0,
        fn_: 0,
    };
    for &(p, y) in rows {
        match (p >= THRESHOLD, y) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    c
}

/// `a / b`, `None` when `b` is 0.
fn ratio(a: u64, b: u64) -> Option<f64> {
    (b != 0).then(|| a as f64 / b as f64)
}

/// Accuracy at threshold 0.5: `(TP + TN) / n`.
pub fn accuracy(rows: &[(f64, bool)]) -> Option<f64> {
    let c = confusion(valid(rows)?);
    ratio(c.tp + c.tn, rows.len() as u64)
}

/// Balanced accuracy at threshold 0.5: the mean recall of the classes that occur among the
/// actuals, `(TPR + TNR)/2` when both do (only the one recall when a single class occurs).
pub fn balanced_accuracy(rows: &[(f64, bool)]) -> Option<f64> {
    let c = confusion(valid(rows)?);
    let recalls: Vec<f64> = [ratio(c.tp, c.tp + c.fn_), ratio(c.tn, c.tn + c.fp)]
        .into_iter()
        .flatten()
        .collect();
    finite(recalls.iter().sum::<f64>() / recalls.len() as f64)
}

/// True positive rate (recall) at threshold 0.5: `TP / (TP + FN)`. `None` without positives.
pub fn tpr(rows: &[(f64, bool)]) -> Option<f64> {
    let c = confusion(valid(rows)?);
    ratio(c.tp, c.tp + c.fn_)
}

/// Positive predictive value (precision) at threshold 0.5: `TP / (TP + FP)`. `None` when no row
/// is predicted positive.
pub fn ppv(rows: &[(f64, bool)]) -> Option<f64> {
    let c = confusion(valid(rows)?);
    ratio(c.tp, c.tp + c.fp)
}

/// F1 at threshold 0.5: `2·TP / (2·TP + FP + FN)`. `None` when that denominator is 0 (no
/// positive actual and none predicted).
pub fn f1(rows: &[(f64, bool)]) -> Option<f64> {
    let c = confusion(valid(rows)?);
    ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn_)
}

/// Matthews correlation coefficient at threshold 0.5:
/// `(TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))`. `None` when a factor of the
/// denominator is 0 (a class never predicted or never actual).
pub fn mcc(rows: &[(f64, bool)]) -> Option<f64> {
    let c = confusion(valid(rows)?);
    let [tp, fp, tn, fn_] = [c.tp, c.fp, c.tn, c.fn_].map(|x| x as f64);
    let denominator = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
    if denominator == 0.0 {
        return None;
    }
    finite((tp * tn - fp * fn_) / denominator)
}

/// Fraction of binomial deviance explained: `1 − LogLoss / LogLoss(base rate)`, where the base
/// model predicts the share of positives for every row. `None` unless both classes occur (the
/// base model is then perfect and the ratio meaningless).
pub fn fve_binomial(rows: &[(f64, bool)]) -> Option<f64> {
    let rows = valid(rows)?;
    let (positives, negatives) = class_counts(rows);
    if positives == 0 || negatives == 0 {
        return None;
    }
    let base_rate = positives as f64 / rows.len() as f64;
    let base = mean_log_loss(rows, |_| base_rate);
    finite(1.0 - mean_log_loss(rows, |p| p) / base)
}
