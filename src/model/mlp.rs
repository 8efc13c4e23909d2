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
use serde::{Deserialize, Serialize};

use super::kernels::{
    axpy_weighted_rows, dot_transposed_rows, has_avx2, sum_weighted_rows,
    sum_weighted_rows_transposed, tanh_in_place, transpose, RowEntries, SparseRows,
};
use super::state::{one_hot, ModelState, Trained};
use super::{Context, Fingerprint, FitStep, Fitted, Model, ModelError, ModelKind};
use super::{Progression, Rows};
use crate::seed::Rng;
use crate::spec::check::{at_least, non_negative, positive};
use crate::spec::Invalid;

/// Options of `kind: mlp`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMlp {
    /// Hidden layer widths.
    pub hidden: Option<Vec<usize>>,
    /// Hidden activation.
    pub activation: Option<Activation>,
    /// SGD step size.
    pub learning_rate: Option<f64>,
    /// Mini-batch size.
    pub batch_size: Option<usize>,
    /// Unsliced epoch budget.
    pub epochs: Option<u32>,
    /// Momentum.
    pub momentum: Option<f64>,
    /// L2 penalty.
    pub l2: Option<f64>,
}

/// Hyperparameters of the multilayer perceptron. Defaults are the paper's Purchase network:
/// 128 tanh hidden units, plain SGD with learning rate 0.001, batch 16, 20 epochs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MlpSettings {
    /// Widths of the hidden layers; default `[128]`.
    pub hidden: Vec<usize>,
    /// Hidden activation; default `tanh`.
    pub activation: Activation,
    /// SGD step size; default 0.001.
    pub learning_rate: f64,
    /// Points per mini-batch; default 16.
    pub batch_size: usize,
    /// Unsliced budget of epochs; default 20.
    pub epochs: u32,
    /// Momentum (0 = plain SGD); default 0, in [0, 1).
    pub momentum: f64,
    /// L2 penalty on weights (added to the gradient as `l2 * w`); default 0.
    pub l2: f64,
}

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
}

impl ModelKind for MlpSettings {
    const NAME: &'static str = "mlp";
    type Raw = RawMlp;

    fn check(raw: RawMlp) -> Result<Self, Invalid> {
        let hidden = raw.hidden.unwrap_or_else(|| vec![128]);
        for (index, &width) in hidden.iter().enumerate() {
            at_least(&format!("model.hidden[{index}]"), width, 1)?;
        }
        let momentum = raw.momentum.unwrap_or(0.0);
        if !(0.0..1.0).contains(&momentum) {
            return Err(Invalid::new(
                "model.momentum",
                format!("must be in [0, 1), got {momentum}"),
            ));
        }
        Ok(MlpSettings {
            hidden,
            activation: raw.activation.unwrap_or(Activation::Tanh),
            learning_rate: positive("model.learning_rate", raw.learning_rate.unwrap_or(0.001))?,
            batch_size: at_least("model.batch_size", raw.batch_size.unwrap_or(16), 1)?,
            epochs: at_least("model.epochs", raw.epochs.unwrap_or(20), 1)?,
            momentum,
            l2: non_negative("model.l2", raw.l2.unwrap_or(0.0))?,
        })
    }

    fn constituent(
        &self,
        context: &Context<'_>,
    ) -> Result<Box<dyn super::Constituent>, ModelError> {
        Ok(Box::new(Mlp::new(self.clone(), context.data.n_classes())))
    }
}

/// A network's state: a single class, or its layers.
pub type MlpState = Trained<NetworkState>;

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

impl ModelState for NetworkState {
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![2u8];
        for layer in &self.layers {
            bytes.extend((layer.inputs as u64).to_le_bytes());
            bytes.extend((layer.outputs as u64).to_le_bytes());
            let values = layer.weights.iter().chain(&layer.bias);
            values.for_each(|v| bytes.extend(v.to_bits().to_le_bytes()));
        }
        bytes
    }

    fn byte_size(&self) -> usize {
        let layer = |l: &Dense| (l.weights.len() + l.bias.len()) * std::mem::size_of::<f32>();
        self.layers.iter().map(layer).sum()
    }
}

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

