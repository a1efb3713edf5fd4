//! Binning, as DataRobot builds the two histograms of a drift comparison: the baseline decides
//! the bins, and the current window is counted on the same bins.
//!
//! - [`NumericBins`]: 10 equal-width bins over the baseline's range, plus underflow and
//!   overflow (12 bins).
//! - [`CategoricalBins`]: every baseline category (at most [`CATEGORY_LIMIT`]), sorted, plus
//!   the `__oov__` bin.
//! - [`Histogram`]: additive counts per bin plus a missing count, and [`compare`], which applies
//!   the `__missing__` bin rule and gives the two count vectors the drift metrics read.

mod categorical;
mod histogram;
mod numeric;

pub use categorical::{CATEGORY_LIMIT, CategoricalBins, OOV_LABEL};
pub use histogram::{BinCountMismatch, Comparison, Histogram, MISSING_LABEL, compare};
pub use numeric::{EQUAL_WIDTH_BINS, NUMERIC_BIN_COUNT, NumericBins, nudge_max};
