//! Constituent models behind one trait, so the engine, the checkpoint store and aggregation work
//! for any model (the paper's goal G5).
//!
//! A model kind is one file (see `kind.rs`): its options, their checks, its state, fit and predict.
//! The list below registers the kinds; [`build_in`] builds the one a spec asks for.

mod constituent;
pub mod external;
pub mod kernels;
mod kind;
pub mod lbfgs;
pub mod logistic;
pub mod mlp;
pub mod naive_bayes;
mod rows;
pub mod state;
#[cfg(test)]
pub mod toy;
pub mod tree;

pub(crate) use constituent::Model;
pub use constituent::{
    Budget, Constituent, Fingerprint, FitStep, Fitted, ForgetStep, MeasuredCost, ModelError,
    Progression,
};
pub use kind::{Context, ModelKind};
pub use rows::{only_class, Rows};
pub use state::ModelState;

use kind::model_kinds;

use crate::data::Dataset;

model_kinds! {
    /// `kind: logistic`.
    Logistic(logistic::LogisticSettings),
    /// `kind: mlp`.
    Mlp(mlp::MlpSettings),
    /// `kind: naive-bayes`.
    NaiveBayes(naive_bayes::NaiveBayesSettings),
    /// `kind: decision-tree`.
    DecisionTree(tree::TreeSettings),
    /// `kind: external`: a worker process trains and predicts (docs/worker-protocol.md).
    External(external::ExternalSettings),
    /// `kind: toy`: the smallest kind, which tests run through the engine.
    #[cfg(test)]
    Toy(toy::ToySettings),
}

