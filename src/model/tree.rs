//! A CART decision tree (Gini or entropy splits, axis-aligned thresholds).
//!
//! Written here rather than taken from linfa-trees: linfa-trees keeps class frequencies in
//! `HashMap`s with random hashing, so it sums impurities and breaks ties in a different order on
//! every run, and two fits on the same points can give different trees. That breaks exact
//! unlearning (invariant 1) and determinism (invariant 2). This tree visits classes, features
//! and thresholds in a fixed order, so equal inputs give the identical tree.
//!
//! A tree cannot continue from a previous tree, so every slice step fits afresh on all points so
//! far: slicing saves nothing and costs more, and the results table shows it (each step's cost
//! is all of its points).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::state::ModelState;
use super::{Context, Fingerprint, FitStep, Fitted, Model, ModelError, ModelKind};
use super::{Progression, Rows};
use crate::spec::check::at_least;
use crate::spec::Invalid;

/// Options of `kind: decision-tree`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTree {
    /// Deepest level.
    pub max_depth: Option<usize>,
    /// Fewest points to split a node.
    pub min_samples_split: Option<usize>,
    /// Fewest points per leaf.
    pub min_samples_leaf: Option<usize>,
    /// Split criterion.
    pub criterion: Option<SplitCriterion>,
}

/// Hyperparameters of the decision tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeSettings {
    /// Deepest level; default none (grow until pure).
    pub max_depth: Option<usize>,
    /// Fewest points a node needs to be split; default 2.
    pub min_samples_split: usize,
    /// Fewest points a leaf keeps; default 1.
    pub min_samples_leaf: usize,
    /// Split criterion; default `gini`.
    pub criterion: SplitCriterion,
}

/// How a tree measures the quality of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SplitCriterion {
    /// Gini impurity.
    Gini,
    /// Information gain (entropy).
    Entropy,
}

impl ModelKind for TreeSettings {
    const NAME: &'static str = "decision-tree";
    type Raw = RawTree;

    fn check(raw: RawTree) -> Result<Self, Invalid> {
        let max_depth = raw.max_depth.map(|d| at_least("model.max_depth", d, 1));
        let split = raw.min_samples_split.unwrap_or(2);
        let leaf = raw.min_samples_leaf.unwrap_or(1);
        Ok(TreeSettings {
            max_depth: max_depth.transpose()?,
            min_samples_split: at_least("model.min_samples_split", split, 2)?,
            min_samples_leaf: at_least("model.min_samples_leaf", leaf, 1)?,
            criterion: raw.criterion.unwrap_or(SplitCriterion::Gini),
        })
    }

    fn constituent(
        &self,
        context: &Context<'_>,
    ) -> Result<Box<dyn super::Constituent>, ModelError> {
        Ok(Box::new(Tree::new(self.clone(), context.data.n_classes())))
    }
}

/// A decision tree's nodes; the root is node 0.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeState {
    /// Every node, parents before children.
    pub nodes: Vec<TreeNode>,
}

/// A node of a decision tree.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeNode {
    /// Points with `feature <= threshold` go left, the others right.
    Split {
        /// The feature compared.
        feature: u32,
        /// The threshold.
        threshold: f32,
        /// Index of the left child.
        left: u32,
        /// Index of the right child.
        right: u32,
    },
    /// A leaf: how many training points of each class reached it.
    Leaf {
        /// Points per class.
        counts: Vec<f32>,
    },
}

impl ModelState for TreeState {
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![4u8];
        for node in &self.nodes {
            match node {
                TreeNode::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    bytes.push(0);
                    bytes.extend(feature.to_le_bytes());
                    bytes.extend(threshold.to_bits().to_le_bytes());
                    bytes.extend(left.to_le_bytes());
                    bytes.extend(right.to_le_bytes());
                }
                TreeNode::Leaf { counts } => {
                    bytes.push(1);
                    counts
                        .iter()
                        .for_each(|c| bytes.extend(c.to_bits().to_le_bytes()));
                }
            }
        }
        bytes
    }

    fn byte_size(&self) -> usize {
        let node = |node: &TreeNode| match node {
            TreeNode::Split { .. } => 16,
            TreeNode::Leaf { counts } => counts.len() * std::mem::size_of::<f32>(),
        };
        self.nodes.iter().map(node).sum()
    }
}

