//! Sweep expansion: a pure function from a [`Spec`] to its ordered list of [`Trial`]s, each with
//! checked settings and a stable id.

use std::fmt;

use serde::Serialize;

use super::check;
use super::error::Result;
use super::overrides::segments;
use super::raw::RawSpec;
use super::settings::Settings;
use super::spec::{Spec, SweepAxis};
use super::yaml;
use crate::seed::Seeds;

/// Most trials one spec may expand to.
pub const MAX_TRIALS: usize = 100_000;

/// Bumped when the meaning of settings changes, so old results get new ids.
const ID_VERSION: u32 = 1;

/// One run of the pipeline: one point of the sweep, one repeat.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Position in the plan, from 0.
    pub index: usize,
    /// Stable hash of the resolved settings and repeat.
    pub id: TrialId,
    /// Which repetition of its sweep point this is, from 0.
    pub repeat: u32,
    /// The swept keys and the values this trial takes (`("sisa.shards", "5")`).
    pub swept: Vec<(String, String)>,
    /// The checked settings.
    pub settings: Settings,
    /// (axis, value index) of each swept key, to point problems at the sweep value.
    pub(crate) picks: Vec<(usize, usize)>,
}

impl Trial {
    /// The seeds of this trial's repeat.
    pub fn seeds(&self) -> Seeds {
        Seeds::new(self.settings.seed, self.repeat)
    }
}

/// A trial's id: 16 hex digits of the BLAKE3 hash of its canonical settings and repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrialId(String);

impl TrialId {
    /// The id of `settings` at `repeat`.
    pub fn of(settings: &Settings, repeat: u32) -> TrialId {
        #[derive(Serialize)]
        struct Identity<'a> {
            version: u32,
            settings: &'a Settings,
            repeat: u32,
        }
        let identity = Identity {
            version: ID_VERSION,
            settings,
            repeat,
        };
        let canonical = serde_json::to_vec(&identity).expect("settings serialise to JSON");
        let hash = blake3::hash(&canonical);
        TrialId(hash.to_hex()[..16].to_owned())
    }

    /// The id as text (safe as a file name).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Expands the sweep into trials: the cartesian product of the axes (first axis slowest), each
/// point repeated `repeats` times. Every trial's settings are checked; the first problem is
/// reported against the sweep value, override or file line it comes from.
pub fn plan(spec: &Spec) -> Result<Vec<Trial>> {
    let axes = spec.axes();
    let dimensions = dimensions(axes);
    let points = dimensions
        .iter()
        .try_fold(1usize, |product, &(_, size)| product.checked_mul(size));
    let total = points.and_then(|points| points.checked_mul(spec.repeats() as usize));
    match total {
        Some(total) if total <= MAX_TRIALS => {}
        _ => {
            let sizes: Vec<String> = dimensions
                .iter()
                .map(|(_, size)| size.to_string())
                .collect();
            let message = format!(
                "{} values x {} repeats is more than the limit of {MAX_TRIALS} trials; \
                 split the sweep into several specs",
                sizes.join(" x "),
                spec.repeats()
            );
            let invalid = super::error::Invalid::new("sweep", message);
            return Err(spec.invalid(invalid, &[]));
        }
    }
    let mut trials = Vec::new();
    for point in 0..points.unwrap_or(1) {
        let picks = picks(axes.len(), &dimensions, point);
        let settings = settings_at(spec, &picks)?;
        let swept: Vec<(String, String)> = picks
            .iter()
            .map(|&(axis, value)| {
                let axis = &axes[axis];
                (axis.key.clone(), yaml::compact(&axis.values[value]))
            })
            .collect();
        for repeat in 0..spec.repeats() {
            trials.push(Trial {
                index: trials.len(),
                id: TrialId::of(&settings, repeat),
                repeat,
                swept: swept.clone(),
                settings: settings.clone(),
                picks: picks.clone(),
            });
        }
    }
    Ok(trials)
}

