//! Batch evaluation of a compiled ensemble.
//!
//! Rows are processed in blocks of [`BLOCK`] (their features and accumulators stay in L1);
//! within a block, trees are the outer loop so that one tree's splits stay hot while every row
//! of the block walks it, [`LANES`] rows at a time: their walks are independent chains of
//! loads, so the CPU overlaps them instead of waiting on each level's load in turn.

use super::layout::{GeneralNode, GeneralTrees, Layout, PerfectGroup, Predicate};

/// Rows per block.
pub const BLOCK: usize = 256;
/// Rows walked together through one perfect tree.
pub const LANES: usize = 8;

/// How tree outputs combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combine {
    /// Sum (classifiers, SUM and AVERAGE regressors).
    Sum,
    /// Minimum over the trees that have a value (NaN = none).
    Min,
    /// Maximum over the trees that have a value (NaN = none).
    Max,
}

impl Combine {
    /// Accumulator start value.
    pub fn initial(self) -> f32 {
        match self {
            Combine::Sum => 0.0,
            Combine::Min | Combine::Max => f32::NAN,
        }
    }
}

trait Left {
    fn left(x: f32, t: f32) -> bool;
}

struct Leq;
struct LeqNanLeft;
struct Lt;
struct LtNanLeft;

impl Left for Leq {
    #[inline(always)]
    fn left(x: f32, t: f32) -> bool {
        x <= t
    }
}

impl Left for LeqNanLeft {
    #[inline(always)]
    // Deliberately not `x <= t`: a NaN feature must go left.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn left(x: f32, t: f32) -> bool {
        !(x > t)
    }
}

impl Left for Lt {
    #[inline(always)]
    fn left(x: f32, t: f32) -> bool {
        x < t
    }
}

impl Left for LtNanLeft {
    #[inline(always)]
    // Deliberately not `x <= t`: a NaN feature must go left.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn left(x: f32, t: f32) -> bool {
        !(x >= t)
    }
}

/// Adds every tree's leaf vector into `acc` (`rows × layout.width`, pre-filled with
/// [`Combine::initial`]) for the row-major input `x` (`rows × features`). The caller checked
/// that every feature index is below `features`.
pub fn accumulate(layout: &Layout, combine: Combine, x: &[f32], features: usize, acc: &mut [f32]) {
    let width = layout.width;
    let rows = acc.len() / width;
    let mut start = 0;
    while start < rows {
        let end = (start + BLOCK).min(rows);
        let xb = &x[start * features..end * features];
        let ab = &mut acc[start * width..end * width];
        for group in &layout.perfect {
            perfect(layout.predicate, group, xb, features, ab, width);
        }
        if !layout.general.roots.is_empty() {
            general(&layout.general, combine, xb, features, ab, width);
        }
        start = end;
    }
}

fn perfect(predicate: Predicate, g: &PerfectGroup, x: &[f32], f: usize, acc: &mut [f32], w: usize) {
    macro_rules! by_depth {
        ($p:ty) => {
            match g.depth {
                0 => perfect_group::<$p, 0>(g, x, f, acc, w),
                1 => perfect_group::<$p, 1>(g, x, f, acc, w),
                2 => perfect_group::<$p, 2>(g, x, f, acc, w),
                3 => perfect_group::<$p, 3>(g, x, f, acc, w),
                4 => perfect_group::<$p, 4>(g, x, f, acc, w),
                5 => perfect_group::<$p, 5>(g, x, f, acc, w),
                6 => perfect_group::<$p, 6>(g, x, f, acc, w),
                7 => perfect_group::<$p, 7>(g, x, f, acc, w),
                _ => perfect_group::<$p, 8>(g, x, f, acc, w),
            }
        };
    }
    match predicate {
        Predicate::Leq => by_depth!(Leq),
        Predicate::LeqNanLeft => by_depth!(LeqNanLeft),
        Predicate::Lt => by_depth!(Lt),
        Predicate::LtNanLeft => by_depth!(LtNanLeft),
    }
}

#[inline(always)]
fn add(acc: &mut [f32], leaf: &[f32]) {
    for (a, l) in acc.iter_mut().zip(leaf) {
        *a += l;
    }
}

#[inline(never)]
fn perfect_group<P: Left, const D: usize>(
    g: &PerfectGroup,
    x: &[f32],
    f: usize,
    acc: &mut [f32],
    w: usize,
) {
    let n_splits = (1usize << D) - 1;
    let n_leaves = 1usize << D;
    let rows = acc.len() / w;
    for t in 0..g.trees {
        let splits = &g.splits[t * n_splits..(t + 1) * n_splits];
        let leaves = &g.leaves[t * n_leaves * w..(t + 1) * n_leaves * w];
        let mut r = 0;
        while r + LANES <= rows {
            let rx = &x[r * f..(r + LANES) * f];
            let mut slot = [0usize; LANES];
            for _ in 0..D {
                for k in 0..LANES {
                    let s = splits[slot[k]];
                    let v = rx[k * f + s.feature as usize];
                    slot[k] = 2 * slot[k] + 1 + usize::from(!P::left(v, s.threshold));
                }
            }
            for (k, s) in slot.iter().enumerate() {
                let leaf = s - n_splits;
                if w == 1 {
                    acc[r + k] += leaves[leaf];
                } else {
                    add(
                        &mut acc[(r + k) * w..(r + k + 1) * w],
                        &leaves[leaf * w..(leaf + 1) * w],
                    );
                }
            }
            r += LANES;
        }
        while r < rows {
            let row = &x[r * f..(r + 1) * f];
            let mut slot = 0usize;
            for _ in 0..D {
                let s = splits[slot];
                slot = 2 * slot + 1 + usize::from(!P::left(row[s.feature as usize], s.threshold));
            }
            let leaf = slot - n_splits;
            add(
                &mut acc[r * w..(r + 1) * w],
                &leaves[leaf * w..(leaf + 1) * w],
            );
            r += 1;
        }
    }
}

#[inline(never)]
fn general(g: &GeneralTrees, combine: Combine, x: &[f32], f: usize, acc: &mut [f32], w: usize) {
    let rows = acc.len() / w;
    for &root in &g.roots {
        for r in 0..rows {
            let row = &x[r * f..(r + 1) * f];
            let mut n = root as usize;
            let leaf = loop {
                let node: &GeneralNode = &g.nodes[n];
                if node.mode == GeneralNode::LEAF {
                    break node.true_child as usize;
                }
                n = if node.goes_true(row[node.feature as usize]) {
                    node.true_child as usize
                } else {
                    node.false_child as usize
                };
            };
            let values = &g.leaves[leaf * w..(leaf + 1) * w];
            let a = &mut acc[r * w..(r + 1) * w];
            match combine {
                Combine::Sum => add(a, values),
                Combine::Min => merge(a, values, |old, new| new < old),
                Combine::Max => merge(a, values, |old, new| new > old),
            }
        }
    }
}

fn merge(acc: &mut [f32], values: &[f32], better: impl Fn(f32, f32) -> bool) {
    for (a, &v) in acc.iter_mut().zip(values) {
        if !v.is_nan() && (a.is_nan() || better(*a, v)) {
            *a = v;
        }
    }
}
