//! Monte Carlo Shapley values: the background sample and one feature permutation per step,
//! drawn once at load with fixed seeds, and the scores of the background rows.
//!
//! Step k takes background row bₖ and permutation πₖ and walks from bₖ to x, switching the
//! features to x's values in the order of πₖ: z₀ = bₖ, zⱼ = zⱼ₋₁ with feature πₖ(j) from x,
//! z_d = x. Consecutive rows differ in one feature only, the features before it in the
//! permutation come from x and the rest from bₖ, and φ_{πₖ(j)} += s(zⱼ) − s(zⱼ₋₁). So every
//! step scores d − 1 new rows (s(z₀) is precomputed, s(z_d) is the prediction) and the values
//! add up exactly to s(x) − mean s(bₖ). A switch that changes nothing (xᵢ equals bₖ's value)
//! costs no row. On wide models the walk switches groups of features instead (see
//! `ShapleyGroups` in the parent module); the permutations are then drawn per request from a
//! fixed seed.

use super::rng::SplitMix64;
use crate::model::{Model, Row};
use plinth_onnx::Matrix;

/// The largest `nMonteCarloSteps`.
pub const MAX_STEPS: usize = 1000;
/// The smallest `nMonteCarloSteps`.
pub const MIN_STEPS: usize = 25;
const BACKGROUND_SEED: u64 = 0x5348_4150_4C45_5900;
const PERMUTATION_SEED: u64 = 0x5045_524D_5554_4500;

/// `steps` random orders of `n` items (features or feature groups), from a fixed seed that
/// depends on `n` only: the same on every call.
pub fn permutations(n: usize, steps: usize) -> Vec<Vec<u32>> {
    let mut rng = SplitMix64::new(PERMUTATION_SEED ^ n as u64);
    (0..steps)
        .map(|_| {
            let mut p: Vec<u32> = (0..n as u32).collect();
            rng.shuffle(&mut p);
            p
        })
        .collect()
}

/// Background rows, permutations and background scores for up to [`MAX_STEPS`] steps.
pub struct Background {
    /// Row of step k.
    pub rows: Vec<Row>,
    /// Feature order of step k (every feature its own group).
    pub permutations: Vec<Vec<u32>>,
    /// The model's output for each background row.
    pub outputs: Matrix,
}

impl Background {
    /// Draws the background (successive shuffles of the reference rows, so that the first
    /// `n·⌊K/n⌋` steps use every reference row equally often) and the permutations, and scores
    /// the background rows.
    pub fn build(model: &Model, reference: &[Row]) -> Result<Background, String> {
        let mut rng = SplitMix64::new(BACKGROUND_SEED);
        let mut order = Vec::with_capacity(MAX_STEPS);
        while order.len() < MAX_STEPS {
            let mut round: Vec<usize> = (0..reference.len()).collect();
            rng.shuffle(&mut round);
            order.extend(round);
        }
        order.truncate(MAX_STEPS);
        let rows: Vec<Row> = order.iter().map(|i| reference[*i].clone()).collect();
        let permutations = permutations(model.schema.features.len(), MAX_STEPS);
        let mut builder = model.builder(rows.len());
        for r in &rows {
            builder.push(r);
        }
        let outputs = model
            .run(&builder.finish())
            .map_err(|e| format!("scoring the reference rows failed: {}", e.message))?;
        Ok(Background {
            rows,
            permutations,
            outputs,
        })
    }
}
