//! Regression metrics over `(prediction, actual)` rows.
//!
//! Every function is `None` for no rows or any value that is not finite, besides the cases it
//! lists. Deviances are means over the rows of the unit deviance `d(y, ŷ)`.

use super::finite;

/// The regression metric names, as DataRobot spells them.
pub const METRIC_NAMES: &[&str] = &[
    "RMSE",
    "MAE",
    "MAD",
    "MAPE",
    "RMSLE",
    "R Squared",
    "Gamma Deviance",
    "Poisson Deviance",
    "Tweedie Deviance",
    "FVE Gamma",
    "FVE Poisson",
    "FVE Tweedie",
];

/// The Tweedie power of "Tweedie Deviance" and "FVE Tweedie".
pub const TWEEDIE_POWER: f64 = 1.5;

/// The metric `name` (one of [`METRIC_NAMES`]) on `rows`.
pub fn compute(name: &str, rows: &[(f64, f64)]) -> Option<f64> {
    match name {
        "RMSE" => rmse(rows),
        "MAE" => mae(rows),
        "MAD" => mad(rows),
        "MAPE" => mape(rows),
        "RMSLE" => rmsle(rows),
        "R Squared" => r_squared(rows),
        "Gamma Deviance" => mean_deviance(rows, Family::Gamma),
        "Poisson Deviance" => mean_deviance(rows, Family::Poisson),
        "Tweedie Deviance" => mean_deviance(rows, Family::Tweedie),
        "FVE Gamma" => fve(rows, Family::Gamma),
        "FVE Poisson" => fve(rows, Family::Poisson),
        "FVE Tweedie" => fve(rows, Family::Tweedie),
        _ => None,
    }
}

/// The rows when there is at least one and every value is finite.
fn valid(rows: &[(f64, f64)]) -> Option<&[(f64, f64)]> {
    (!rows.is_empty() && rows.iter().all(|(p, a)| p.is_finite() && a.is_finite())).then_some(rows)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n as f64
}

/// Root mean squared error: `sqrt(mean((ŷ − y)²))`.
pub fn rmse(rows: &[(f64, f64)]) -> Option<f64> {
    let rows = valid(rows)?;
    finite(mean(rows.iter().map(|(p, a)| (p - a).powi(2))).sqrt())
}

/// Mean absolute error: `mean(|ŷ − y|)`.
pub fn mae(rows: &[(f64, f64)]) -> Option<f64> {
    let rows = valid(rows)?;
    finite(mean(rows.iter().map(|(p, a)| (p - a).abs())))
}

/// "MAD", taken as the **median absolute error**: the median of `|ŷ − y|` (the mean of the two
/// middle values for an even row count). DataRobot's sources at hand do not define MAD; the
/// median is chosen because the mean absolute deviation would only repeat MAE.
pub fn mad(rows: &[(f64, f64)]) -> Option<f64> {
    let rows = valid(rows)?;
    let mut errors: Vec<f64> = rows.iter().map(|(p, a)| (p - a).abs()).collect();
    errors.sort_by(f64::total_cmp);
    let mid = errors.len() / 2;
    let median = if errors.len() % 2 == 1 {
        errors[mid]
    } else {
        (errors[mid - 1] + errors[mid]) / 2.0
    };
    finite(median)
}

/// Mean absolute percentage error, in percent: `100 · mean(|(y − ŷ) / y|)` over the rows whose
/// actual is not 0. Rows with `y = 0` are skipped (their percentage is undefined); `None` when
/// every actual is 0.
pub fn mape(rows: &[(f64, f64)]) -> Option<f64> {
    let rows = valid(rows)?;
    let kept: Vec<f64> = rows
        .iter()
        .filter(|(_, a)| *a != 0.0)
        .map(|(p, a)| ((a - p) / a).abs())
        .collect();
    if kept.is_empty() {
        return None;
    }
    finite(100.0 * mean(kept.into_iter()))
}

/// Root mean squared log error: `sqrt(mean((ln(1+ŷ) − ln(1+y))²))`. `None` when any prediction
/// or actual is negative.
pub fn rmsle(rows: &[(f64, f64)]) -> Option<f64> {
    let rows = valid(rows)?;
    if rows.iter().any(|(p, a)| *p < 0.0 || *a < 0.0) {
        return None;
    }
    finite(mean(rows.iter().map(|(p, a)| (p.ln_1p() - a.ln_1p()).powi(2))).sqrt())
}