/// Checks what depends on the number of training points (see [`check::check_sizes`]) once the
/// data are loaded; a problem is blamed on the sweep value, override or line it comes from, and
/// says where the points came from (`origin`).
pub fn check_sizes(spec: &Spec, trial: &Trial, n_train: usize, origin: &str) -> Result<()> {
    check::check_sizes(&trial.settings, n_train).map_err(|mut invalid| {
        invalid.message = format!("{} ({origin})", invalid.message);
        spec.invalid(invalid, &trial.picks)
    })
}

/// The independent dimensions of the sweep: each `sweep` axis on its own, then all `zip` axes as
/// one; as (the axes it moves, its number of values).
fn dimensions(axes: &[SweepAxis]) -> Vec<(Vec<usize>, usize)> {
    let mut dimensions: Vec<(Vec<usize>, usize)> = axes
        .iter()
        .enumerate()
        .filter(|(_, axis)| !axis.zipped)
        .map(|(index, axis)| (vec![index], axis.values.len()))
        .collect();
    let zipped: Vec<usize> = (0..axes.len()).filter(|&i| axes[i].zipped).collect();
    if let Some(&first) = zipped.first() {
        dimensions.push((zipped, axes[first].values.len()));
    }
    dimensions
}

/// The (axis, value index) pairs of sweep point `point` of `axes` axes moving in `dimensions`,
/// first dimension slowest.
fn picks(axes: usize, dimensions: &[(Vec<usize>, usize)], mut point: usize) -> Vec<(usize, usize)> {
    let mut picks = vec![(0, 0); axes];
    for (moved, size) in dimensions.iter().rev() {
        for &axis in moved {
            picks[axis] = (axis, point % size);
        }
        point /= size;
    }
    picks
}

