//! Per-record explanations (ICE and Monte Carlo Shapley), as `/work/shared/EXPLANATIONS.md`
//! describes the original product's: what is explained is the prediction (regression), the
//! log-odds of P(positive) (binary) or of P(predicted class) (multiclass), probabilities clipped
//! to [0.01, 0.99]. Everything that depends only on the model (ICE modalities, the Shapley
//! background, permutations and background scores) is computed at load; a request scores all
//! its perturbed rows in one batched model run (split only beyond [`MAX_ROWS_PER_RUN`] rows).

mod ice;
mod options;
mod rng;
mod shapley;

pub use ice::Modalities;
pub use options::{ExplanationDefaults, ExplanationOptions, Method};
pub use rng::SplitMix64;
pub use shapley::{Background, MAX_STEPS, MIN_STEPS};

use crate::answer::argmax;
use crate::model::{BatchBuilder, Model, Row};
use crate::schema::Task;
use crate::stop::StopFlag;
use plinth_engine_api::ApiError;
use plinth_onnx::Matrix;

/// The most perturbed rows scored in one model run; a predict-multi call asking for more
/// (e.g. 100 records × 1000 Shapley steps × 30 features) is scored in several runs of at most
/// this size, to bound memory (~25 MB for 30 float features).
/// It is also the granularity at which an abandoned call stops (see [`crate::stop`]).
pub const MAX_ROWS_PER_RUN: usize = 1 << 18;

/// ICE candidates: this many times `nExplanations`, by global importance.
const CANDIDATES_PER_EXPLANATION: usize = 5;

const NO_ROW: u32 = u32::MAX;

/// A record to explain: its row and its model output (probabilities or the value).
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The record.
    pub row: &'a Row,
    /// Its output row.
    pub output: &'a [f32],
}

/// What a model needs to explain records, precomputed at load.
pub struct Explainer {
    modalities: Modalities,
    background: Background,
    /// Feature indices by global importance, most important first (ties in schema order).
    by_importance: Vec<usize>,
}

impl Explainer {
    /// Precomputes modalities and the background from the reference rows (scores the
    /// background once).
    pub fn build(model: &Model, reference: &[Row]) -> Result<Explainer, String> {
        if reference.is_empty() {
            return Err("explanations need at least one reference row".into());
        }
        let modalities = Modalities::compute(&model.schema, reference);
        let background = Background::build(model, reference)?;
        let mut by_importance: Vec<usize> = (0..model.schema.features.len()).collect();
        by_importance
            .sort_by(|a, b| model.schema.importance[*b].total_cmp(&model.schema.importance[*a]));
        Ok(Explainer {
            modalities,
            background,
            by_importance,
        })
    }

    /// The ICE modalities (for descriptions and tests).
    pub fn modalities(&self) -> &Modalities {
        &self.modalities
    }

