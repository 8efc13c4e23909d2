//! A fully connected network (the paper's Purchase model by default: features -> 128 tanh ->
//! classes, softmax) trained with mini-batch SGD, warm-started across slices.
//!
//! Deterministic for a seed: weights start from scikit-learn's Glorot-uniform initialisation
//! drawn from the seeded generator, and each epoch visits the points in an order shuffled by the
//! same generator. All arithmetic is f32 in a fixed order with no fused multiply-add, so results
//! are bit-for-bit the same on every x86-64 machine.
//!
//! Speed: the input layer works on each row's non-zero features only (purchase-like records are
//! about 90% zeros), computed once per fit; every buffer is allocated once per fit, not per batch;
//! inner loops run over contiguous rows of the weight matrices.

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng as _, SeedableRng};

use super::kernels::{axpy, dot, SparseRows};
use super::state::{Dense, ModelState, NetworkState};
use super::{Constituent, Fingerprint, FitStep, Fitted, ModelError, Progression, Rows};
use crate::seed::Rng;
use crate::spec::{Activation, MlpSettings};

/// A multilayer perceptron over a dataset with a fixed class list.
#[derive(Debug, Clone)]
pub struct Mlp {
    settings: MlpSettings,
    n_classes: usize,
}

impl Mlp {
    /// A network with `n_classes` softmax outputs.
    pub fn new(settings: MlpSettings, n_classes: usize) -> Self {
        Mlp {
            settings,
            n_classes,
        }
    }

    /// Fresh weights: uniform in +-sqrt(6 / (fan_in + fan_out)), biases too (scikit-learn's rule).
    fn initial(&self, n_features: usize, rng: &mut Rng) -> NetworkState {
        let mut widths = vec![n_features];
        widths.extend(&self.settings.hidden);
        widths.push(self.n_classes);
        let layers = widths
            .windows(2)
            .map(|pair| {
                let (inputs, outputs) = (pair[0], pair[1]);
                let bound = (6.0 / (inputs + outputs) as f64).sqrt() as f32;
                let mut draw = || rng.gen_range(-bound..bound);
                Dense {
                    inputs,
                    outputs,
                    weights: (0..inputs * outputs).map(|_| draw()).collect(),
                    bias: (0..outputs).map(|_| draw()).collect(),
                }
            })
            .collect();
        NetworkState { layers }
    }
}

impl Constituent for Mlp {
    fn progression(&self) -> Progression {
        Progression::Iterative
    }

    fn budget(&self) -> u32 {
        self.settings.epochs
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of("mlp", &self.settings)
    }

    fn fit(&self, step: FitStep<'_>) -> Result<Fitted, ModelError> {
        let FitStep {
            warm,
            rows,
            budget,
            seed,
            ..
        } = step;
        if let Some(only) = super::only_class(rows) {
            // Nothing to learn; a network trained on one class can still favour another far from
            // its points, so it is not trained at all.
            return Ok(Fitted::new(ModelState::SingleClass(only), Some(0.0)));
        }
        let mut rng = Rng::seed_from_u64(seed);
        let mut network = match warm {
            Some(ModelState::Network(network)) => network.clone(),
            _ => self.initial(rows.data.n_features(), &mut rng),
        };
        let inputs = SparseRows::of(rows);
        let labels: Vec<usize> = rows.labels().iter().map(|c| c.index()).collect();
        let mut trainer = Trainer::new(&network, &self.settings);
        // Whole epochs, then the fraction of one: the first points of a freshly shuffled order.
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        let whole = budget.epochs.floor() as usize;
        let rest = ((budget.epochs - whole as f64) * rows.len() as f64).round() as usize;
        let mut samples = 0;
        for epoch in 0..=whole {
            let take = if epoch < whole { order.len() } else { rest };
            if take == 0 {
                continue;
            }
            order.shuffle(&mut rng);
            for batch in order[..take].chunks(self.settings.batch_size) {
                trainer.step(&mut network, &inputs, &labels, batch);
            }
            samples += take;
        }
        Ok(Fitted {
            measured: None,
            state: ModelState::Network(network),
            sample_passes: Some(samples as f64),
        })
    }

