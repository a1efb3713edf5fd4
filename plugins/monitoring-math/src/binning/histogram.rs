//! Counts per bin, and the pair of count vectors a drift metric compares.

use std::fmt;

/// The label of the bin [`compare`] appends when the current window has proportionally more
/// missing values than the baseline.
pub const MISSING_LABEL: &str = "__missing__";

/// Counts per bin plus a count of missing values. Histograms on the same bins add up
/// ([`merge`](Self::merge)), so hourly rollups sum to any longer window.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Histogram {
    /// One count per bin, in bin order.
    pub counts: Vec<u64>,
    /// Values that were missing (NaN, null): in no bin.
    pub missing: u64,
}

/// [`Histogram::merge`] was given histograms with different numbers of bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinCountMismatch {
    /// The bins of the histogram merged into.
    pub left: usize,
    /// The bins of the histogram merged from.
    pub right: usize,
}

impl fmt::Display for BinCountMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot merge a histogram of {} bins into one of {}",
            self.right, self.left
        )
    }
}

impl std::error::Error for BinCountMismatch {}

impl Histogram {
    /// An empty histogram of `bins` bins.
    pub fn new(bins: usize) -> Self {
        Self {
            counts: vec![0; bins],
            missing: 0,
        }
    }

    /// Adds `other`'s counts and missing count to these. Fails, changing nothing, when the two
    /// have different numbers of bins.
    pub fn merge(&mut self, other: &Histogram) -> Result<(), BinCountMismatch> {
        if self.counts.len() != other.counts.len() {
            return Err(BinCountMismatch {
                left: self.counts.len(),
                right: other.counts.len(),
            });
        }
        for (count, add) in self.counts.iter_mut().zip(&other.counts) {
            *count += add;
        }
        self.missing += other.missing;
        Ok(())
    }

    /// The values in some bin (missing ones excluded).
    pub fn non_missing(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// All values, missing ones included.
    pub fn total(&self) -> u64 {
        self.non_missing() + self.missing
    }

    /// `missing / total`, and 0 for an empty histogram.
    pub fn missing_ratio(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            total => self.missing as f64 / total as f64,
        }
    }
}

/// The two count vectors a drift metric reads, with their sample sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The baseline's counts per bin (`e_i`), the missing bin last when added.
    pub expected: Vec<u64>,
    /// The current window's counts per bin (`a_i`), the missing bin last when added.
    pub actual: Vec<u64>,
    /// Whether the `__missing__` bin was appended to both.
    pub missing_bin: bool,
    /// `baselineSampleSize`: the baseline's non-missing count, plus its missing count when the
    /// missing bin was added (the sum of `expected`).
    pub baseline_sample_size: u64,
    /// `sampleSize`: the current window's non-missing count, plus its missing count when the
    /// missing bin was added (the sum of `actual`).
    pub sample_size: u64,
}

impl Comparison {
    /// The drift score of this comparison under `metric`: [`crate::drift::drift`] on the counts.
    pub fn drift(&self, metric: crate::drift::DriftMetric) -> Option<f64> {
        let expected: Vec<f64> = self.expected.iter().map(|&c| c as f64).collect();
        let actual: Vec<f64> = self.actual.iter().map(|&c| c as f64).collect();
        crate::drift::drift(metric, &expected, &actual)
    }
}

/// Lines up a baseline and a current histogram on the same bins, applying the missing-bin rule:
/// a `__missing__` bin holding each side's missing count is appended to both **only if** the
/// current missing ratio is strictly greater than the baseline's (an empty histogram's ratio is
/// 0). Otherwise missing values take no part, in the counts or in the sample sizes.
///
/// Returns `None` when the two histograms have different numbers of bins.
pub fn compare(baseline: &Histogram, current: &Histogram) -> Option<Comparison> {
    if baseline.counts.len() != current.counts.len() {
        return None;
    }
    let missing_bin = more_missing(current, baseline);
    let mut expected = baseline.counts.clone();
    let mut actual = current.counts.clone();
    if missing_bin {
        expected.push(baseline.missing);
        actual.push(current.missing);
    }
    Some(Comparison {
        baseline_sample_size: expected.iter().sum(),
        sample_size: actual.iter().sum(),
        expected,
        actual,
        missing_bin,
    })
}

/// Whether `a`'s missing ratio is strictly greater than `b`'s, compared exactly by
/// cross-multiplying the counts (an empty histogram's ratio is 0).
fn more_missing(a: &Histogram, b: &Histogram) -> bool {
    let (a_total, b_total) = (a.total(), b.total());
    if a_total == 0 {
        return false;
    }
    if b_total == 0 {
        return a.missing > 0;
    }
    u128::from(a.missing) * u128::from(b_total) > u128::from(b.missing) * u128::from(a_total)
}