impl Model for Mlp {
    type State = MlpState;

    fn progression(&self) -> Progression {
        Progression::Iterative
    }

    fn budget(&self) -> u32 {
        self.settings.epochs
    }

    fn fingerprint(&self) -> Fingerprint {
        self.settings.fingerprint()
    }

    fn fit(&self, step: FitStep<'_, MlpState>) -> Result<Fitted<MlpState>, ModelError> {
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
            return Ok(Fitted::new(Trained::OneClass(only), Some(0.0)));
        }
        let mut rng = Rng::seed_from_u64(seed);
        let mut network = match warm.and_then(Trained::parameters) {
            Some(network) => network.clone(),
            None => self.initial(rows.data.n_features(), &mut rng),
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
        Ok(Fitted::new(
            Trained::Parameters(network),
            Some(samples as f64),
        ))
    }

    fn predict_proba(&self, state: &MlpState, rows: Rows<'_>) -> Result<Array2<f64>, ModelError> {
        let network = match state {
            Trained::OneClass(class) => return Ok(one_hot(*class, rows.len(), self.n_classes)),
            Trained::Parameters(network) => network,
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
    /// Plain SGD (no momentum, no L2) moves only the input weights of features the batch has,
    /// row by row as their gradients are computed; otherwise every weight moves.
    plain_input_update: bool,
    /// Per layer, d loss / d pre-activation for the batch.
    deltas: Vec<Vec<f32>>,
    /// Per layer, the gradient of the weights (none for the input layer under plain SGD, whose
    /// rows move as soon as their gradients are summed) and of the bias.
    weight_gradients: Vec<Vec<f32>>,
    bias_gradients: Vec<Vec<f32>>,
    /// Per layer, the momentum of the weights and of the bias.
    weight_velocity: Vec<Vec<f32>>,
    bias_velocity: Vec<Vec<f32>>,
    /// Per layer above the input layer, its weights output by output, so the delta below is
    /// summed for many inputs at once.
    transposed: Vec<Vec<f32>>,
    /// The batch's input entries feature by feature: the rows of the input weights to update.
    columns: BatchColumns,
    /// Zeros as wide as the widest layer, where gradient sums start.
    zeros: Vec<f32>,
}

/// A network's forward pass over batches of up to `capacity` rows, with its buffers.
struct Forward {
    /// Largest batch.
    capacity: usize,
    activation: Activation,
    /// Whether the passes run as compiled for AVX2 (see [`has_avx2`]).
    avx2: bool,
    /// Per layer, the batch's outputs after activation (softmax probabilities for the last).
    activations: Vec<Vec<f32>>,
    /// The input of a layer with few outputs, transposed (unit by unit).
    transposed_inputs: Vec<f32>,
    /// The non-zero inputs of one row of a layer (see [`non_zero`]).
    non_zero: Vec<(u32, f32)>,
}

/// Layers with fewer outputs than this (an output layer for a few classes) are summed across
/// the batch's rows rather than across their outputs, which are too few to fill a register.
const FEW_OUTPUTS: usize = 8;

/// One batch's input rows, read in place.
#[derive(Clone, Copy)]
struct BatchRows<'a> {
    inputs: SparseRows<'a>,
    batch: &'a [u32],
    /// Whether every value of the training rows is 1.0 (binary records): multiplying by 1.0 is
    /// exact, so sums of such entries skip the multiplications and are still the same bit for
    /// bit.
    binary: bool,
}

impl<'a> BatchRows<'a> {
    #[inline(always)]
    fn new(inputs: SparseRows<'a>, batch: &'a [u32]) -> Self {
        BatchRows {
            inputs,
            batch,
            binary: inputs.is_binary(),
        }
    }

    /// Row `b`'s (feature, value) entries, by feature.
    #[inline(always)]
    fn row(&self, b: usize) -> RowEntries<'a> {
        self.inputs.entries(self.batch[b] as usize)
    }
}