/// The constituent a spec asks for, over `data`: an external model gets its workers from
/// `runtime` (without them it fails to train) and keeps its checkpoints in the folder `name` (a
/// trial id).
pub fn build_in(
    settings: &ModelSettings,
    data: &Dataset,
    runtime: Option<&std::sync::Arc<external::Runtime>>,
    name: &str,
) -> Result<Box<dyn Constituent>, ModelError> {
    settings.constituent(&Context {
        data,
        runtime,
        folder: name,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::{synthetic, ClassId, PointId};
    use crate::sisa::aggregate::argmax;

    /// The checked settings of a `model` section written in YAML (`{kind: mlp, epochs: 5}`).
    pub(crate) fn settings_of(text: &str) -> ModelSettings {
        let raw: RawModel = crate::spec::yaml::from_text(text).unwrap();
        raw.check().unwrap()
    }

    /// Every registered kind that trains without options of its own (not `external`), with its
    /// defaults, and a small network with the other activation.
    fn every_model() -> Vec<ModelSettings> {
        let defaults = ModelSettings::NAMES
            .iter()
            .filter(|&&name| name != "external");
        let mut models: Vec<ModelSettings> = defaults
            .map(|name| settings_of(&format!("{{kind: {name}}}")))
            .collect();
        let relu = "{kind: mlp, hidden: [8], activation: relu, learning_rate: 0.05, epochs: 10}";
        models.push(settings_of(relu));
        models
    }

    #[test]
    fn every_model_maps_missing_and_single_classes_onto_the_global_list() {
        let data = synthetic::test_blobs(300, 3, 3, 2.0, 6);
        let all = data.ids();
        let without_two: Vec<PointId> = all
            .iter()
            .copied()
            .filter(|&p| data.label(p).0 != 2)
            .collect();
        let only_one: Vec<PointId> = all
            .iter()
            .copied()
            .filter(|&p| data.label(p).0 == 1)
            .collect();
        for settings in every_model() {
            let model = build_in(&settings, &data, None, "test").unwrap();
            let name = settings.name();
            let budget = model.budget();
            let partial = model
                .fit(FitStep::fresh(
                    Rows::new(&data, &without_two),
                    Budget::whole(budget),
                    1,
                ))
                .unwrap();
            let proba = model
                .predict_proba(&*partial.state, Rows::new(&data, &all))
                .unwrap();
            assert_eq!(proba.dim(), (300, 3), "{name}");
            for row in proba.rows() {
                assert!((row.sum() - 1.0).abs() < 1e-5, "{name}: {row}");
                assert!(
                    row.iter().all(|p| (0.0..=1.0 + 1e-9).contains(p)),
                    "{name}: {row}"
                );
                if name != "mlp" {
                    assert!(
                        row[2] < 1e-6,
                        "{name} gives weight to a class it never saw: {row}"
                    );
                }
            }
            let single = model
                .fit(FitStep::fresh(
                    Rows::new(&data, &only_one),
                    Budget::whole(budget),
                    1,
                ))
                .unwrap();
            let proba = model
                .predict_proba(&*single.state, Rows::new(&data, &all))
                .unwrap();
            for row in proba.rows() {
                assert_eq!(
                    argmax(row),
                    ClassId(1),
                    "{name}: a one-class constituent predicts its class"
                );
            }
        }
    }

    /// The exact bytes of every kind's states (which `verify` compares and checkpoints key on),
    /// pinned: a fresh fit, a warm one continuing it with a new slice, and a fit on one class.
    /// The digests are those of the states before kinds became one file each (the `ModelState`
    /// enum); they change only with a deliberate change of a model's arithmetic.
    #[test]
    fn state_bytes_are_pinned() {
        let data = synthetic::test_blobs(300, 3, 3, 2.0, 6);
        let all = data.ids();
        let only_one: Vec<PointId> = all
            .iter()
            .copied()
            .filter(|&p| data.label(p).0 == 1)
            .collect();
        let pinned = [
            (
                "{kind: logistic, max_iterations: 30}",
                ["7c60a659c2f23dc0", "a867787c29b7a1b7", "60d523cebdae7522"],
                108,
                4,
            ),
            (
                "{kind: logistic, max_iterations: 30, solver: linfa}",
                ["f0ca11cc6fc5da53", "f2486e86087ce561", "60d523cebdae7522"],
                108,
                4,
            ),
            (
                "{kind: mlp, hidden: [8], epochs: 4, learning_rate: 0.05}",
                ["e4e2f60bd5a82bdb", "c44c3d8797b19cc4", "60d523cebdae7522"],
                236,
                4,
            ),
            (
                "{kind: naive-bayes}",
                ["47db71d906ce2a54", "1072eb3651b3233c", "efb55af8b33f5a19"],
                700,
                234,
            ),
            (
                "{kind: decision-tree, max_depth: 4}",
                ["26c2d9489c818370", "827554b63abb6c48", "7a4333b62c44d834"],
                96,
                12,
            ),
        ];
        for (text, digests, warm_size, single_size) in pinned {
            let model = build_in(&settings_of(text), &data, None, "test").unwrap();
            let budget = Budget::whole(model.budget());
            let fresh = |ids| model.fit(FitStep::fresh(Rows::new(&data, ids), budget, 1));
            let first = fresh(&all[..150]).unwrap();
            let warm = model
                .fit(FitStep {
                    warm: Some(&*first.state),
                    rows: Rows::new(&data, &all),
                    new_from: 150,
                    budget,
                    seed: 2,
                })
                .unwrap();
            let single = fresh(&only_one).unwrap();
            let digest =
                |fitted: &Fitted| blake3::hash(&fitted.state.to_bytes()).to_hex()[..16].to_owned();
            assert_eq!([&first, &warm, &single].map(digest), digests, "{text}");
            assert_eq!(warm.state.byte_size(), warm_size, "{text}");
            assert_eq!(single.state.byte_size(), single_size, "{text}");
        }
    }
}

#[cfg(test)]
mod registration {
    use super::*;

    /// Each registered kind is read from `kind: NAME` (the kebab-case of its variant, which serde
    /// names it by, is its [`ModelKind::NAME`]), checks into settings of its own name and
    /// serialises under it.
    #[test]
    fn every_kind_is_named_by_its_name() {
        assert!(
            ModelSettings::NAMES.len() >= 6,
            "{:?}",
            ModelSettings::NAMES
        );
        for &name in ModelSettings::NAMES {
            let mut raw = serde_json::json!({ "kind": name });
            if name == "external" {
                raw["command"] = serde_json::json!(["worker"]);
            }
            let raw: RawModel = serde_json::from_value(raw)
                .unwrap_or_else(|error| panic!("`kind: {name}` is not read: {error}"));
            let settings = raw.check().unwrap();
            assert_eq!(settings.name(), name);
            assert_eq!(serde_json::to_value(&settings).unwrap()["kind"], name);
        }
    }
}
