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

use super::state::{ModelState, TreeNode, TreeState};
use super::{Constituent, Fingerprint, FitStep, Fitted, ModelError, Progression, Rows};
use crate::spec::{SplitCriterion, TreeSettings};

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

impl Constituent for Tree {
    fn progression(&self) -> Progression {
        Progression::Refitting
    }

    fn budget(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of("decision-tree", &self.settings)
    }

    fn fit(&self, step: FitStep<'_>) -> Result<Fitted, ModelError> {
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
        Ok(Fitted::new(ModelState::Tree(tree), Some(rows.len() as f64)))
    }

    /// The class frequencies of the leaf each point reaches.
    fn predict_proba(&self, state: &ModelState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let ModelState::Tree(tree) = state else {
            return Ok(super::single_class_proba(state, rows.len(), self.n_classes));
        };
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
        let ModelState::Tree(tree) = stump.state else {
            panic!("a tree")
        };
        assert_eq!(tree.nodes.len(), 3);
    }
}