/// Coefficient of determination: `1 − Σ(y − ŷ)² / Σ(y − ȳ)²`. `None` when every actual is
/// the same (the denominator is 0).
pub fn r_squared(rows: &[(f64, f64)]) -> Option<f64> {
    let rows = valid(rows)?;
    let y_mean = mean(rows.iter().map(|(_, a)| *a));
    let residual: f64 = rows.iter().map(|(p, a)| (a - p).powi(2)).sum();
    let total: f64 = rows.iter().map(|(_, a)| (a - y_mean).powi(2)).sum();
    if total == 0.0 {
        return None;
    }
    finite(1.0 - residual / total)
}

/// The deviance families of the deviance and FVE metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Gamma,
    Poisson,
    Tweedie,
}

impl Family {
    /// The unit deviance `d(y, μ)`, or `None` outside the family's domain: gamma needs
    /// `y > 0, μ > 0`; Poisson and Tweedie (power 1.5) need `y ≥ 0, μ > 0`.
    fn unit_deviance(self, y: f64, mu: f64) -> Option<f64> {
        if mu <= 0.0 || y < 0.0 {
            return None;
        }
        match self {
            Family::Gamma => (y > 0.0).then(|| 2.0 * ((mu / y).ln() + y / mu - 1.0)),
            Family::Poisson => {
                let y_ln = if y == 0.0 { 0.0 } else { y * (y / mu).ln() };
                Some(2.0 * (y_ln - (y - mu)))
            }
            Family::Tweedie => {
                let p = TWEEDIE_POWER;
                Some(
                    2.0 * (y.powf(2.0 - p) / ((1.0 - p) * (2.0 - p))
                        - y * mu.powf(1.0 - p) / (1.0 - p)
                        + mu.powf(2.0 - p) / (2.0 - p)),
                )
            }
        }
    }

    /// `Σ d(y, μ(row))` over the rows, `None` if any row is outside the domain.
    fn total_deviance(self, rows: &[(f64, f64)], mu: impl Fn(f64) -> f64) -> Option<f64> {
        rows.iter()
            .map(|&(p, a)| self.unit_deviance(a, mu(p)))
            .sum()
    }
}

/// Mean deviance of the family: `mean(d(y, ŷ))`.
fn mean_deviance(rows: &[(f64, f64)], family: Family) -> Option<f64> {
    let rows = valid(rows)?;
    finite(family.total_deviance(rows, |p| p)? / rows.len() as f64)
}

/// Fraction of deviance explained: `1 − Σd(y, ŷ) / Σd(y, ȳ)`, against the model that predicts
/// the mean of the actuals for every row. `None` when the null deviance is 0 (every actual the
/// same) or the mean is outside the family's domain.
fn fve(rows: &[(f64, f64)], family: Family) -> Option<f64> {
    let rows = valid(rows)?;
    let y_mean = mean(rows.iter().map(|(_, a)| *a));
    let null = family.total_deviance(rows, |_| y_mean)?;
    if null <= 0.0 {
        return None;
    }
    finite(1.0 - family.total_deviance(rows, |p| p)? / null)
}

/// Mean gamma deviance: `mean(2·(ln(ŷ/y) + y/ŷ − 1))`. `None` unless every prediction and
/// actual is positive.
pub fn gamma_deviance(rows: &[(f64, f64)]) -> Option<f64> {
    mean_deviance(rows, Family::Gamma)
}

/// Mean Poisson deviance: `mean(2·(y·ln(y/ŷ) − (y − ŷ)))`, with `y·ln(y/ŷ) = 0` at `y = 0`.
/// `None` unless every prediction is positive and every actual non-negative.
pub fn poisson_deviance(rows: &[(f64, f64)]) -> Option<f64> {
    mean_deviance(rows, Family::Poisson)
}

/// Mean Tweedie deviance at power 1.5:
/// `mean(2·(y^(2−p)/((1−p)(2−p)) − y·ŷ^(1−p)/(1−p) + ŷ^(2−p)/(2−p)))`, which at `p = 1.5` is
/// `mean(4·(√ŷ − √y)²/√ŷ)`. `None` unless every prediction is positive and every actual
/// non-negative.
pub fn tweedie_deviance(rows: &[(f64, f64)]) -> Option<f64> {
    mean_deviance(rows, Family::Tweedie)
}

/// "FVE Gamma": the fraction of gamma deviance explained (see [`gamma_deviance`] for the
/// domain).
pub fn fve_gamma(rows: &[(f64, f64)]) -> Option<f64> {
    fve(rows, Family::Gamma)
}

/// "FVE Poisson": the fraction of Poisson deviance explained (see [`poisson_deviance`]).
pub fn fve_poisson(rows: &[(f64, f64)]) -> Option<f64> {
    fve(rows, Family::Poisson)
}

/// "FVE Tweedie": the fraction of Tweedie (power 1.5) deviance explained (see
/// [`tweedie_deviance`]).
pub fn fve_tweedie(rows: &[(f64, f64)]) -> Option<f64> {
    fve(rows, Family::Tweedie)
}
