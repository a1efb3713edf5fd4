//! The in-memory rollup of events not yet written: per series and hour, additive counters,
//! latency sketches and histograms, plus the raw predictions that carry an association id.

use hdrhistogram::Histogram as Hdr;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Milliseconds in an hour: the rollup bucket.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in a minute: the load bucket.
pub const MINUTE_MS: i64 = 60_000;

/// Floors a timestamp to its hour.
pub fn hour_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// One service × endpoint × generation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// Service id.
    pub service: String,
    /// Endpoint id.
    pub endpoint: String,
    /// Generation id.
    pub generation: String,
}

/// A new latency sketch: 1 µs to 1 hour at 3 significant digits (0.1% relative error).
pub fn new_sketch() -> Hdr<u64> {
    Hdr::new_with_bounds(1, 3_600_000_000, 3).expect("valid HDR bounds")
}

/// The additive numbers of one series in one hour.
pub struct HourRollup {
    /// Calls.
    pub requests: u64,
    /// Rows scored.
    pub rows: u64,
    /// Calls answered 2xx, 4xx, 5xx.
    pub status: [u64; 3],
    /// Calls served by a generation already in memory.
    pub warm: u64,
    /// Sum of predicted values (regression) or P(positive) (binary).
    pub prediction_sum: f64,
    /// Rows in `prediction_sum`.
    pub prediction_count: u64,
    /// Total server time per call, µs.
    pub response: Hdr<u64>,
    /// Engine time per call, µs.
    pub execution: Hdr<u64>,
    /// Errors by `errorType`.
    pub errors: BTreeMap<String, u64>,
    /// Per feature (`""` = the target), per bin (`-1` = missing): rows. Filled from `dense`
    /// by [`HourRollup::settle`] before a write.
    pub bins: BTreeMap<(String, i64), u64>,
    /// The bins being counted, dense, on the baseline they were binned with.
    pub dense: Option<DenseBins>,
    /// Per class index: (rows predicted as it, sum of its probability).
    pub classes: BTreeMap<usize, (u64, f64)>,
}

/// Bin counts on one baseline, indexed by feature (in the baseline's order, then the target)
/// and bin (the last slot of each is "missing"): counting a row is array increments.
pub struct DenseBins {
    /// The baseline whose bins these are.
    pub baseline: std::sync::Arc<crate::Baseline>,
    /// `counts[feature][bin]`.
    pub counts: Vec<Vec<u64>>,
}

impl DenseBins {
    /// Zero counts on `baseline`'s bins.
    pub fn new(baseline: std::sync::Arc<crate::Baseline>) -> DenseBins {
        let mut counts: Vec<Vec<u64>> = baseline
            .features
            .iter()
            .map(|f| vec![0; f.bins.len() + 1])
            .collect();
        counts.push(vec![
            0;
            baseline.target.as_ref().map_or(0, |t| t.bins.len()) + 1
        ]);
        DenseBins { baseline, counts }
    }
}

impl Default for HourRollup {
    fn default() -> Self {
        HourRollup {
            requests: 0,
            rows: 0,
            status: [0; 3],
            warm: 0,
            prediction_sum: 0.0,
            prediction_count: 0,
            response: new_sketch(),
            execution: new_sketch(),
            errors: BTreeMap::new(),
            bins: BTreeMap::new(),
            dense: None,
            classes: BTreeMap::new(),
        }
    }
}

impl HourRollup {
    /// The dense counts on `baseline`, starting them (and settling counts on an older
    /// baseline) when needed.
    pub fn dense_on(&mut self, baseline: &std::sync::Arc<crate::Baseline>) -> &mut DenseBins {
        if self
            .dense
            .as_ref()
            .is_some_and(|d| !std::sync::Arc::ptr_eq(&d.baseline, baseline))
        {
            self.settle();
        }
        self.dense
            .get_or_insert_with(|| DenseBins::new(baseline.clone()))
    }

    /// Moves the dense counts into `bins` (by feature name and bin, `-1` = missing).
    pub fn settle(&mut self) {
        let Some(dense) = self.dense.take() else {
            return;
        };
        let names = dense
            .baseline
            .features
            .iter()
            .map(|f| f.name.as_str())
            .chain(std::iter::once(""));
        for (name, counts) in names.zip(dense.counts) {
            let missing = counts.len() - 1;
            for (slot, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                let bin = if slot == missing { -1 } else { slot as i64 };
                *self.bins.entry((name.to_owned(), bin)).or_default() += n;
            }
        }
    }

    /// Adds another rollup of the same series and hour.
    pub fn merge(&mut self, mut other: HourRollup) {
        self.settle();
        other.settle();
        self.requests += other.requests;
        self.rows += other.rows;
        for i in 0..3 {
            self.status[i] += other.status[i];
        }
        self.warm += other.warm;
        self.prediction_sum += other.prediction_sum;
        self.prediction_count += other.prediction_count;
        let _ = self.response.add(&other.response);
        let _ = self.execution.add(&other.execution);
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for (k, v) in other.bins {
            *self.bins.entry(k).or_default() += v;
        }
        for (k, (n, p)) in other.classes {
            let entry = self.classes.entry(k).or_default();
            entry.0 += n;
            entry.1 += p;
        }
    }
}

/// A scored row with an association id, kept for the actuals join.
#[derive(Clone, Debug, PartialEq)]
pub struct RawPrediction {
    /// Its series.
    pub series: SeriesKey,
    /// The association id.
    pub association_id: String,
    /// When the call was received.
    pub at_ms: i64,
    /// Regression: the prediction; binary: P(positive); multiclass: P(predicted class).
    pub value: f64,
    /// The predicted class (classifiers).
    pub class: Option<usize>,
    /// Every class's probability (classifiers).
    pub probabilities: Vec<f64>,
}

/// Everything not yet written.
#[derive(Default)]
pub struct Pending {
    /// Per series and hour.
    pub hours: HashMap<(SeriesKey, i64), HourRollup>,
    /// Calls per series and minute.
    pub minutes: HashMap<(SeriesKey, i64), u64>,
    /// Distinct consumers per series and hour (`""` = anonymous).
    pub consumers: HashSet<(SeriesKey, i64, String)>,
    /// Raw predictions with an association id.
    pub predictions: Vec<RawPrediction>,
    /// Events in this batch.
    pub events: u64,
}

impl Pending {
    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// Settles every rollup's dense counts (before a write).
    pub fn settle(&mut self) {
        self.hours.values_mut().for_each(HourRollup::settle);
    }

    /// Adds a batch that could not be written back (to retry with the next flush).
    pub fn merge(&mut self, other: Pending) {
        for (k, v) in other.hours {
            match self.hours.get_mut(&k) {
                Some(existing) => existing.merge(v),
                None => {
                    self.hours.insert(k, v);
                }
            }
        }
        for (k, v) in other.minutes {
            *self.minutes.entry(k).or_default() += v;
        }
        self.consumers.extend(other.consumers);
        self.predictions.extend(other.predictions);
        self.events += other.events;
    }
}
