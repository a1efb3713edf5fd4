//! Reads a TreeEnsembleClassifier / TreeEnsembleRegressor node's attributes into plain trees,
//! checking every reference so that evaluation can never loop or index out of bounds.

use std::collections::HashMap;

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

/// How a branch compares the feature `x` with its threshold `t` (true → `true_child`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `x <= t`
    Leq,
    /// `x < t`
    Lt,
    /// `x >= t`
    Gte,
    /// `x > t`
    Gt,
    /// `x == t`
    Eq,
    /// `x != t`
    Neq,
}

/// One node of a tree.
#[derive(Clone, Debug)]
pub enum Node {
    /// A test.
    Branch {
        /// Comparison.
        mode: Mode,
        /// Feature index (column of the input).
        feature: usize,
        /// Threshold.
        threshold: f32,
        /// Whether a NaN feature goes to the true child.
        missing_true: bool,
        /// Index of the true child in the tree's nodes.
        true_child: usize,
        /// Index of the false child.
        false_child: usize,
    },
    /// A leaf with its `(output, weight)` contributions.
    Leaf(Vec<(usize, f32)>),
}

/// One tree: nodes, root, depth (edges from root to the deepest leaf).
#[derive(Clone, Debug)]
pub struct Tree {
    /// The nodes.
    pub nodes: Vec<Node>,
    /// Index of the root.
    pub root: usize,
    /// Depth.
    pub depth: usize,
}

impl Tree {
    /// Number of leaves reachable from the root.
    pub fn leaf_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Leaf(_)))
            .count()
    }
}

/// All trees of an ensemble, in tree-id order of first appearance.
#[derive(Clone, Debug)]
pub struct Forest {
    /// The trees.
    pub trees: Vec<Tree>,
    /// Number of outputs (classes or targets): every leaf contribution is below it.
    pub outputs: usize,
    /// Largest feature index used (the input needs more columns than this).
    pub max_feature: usize,
    /// Whether no leaf weight is negative.
    pub weights_all_positive: bool,
    /// The distinct output ids leaves contribute to.
    pub used_outputs: Vec<usize>,
}

fn mode(s: &str) -> TractResult<Option<Mode>> {
    Ok(Some(match s {
        "BRANCH_LEQ" => Mode::Leq,
        "BRANCH_LT" => Mode::Lt,
        "BRANCH_GTE" => Mode::Gte,
        "BRANCH_GT" => Mode::Gt,
        "BRANCH_EQ" => Mode::Eq,
        "BRANCH_NEQ" => Mode::Neq,
        "LEAF" => return Ok(None),
        other => bail!("unknown node mode {other:?}"),
    }))
}

fn ints(node: &NodeProto, name: &str, n: usize) -> TractResult<Vec<i64>> {
    let v: Vec<i64> = node.get_attr_vec(name)?;
    ensure!(
        v.len() == n,
        "attribute {name} has {} entries, expected {n}",
        v.len()
    );
    Ok(v)
}

fn index(v: i64, what: &str) -> TractResult<usize> {
    usize::try_from(v).map_err(|_| format_err!("negative {what} {v}"))
}