fn settings_at(spec: &Spec, picks: &[(usize, usize)]) -> Result<Settings> {
    let mut document = spec.document().clone();
    for &(axis, value) in picks {
        let axis_spec = &spec.axes()[axis];
        yaml::set_path(
            &mut document,
            &segments(&axis_spec.key),
            axis_spec.values[value].clone(),
        )
        .map_err(|message| {
            let invalid = super::error::Invalid::new(axis_spec.key.clone(), message);
            spec.invalid(invalid, picks)
        })?;
    }
    let raw: RawSpec = yaml::from_value(document).map_err(|f| spec.failure(f, picks))?;
    check::settings(&raw, spec.folder()).map_err(|invalid| spec.invalid(invalid, picks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::overrides::Override;
    use std::io::Write;
    use std::path::Path;

    fn load(text: &str, overrides: &[Override]) -> Result<Spec> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        Spec::load(file.path(), overrides)
    }

    const SWEEP: &str = "name: demo\nrepeats: 2\ndataset: {samples: 400, features: 8}\n\
                         model: {kind: logistic}\n\
                         sweep:\n  sisa.shards: [1, 2, 5]\n  sisa.slices: [1, 4]\n";

    #[test]
    fn expands_the_cartesian_product_in_a_stable_order() {
        let trials = plan(&load(SWEEP, &[]).unwrap()).unwrap();
        assert_eq!(trials.len(), 12);
        let shape: Vec<(usize, usize, u32)> = trials
            .iter()
            .map(|t| (t.settings.sisa.shards, t.settings.sisa.slices, t.repeat))
            .collect();
        assert_eq!(
            &shape[..5],
            &[(1, 1, 0), (1, 1, 1), (1, 4, 0), (1, 4, 1), (2, 1, 0)]
        );
        assert_eq!(
            trials[11].swept,
            vec![
                ("sisa.shards".into(), "5".into()),
                ("sisa.slices".into(), "4".into())
            ]
        );
        let ids: std::collections::HashSet<_> = trials.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), 12, "ids are unique");
        let again = plan(&load(SWEEP, &[]).unwrap()).unwrap();
        assert_eq!(trials, again, "planning is deterministic");
    }

    #[test]
    fn overrides_change_settings_and_ids() {
        let base = plan(&load(SWEEP, &[]).unwrap()).unwrap();
        let set = Override::parse_set("model.alpha=0.5").unwrap();
        let sweep = Override::parse_sweep("sisa.shards=10").unwrap();
        let changed = plan(&load(SWEEP, &[set, sweep]).unwrap()).unwrap();
        assert_eq!(changed.len(), 4);
        assert_eq!(changed[0].settings.sisa.shards, 10);
        assert!(changed
            .iter()
            .all(|t| t.settings.model != base[0].settings.model));
        assert!(changed.iter().all(|t| base.iter().all(|b| b.id != t.id)));
    }

    #[test]
    fn a_bad_sweep_value_is_blamed_on_its_line() {
        let text = "name: demo\ndataset: {samples: 400}\nsweep:\n  sisa.shards: [1, 0]\n";
        let error = plan(&load(text, &[]).unwrap()).unwrap_err().to_string();
        assert!(
            error.contains(":4:3: sisa.shards: must be at least 1, got 0"),
            "{error}"
        );
        assert!(error.contains("sweep value sisa.shards[1] = 0"), "{error}");
    }

    #[test]
    fn zipped_keys_move_together() {
        let text = "name: demo\ndataset: {samples: 400, features: 4}\nrepeats: 1\n\
                    sweep:\n  sisa.slices: [1, 2]\n\
                    zip:\n  sisa.partition: [uniform, distribution-aware]\n  sisa.shards: [4, 8]\n";
        let trials = plan(&load(text, &[]).unwrap()).unwrap();
        let shape: Vec<(usize, &str, usize)> = trials
            .iter()
            .map(|t| {
                (
                    t.settings.sisa.slices,
                    t.settings.sisa.partition.name(),
                    t.settings.sisa.shards,
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (1, "uniform", 4),
                (1, "distribution-aware", 8),
                (2, "uniform", 4),
                (2, "distribution-aware", 8)
            ]
        );
        let uneven = "name: demo\nzip:\n  sisa.shards: [1, 2]\n  sisa.slices: [1]\n";
        let error = load(uneven, &[]).unwrap_err().to_string();
        assert!(
            error.contains(":4:3: zip.sisa.slices: 1 values, but zip.sisa.shards has 2"),
            "{error}"
        );
    }

    #[test]
    fn data_paths_resolve_against_the_spec_folder_and_enter_the_id() {
        let text = "name: demo\ndataset: {path: data/x.csv}\n";
        let plan_in = |dir: &Path| {
            let path = dir.join("spec.yaml");
            std::fs::write(&path, text).unwrap();
            plan(&Spec::load(&path, &[]).unwrap()).unwrap()
        };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = plan_in(a.path());
        let crate::spec::DataSource::File(file) = &first[0].settings.dataset.source else {
            panic!("a file dataset");
        };
        let folder = std::fs::canonicalize(a.path()).unwrap();
        assert_eq!(file.train.path, folder.join("data/x.csv"));
        assert_eq!(first, plan_in(a.path()), "same folder, same ids");
        assert_ne!(
            first[0].id,
            plan_in(b.path())[0].id,
            "another folder, another id"
        );
    }

    /// A trial's id is the name of its saved results: a change to what the id hashes (a renamed
    /// or reordered settings field, a changed default) would silently orphan every saved trial.
    /// Change this literal only together with `ID_VERSION`, knowingly.
    #[test]
    fn trial_ids_are_pinned() {
        let text = "name: pinned\nseed: 7\ndataset: {synthetic: purchase, samples: 2000}\n\
                    model: {kind: logistic}\nsisa: {shards: 5, slices: 2}\n\
                    unlearning: {requests: [1, 4]}\n";
        let trials = plan(&load(text, &[]).unwrap()).unwrap();
        assert_eq!(trials[0].id.as_str(), "5b334589d634055c");
    }

    #[test]
    fn too_many_trials_is_an_error() {
        let text =
            "name: demo\nrepeats: 10000\nsweep:\n  seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n";
        let error = plan(&load(text, &[]).unwrap()).unwrap_err().to_string();
        assert!(error.contains("more than the limit"), "{error}");
    }
}