/// A decision tree over a dataset with a fixed class list.
#[derive(Debug, Clone)]
pub struct Tree {
    settings: TreeSettings,
    n_classes: usize,
}

impl Tree {
    /// A tree for `n_classes` classes.
    pub fn new(settings: TreeSettings, n_classes: usize) -> Self {
        Tree {
            settings,
            n_classes,
        }
    }

    fn impurity(&self, counts: &[f64], total: f64) -> f64 {
        match self.settings.criterion {
            SplitCriterion::Gini => {
                1.0 - counts
                    .iter()
                    .map(|c| (c / total) * (c / total))
                    .sum::<f64>()
            }
            SplitCriterion::Entropy => counts
                .iter()
                .filter(|&&c| c > 0.0)
                .map(|c| -(c / total) * (c / total).log2())
                .sum(),
        }
    }

    /// Grows the subtree of `members` (positions into `features`/`labels`), appending its nodes
    /// to `nodes`; returns the index of its root.
    fn grow(&self, grower: &mut Grower<'_>, members: &mut [u32], depth: usize) -> u32 {
        let counts = grower.counts(members);
        let deep_enough = self.settings.max_depth.is_some_and(|max| depth >= max);
        let pure = counts.iter().filter(|&&c| c > 0.0).count() <= 1;
        let split = if deep_enough || pure || members.len() < self.settings.min_samples_split {
            None
        } else {
            self.best_split(grower, members, &counts)
        };
        let Some((feature, threshold)) = split else {
            return grower.push(TreeNode::Leaf {
                counts: counts.iter().map(|&c| c as f32).collect(),
            });
        };
        let index = grower.push(TreeNode::Leaf { counts: Vec::new() });
        let column = |m: u32| grower.value(m, feature);
        let boundary = partition(members, |&m| column(m) <= threshold);
        let (left, right) = members.split_at_mut(boundary);
        let left = self.grow(grower, left, depth + 1);
        let right = self.grow(grower, right, depth + 1);
        grower.nodes[index as usize] = TreeNode::Split {
            feature: feature as u32,
            threshold,
            left,
            right,
        };
        index
    }

    /// The (feature, threshold) with the lowest weighted child impurity, if it beats the node's;
    /// features and thresholds are tried in order and the first of equals wins.
    fn best_split(
        &self,
        grower: &Grower<'_>,
        members: &[u32],
        counts: &[f64],
    ) -> Option<(usize, f32)> {
        let total = members.len() as f64;
        let mut best_score = self.impurity(counts, total) - 1e-12;
        let mut best = None;
        let min_leaf = self.settings.min_samples_leaf;
        let mut order: Vec<u32> = members.to_vec();
        let (mut left, mut right) = (vec![0.0; counts.len()], vec![0.0; counts.len()]);
        for feature in 0..grower.n_features {
            order.sort_by(|&a, &b| {
                grower
                    .value(a, feature)
                    .total_cmp(&grower.value(b, feature))
                    .then(a.cmp(&b))
            });
            left.fill(0.0);
            for (position, &member) in order.iter().enumerate().take(order.len() - 1) {
                left[grower.labels[member as usize]] += 1.0;
                let (value, next) = (
                    grower.value(member, feature),
                    grower.value(order[position + 1], feature),
                );
                let n_left = position + 1;
                if value == next || n_left < min_leaf || order.len() - n_left < min_leaf {
                    continue;
                }
                for (r, (c, l)) in right.iter_mut().zip(counts.iter().zip(&left)) {
                    *r = c - l;
                }
                let (wl, wr) = (n_left as f64, total - n_left as f64);
                let score =
                    (wl * self.impurity(&left, wl) + wr * self.impurity(&right, wr)) / total;
                if score < best_score {
                    best_score = score;
                    best = Some((feature, value + (next - value) / 2.0));
                }
            }
        }
        best
    }
}

/// What growing one tree reads and writes.
struct Grower<'a> {
    rows: Rows<'a>,
    labels: Vec<usize>,
    n_classes: usize,
    n_features: usize,
    nodes: Vec<TreeNode>,
}

impl Grower<'_> {
    fn value(&self, member: u32, feature: usize) -> f32 {
        self.rows.data.features[[self.rows.ids[member as usize].index(), feature]]
    }

    fn counts(&self, members: &[u32]) -> Vec<f64> {
        let mut counts = vec![0.0; self.n_classes];
        members
            .iter()
            .for_each(|&m| counts[self.labels[m as usize]] += 1.0);
        counts
    }

    fn push(&mut self, node: TreeNode) -> u32 {
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }
}