/// A batch's entries grouped by feature: for each feature some row of the batch has, the rows
/// that have it, in batch order (the order in which the gradient adds them).
struct BatchColumns {
    /// Per input feature, how many rows of the batch have it (zero for features of no row).
    counts: Vec<u32>,
    /// Per input feature, where its next entry goes while grouping.
    cursor: Vec<u32>,
    /// The features the batch has, in the order first met.
    touched: Vec<u32>,
    /// Feature `touched[t]`'s entries end at `ends[t]`, and start where `touched[t - 1]`'s end.
    ends: Vec<u32>,
    /// (row in the batch, value), grouped by feature.
    entries: Vec<(u32, f32)>,
}

impl BatchColumns {
    fn new(features: usize) -> Self {
        BatchColumns {
            counts: vec![0; features],
            cursor: vec![0; features],
            touched: Vec::new(),
            ends: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Groups the entries of `rows` by feature, forgetting the previous batch's.
    #[inline(always)]
    fn group(&mut self, rows: &BatchRows) {
        let counts = &mut self.counts[..];
        for &j in &self.touched {
            counts[j as usize] = 0;
        }
        // Without branches (whether a feature is new is unpredictable): each feature is written
        // at the end of `touched`, which grows only when it is met for the first time; there is
        // room for every feature and a slot past them.
        self.touched.resize(counts.len() + 1, 0);
        let mut touched = 0;
        for b in 0..rows.batch.len() {
            for (j, _) in rows.row(b) {
                let count = &mut counts[j];
                self.touched[touched] = j as u32;
                touched += usize::from(*count == 0);
                *count += 1;
            }
        }
        self.touched.truncate(touched);
        self.ends.clear();
        let mut end = 0;
        for &j in &self.touched {
            self.cursor[j as usize] = end;
            end += counts[j as usize];
            self.ends.push(end);
        }
        self.entries.resize(end as usize, (0, 0.0));
        for b in 0..rows.batch.len() {
            for (j, value) in rows.row(b) {
                let slot = &mut self.cursor[j];
                self.entries[*slot as usize] = (b as u32, value);
                *slot += 1;
            }
        }
    }

    /// Feature `touched[t]`'s (row in the batch, value) entries, in batch order.
    #[inline(always)]
    fn column(&self, t: usize) -> impl Iterator<Item = (usize, f32)> + Clone + '_ {
        let start = if t == 0 { 0 } else { self.ends[t - 1] as usize };
        let entries = self.entries[start..self.ends[t] as usize].iter();
        entries.map(|&(b, value)| (b as usize, value))
    }

    /// Whether some row of the grouped batch has `feature`.
    #[inline(always)]
    fn has(&self, feature: usize) -> bool {
        self.counts[feature] > 0
    }
}

/// A zeroed buffer per layer of `network`, of `size(layer)` values.
fn per_layer(network: &NetworkState, size: impl Fn(&Dense) -> usize) -> Vec<Vec<f32>> {
    network.layers.iter().map(|l| vec![0.0; size(l)]).collect()
}

/// The non-zero values of `values` with their index (zero activations add nothing), gathered
/// into `out` without a branch per value: whether a relu's output is zero is unpredictable, and
/// skipping each zero with a branch in every block of a layer's outputs cost more than it
/// saved. Each value is written, and kept only if it is not zero.
#[inline(always)]
fn non_zero<'o>(
    values: impl ExactSizeIterator<Item = f32>,
    out: &'o mut Vec<(u32, f32)>,
) -> impl Iterator<Item = (usize, f32)> + Clone + 'o {
    out.resize(values.len() + 1, (0, 0.0));
    let mut kept = 0;
    for (j, value) in values.enumerate() {
        out[kept] = (j as u32, value);
        kept += usize::from(value != 0.0);
    }
    out[..kept].iter().map(|&(j, value)| (j as usize, value))
}

/// `out = 0 + the sum of the first `rows` rows of `matrix` (`out.len()` wide)`, row by row: the
/// bias gradient. (Each row is added times 1.0, which is exact.)
#[inline(always)]
fn sum_rows(matrix: &[f32], rows: usize, zeros: &[f32], out: &mut [f32]) {
    let ones = (0..rows).map(|b| (b, 1.0));
    sum_weighted_rows(&zeros[..out.len()], ones, matrix, out);
}