    fn predict_proba(&self, state: &ModelState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let ModelState::Network(network) = state else {
            return Ok(super::single_class_proba(state, rows.len(), self.n_classes));
        };
        let inputs = SparseRows::of(rows);
        let mut forward = Forward::new(network, &self.settings);
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        let all: Vec<u32> = (0..rows.len() as u32).collect();
        for (chunk, batch) in all.chunks(forward.capacity).enumerate() {
            forward.run(network, &inputs, batch);
            let output = forward.activations.last().expect("an output layer");
            for b in 0..batch.len() {
                let row = chunk * forward.capacity + b;
                for class in 0..self.n_classes {
                    proba[[row, class]] = f64::from(output[b * self.n_classes + class]);
                }
            }
        }
        Ok(proba)
    }
}

/// Buffers for one mini-batch, allocated once.
struct Trainer {
    /// The forward pass, whose activations the backward pass reads.
    forward: Forward,
    learning_rate: f32,
    momentum: f32,
    l2: f32,
    /// Per layer, d loss / d pre-activation for the batch.
    deltas: Vec<Vec<f32>>,
    /// Per layer, the gradient of the weights and of the bias.
    weight_gradients: Vec<Vec<f32>>,
    bias_gradients: Vec<Vec<f32>>,
    /// Per layer, the momentum of the weights and of the bias.
    weight_velocity: Vec<Vec<f32>>,
    bias_velocity: Vec<Vec<f32>>,
    /// Input features touched by the batch (rows of the first weight matrix to update).
    touched: Vec<u32>,
    is_touched: Vec<bool>,
}

/// A network's forward pass over batches of up to `capacity` rows, with its buffers.
struct Forward {
    /// Largest batch.
    capacity: usize,
    activation: Activation,
    /// Per layer, the batch's outputs after activation (softmax probabilities for the last).
    activations: Vec<Vec<f32>>,
}

/// A zeroed buffer per layer of `network`, of `size(layer)` values.
fn per_layer(network: &NetworkState, size: impl Fn(&Dense) -> usize) -> Vec<Vec<f32>> {
    network.layers.iter().map(|l| vec![0.0; size(l)]).collect()
}

impl Forward {
    fn new(network: &NetworkState, settings: &MlpSettings) -> Self {
        let capacity = settings.batch_size.max(256);
        Forward {
            capacity,
            activation: settings.activation,
            activations: per_layer(network, |l| capacity * l.outputs),
        }
    }

    /// Forward pass of rows `batch`: fills the activations, the last being probabilities.
    fn run(&mut self, network: &NetworkState, inputs: &SparseRows, batch: &[u32]) {
        let last = network.layers.len() - 1;
        for (l, layer) in network.layers.iter().enumerate() {
            let width = layer.outputs;
            let (before, rest) = self.activations.split_at_mut(l);
            let out = &mut rest[0][..batch.len() * width];
            for (b, &row) in batch.iter().enumerate() {
                let target = &mut out[b * width..(b + 1) * width];
                target.copy_from_slice(&layer.bias);
                if l == 0 {
                    inputs.for_each(row as usize, |j, value| {
                        axpy(value, layer.row(j), target);
                    });
                } else {
                    let previous = &before[l - 1][b * layer.inputs..(b + 1) * layer.inputs];
                    for (j, &value) in previous.iter().enumerate() {
                        if value != 0.0 {
                            axpy(value, layer.row(j), target);
                        }
                    }
                }
                if l == last {
                    softmax(target);
                } else {
                    activate(self.activation, target);
                }
            }
        }
    }
}

