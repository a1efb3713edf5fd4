//! Flat layouts the evaluator runs on, compiled once at load.
//!
//! **Perfect layout** (the fast path): each tree of depth `d` is padded into a complete binary
//! tree stored as an implicit heap (children of slot `i` are `2i+1` and `2i+2`): `2^d − 1`
//! `(threshold, feature)` pairs of 8 bytes and `2^d` leaf vectors, pre-aggregated per output.
//! A leaf above the last level is replicated into every slot below it. Evaluation is then
//! branch-free: `slot = 2·slot + 1 + !left(x, t)`, `d` times. It needs one comparison for the
//! whole ensemble: each ONNX mode and NaN rule is mapped onto one of four predicates by
//! swapping children (e.g. `x > t` = not `x <= t`), which works unless modes mix predicates
//! or use EQ/NEQ.
//!
//! **General layout** (everything else: deep trees, EQ/NEQ, mixed modes): one array of
//! 16-byte nodes with explicit children, walked with a branch per level.

use super::parse::{Forest, Mode, Node, Tree};

/// Deepest tree padded into the perfect layout (2^8 leaves).
pub const PERFECT_MAX_DEPTH: usize = 8;

/// The comparison a perfect-layout ensemble uses; `true` sends `x` to the left slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Predicate {
    /// `x <= t` (NaN goes right).
    Leq,
    /// `!(x > t)` (NaN goes left).
    LeqNanLeft,
    /// `x < t` (NaN goes right).
    Lt,
    /// `!(x >= t)` (NaN goes left).
    LtNanLeft,
}

/// `(predicate, swap)`: the node is `predicate` with its true child on the left, or on the
/// right when `swap`. `None` for EQ/NEQ.
fn predicate_of(mode: Mode, missing_true: bool) -> Option<(Predicate, bool)> {
    Some(match (mode, missing_true) {
        (Mode::Leq, false) => (Predicate::Leq, false),
        (Mode::Leq, true) => (Predicate::LeqNanLeft, false),
        (Mode::Gt, false) => (Predicate::LeqNanLeft, true),
        (Mode::Gt, true) => (Predicate::Leq, true),
        (Mode::Lt, false) => (Predicate::Lt, false),
        (Mode::Lt, true) => (Predicate::LtNanLeft, false),
        (Mode::Gte, false) => (Predicate::LtNanLeft, true),
        (Mode::Gte, true) => (Predicate::Lt, true),
        (Mode::Eq | Mode::Neq, _) => return None,
    })
}

/// A test in the perfect layout.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Split {
    /// Threshold.
    pub threshold: f32,
    /// Feature index.
    pub feature: u32,
}

/// All perfect-layout trees of one depth.
#[derive(Clone, Debug)]
pub struct PerfectGroup {
    /// Depth of every tree in the group.
    pub depth: usize,
    /// `trees × (2^depth − 1)` splits.
    pub splits: Vec<Split>,
    /// `trees × 2^depth × width` leaf values.
    pub leaves: Vec<f32>,
    /// Number of trees.
    pub trees: usize,
}

/// A node in the general layout. Leaves have `mode == LEAF` and `true_child` = leaf index.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct GeneralNode {
    /// Threshold.
    pub threshold: f32,
    /// Feature index.
    pub feature: u32,
    /// True child (node index), or the leaf index for a leaf.
    pub true_child: u32,
    /// False child (node index).
    pub false_child: u32,
    /// Comparison ([`GeneralNode::LEAF`] for a leaf).
    pub mode: u8,
    /// Whether NaN goes to the true child.
    pub missing_true: bool,
}

impl GeneralNode {
    /// `mode` of a leaf.
    pub const LEAF: u8 = 255;

    fn mode_code(mode: Mode) -> u8 {
        match mode {
            Mode::Leq => 0,
            Mode::Lt => 1,
            Mode::Gte => 2,
            Mode::Gt => 3,
            Mode::Eq => 4,
            Mode::Neq => 5,
        }
    }

    /// Whether `x` goes to the true child.
    #[inline(always)]
    pub fn goes_true(&self, x: f32) -> bool {
        let t = self.threshold;
        let hit = match self.mode {
            0 => x <= t,
            1 => x < t,
            2 => x >= t,
            3 => x > t,
            4 => x == t,
            _ => x != t,
        };
        hit || (self.missing_true && x.is_nan())
    }
}

/// Trees in the general layout.
#[derive(Clone, Debug, Default)]
pub struct GeneralTrees {
    /// All nodes of all trees.
    pub nodes: Vec<GeneralNode>,
    /// Root node index of each tree.
    pub roots: Vec<u32>,
    /// `leaves × width` values.
    pub leaves: Vec<f32>,
}

/// A compiled ensemble.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Values per leaf (and accumulators per row).
    pub width: usize,
    /// Predicate of the perfect groups.
    pub predicate: Predicate,
    /// Perfect-layout trees, grouped by depth.
    pub perfect: Vec<PerfectGroup>,
    /// The other trees.
    pub general: GeneralTrees,
}

/// How leaf contributions become a leaf vector of `width` values.
pub trait LeafValues {
    /// The leaf's vector (`width` values) from its `(output, weight)` list.
    fn vector(&self, weights: &[(usize, f32)], out: &mut [f32]);
}