impl Forward {
    fn new(network: &NetworkState, settings: &MlpSettings) -> Self {
        let capacity = settings.batch_size.max(256);
        Forward {
            capacity,
            activation: settings.activation,
            avx2: has_avx2(),
            activations: per_layer(network, |l| capacity * l.outputs),
            transposed_inputs: vec![0.0; capacity * hidden_widest(network)],
            non_zero: Vec::with_capacity(capacity.max(hidden_widest(network)) + 1),
        }
    }

    /// Forward pass of rows `batch`: fills the activations, the last being probabilities.
    fn run(&mut self, network: &NetworkState, inputs: &SparseRows, batch: &[u32]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only where the CPU has AVX2.
            return unsafe { self.run_avx2(network, inputs, batch) };
        }
        self.run_inline(network, &BatchRows::new(*inputs, batch));
    }

    /// [`Forward::run`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn run_avx2(&mut self, network: &NetworkState, inputs: &SparseRows, batch: &[u32]) {
        self.run_inline(network, &BatchRows::new(*inputs, batch));
    }

    /// [`Forward::run`], inlined into the code for each instruction set with all it calls.
    #[inline(always)]
    fn run_inline(&mut self, network: &NetworkState, rows: &BatchRows) {
        let (n, last) = (rows.batch.len(), network.layers.len() - 1);
        for (l, layer) in network.layers.iter().enumerate() {
            let (width, bias, weights) = (layer.outputs, &layer.bias, &layer.weights);
            let (before, rest) = self.activations.split_at_mut(l);
            let out = &mut rest[0][..n * width];
            if l == 0 {
                for (b, target) in out.chunks_exact_mut(width).enumerate() {
                    let row = rows.row(b);
                    if rows.binary {
                        sum_weighted_rows(bias, row.map(|(j, _)| (j, 1.0)), weights, target);
                    } else {
                        sum_weighted_rows(bias, row, weights, target);
                    }
                }
            } else {
                let previous = &before[l - 1][..n * layer.inputs];
                if width < FEW_OUTPUTS {
                    let transposed = &mut self.transposed_inputs[..previous.len()];
                    transpose(previous, n, layer.inputs, transposed);
                    sum_weighted_rows_transposed(bias, transposed, n, weights, out);
                } else {
                    let rows = previous.chunks_exact(layer.inputs);
                    for (target, row) in out.chunks_exact_mut(width).zip(rows) {
                        let row = non_zero(row.iter().copied(), &mut self.non_zero);
                        sum_weighted_rows(bias, row, weights, target);
                    }
                }
            }
            for target in out.chunks_exact_mut(width) {
                if l == last {
                    softmax(target);
                } else {
                    activate(self.activation, target);
                }
            }
        }
    }
}

/// The widest hidden layer of `network` (0 without hidden layers).
fn hidden_widest(network: &NetworkState) -> usize {
    let hidden = network
        .layers
        .split_last()
        .map_or(&[][..], |(_, rest)| rest);
    hidden.iter().map(|l| l.outputs).max().unwrap_or(0)
}

impl Trainer {
    fn new(network: &NetworkState, settings: &MlpSettings) -> Self {
        let forward = Forward::new(network, settings);
        let capacity = forward.capacity;
        let plain_input_update = settings.momentum == 0.0 && settings.l2 == 0.0;
        let features = network.layers.first().map_or(0, |l| l.inputs);
        let widest = network.layers.iter().map(|l| l.outputs).max().unwrap_or(0);
        Trainer {
            forward,
            learning_rate: settings.learning_rate as f32,
            momentum: settings.momentum as f32,
            l2: settings.l2 as f32,
            plain_input_update,
            deltas: per_layer(network, |l| capacity * l.outputs),
            weight_gradients: network
                .layers
                .iter()
                .enumerate()
                .map(|(l, layer)| {
                    let applied_by_row = l == 0 && plain_input_update;
                    vec![
                        0.0;
                        if applied_by_row {
                            0
                        } else {
                            layer.weights.len()
                        }
                    ]
                })
                .collect(),
            bias_gradients: per_layer(network, |l| l.outputs),
            weight_velocity: per_layer(network, |l| {
                if settings.momentum > 0.0 {
                    l.weights.len()
                } else {
                    0
                }
            }),
            bias_velocity: per_layer(network, |l| l.outputs),
            transposed: network
                .layers
                .iter()
                .enumerate()
                .map(|(l, layer)| vec![0.0; if l == 0 { 0 } else { layer.weights.len() }])
                .collect(),
            columns: BatchColumns::new(features),
            zeros: vec![0.0; widest],
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
        #[cfg(target_arch = "x86_64")]
        if self.forward.avx2 {
            // SAFETY: `avx2` is set only where the CPU has AVX2.
            return unsafe { self.step_avx2(network, inputs, labels, batch) };
        }
        self.step_inline(network, inputs, labels, batch);
    }

    /// [`Trainer::step`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn step_avx2(
        &mut self,
        network: &mut NetworkState,
        inputs: &SparseRows,
        labels: &[usize],
        batch: &[u32],
    ) {
        self.step_inline(network, inputs, labels, batch);
    }