impl Trainer {
    fn new(network: &NetworkState, settings: &MlpSettings) -> Self {
        let forward = Forward::new(network, settings);
        let capacity = forward.capacity;
        let inputs = network.layers.first().map_or(0, |l| l.inputs);
        Trainer {
            forward,
            learning_rate: settings.learning_rate as f32,
            momentum: settings.momentum as f32,
            l2: settings.l2 as f32,
            deltas: per_layer(network, |l| capacity * l.outputs),
            weight_gradients: per_layer(network, |l| l.weights.len()),
            bias_gradients: per_layer(network, |l| l.outputs),
            weight_velocity: per_layer(network, |l| {
                if settings.momentum > 0.0 {
                    l.weights.len()
                } else {
                    0
                }
            }),
            bias_velocity: per_layer(network, |l| l.outputs),
            touched: Vec::new(),
            is_touched: vec![false; inputs],
        }
    }

    /// One SGD step on rows `batch` (mean cross-entropy over the batch).
    fn step(
        &mut self,
        network: &mut NetworkState,
        inputs: &SparseRows,
        labels: &[usize],
        batch: &[u32],
    ) {
        self.forward.run(network, inputs, batch);
        let n = batch.len();
        let scale = 1.0 / n as f32;
        let last = network.layers.len() - 1;
        // Output delta: (p - onehot) / n.
        let classes = network.layers[last].outputs;
        for (b, &row) in batch.iter().enumerate() {
            let delta = &mut self.deltas[last][b * classes..(b + 1) * classes];
            let proba = &self.forward.activations[last][b * classes..(b + 1) * classes];
            for (k, (d, &p)) in delta.iter_mut().zip(proba).enumerate() {
                let target = if k == labels[row as usize] { 1.0 } else { 0.0 };
                *d = (p - target) * scale;
            }
        }
        for l in (0..=last).rev() {
            self.backward_layer(network, inputs, batch, l);
        }
        self.update(network, n);
    }

    /// Gradients of layer `l` from its delta, and the delta of the layer below.
    fn backward_layer(
        &mut self,
        network: &NetworkState,
        inputs: &SparseRows,
        batch: &[u32],
        l: usize,
    ) {
        let layer = &network.layers[l];
        let width = layer.outputs;
        let gradient = &mut self.weight_gradients[l];
        let bias_gradient = &mut self.bias_gradients[l];
        bias_gradient.iter_mut().for_each(|g| *g = 0.0);
        let delta = &self.deltas[l];
        if l == 0 {
            for (b, &row) in batch.iter().enumerate() {
                let d = &delta[b * width..(b + 1) * width];
                let (is_touched, touched) = (&mut self.is_touched, &mut self.touched);
                inputs.for_each(row as usize, |j, value| {
                    if !is_touched[j] {
                        is_touched[j] = true;
                        touched.push(j as u32);
                        gradient[j * width..(j + 1) * width]
                            .iter_mut()
                            .for_each(|g| *g = 0.0);
                    }
                    axpy(value, d, &mut gradient[j * width..(j + 1) * width]);
                });
                bias_gradient.iter_mut().zip(d).for_each(|(g, &v)| *g += v);
            }
            return;
        }
        gradient.iter_mut().for_each(|g| *g = 0.0);
        let inputs_width = layer.inputs;
        let (below, here) = self.deltas.split_at_mut(l);
        let delta = &here[0];
        let previous = &self.forward.activations[l - 1];
        for b in 0..batch.len() {
            let d = &delta[b * width..(b + 1) * width];
            let a = &previous[b * inputs_width..(b + 1) * inputs_width];
            for (j, &value) in a.iter().enumerate() {
                if value != 0.0 {
                    axpy(value, d, &mut gradient[j * width..(j + 1) * width]);
                }
            }
            bias_gradient.iter_mut().zip(d).for_each(|(g, &v)| *g += v);
            // Delta below: (W d) * f'(a).
            let below_delta = &mut below[l - 1][b * inputs_width..(b + 1) * inputs_width];
            for (j, out) in below_delta.iter_mut().enumerate() {
                let back = dot(layer.row(j), d);
                *out = back * derivative(self.forward.activation, a[j]);
            }
        }
    }

