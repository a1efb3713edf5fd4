//! The five drift metrics between a baseline histogram (expected, `e_i`) and a current one
//! (actual, `a_i`), with DataRobot's zero handling.
//!
//! Notation: `E = Σe`, `A = Σa`, `q_i = e_i/E`, `p_i = a_i/A`; logs are natural.

/// A drift metric, by the name the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DriftMetric {
    /// Population stability index, `Σ (p−q)·ln(p/q)`. The default.
    #[default]
    Psi,
    /// `D_KL(current ‖ baseline) = Σ p·ln(p/q)`.
    KlDivergence,
    /// `sqrt(Σ (√q − √p)²) / √2`.
    Hellinger,
    /// `1 − Σ min(p, q)` (histogram intersection).
    Dissimilarity,
    /// `½·[D(P‖M) + D(Q‖M)]`, `M = (P+Q)/2`, with the smoothed KL applied to proportions.
    JsDivergence,
}

impl DriftMetric {
    /// Every metric, in the API's order.
    pub const ALL: [DriftMetric; 5] = [
        DriftMetric::Psi,
        DriftMetric::KlDivergence,
        DriftMetric::Hellinger,
        DriftMetric::Dissimilarity,
        DriftMetric::JsDivergence,
    ];

    /// The metric of an API name (`psi`, `kl_divergence`, `hellinger`, `dissimilarity`,
    /// `js_divergence`), exactly as spelled; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|metric| metric.as_str() == name)
    }

    /// The API name of the metric.
    pub fn as_str(&self) -> &'static str {
        match self {
            DriftMetric::Psi => "psi",
            DriftMetric::KlDivergence => "kl_divergence",
            DriftMetric::Hellinger => "hellinger",
            DriftMetric::Dissimilarity => "dissimilarity",
            DriftMetric::JsDivergence => "js_divergence",
        }
    }
}

/// The drift score of `actual` against `expected` (counts, or any non-negative weights, per
/// bin, in the same bin order).
///
/// Zero handling, as DataRobot computes it:
/// - `psi` and `kl_divergence` skip a bin where `e_i = a_i = 0`, and where exactly one side is
///   0 they use `p_i = (a_i+1)/(A+1)` and `q_i = (e_i+1)/(E+1)` for that bin only. When `E` or
///   `A` is 0, psi is `Some(0.0)` and kl is `None`.
/// - `hellinger` and `dissimilarity` use no correction; `None` when `E` or `A` is 0.
///   Dissimilarity is clamped at 0 from below (rounding can leave `1 − Σ min` a hair negative).
/// - `js_divergence` applies the smoothed KL above to the proportion vectors `P`, `Q` and
///   `M = (P+Q)/2`, so the +1 correction lands on *proportions* (totals 1) wherever `p_i = 0`
///   or `q_i = 0` but `m_i > 0`. This is DataRobot's documented quirk: the result equals
///   textbook JS only when no bin is empty on one side. `None` when `E` or `A` is 0.
///
/// Also `None` when the lengths differ or a weight is negative or not finite.
pub fn drift(metric: DriftMetric, expected: &[f64], actual: &[f64]) -> Option<f64> {
    if expected.len() != actual.len()
        || expected
            .iter()
            .chain(actual)
            .any(|w| !w.is_finite() || *w < 0.0)
    {
        return None;
    }
    let total_e: f64 = expected.iter().sum();
    let total_a: f64 = actual.iter().sum();
    if total_e == 0.0 || total_a == 0.0 {
        return (metric == DriftMetric::Psi).then_some(0.0);
    }
    let score = match metric {
        DriftMetric::Psi => psi(expected, actual),
        DriftMetric::KlDivergence => smoothed_kl(expected, actual),
        DriftMetric::Hellinger => hellinger(expected, actual),
        DriftMetric::Dissimilarity => dissimilarity(expected, actual),
        DriftMetric::JsDivergence => js_divergence(expected, actual),
    };
    Some(score)
}

/// The proportions `(p_i, q_i)` of each bin that takes part, after the zero handling of psi and
/// kl: bins empty on both sides are left out, and bins empty on one side get the +1 correction.
fn smoothed_proportions<'a>(
    expected: &'a [f64],
    actual: &'a [f64],
) -> impl Iterator<Item = (f64, f64)> + 'a {
    let total_e: f64 = expected.iter().sum();
    let total_a: f64 = actual.iter().sum();
    expected
        .iter()
        .zip(actual)
        .filter_map(move |(&e, &a)| match (e == 0.0, a == 0.0) {
            (true, true) => None,
            (false, false) => Some((a / total_a, e / total_e)),
            _ => Some(((a + 1.0) / (total_a + 1.0), (e + 1.0) / (total_e + 1.0))),
        })
}

fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    smoothed_proportions(expected, actual)
        .map(|(p, q)| (p - q) * (p / q).ln())
        .sum()
}

/// `Σ p·ln(p/q)` of `actual` against `expected`, with the zero handling of psi.
fn smoothed_kl(expected: &[f64], actual: &[f64]) -> f64 {
    smoothed_proportions(expected, actual)
        .map(|(p, q)| p * (p / q).ln())
        .sum()
}

/// The plain proportions of each bin: `(p_i, q_i)`.
fn proportions<'a>(
    expected: &'a [f64],
    actual: &'a [f64],
) -> impl Iterator<Item = (f64, f64)> + 'a {
    let total_e: f64 = expected.iter().sum();
    let total_a: f64 = actual.iter().sum();
    expected
        .iter()
        .zip(actual)
        .map(move |(&e, &a)| (a / total_a, e / total_e))
}

fn hellinger(expected: &[f64], actual: &[f64]) -> f64 {
    let sum: f64 = proportions(expected, actual)
        .map(|(p, q)| (q.sqrt() - p.sqrt()).powi(2))
        .sum();
    sum.sqrt() / std::f64::consts::SQRT_2
}

fn dissimilarity(expected: &[f64], actual: &[f64]) -> f64 {
    let overlap: f64 = proportions(expected, actual).map(|(p, q)| p.min(q)).sum();
    (1.0 - overlap).max(0.0)
}

fn js_divergence(expected: &[f64], actual: &[f64]) -> f64 {
    let (p, q): (Vec<f64>, Vec<f64>) = proportions(expected, actual).unzip();
    let m: Vec<f64> = p.iter().zip(&q).map(|(p, q)| (p + q) / 2.0).collect();
    0.5 * (smoothed_kl(&m, &p) + smoothed_kl(&m, &q))
}