    /// [`Trainer::step`], inlined into the code for each instruction set with all it calls.
    #[inline(always)]
    fn step_inline(
        &mut self,
        network: &mut NetworkState,
        inputs: &SparseRows,
        labels: &[usize],
        batch: &[u32],
    ) {
        let rows = BatchRows::new(*inputs, batch);
        self.forward.run_inline(network, &rows);
        self.output_delta(network, labels, batch);
        for l in (1..network.layers.len()).rev() {
            self.backward_layer(network, batch.len(), l);
        }
        self.input_layer_gradient(network, &rows);
        self.update(network);
    }

    /// The output layer's delta: (p - onehot) / n.
    #[inline(always)]
    fn output_delta(&mut self, network: &NetworkState, labels: &[usize], batch: &[u32]) {
        let scale = 1.0 / batch.len() as f32;
        let last = network.layers.len() - 1;
        let classes = network.layers[last].outputs;
        for (b, &row) in batch.iter().enumerate() {
            let delta = &mut self.deltas[last][b * classes..(b + 1) * classes];
            let proba = &self.forward.activations[last][b * classes..(b + 1) * classes];
            for (k, (d, &p)) in delta.iter_mut().zip(proba).enumerate() {
                let target = if k == labels[row as usize] { 1.0 } else { 0.0 };
                *d = (p - target) * scale;
            }
        }
    }

    /// Gradients of layer `l` (above the input layer) from its delta, and the delta of the layer
    /// below.
    #[inline(always)]
    fn backward_layer(&mut self, network: &NetworkState, n: usize, l: usize) {
        let layer = &network.layers[l];
        let (width, inputs_width) = (layer.outputs, layer.inputs);
        let (below, here) = self.deltas.split_at_mut(l);
        let delta = &here[0][..n * width];
        let previous = &self.forward.activations[l - 1][..n * inputs_width];
        let zeros = &self.zeros[..width];
        // Input j's gradient adds the batch's rows in order, skipping zero activations.
        if width < FEW_OUTPUTS {
            let gradient = &mut self.weight_gradients[l];
            sum_weighted_rows_transposed(zeros, previous, inputs_width, delta, gradient);
        } else {
            let gradients = self.weight_gradients[l].chunks_exact_mut(width);
            for (j, gradient) in gradients.enumerate() {
                let column = previous.iter().skip(j).step_by(inputs_width).copied();
                let column = non_zero(column, &mut self.forward.non_zero);
                sum_weighted_rows(zeros, column, delta, gradient);
            }
        }
        sum_rows(delta, n, zeros, &mut self.bias_gradients[l]);
        // Delta below: (W d) * f'(a).
        let transposed = &mut self.transposed[l];
        transpose(&layer.weights, inputs_width, width, transposed);
        let below = below[l - 1].chunks_exact_mut(inputs_width);
        let rows = delta
            .chunks_exact(width)
            .zip(previous.chunks_exact(inputs_width));
        for ((d, a), out) in rows.zip(below) {
            dot_transposed_rows(transposed, d, out);
            for (out, &a) in out.iter_mut().zip(a) {
                *out *= derivative(self.forward.activation, a);
            }
        }
    }