    fn update(&mut self, network: &mut NetworkState, _n: usize) {
        let (rate, momentum, l2) = (self.learning_rate, self.momentum, self.l2);
        for (l, layer) in network.layers.iter_mut().enumerate() {
            let width = layer.outputs;
            let sparse = l == 0 && momentum == 0.0 && l2 == 0.0;
            if sparse {
                for &j in &self.touched {
                    let j = j as usize;
                    let rows = j * width..(j + 1) * width;
                    axpy(
                        -rate,
                        &self.weight_gradients[0][rows.clone()],
                        &mut layer.weights[rows],
                    );
                }
            } else {
                if l == 0 {
                    // Rows no row of the batch touched have a zero data gradient.
                    for j in 0..layer.inputs {
                        if !self.is_touched[j] {
                            self.weight_gradients[0][j * width..(j + 1) * width]
                                .iter_mut()
                                .for_each(|g| *g = 0.0);
                        }
                    }
                }
                descend(
                    &mut layer.weights,
                    &self.weight_gradients[l],
                    &mut self.weight_velocity[l],
                    rate,
                    momentum,
                    l2,
                );
            }
            descend(
                &mut layer.bias,
                &self.bias_gradients[l],
                &mut self.bias_velocity[l],
                rate,
                momentum,
                0.0,
            );
        }
        for &j in &self.touched {
            self.is_touched[j as usize] = false;
        }
        self.touched.clear();
    }
}

/// `w -= rate * (g + l2 w)`, through momentum when it is on.
fn descend(
    weights: &mut [f32],
    gradient: &[f32],
    velocity: &mut [f32],
    rate: f32,
    momentum: f32,
    l2: f32,
) {
    if momentum == 0.0 {
        for (w, &g) in weights.iter_mut().zip(gradient) {
            *w -= rate * (g + l2 * *w);
        }
    } else {
        for ((w, &g), v) in weights.iter_mut().zip(gradient).zip(velocity.iter_mut()) {
            *v = momentum * *v - rate * (g + l2 * *w);
            *w += *v;
        }
    }
}

fn activate(activation: Activation, values: &mut [f32]) {
    match activation {
        Activation::Tanh => values.iter_mut().for_each(|v| *v = v.tanh()),
        Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
    }
}

/// The activation's derivative, from its output `a`.
fn derivative(activation: Activation, a: f32) -> f32 {
    match activation {
        Activation::Tanh => 1.0 - a * a,
        Activation::Relu => {
            if a > 0.0 {
                1.0
            } else {
                0.0
            }
        }
    }
}