/// Moves the items satisfying `left` to the front, keeping each side in order; returns how many.
fn partition(items: &mut [u32], left: impl Fn(&u32) -> bool) -> usize {
    let (mut first, second): (Vec<u32>, Vec<u32>) = items.iter().partition(|item| left(item));
    let boundary = first.len();
    first.extend(second);
    items.copy_from_slice(&first);
    boundary
}

impl Model for Tree {
    type State = TreeState;

    fn progression(&self) -> Progression {
        Progression::Refitting
    }

    fn budget(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> Fingerprint {
        self.settings.fingerprint()
    }

    fn fit(&self, step: FitStep<'_, TreeState>) -> Result<Fitted<TreeState>, ModelError> {
        let rows = step.rows;
        let mut grower = Grower {
            rows,
            labels: rows.labels().iter().map(|c| c.index()).collect(),
            n_classes: self.n_classes,
            n_features: rows.data.n_features(),
            nodes: Vec::new(),
        };
        let mut members: Vec<u32> = (0..rows.len() as u32).collect();
        self.grow(&mut grower, &mut members, 0);
        let tree = TreeState {
            nodes: grower.nodes,
        };
        Ok(Fitted::new(tree, Some(rows.len() as f64)))
    }

    /// The class frequencies of the leaf each point reaches.
    fn predict_proba(&self, tree: &TreeState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        for (point, &id) in rows.ids.iter().enumerate() {
            let row = rows.data.row(id);
            let mut node = &tree.nodes[0];
            while let TreeNode::Split {
                feature,
                threshold,
                left,
                right,
            } = node
            {
                let next = if row[*feature as usize] <= *threshold {
                    left
                } else {
                    right
                };
                node = &tree.nodes[*next as usize];
            }
            if let TreeNode::Leaf { counts } = node {
                let total: f32 = counts.iter().sum();
                for (class, &count) in counts.iter().enumerate() {
                    proba[[point, class]] = f64::from(count / total);
                }
            }
        }
        Ok(proba)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;
    use crate::model::Budget;

    fn settings(max_depth: Option<usize>) -> TreeSettings {
        TreeSettings {
            max_depth,
            min_samples_split: 2,
            min_samples_leaf: 1,
            criterion: SplitCriterion::Gini,
        }
    }

    #[test]
    fn fits_afresh_deterministically_and_classifies() {
        let data = synthetic::test_blobs(300, 2, 3, 1.0, 2);
        let ids = data.ids();
        let model = Tree::new(settings(Some(6)), 3);
        let fitted = model
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(1), 0))
            .unwrap();
        let again = model
            .fit(FitStep {
                warm: Some(&fitted.state),
                rows: Rows::new(&data, &ids),
                new_from: 200,
                budget: Budget::whole(1),
                seed: 0,
            })
            .unwrap();
        assert_eq!(
            fitted.state.to_bytes(),
            again.state.to_bytes(),
            "the warm state is ignored"
        );
        assert_eq!(
            again.sample_passes,
            Some(300.0),
            "every step reads all its points"
        );
        let proba = model
            .predict_proba(&fitted.state, Rows::new(&data, &ids))
            .unwrap();
        let correct = ids
            .iter()
            .enumerate()
            .filter(|(i, &id)| crate::sisa::aggregate::argmax(proba.row(*i)) == data.label(id))
            .count();
        assert!(correct as f64 / 300.0 > 0.95, "{correct}");
    }

    #[test]
    fn a_deep_tree_fits_its_training_points_and_depth_one_is_a_stump() {
        let data = synthetic::test_blobs(200, 3, 4, 8.0, 3);
        let ids = data.ids();
        let deep = Tree::new(settings(None), 4);
        let fitted = deep
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(1), 0))
            .unwrap();
        let proba = deep
            .predict_proba(&fitted.state, Rows::new(&data, &ids))
            .unwrap();
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(crate::sisa::aggregate::argmax(proba.row(i)), data.label(id));
        }
        let stump = Tree::new(settings(Some(1)), 4)
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(1), 0))
            .unwrap();
        assert_eq!(stump.state.nodes.len(), 3);
    }
}
