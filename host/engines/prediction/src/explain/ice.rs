//! ICE (individual conditional expectation) explanations.
//!
//! For feature i: φᵢ = s(x) − Σⱼ wⱼ · s(x with xᵢ := mⱼ), where the modalities mⱼ and their
//! weights wⱼ (summing to 1) are computed once at load from the reference rows.

use crate::cell::Cell;
use crate::model::Row;
use crate::schema::{FeatureType, Schema};
use std::cmp::Ordering;

/// Bins of a numeric feature with many distinct values.
const NUMERIC_BINS: usize = 10;
/// Distinct values up to which a numeric feature uses each value as a modality.
const NUMERIC_DISTINCT: usize = 10;
/// Most frequent values kept for a categorical feature.
const TOP_CATEGORIES: usize = 10;

/// Representative values of every feature, with weights summing to 1.
#[derive(Clone, Debug)]
pub struct Modalities {
    /// By feature index.
    pub per_feature: Vec<Vec<(Cell, f64)>>,
}

impl Modalities {
    /// Computes the modalities of every feature from the reference rows.
    ///
    /// - numeric with more than 10 distinct values: 10 equal-count bins of the sorted values
    ///   (deciles), each represented by its median row value and weighted by its share of rows;
    /// - numeric with at most 10 distinct values, and booleans: every value, weighted by frequency;
    /// - strings: the 10 most frequent values (ties in value order), weights renormalised over them.
    pub fn compute(schema: &Schema, reference: &[Row]) -> Modalities {
        let per_feature = schema
            .features
            .iter()
            .enumerate()
            .map(|(f, feature)| {
                let values: Vec<&Cell> = reference.iter().map(|r| &r[f]).collect();
                match feature.kind {
                    FeatureType::Number | FeatureType::Integer => numeric(values),
                    FeatureType::Boolean => frequent(values, usize::MAX),
                    FeatureType::String => frequent(values, TOP_CATEGORIES),
                }
            })
            .collect();
        Modalities { per_feature }
    }

    /// Number of perturbed rows an explanation of these features scores (at most).
    pub fn rows_for(&self, features: &[usize]) -> usize {
        features.iter().map(|f| self.per_feature[*f].len()).sum()
    }
}

fn compare(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::F32(x), Cell::F32(y)) => x.total_cmp(y),
        (Cell::I64(x), Cell::I64(y)) => x.cmp(y),
        (Cell::Str(x), Cell::Str(y)) => x.cmp(y),
        (Cell::F32(_), _) => Ordering::Less,
        (Cell::Str(_), _) => Ordering::Greater,
        (Cell::I64(_), Cell::F32(_)) => Ordering::Greater,
        (Cell::I64(_), Cell::Str(_)) => Ordering::Less,
    }
}

/// Distinct values with their counts, in value order.
fn distinct(mut values: Vec<&Cell>) -> Vec<(Cell, usize)> {
    values.sort_by(|a, b| compare(a, b));
    let mut out: Vec<(Cell, usize)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((last, n)) if compare(last, v) == Ordering::Equal => *n += 1,
            _ => out.push((v.clone(), 1)),
        }
    }
    out
}

fn numeric(values: Vec<&Cell>) -> Vec<(Cell, f64)> {
    let n = values.len();
    let counts = distinct(values.clone());
    if counts.len() <= NUMERIC_DISTINCT {
        return normalise(counts);
    }
    let mut sorted = values;
    sorted.sort_by(|a, b| compare(a, b));
    (0..NUMERIC_BINS)
        .filter_map(|k| {
            let lo = k * n / NUMERIC_BINS;
            let hi = (k + 1) * n / NUMERIC_BINS;
            (hi > lo).then(|| (sorted[(lo + hi) / 2].clone(), (hi - lo) as f64 / n as f64))
        })
        .collect()
}

fn frequent(values: Vec<&Cell>, keep: usize) -> Vec<(Cell, f64)> {
    let mut counts = distinct(values);
    // Stable: equal counts stay in value order.
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.truncate(keep);
    normalise(counts)
}

fn normalise(counts: Vec<(Cell, usize)>) -> Vec<(Cell, f64)> {
    let total: usize = counts.iter().map(|c| c.1).sum();
    counts
        .into_iter()
        .map(|(c, n)| (c, n as f64 / total.max(1) as f64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(kind: &str) -> Schema {
        Schema::parse(&format!(
            r#"{{"task":"regression","features":[{{"name":"a","type":"{kind}"}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn many_numeric_values_make_ten_deciles() {
        let rows: Vec<Row> = (0..100).map(|i| vec![Cell::F32(i as f32)]).collect();
        let m = Modalities::compute(&schema("number"), &rows);
        let mods = &m.per_feature[0];
        assert_eq!(mods.len(), 10);
        assert_eq!(mods[0], (Cell::F32(5.0), 0.1));
        assert_eq!(mods[9], (Cell::F32(95.0), 0.1));
    }

    #[test]
    fn few_values_are_weighted_by_frequency() {
        let rows: Vec<Row> = [1, 1, 1, 2].iter().map(|i| vec![Cell::I64(*i)]).collect();
        let m = Modalities::compute(&schema("integer"), &rows);
        assert_eq!(
            m.per_feature[0],
            vec![(Cell::I64(1), 0.75), (Cell::I64(2), 0.25)]
        );
    }

    #[test]
    fn categories_keep_the_ten_most_frequent() {
        let mut rows: Vec<Row> = (0..12)
            .map(|i| vec![Cell::Str(format!("c{i:02}"))])
            .collect();
        rows.push(vec![Cell::Str("c11".into())]);
        let m = Modalities::compute(&schema("string"), &rows);
        let mods = &m.per_feature[0];
        assert_eq!(mods.len(), 10);
        assert_eq!(mods[0].0, Cell::Str("c11".into()));
        assert!((mods.iter().map(|m| m.1).sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