/// Sums of weights per output; `map` sends an output id to its accumulator.
pub struct SumLeaves<F: Fn(usize) -> Option<usize>>(pub F);

impl<F: Fn(usize) -> Option<usize>> LeafValues for SumLeaves<F> {
    fn vector(&self, weights: &[(usize, f32)], out: &mut [f32]) {
        out.fill(0.0);
        for &(o, w) in weights {
            if let Some(slot) = (self.0)(o) {
                out[slot] += w;
            }
        }
    }
}

/// For MIN/MAX aggregation: the leaf's weight per output, NaN where it has none.
pub struct SparseLeaves;

impl LeafValues for SparseLeaves {
    fn vector(&self, weights: &[(usize, f32)], out: &mut [f32]) {
        out.fill(f32::NAN);
        for &(o, w) in weights {
            out[o] = if out[o].is_nan() { w } else { out[o] + w };
        }
    }
}

/// Compiles a forest; `perfect_allowed` is false for aggregations the perfect path does not
/// implement (MIN/MAX).
pub fn compile(
    forest: &Forest,
    width: usize,
    leaf_values: &dyn LeafValues,
    perfect_allowed: bool,
) -> Layout {
    let mut predicate = None;
    let mut uniform = perfect_allowed;
    'scan: for tree in &forest.trees {
        for node in &tree.nodes {
            if let Node::Branch {
                mode, missing_true, ..
            } = node
            {
                match predicate_of(*mode, *missing_true) {
                    Some((p, _)) if predicate.is_none() || predicate == Some(p) => {
                        predicate = Some(p)
                    }
                    _ => {
                        uniform = false;
                        break 'scan;
                    }
                }
            }
        }
    }
    let predicate = predicate.unwrap_or(Predicate::Leq);
    let mut layout = Layout {
        width,
        predicate,
        perfect: Vec::new(),
        general: GeneralTrees::default(),
    };
    for tree in &forest.trees {
        if uniform && tree.depth <= PERFECT_MAX_DEPTH {
            let group = match layout.perfect.iter().position(|g| g.depth == tree.depth) {
                Some(g) => g,
                None => {
                    layout.perfect.push(PerfectGroup {
                        depth: tree.depth,
                        splits: Vec::new(),
                        leaves: Vec::new(),
                        trees: 0,
                    });
                    layout.perfect.len() - 1
                }
            };
            add_perfect(&mut layout.perfect[group], tree, width, leaf_values);
        } else {
            add_general(&mut layout.general, tree, width, leaf_values);
        }
    }
    layout.perfect.sort_by_key(|g| g.depth);
    layout
}

fn add_perfect(group: &mut PerfectGroup, tree: &Tree, width: usize, leaf_values: &dyn LeafValues) {
    let d = group.depth;
    let split_base = group.splits.len();
    let leaf_base = group.leaves.len();
    group
        .splits
        .resize(split_base + (1 << d) - 1, Split::default());
    group.leaves.resize(leaf_base + (1 << d) * width, 0.0);
    let mut stack = vec![(tree.root, 0usize, 0usize)]; // (node, slot, level)
    let mut vector = vec![0f32; width];
    while let Some((node, slot, level)) = stack.pop() {
        match &tree.nodes[node] {
            Node::Leaf(weights) => {
                leaf_values.vector(weights, &mut vector);
                // Every heap slot under `slot` at the last level gets this leaf.
                let span = 1usize << (d - level);
                let first = (slot + 1) * span - 1 - ((1 << d) - 1);
                for leaf in first..first + span {
                    let at = leaf_base + leaf * width;
                    group.leaves[at..at + width].copy_from_slice(&vector);
                }
            }
            Node::Branch {
                mode,
                missing_true,
                feature,
                threshold,
                true_child,
                false_child,
            } => {
                let (_, swap) = predicate_of(*mode, *missing_true).expect("uniform checked");
                group.splits[split_base + slot] = Split {
                    threshold: *threshold,
                    feature: *feature as u32,
                };
                let (left, right) = if swap {
                    (*false_child, *true_child)
                } else {
                    (*true_child, *false_child)
                };
                stack.push((left, 2 * slot + 1, level + 1));
                stack.push((right, 2 * slot + 2, level + 1));
            }
        }
    }
    group.trees += 1;
}

fn add_general(
    general: &mut GeneralTrees,
    tree: &Tree,
    width: usize,
    leaf_values: &dyn LeafValues,
) {
    let base = general.nodes.len() as u32;
    let mut vector = vec![0f32; width];
    for node in &tree.nodes {
        general.nodes.push(match node {
            Node::Leaf(weights) => {
                leaf_values.vector(weights, &mut vector);
                let leaf = (general.leaves.len() / width.max(1)) as u32;
                general.leaves.extend_from_slice(&vector);
                GeneralNode {
                    threshold: 0.0,
                    feature: 0,
                    true_child: leaf,
                    false_child: 0,
                    mode: GeneralNode::LEAF,
                    missing_true: false,
                }
            }
            Node::Branch {
                mode,
                missing_true,
                feature,
                threshold,
                true_child,
                false_child,
            } => GeneralNode {
                threshold: *threshold,
                feature: *feature as u32,
                true_child: base + *true_child as u32,
                false_child: base + *false_child as u32,
                mode: GeneralNode::mode_code(*mode),
                missing_true: *missing_true,
            },
        });
    }
    general.roots.push(base + tree.root as u32);
}
