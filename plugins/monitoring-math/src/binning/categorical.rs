//! The categorical bins of a baseline: its categories, sorted, plus the `__oov__` bin.

use std::collections::HashMap;

use super::Histogram;

/// At most this many baseline categories get a bin (DataRobot's
/// `PREDICTIONS_MONITOR_FEATURE_CATEGORY_ROW_LIMIT`); the rest count as out of vocabulary.
pub const CATEGORY_LIMIT: usize = 10_000;

/// The label of the last bin, which collects categories the baseline did not have ("new
/// levels").
pub const OOV_LABEL: &str = "__oov__";

/// The categorical bins of one feature, fixed by its baseline.
///
/// Bins `0..n` are the baseline categories in ascending byte order (Rust's `str` ordering), and
/// bin `n` is the `__oov__` bin. The bins are determined by the category list alone: store
/// [`categories`](Self::categories) and rebuild with
/// [`from_categories`](Self::from_categories). The OOV bin is known by its position, so a
/// baseline category literally named `__oov__` is an ordinary bin of its own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoricalBins {
    categories: Vec<String>,
}

impl CategoricalBins {
    /// The bins of a baseline sample of category strings (missing values are left out by the
    /// caller).
    ///
    /// With more than [`CATEGORY_LIMIT`] distinct categories, only the most frequent
    /// [`CATEGORY_LIMIT`] keep a bin; among equally frequent categories the smaller string (byte
    /// order) wins, so the choice never depends on input order.
    pub fn from_baseline<'a, I>(values: I) -> Self
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for value in values {
            *counts.entry(value).or_default() += 1;
        }
        Self::from_counts(counts.into_iter().map(|(c, n)| (c.to_owned(), n)))
    }

    /// The bins from baseline categories already counted, as `(category, count)`. A category
    /// given more than once has its counts added. The cap and tie rule are those of
    /// [`from_baseline`](Self::from_baseline).
    pub fn from_counts<I>(counts: I) -> Self
    where
        I: IntoIterator<Item = (String, u64)>,
    {
        let mut merged: HashMap<String, u64> = HashMap::new();
        for (category, count) in counts {
            *merged.entry(category).or_default() += count;
        }
        let mut ranked: Vec<(String, u64)> = merged.into_iter().collect();
        ranked.sort_by(|(a, na), (b, nb)| nb.cmp(na).then_with(|| a.cmp(b)));
        ranked.truncate(CATEGORY_LIMIT);
        Self::from_categories(ranked.into_iter().map(|(category, _)| category).collect())
    }

    /// The bins from a stored category list. The list is sorted and deduplicated; it is not
    /// capped (the counts that would choose which to drop are not known here).
    pub fn from_categories(mut categories: Vec<String>) -> Self {
        categories.sort_unstable();
        categories.dedup();
        Self { categories }
    }

    /// The baseline categories in bin order: the list to store.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// The number of bins: the categories plus the OOV bin.
    pub fn bin_count(&self) -> usize {
        self.categories.len() + 1
    }

    /// The index of the OOV bin: the last one.
    pub fn oov_bin(&self) -> usize {
        self.categories.len()
    }

    /// The bin of a category: its position among the baseline categories, or the OOV bin.
    pub fn bin_of(&self, category: &str) -> usize {
        self.categories
            .binary_search_by(|c| c.as_str().cmp(category))
            .unwrap_or(self.categories.len())
    }

    /// The labels in bin order: the categories, then `"__oov__"`.
    pub fn labels(&self) -> Vec<String> {
        let mut labels = self.categories.clone();
        labels.push(OOV_LABEL.to_owned());
        labels
    }

    /// Counts categories onto these bins; `None` counts as missing.
    pub fn histogram<'a, I>(&self, values: I) -> Histogram
    where
        I: IntoIterator<Item = Option<&'a str>>,
    {
        let mut histogram = Histogram::new(self.bin_count());
        for value in values {
            match value {
                Some(category) => histogram.counts[self.bin_of(category)] += 1,
                None => histogram.missing += 1,
            }
        }
        histogram
    }
}