    /// Explains every subject; one list of `(feature, value)` per subject, largest |value|
    /// first, at most `nExplanations` long.
    pub fn explain(
        &self,
        model: &Model,
        subjects: &[Subject<'_>],
        options: &ExplanationOptions,
        stop: &StopFlag,
    ) -> Result<Vec<Vec<(usize, f64)>>, ApiError> {
        let d = model.schema.features.len();
        let candidates =
            &self.by_importance[..d.min(options.n_explanations * CANDIDATES_PER_EXPLANATION)];
        let steps = options.n_monte_carlo_steps;
        let groups = ShapleyGroups::new(d, candidates);
        let generated;
        let permutations: &[Vec<u32>] = if groups.grouped {
            generated = shapley::permutations(groups.members.len(), steps);
            &generated
        } else {
            &self.background.permutations
        };
        let per_subject = match options.method {
            Method::Ice => self.modalities.rows_for(candidates),
            Method::Shapley => steps * (groups.members.len() - 1),
        }
        .max(1);
        let per_run = (MAX_ROWS_PER_RUN / per_subject).max(1);
        let mut results = Vec::with_capacity(subjects.len());
        for chunk in subjects.chunks(per_run) {
            stop.check()?;
            let mut builder = model.builder(per_subject * chunk.len());
            let plans: Vec<Vec<u32>> = chunk
                .iter()
                .map(|s| match options.method {
                    Method::Ice => self.plan_ice(s, candidates, &mut builder),
                    Method::Shapley => {
                        self.plan_shapley(s, steps, &groups, permutations, &mut builder)
                    }
                })
                .collect();
            let outputs = model.run(&builder.finish())?;
            let space = ScoreSpace::of(model);
            for (subject, plan) in chunk.iter().zip(plans) {
                let values = match options.method {
                    Method::Ice => self.finish_ice(space, subject, candidates, &plan, &outputs),
                    Method::Shapley => self.finish_shapley(
                        space,
                        subject,
                        &groups,
                        (steps, permutations),
                        &plan,
                        &outputs,
                    ),
                };
                results.push(top(values, options.n_explanations));
            }
        }
        Ok(results)
    }

    fn plan_ice(
        &self,
        s: &Subject<'_>,
        candidates: &[usize],
        builder: &mut BatchBuilder<'_>,
    ) -> Vec<u32> {
        let mut plan = Vec::with_capacity(self.modalities.rows_for(candidates));
        for &c in candidates {
            for (m, _) in &self.modalities.per_feature[c] {
                if *m == s.row[c] {
                    plan.push(NO_ROW);
                } else {
                    plan.push(builder.rows() as u32);
                    builder.push_with(|f| if f == c { m } else { &s.row[f] });
                }
            }
        }
        plan
    }

    fn finish_ice(
        &self,
        space: ScoreSpace,
        s: &Subject<'_>,
        candidates: &[usize],
        plan: &[u32],
        outputs: &Matrix,
    ) -> Vec<(usize, f64)> {
        let class = argmax(s.output);
        let s_x = space.score(s.output, class);
        let mut steps = plan.iter();
        candidates
            .iter()
            .map(|&c| {
                // Σ wⱼ (s(x) − s(x with xᵢ := mⱼ)) = s(x) − Σ wⱼ s(...) as the weights sum
                // to 1; written this way a modality equal to xᵢ adds exactly 0.
                let value: f64 = self.modalities.per_feature[c]
                    .iter()
                    .map(|(_, w)| {
                        let row = *steps.next().unwrap_or(&NO_ROW);
                        if row == NO_ROW {
                            0.0
                        } else {
                            w * (s_x - space.score(outputs.row(row as usize), class))
                        }
                    })
                    .sum();
                (c, value)
            })
            .collect()
    }

    fn plan_shapley(
        &self,
        s: &Subject<'_>,
        steps: usize,
        groups: &ShapleyGroups,
        permutations: &[Vec<u32>],
        builder: &mut BatchBuilder<'_>,
    ) -> Vec<u32> {
        let g = groups.members.len();
        let mut plan = Vec::with_capacity(steps * (g - 1));
        let mut from_x = vec![false; s.row.len()];
        for (b, permutation) in self.background.rows.iter().zip(permutations).take(steps) {
            from_x.iter_mut().for_each(|m| *m = false);
            for &group in &permutation[..g - 1] {
                let mut changed = false;
                for &f in &groups.members[group as usize] {
                    from_x[f] = true;
                    changed |= s.row[f] != b[f];
                }
                if changed {
                    plan.push(builder.rows() as u32);
                    builder.push_with(|f| if from_x[f] { &s.row[f] } else { &b[f] });
                } else {
                    plan.push(NO_ROW);
                }
            }
        }
        plan
    }

    fn finish_shapley(
        &self,
        space: ScoreSpace,
        s: &Subject<'_>,
        groups: &ShapleyGroups,
        (steps, permutations): (usize, &[Vec<u32>]),
        plan: &[u32],
        outputs: &Matrix,
    ) -> Vec<(usize, f64)> {
        let class = argmax(s.output);
        let s_x = space.score(s.output, class);
        let g = groups.members.len();
        let mut phi = vec![0.0; g];
        let mut rows = plan.iter();
        for (k, permutation) in permutations.iter().enumerate().take(steps) {
            let mut previous = space.score(self.background.outputs.row(k), class);
            for &group in &permutation[..g - 1] {
                let row = *rows.next().unwrap_or(&NO_ROW);
                let current = if row == NO_ROW {
                    previous
                } else {
                    space.score(outputs.row(row as usize), class)
                };
                phi[group as usize] += current - previous;
                previous = current;
            }
            phi[permutation[g - 1] as usize] += s_x - previous;
        }
        groups
            .members
            .iter()
            .zip(phi)
            .filter(|(members, _)| members.len() == 1)
            .map(|(members, v)| (members[0], v / steps as f64))
            .collect()
    }
}

/// The players of a Shapley walk: every feature on its own when the candidate set covers all
/// features; otherwise each candidate on its own plus one group of all the other features
/// (switched together; its value is not reported), so that wide models score
/// `steps × candidates` rows instead of `steps × (features − 1)`.
struct ShapleyGroups {
    members: Vec<Vec<usize>>,
    grouped: bool,
}

impl ShapleyGroups {
    fn new(d: usize, candidates: &[usize]) -> ShapleyGroups {
        if candidates.len() >= d {
            return ShapleyGroups {
                members: (0..d).map(|f| vec![f]).collect(),
                grouped: false,
            };
        }
        let rest: Vec<usize> = (0..d).filter(|f| !candidates.contains(f)).collect();
        let mut members: Vec<Vec<usize>> = candidates.iter().map(|&f| vec![f]).collect();
        members.push(rest);
        ShapleyGroups {
            members,
            grouped: true,
        }
    }
}

/// The quantity explanations decompose.
#[derive(Clone, Copy, Debug)]
pub struct ScoreSpace {
    task: Task,
    positive_index: usize,
}

impl ScoreSpace {
    /// The score space of a model.
    pub fn of(model: &Model) -> ScoreSpace {
        ScoreSpace {
            task: model.schema.task,
            positive_index: model.schema.positive_index,
        }
    }

    /// The score of one output row; `class` is the predicted class of the record explained
    /// (multiclass).
    pub fn score(&self, output: &[f32], class: usize) -> f64 {
        match self.task {
            Task::Regression => f64::from(output[0]),
            Task::Binary => log_odds(output[self.positive_index]),
            Task::Multiclass => log_odds(output[class]),
        }
    }
}

/// ln(p / (1 − p)) with p clipped to [0.01, 0.99].
pub fn log_odds(p: f32) -> f64 {
    let p = f64::from(p).clamp(0.01, 0.99);
    (p / (1.0 - p)).ln()
}

/// The `n` values of largest magnitude, largest first (ties in feature order).
fn top(mut values: Vec<(usize, f64)>, n: usize) -> Vec<(usize, f64)> {
    values.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    values.truncate(n);
    values
}
