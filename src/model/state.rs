//! A trained constituent's state: what a checkpoint holds, what exact unlearning compares bit for
//! bit, and what predictions are computed from.

use ndarray::{Array1, Array2};

use crate::data::ClassId;

/// A constituent's parameters after some training.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelState {
    /// Trained on points of one class only: predicts that class with certainty.
    SingleClass(ClassId),
    /// A linear model over the features.
    Linear(LinearState),
    /// A fully connected network.
    Network(NetworkState),
    /// Gaussian naive Bayes (linfa-bayes), over class indices.
    Bayes(Box<linfa_bayes::GaussianNb<f64, usize>>),
    /// A decision tree.
    Tree(TreeState),
    /// A checkpoint an external worker wrote, on disk.
    External(ExternalState),
}

/// A checkpoint file of an external model: where it is, its size and its digest (what exact
/// unlearning compares, so equal digests mean byte-identical files).
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalState {
    /// The file, in its content-keyed store.
    pub path: std::path::PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The BLAKE3 digest of its contents.
    pub digest: [u8; 32],
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

/// The layers of a fully connected network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkState {
    /// Input layer first, output layer last.
    pub layers: Vec<Dense>,
}

/// One fully connected layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// Inputs.
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// Row-major `inputs x outputs`: row j holds input j's weights to every output.
    pub weights: Vec<f32>,
    /// One per output.
    pub bias: Vec<f32>,
}

impl Dense {
    /// Input `j`'s weights to every output.
    pub fn row(&self, j: usize) -> &[f32] {
        &self.weights[j * self.outputs..(j + 1) * self.outputs]
    }
}

/// Weights of a linear classifier.
///
/// Binary problems have one score column (for class 1 against class 0); multinomial problems one
/// column per class of the dataset, of which only `present` were trained (others predict 0).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearState {
    /// Feature weights, one row per feature, one column per score.
    pub weights: Array2<f64>,
    /// Intercepts, one per score column.
    pub intercepts: Array1<f64>,
    /// Classes the model was trained on (all of them for a binary model).
    pub present: Vec<ClassId>,
}

impl ModelState {
    /// The exact bytes of the parameters, for bit-for-bit comparison and fingerprints.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            ModelState::SingleClass(class) => {
                let mut bytes = vec![0u8];
                bytes.extend(class.0.to_le_bytes());
                bytes
            }
            ModelState::Linear(linear) => {
                let mut bytes = vec![1u8];
                let (rows, cols) = linear.weights.dim();
                bytes.extend((rows as u64).to_le_bytes());
                bytes.extend((cols as u64).to_le_bytes());
                let values = linear.weights.iter().chain(linear.intercepts.iter());
                values.for_each(|v| bytes.extend(v.to_bits().to_le_bytes()));
                let present = linear.present.iter();
                present.for_each(|c| bytes.extend(c.0.to_le_bytes()));
                bytes
            }
            ModelState::Network(network) => {
                let mut bytes = vec![2u8];
                for layer in &network.layers {
                    bytes.extend((layer.inputs as u64).to_le_bytes());
                    bytes.extend((layer.outputs as u64).to_le_bytes());
                    let values = layer.weights.iter().chain(&layer.bias);
                    values.for_each(|v| bytes.extend(v.to_bits().to_le_bytes()));
                }
                bytes
            }
            ModelState::Bayes(model) => canonical(3, model),
            ModelState::Tree(tree) => {
                let mut bytes = vec![4u8];
                for node in &tree.nodes {
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
            ModelState::External(external) => {
                let mut bytes = vec![5u8];
                bytes.extend(external.digest);
                bytes
            }
        }
    }

    /// Memory the parameters take, in bytes (what a checkpoint costs to keep; for an external
    /// model, the size of its file).
    pub fn byte_size(&self) -> usize {
        match self {
            ModelState::SingleClass(_) => std::mem::size_of::<ClassId>(),
            ModelState::Linear(linear) => {
                (linear.weights.len() + linear.intercepts.len()) * std::mem::size_of::<f64>()
                    + linear.present.len() * std::mem::size_of::<ClassId>()
            }
            ModelState::Network(network) => network
                .layers
                .iter()
                .map(|l| (l.weights.len() + l.bias.len()) * std::mem::size_of::<f32>())
                .sum(),
            ModelState::Tree(tree) => tree
                .nodes
                .iter()
                .map(|node| match node {
                    TreeNode::Split { .. } => 16,
                    TreeNode::Leaf { counts } => counts.len() * std::mem::size_of::<f32>(),
                })
                .sum(),
            ModelState::External(external) => external.bytes as usize,
            // linfa-bayes keeps its parameters private: count their serialised size.
            ModelState::Bayes(_) => self.to_bytes().len(),
        }
    }
}

/// A library model's parameters in a canonical serialisation (JSON objects with sorted keys,
/// floats written so they read back exactly), behind a tag byte.
fn canonical(tag: u8, model: &impl serde::Serialize) -> Vec<u8> {
    let value = serde_json::to_value(model).expect("models serialise");
    let mut bytes = vec![tag];
    bytes.extend(serde_json::to_vec(&value).expect("values serialise"));
    bytes
}
