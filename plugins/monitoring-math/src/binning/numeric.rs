//! The 12 numeric bins of a baseline: underflow, 10 equal-width bins, overflow.

use super::Histogram;

/// The number of equal-width bins between the baseline's min and nudged max.
pub const EQUAL_WIDTH_BINS: usize = 10;

/// The number of numeric bins in all: underflow, [`EQUAL_WIDTH_BINS`], overflow.
pub const NUMERIC_BIN_COUNT: usize = EQUAL_WIDTH_BINS + 2;

/// The baseline's max nudged up by `|max·1e-10| + 1e-23`, so that the max itself falls inside
/// the last equal-width bin and not in the overflow bin.
pub fn nudge_max(max: f64) -> f64 {
    max + ((max * 1e-10).abs() + 1e-23)
}

/// The numeric bins of one feature, fixed by its baseline.
///
/// Bin 0 is the underflow bin (`x < min`), bins 1 to 10 are the equal-width bins
/// `[edge(i-1), edge(i))`, and bin 11 is the overflow bin (`x >= max_nudged`).
///
/// Everything is determined by two numbers, [`min`](Self::min) and
/// [`max_nudged`](Self::max_nudged): store them (e.g. with [`to_edges`](Self::to_edges)) and
/// rebuild with [`from_edges`](Self::from_edges) to get the same bins back. `f64`'s `Display`
/// prints the shortest text that parses back to the same number, so a textual store round-trips
/// exactly too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumericBins {
    min: f64,
    max_nudged: f64,
}

impl NumericBins {
    /// The bins of a baseline sample.
    ///
    /// NaN is a missing value and is ignored; infinities are ignored too (they cannot span an
    /// equal-width range), so only finite values decide min and max. Returns `None` when no
    /// value is finite, or when the nudged max overflows to infinity (a max within 1e-10 of
    /// `f64::MAX`).
    ///
    /// A degenerate baseline (every finite value equal, or a single value `v`) still gives 12
    /// bins: the 10 inner bins split `[v, nudge_max(v))`, a range of width `|v·1e-10| + 1e-23`.
    /// `v` itself lands in bin 1, anything below `v` in the underflow bin and anything at or
    /// above the nudged max in the overflow bin.
    pub fn from_baseline(values: &[f64]) -> Option<Self> {
        let mut finite = values.iter().copied().filter(|v| v.is_finite());
        let first = finite.next()?;
        let (min, max) = finite.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Self::from_edges(min, nudge_max(max))
    }

    /// The bins from a stored `min` and `max_nudged` (the nudge already applied).
    ///
    /// Returns `None` unless both are finite and `min < max_nudged`.
    pub fn from_edges(min: f64, max_nudged: f64) -> Option<Self> {
        (min.is_finite() && max_nudged.is_finite() && min < max_nudged)
            .then_some(Self { min, max_nudged })
    }

    /// The two numbers to store: `[min, max_nudged]`, the arguments of
    /// [`from_edges`](Self::from_edges).
    pub fn to_edges(&self) -> [f64; 2] {
        [self.min, self.max_nudged]
    }

    /// The baseline's min: the lower edge of bin 1.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The baseline's max after [`nudge_max`]: the lower edge of the overflow bin.
    pub fn max_nudged(&self) -> f64 {
        self.max_nudged
    }

    /// The number of bins: always [`NUMERIC_BIN_COUNT`] (12).
    pub fn bin_count(&self) -> usize {
        NUMERIC_BIN_COUNT
    }

    /// The 11 boundaries of the equal-width bins, ascending: `edges[0]` is `min`, `edges[10]`
    /// is exactly `max_nudged`, and `edges[i] = min + i·(max_nudged − min)/10` in between.
    /// Bin `i` (1 to 10) is `[edges[i-1], edges[i])`.
    pub fn edges(&self) -> [f64; EQUAL_WIDTH_BINS + 1] {
        let width = (self.max_nudged - self.min) / EQUAL_WIDTH_BINS as f64;
        let mut edges = [0.0; EQUAL_WIDTH_BINS + 1];
        for (i, edge) in edges.iter_mut().enumerate() {
            *edge = (self.min + width * i as f64).min(self.max_nudged);
        }
        edges[EQUAL_WIDTH_BINS] = self.max_nudged;
        edges
    }

    /// The bin of a value, or `None` for NaN (a missing value).
    ///
    /// `x < min` (and `-inf`) is bin 0; `x >= max_nudged` (and `+inf`) is bin 11; otherwise the
    /// equal-width bin whose `[lower, upper)` holds `x`, compared against [`edges`](Self::edges)
    /// so that a value equal to an edge always goes to the bin that edge opens.
    pub fn bin_of(&self, x: f64) -> Option<usize> {
        bin_on(&self.edges(), x)
    }

    /// The 12 labels, in bin order: `"< {min}"`, then `"{lower} - {upper}"` for the 10
    /// equal-width bins, then `"{max_nudged}+"`. Numbers print with `f64`'s `Display`, and the
    /// overflow label shows the nudged max because that is the bin's real lower edge.
    pub fn labels(&self) -> Vec<String> {
        let edges = self.edges();
        let mut labels = Vec::with_capacity(NUMERIC_BIN_COUNT);
        labels.push(format!("< {}", self.min));
        labels.extend(edges.windows(2).map(|w| format!("{} - {}", w[0], w[1])));
        labels.push(format!("{}+", self.max_nudged));
        labels
    }

    /// Counts values onto these bins; NaN counts as missing.
    pub fn histogram(&self, values: &[f64]) -> Histogram {
        let edges = self.edges();
        let mut histogram = Histogram::new(NUMERIC_BIN_COUNT);
        for &value in values {
            match bin_on(&edges, value) {
                Some(bin) => histogram.counts[bin] += 1,
                None => histogram.missing += 1,
            }
        }
        histogram
    }
}

/// The bin of `x` on ascending `edges`: the number of edges at or below `x` (0 below the first
/// edge, `edges.len()` at or above the last), or `None` for NaN.
fn bin_on(edges: &[f64], x: f64) -> Option<usize> {
    (!x.is_nan()).then(|| edges.partition_point(|edge| *edge <= x))
}