    /// The input layer's gradients, feature by feature for the features the batch has (the
    /// others' are zero); under plain SGD each feature's row of weights moves at once.
    #[inline(always)]
    fn input_layer_gradient(&mut self, network: &mut NetworkState, rows: &BatchRows) {
        let n = rows.batch.len();
        let layer = &mut network.layers[0];
        let width = layer.outputs;
        let delta = &self.deltas[0][..n * width];
        let zeros = &self.zeros[..width];
        sum_rows(delta, n, zeros, &mut self.bias_gradients[0]);
        self.columns.group(rows);
        let (columns, binary) = (&self.columns, rows.binary);
        let rate = -self.learning_rate;
        for (t, &j) in columns.touched.iter().enumerate() {
            let rows = j as usize * width..(j as usize + 1) * width;
            let column = columns.column(t);
            let ones = column.clone().map(|(b, _)| (b, 1.0));
            match (self.plain_input_update, binary) {
                (true, true) => axpy_weighted_rows(rate, ones, delta, &mut layer.weights[rows]),
                (true, false) => axpy_weighted_rows(rate, column, delta, &mut layer.weights[rows]),
                (false, _) => {
                    sum_weighted_rows(zeros, column, delta, &mut self.weight_gradients[0][rows]);
                }
            }
        }
        if !self.plain_input_update {
            let gradients = self.weight_gradients[0].chunks_exact_mut(width);
            for (j, gradient) in gradients.enumerate() {
                if !columns.has(j) {
                    gradient.fill(0.0);
                }
            }
        }
    }

    /// Moves the weights the backward pass has not moved yet, and every bias.
    #[inline(always)]
    fn update(&mut self, network: &mut NetworkState) {
        let (rate, momentum, l2) = (self.learning_rate, self.momentum, self.l2);
        for (l, layer) in network.layers.iter_mut().enumerate() {
            if !(l == 0 && self.plain_input_update) {
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
    }
}

/// `w -= rate * (g + l2 w)`, through momentum when it is on.
#[inline(always)]
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

#[inline(always)]
fn activate(activation: Activation, values: &mut [f32]) {
    match activation {
        Activation::Tanh => tanh_in_place(values),
        Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
    }
}

/// The activation's derivative, from its output `a`.
#[inline(always)]
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

#[inline(always)]
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
    use crate::spec::PurchaseSettings;

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

    fn accuracy(model: &Mlp, state: &MlpState, data: &Dataset) -> f64 {
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
        let data = synthetic::test_blobs(400, 4, 3, 1.0, 1);
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
    fn avx2_code_trains_bit_for_bit_like_the_portable_code() {
        // Where the CPU has no AVX2 both runs take the portable code, and the test shows nothing.
        let purchase = synthetic::purchase(
            &PurchaseSettings {
                samples: 300,
                features: 70,
                classes: 3,
                prototypes: 4,
                density: 0.2,
            },
            &mut Rng::seed_from_u64(6),
        );
        let blobs = synthetic::test_blobs(300, 9, 12, 1.0, 7);
        for (data, activation, hidden) in [
            (&purchase, Activation::Tanh, vec![45]),
            (&blobs, Activation::Relu, vec![40, 11]),
        ] {
            let ids = data.ids();
            let rows = Rows::new(data, &ids);
            let model = Mlp::new(
                MlpSettings {
                    hidden,
                    activation,
                    ..settings(1)
                },
                data.classes.len(),
            );
            let labels: Vec<usize> = rows.labels().iter().map(|c| c.index()).collect();
            let inputs = SparseRows::of(rows);
            let initial = model.initial(data.n_features(), &mut Rng::seed_from_u64(8));
            let trained = |avx2: bool| {
                let mut network = initial.clone();
                let mut trainer = Trainer::new(&network, &model.settings);
                trainer.forward.avx2 = avx2;
                let order: Vec<u32> = (0..ids.len() as u32).collect();
                for batch in order.chunks(model.settings.batch_size) {
                    trainer.step(&mut network, &inputs, &labels, batch);
                }
                network.to_bytes()
            };
            assert_eq!(trained(false), trained(has_avx2()));
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        // One SGD step moves each weight by -rate * gradient; compare with a numeric derivative
        // of the batch's mean cross-entropy.
        let data = synthetic::test_blobs(8, 3, 3, 2.0, 4);
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