/// Parses the trees; `prefix` is `class` (classifier) or `target` (regressor).
pub fn parse(node: &NodeProto, prefix: &str, outputs: usize) -> TractResult<Forest> {
    for unsupported in ["nodes_values_as_tensor", "nodes_hitrates_as_tensor"] {
        ensure!(
            node.get_attr_opt::<&tract_onnx::pb::TensorProto>(unsupported)?
                .is_none(),
            "attribute {unsupported} (double thresholds) is not supported"
        );
    }
    ensure!(
        node.get_attr_opt::<&tract_onnx::pb::TensorProto>(&format!("{prefix}_weights_as_tensor"))?
            .is_none(),
        "attribute {prefix}_weights_as_tensor (double weights) is not supported"
    );
    let tree_ids: Vec<i64> = node.get_attr_vec("nodes_treeids")?;
    let n = tree_ids.len();
    ensure!(n > 0, "the ensemble has no nodes");
    let node_ids = ints(node, "nodes_nodeids", n)?;
    let features = ints(node, "nodes_featureids", n)?;
    let trues = ints(node, "nodes_truenodeids", n)?;
    let falses = ints(node, "nodes_falsenodeids", n)?;
    let values: Vec<f32> = node.get_attr_vec("nodes_values")?;
    ensure!(
        values.len() == n,
        "nodes_values has {} entries, expected {n}",
        values.len()
    );
    let modes: Vec<String> = node.get_attr_vec("nodes_modes")?;
    ensure!(
        modes.len() == n,
        "nodes_modes has {} entries, expected {n}",
        modes.len()
    );
    let missing: Vec<i64> = node
        .get_attr_opt_vec("nodes_missing_value_tracks_true")?
        .unwrap_or_else(|| vec![0; n]);
    ensure!(
        missing.len() == n,
        "nodes_missing_value_tracks_true has the wrong length"
    );

    // Tree id → tree index; (tree index, node id) → node index in its tree.
    let mut tree_index: HashMap<i64, usize> = HashMap::new();
    let mut local: HashMap<(usize, i64), usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        let next = tree_index.len();
        let t = *tree_index.entry(tree_ids[i]).or_insert(next);
        if t == members.len() {
            members.push(Vec::new());
        }
        let slot = members[t].len();
        ensure!(
            local.insert((t, node_ids[i]), slot).is_none(),
            "node {} of tree {} is defined twice",
            node_ids[i],
            tree_ids[i]
        );
        members[t].push(i);
    }

    let mut trees: Vec<Tree> = Vec::with_capacity(members.len());
    let mut max_feature = 0usize;
    for (t, ids) in members.iter().enumerate() {
        let child = |id: i64| -> TractResult<usize> {
            local
                .get(&(t, id))
                .copied()
                .ok_or_else(|| format_err!("tree {t}: no node {id}"))
        };
        let mut nodes = Vec::with_capacity(ids.len());
        for &i in ids {
            nodes.push(match mode(&modes[i])? {
                None => Node::Leaf(Vec::new()),
                Some(mode) => {
                    let feature = index(features[i], "feature id")?;
                    max_feature = max_feature.max(feature);
                    Node::Branch {
                        mode,
                        feature,
                        threshold: values[i],
                        missing_true: missing[i] != 0,
                        true_child: child(trues[i])?,
                        false_child: child(falses[i])?,
                    }
                }
            });
        }
        trees.push(Tree {
            nodes,
            root: 0,
            depth: 0,
        });
    }

    // Leaf contributions.
    let leaf_trees: Vec<i64> = node.get_attr_vec(&format!("{prefix}_treeids"))?;
    let m = leaf_trees.len();
    let leaf_nodes = ints(node, &format!("{prefix}_nodeids"), m)?;
    let leaf_outputs = ints(node, &format!("{prefix}_ids"), m)?;
    let weights: Vec<f32> = node.get_attr_vec(&format!("{prefix}_weights"))?;
    ensure!(
        weights.len() == m,
        "{prefix}_weights has {} entries, expected {m}",
        weights.len()
    );
    let mut used = vec![false; outputs];
    let mut weights_all_positive = true;
    for j in 0..m {
        let t = *tree_index
            .get(&leaf_trees[j])
            .ok_or_else(|| format_err!("leaf weight for unknown tree {}", leaf_trees[j]))?;
        let slot = *local.get(&(t, leaf_nodes[j])).ok_or_else(|| {
            format_err!(
                "leaf weight for unknown node {} of tree {}",
                leaf_nodes[j],
                leaf_trees[j]
            )
        })?;
        let output = index(leaf_outputs[j], "output id")?;
        ensure!(
            output < outputs,
            "leaf weight for output {output}, there are {outputs}"
        );
        used[output] = true;
        weights_all_positive &= weights[j] >= 0.0;
        match &mut trees[t].nodes[slot] {
            Node::Leaf(w) => w.push((output, weights[j])),
            Node::Branch { .. } => bail!(
                "weight attached to branch node {} of tree {}",
                leaf_nodes[j],
                leaf_trees[j]
            ),
        }
    }

    for tree in &mut trees {
        tree.root = find_root(tree)?;
        tree.depth = depth(tree)?;
    }
    Ok(Forest {
        trees,
        outputs,
        max_feature,
        weights_all_positive,
        used_outputs: (0..outputs).filter(|&o| used[o]).collect(),
    })
}

/// The first node no branch points to.
fn find_root(tree: &Tree) -> TractResult<usize> {
    let mut referenced = vec![false; tree.nodes.len()];
    for node in &tree.nodes {
        if let Node::Branch {
            true_child,
            false_child,
            ..
        } = node
        {
            referenced[*true_child] = true;
            referenced[*false_child] = true;
        }
    }
    referenced
        .iter()
        .position(|r| !r)
        .ok_or_else(|| format_err!("a tree has no root (cycle)"))
}

/// Longest path from the root; fails on cycles (a path longer than the node count).
fn depth(tree: &Tree) -> TractResult<usize> {
    let mut deepest = 0;
    let mut stack = vec![(tree.root, 0usize)];
    let mut steps = 0usize;
    while let Some((i, d)) = stack.pop() {
        ensure!(d <= tree.nodes.len(), "a tree has a cycle");
        steps += 1;
        ensure!(steps <= 1 << 26, "a tree is too large to evaluate");
        deepest = deepest.max(d);
        if let Node::Branch {
            true_child,
            false_child,
            ..
        } = &tree.nodes[i]
        {
            stack.push((*true_child, d + 1));
            stack.push((*false_child, d + 1));
        }
    }
    Ok(deepest)
}