fn softmax(values: &mut [f32]) {
    let max = values.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for v in values.iter_mut() {
        *v = (*v - max).exp();
        total += *v;
    }
    values.iter_mut().for_each(|v| *v /= total);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{synthetic, Dataset};
    use crate::model::Budget;
    use crate::spec::{BlobsSettings, PurchaseSettings};

    fn settings(epochs: u32) -> MlpSettings {
        MlpSettings {
            hidden: vec![16],
            activation: Activation::Tanh,
            learning_rate: 0.05,
            batch_size: 8,
            epochs,
            momentum: 0.0,
            l2: 0.0,
        }
    }

    fn accuracy(model: &Mlp, state: &ModelState, data: &Dataset) -> f64 {
        let ids = data.ids();
        let proba = model.predict_proba(state, Rows::new(data, &ids)).unwrap();
        let correct = ids
            .iter()
            .enumerate()
            .filter(|(i, &id)| crate::sisa::aggregate::argmax(proba.row(*i)) == data.label(id))
            .count();
        correct as f64 / ids.len() as f64
    }

    #[test]
    fn learns_separable_blobs_and_is_deterministic() {
        let data = synthetic::blobs(
            &BlobsSettings {
                samples: 400,
                features: 4,
                classes: 3,
                noise: 1.0,
            },
            &mut Rng::seed_from_u64(1),
        );
        let ids = data.ids();
        let model = Mlp::new(settings(20), 3);
        let fitted = model
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(20), 7))
            .unwrap();
        assert!(accuracy(&model, &fitted.state, &data) > 0.95);
        let again = model
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(20), 7))
            .unwrap();
        assert_eq!(fitted.state.to_bytes(), again.state.to_bytes());
        let other_seed = model
            .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(20), 8))
            .unwrap();
        assert_ne!(fitted.state.to_bytes(), other_seed.state.to_bytes());
        assert_eq!(fitted.sample_passes, Some(20.0 * 400.0));
    }

    #[test]
    fn sparse_binary_inputs_train_like_dense_ones() {
        // Momentum and l2 take the dense update path; plain SGD the sparse one. Both must learn.
        let data = synthetic::purchase(
            &PurchaseSettings {
                samples: 600,
                features: 50,
                classes: 2,
                prototypes: 4,
                density: 0.2,
            },
            &mut Rng::seed_from_u64(2),
        );
        let ids = data.ids();
        for (momentum, l2) in [(0.0, 0.0), (0.9, 1e-4)] {
            let model = Mlp::new(
                MlpSettings {
                    momentum,
                    l2,
                    ..settings(30)
                },
                2,
            );
            let fitted = model
                .fit(FitStep::fresh(Rows::new(&data, &ids), Budget::whole(30), 3))
                .unwrap();
            let acc = accuracy(&model, &fitted.state, &data);
            assert!(acc > 0.9, "momentum {momentum}, l2 {l2}: accuracy {acc}");
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        // One SGD step moves each weight by -rate * gradient; compare with a numeric derivative
        // of the batch's mean cross-entropy.
        let data = synthetic::blobs(
            &BlobsSettings {
                samples: 8,
                features: 3,
                classes: 3,
                noise: 2.0,
            },
            &mut Rng::seed_from_u64(4),
        );
        let ids = data.ids();
        let rows = Rows::new(&data, &ids);
        let model = Mlp::new(
            MlpSettings {
                hidden: vec![5, 4],
                batch_size: 8,
                ..settings(1)
            },
            3,
        );
        let network = model.initial(3, &mut Rng::seed_from_u64(5));
        let labels: Vec<usize> = rows.labels().iter().map(|c| c.index()).collect();
        let inputs = SparseRows::of(rows);
        let batch: Vec<u32> = (0..8).collect();
        let loss = |net: &NetworkState| -> f64 {
            let mut forward = Forward::new(net, &model.settings);
            forward.run(net, &inputs, &batch);
            let out = forward.activations.last().unwrap();
            labels
                .iter()
                .enumerate()
                .map(|(b, &y)| -f64::from(out[b * 3 + y]).ln())
                .sum::<f64>()
                / 8.0
        };
        let mut stepped = network.clone();
        let mut trainer = Trainer::new(&network, &model.settings);
        trainer.step(&mut stepped, &inputs, &labels, &batch);
        let rate = model.settings.learning_rate;
        for l in 0..network.layers.len() {
            for index in [
                0,
                network.layers[l].weights.len() / 2,
                network.layers[l].weights.len() - 1,
            ] {
                let analytic =
                    f64::from(network.layers[l].weights[index] - stepped.layers[l].weights[index])
                        / rate;
                let h = 1e-2f32;
                let (mut up, mut down) = (network.clone(), network.clone());
                up.layers[l].weights[index] += h;
                down.layers[l].weights[index] -= h;
                let numeric = (loss(&up) - loss(&down)) / (2.0 * f64::from(h));
                assert!(
                    (analytic - numeric).abs() < 2e-3 + 0.02 * numeric.abs(),
                    "layer {l} weight {index}: {analytic} vs {numeric}"
                );
            }
        }
    }
}
