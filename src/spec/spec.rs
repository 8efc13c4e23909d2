//! A loaded spec: the file, the command-line overrides applied to it, its name, repeats and sweep
//! axes. Every problem found here or in [`super::plan`](mod@super::plan) is reported with file, line and key path.

use std::fs;
use std::path::{Path, PathBuf};

use super::error::{Invalid, Problem, Result, SpecError};
use super::overrides::{key_path, segments, Override};
use super::raw::{RawFigures, RawSpec};
use super::yaml::{self, Failure, Value};

/// Most repetitions a spec may ask for.
const MAX_REPEATS: u32 = 10_000;

/// Keys that name the experiment itself and so cannot be swept.
const UNSWEEPABLE: [&str; 5] = ["name", "repeats", "sweep", "zip", "figures"];

/// A spec file with its overrides applied, checked up to the per-trial settings (see [`super::plan`](mod@super::plan)).
#[derive(Debug, Clone)]
pub struct Spec {
    path: PathBuf,
    /// The spec file's folder, absolute: relative data paths start here.
    folder: PathBuf,
    text: String,
    name: ExperimentName,
    repeats: u32,
    /// The document after overrides, without its `sweep` section.
    document: Value,
    axes: Vec<SweepAxis>,
    overrides: Vec<Override>,
    figures: Option<RawFigures>,
    pinned: Vec<Pinned>,
}

/// A swept key that a `--set` override pins to one value: its axis is dropped, as Hydra does.
#[derive(Debug, Clone, PartialEq)]
pub struct Pinned {
    /// The axis dropped, as `sweep.KEY` or `zip.KEY`.
    pub axis: String,
    /// The override that pins it, as written.
    pub by: String,
}

/// One swept key and the values it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    /// Dotted key path, e.g. `sisa.shards`.
    pub key: String,
    /// The values, in the order trials visit them.
    pub values: Vec<Value>,
    /// Whether the key comes from the `zip` section: zipped keys take their i-th values together,
    /// as one dimension of the sweep.
    pub zipped: bool,
}

impl SweepAxis {
    /// The spec section it was written in.
    pub fn section(&self) -> &'static str {
        if self.zipped {
            "zip"
        } else {
            "sweep"
        }
    }
}

/// The experiment's name, safe to use as a folder name inside the results folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentName(String);

impl ExperimentName {
    /// Accepts letters, digits, `-`, `_` and `.` (not first), at most 100 characters, so the name
    /// cannot point outside the results folder.
    pub fn new(name: &str) -> std::result::Result<Self, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty()
            || name.len() > 100
            || name.starts_with('.')
            || !name.chars().all(allowed)
        {
            return Err(format!(
                "`{name}` cannot name a results folder: use 1 to 100 letters, digits, `-`, `_` \
                 or `.`, not starting with `.`"
            ));
        }
        Ok(ExperimentName(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Spec {
    /// Reads a spec file and applies overrides, reporting the first problem found.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Spec> {
        let text = yaml::read_text(path).map_err(|source| SpecError::Read {
            path: path.to_owned(),
            source,
        })?;
        // A byte-order mark (some Windows editors write one) is not part of the YAML.
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text);
        let mut spec = Spec {
            path: path.to_owned(),
            folder: absolute_folder(path),
            text,
            name: ExperimentName(String::new()),
            repeats: 1,
            document: Value::Null,
            axes: Vec::new(),
            overrides: overrides.to_vec(),
            figures: None,
            pinned: Vec::new(),
        };
        spec.check_overrides()?;
        let mut document = yaml::parse(&spec.text).map_err(|f| spec.failure(f, &[]))?;
        if !document.is_mapping() {
            let message = "a spec is a mapping of keys such as `name`, `dataset` and `sisa`";
            return Err(spec.problem(None, message.to_owned(), &[]));
        }
        // The file as written first, so its own mistakes are reported with line numbers.
        yaml::from_text::<RawSpec>(&spec.text).map_err(|f| spec.failure(f, &[]))?;
        for item in overrides {
            item.apply(&mut document).map_err(|message| {
                spec.problem(Some(item.key()), message, &[])
                    .with_origin(item.describe())
            })?;
        }
        let raw: RawSpec = yaml::from_value(document.clone()).map_err(|f| spec.failure(f, &[]))?;
        spec.name = ExperimentName::new(&raw.name)
            .map_err(|message| spec.problem(Some("name"), message, &[]))?;
        spec.repeats = raw.repeats.unwrap_or(1);
        if !(1..=MAX_REPEATS).contains(&spec.repeats) {
            let message = format!("must be between 1 and {MAX_REPEATS}, got {}", spec.repeats);
            return Err(spec.problem(Some("repeats"), message, &[]));
        }
        spec.axes = spec.sweep_axes(raw.sweep.unwrap_or_default(), false, Vec::new())?;
        spec.axes = spec.sweep_axes(raw.zip.unwrap_or_default(), true, spec.axes.clone())?;
        spec.pin_overridden_axes();
        spec.check_zipped_points()?;
        spec.figures = raw.figures;
        if let Value::Mapping(map) = &mut document {
            map.remove("sweep");
            map.remove("zip");
        }
        spec.document = document;
        Ok(spec)
    }

    /// The experiment's name.
    pub fn name(&self) -> &ExperimentName {
        &self.name
    }

    /// The spec file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The spec file's folder, absolute; relative data paths in the spec start here.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Independent repetitions of every sweep point.
    pub fn repeats(&self) -> u32 {
        self.repeats
    }

    /// The sweep axes, in the order of the file (then of `--sweep` options).
    pub fn axes(&self) -> &[SweepAxis] {
        &self.axes
    }

    /// The `figures` key as written (`None`: choose from what the sweep varies); checked by
    /// `plot::requested`.
    pub fn figures(&self) -> Option<&RawFigures> {
        self.figures.as_ref()
    }

    /// The swept keys that `--set` overrides pinned (their axes are dropped).
    pub fn pinned(&self) -> &[Pinned] {
        &self.pinned
    }

    /// The resolved document (after overrides, without the sweep), for building trials.
    pub(crate) fn document(&self) -> &Value {
        &self.document
    }

    /// The resolved spec as YAML: the document after overrides, with its sweep and zip.
    pub fn resolved_yaml(&self) -> String {
        let mut document = self.document.clone();
        if let Some(Value::Mapping(dataset)) = document.get_mut("dataset") {
            for key in DATA_PATHS {
                if let Some(value) = dataset.get_mut(key) {
                    self.make_absolute(value);
                }
            }
        }
        for section in ["sweep", "zip"] {
            let mut mapping = yaml::Mapping::new();
            for axis in self.axes.iter().filter(|axis| axis.section() == section) {
                let mut values = axis.values.clone();
                let path_axis = DATA_PATHS
                    .iter()
                    .any(|key| axis.key == format!("dataset.{key}"));
                if path_axis {
                    values
                        .iter_mut()
                        .for_each(|value| self.make_absolute(value));
                }
                mapping.insert(Value::String(axis.key.clone()), Value::Sequence(values));
            }
            if let (Value::Mapping(map), false) = (&mut document, mapping.is_empty()) {
                map.insert(Value::String(section.into()), Value::Mapping(mapping));
            }
        }
        yaml::to_text(&document)
    }

    /// Rejects overrides that contradict each other: one key swept twice, or both set and swept.
    fn check_overrides(&self) -> Result<()> {
        for (position, item) in self.overrides.iter().enumerate() {
            let Override::Sweep { key, .. } = item else {
                continue;
            };
            for earlier in &self.overrides[..position] {
                let message = match earlier {
                    Override::Sweep { key: other, .. } if overlaps(other, key) => format!(
                        "`{other}` is already swept by `{}`; give all the values in one --sweep",
                        earlier.describe()
                    ),
                    Override::Set { key: other, .. } if overlaps(other, key) => format!(
                        "`{other}` is also pinned by `{}`; use one or the other",
                        earlier.describe()
                    ),
                    _ => continue,
                };
                return Err(self
                    .problem(Some(key), message, &[])
                    .with_origin(item.describe()));
            }
        }
        Ok(())
    }

    /// Drops the axes of keys that a `--set` override gives one value: the command line wins
    /// over the file's sweep (as with Hydra), and [`Spec::pinned`] says so.
    fn pin_overridden_axes(&mut self) {
        let sets: Vec<&Override> = (self.overrides.iter())
            .filter(|item| matches!(item, Override::Set { .. }))
            .collect();
        let mut pinned = Vec::new();
        self.axes.retain(|axis| {
            let Some(by) = sets
                .iter()
                .rev()
                .find(|item| overlaps(item.key(), &axis.key))
            else {
                return true;
            };
            pinned.push(Pinned {
                axis: format!("{}.{}", axis.section(), axis.key),
                by: by.describe(),
            });
            false
        });
        self.pinned = pinned;
    }

    /// Rejects a `zip` section that lists the same combination of values twice: it would run
    /// the same trials twice.
    fn check_zipped_points(&self) -> Result<()> {
        let zipped: Vec<&SweepAxis> = self.axes.iter().filter(|axis| axis.zipped).collect();
        let Some(first) = zipped.first() else {
            return Ok(());
        };
        let point = |i: usize| -> Vec<&Value> { zipped.iter().map(|a| &a.values[i]).collect() };
        for later in 1..first.values.len() {
            if let Some(earlier) = (0..later).find(|&earlier| point(earlier) == point(later)) {
                let message = format!(
                    "values {earlier} and {later} of the zipped keys are the same combination; \
                     each combination gives its own trials, so list it once"
                );
                let key = format!("zip.{}", first.key);
                return Err(self.problem(Some(&key), message, &[]));
            }
        }
        Ok(())
    }

    /// The axes of a `sweep` (or, `zipped`, a `zip`) section, after the `axes` already read.
    fn sweep_axes(
        &self,
        sweep: yaml::Mapping,
        zipped: bool,
        mut axes: Vec<SweepAxis>,
    ) -> Result<Vec<SweepAxis>> {
        let section = if zipped { "zip" } else { "sweep" };
        for (key, values) in sweep {
            let Value::String(key) = key else {
                let message = format!("keys are dotted spec keys, got `{}`", yaml::compact(&key));
                return Err(self.problem(Some(section), message, &[]));
            };
            let axis_key = format!("{section}.{key}");
            let here = Some(axis_key.as_str());
            if key.is_empty() || key.split('.').any(str::is_empty) {
                let message = "is not a dotted key like `sisa.shards`".to_owned();
                return Err(self.problem(here, message, &[]));
            }
            if UNSWEEPABLE.contains(&segments(&key)[0]) {
                let message = format!("`{key}` cannot be swept (only trial settings can)");
                return Err(self.problem(here, message, &[]));
            }
            if let Some(other) = axes.iter().find(|axis| overlaps(&axis.key, &key)) {
                let message = format!("overlaps the axis `{}`; sweep one or the other", other.key);
                return Err(self.problem(here, message, &[]));
            }
            let values = match values {
                Value::Sequence(values) if !values.is_empty() => values,
                Value::Sequence(_) => {
                    let message = "the list is empty; give at least one value".to_owned();
                    return Err(self.problem(here, message, &[]));
                }
                other => {
                    let message = format!(
                        "must be a list of values such as [1, 2, 5], got `{}`",
                        yaml::compact(&other)
                    );
                    return Err(self.problem(here, message, &[]));
                }
            };
            if !zipped {
                if let Some((earlier, later)) = first_repeat(&values) {
                    let message = format!(
                        "`{}` is listed twice (values {earlier} and {later}); each value gives \
                         its own trials, so list it once (use `repeats` for more repetitions)",
                        yaml::compact(&values[later])
                    );
                    return Err(self.problem(here, message, &[]));
                }
            }
            if let Some(first) = axes.iter().find(|axis| axis.zipped && zipped) {
                if first.values.len() != values.len() {
                    let message = format!(
                        "{} values, but zip.{} has {}; zipped keys take their values together and \
                         need as many",
                        values.len(),
                        first.key,
                        first.values.len()
                    );
                    return Err(self.problem(here, message, &[]));
                }
            }
            axes.push(SweepAxis {
                key,
                values,
                zipped,
            });
        }
        Ok(axes)
    }

    /// A problem reported by serde, attributed to the file, an override or a sweep value.
    pub(crate) fn failure(&self, failure: Failure, picks: &[(usize, usize)]) -> SpecError {
        let Failure { key, line, message } = failure;
        let mut error = self.problem(key.as_deref(), message, picks);
        if let (SpecError::Invalid(problem), Some(line)) = (&mut error, line) {
            if problem.origin.is_none() {
                problem.line = Some(line);
            }
        }
        error
    }

    /// A problem found while running `trial` (e.g. settings that do not fit the data), located
    /// like a problem found while planning it.
    pub fn locate(&self, invalid: Invalid, trial: &super::Trial) -> SpecError {
        self.invalid(invalid, &trial.picks)
    }

    /// A failed check, attributed like [`Spec::failure`].
    pub(crate) fn invalid(&self, invalid: Invalid, picks: &[(usize, usize)]) -> SpecError {
        self.problem(Some(&invalid.key), invalid.message, picks)
    }

    /// A problem at `key`. `picks` are the (axis, value index) pairs of the trial being built: a key
    /// set by a sweep value is blamed on that value, one set on the command line on its option.
    fn problem(&self, key: Option<&str>, message: String, picks: &[(usize, usize)]) -> SpecError {
        let mut problem = Problem {
            file: self.path.clone(),
            line: None,
            key: key.map(str::to_owned),
            origin: None,
            message,
        };
        if let Some(key) = key {
            let swept = picks
                .iter()
                .find(|(axis, _)| within(key, &self.axes[*axis].key));
            // A `--sweep KEY=...` writes the axis `sweep.KEY`.
            let overridden = self.overrides.iter().rev().find(|item| match item {
                Override::Set { key: set, .. } => within(key, set),
                Override::Sweep { key: swept, .. } => within(key, &format!("sweep.{swept}")),
            });
            if let Some(&(axis, value)) = swept {
                let axis = &self.axes[axis];
                problem.origin = Some(format!(
                    "{} value {}[{value}] = {}",
                    axis.section(),
                    axis.key,
                    yaml::compact(&axis.values[value])
                ));
                let from_command_line = self
                    .overrides
                    .iter()
                    .any(|item| matches!(item, Override::Sweep { key, .. } if *key == axis.key));
                if !from_command_line {
                    problem.line = yaml::line_of(&self.text, &[axis.section(), &axis.key]);
                }
            } else if let Some(item) = overridden {
                problem.origin = Some(item.describe());
            } else {
                problem.line = yaml::line_of(&self.text, &file_segments(key));
            }
        }
        SpecError::Invalid(Box::new(problem))
    }
}

impl SpecError {
    fn with_origin(mut self, origin: String) -> Self {
        if let SpecError::Invalid(problem) = &mut self {
            problem.origin = Some(origin);
            problem.line = None;
        }
        self
    }
}

/// Dataset keys that hold file paths, relative to the spec file's folder when not absolute.
const DATA_PATHS: [&str; 4] = ["path", "test_path", "labels_path", "test_labels_path"];

impl Spec {
    /// Writes a data path as the absolute path it resolves to, so a copy of the spec elsewhere
    /// (the results folder's `spec.yaml`) still names the same files and gives the same trial ids.
    fn make_absolute(&self, value: &mut Value) {
        if let Value::String(text) = value {
            if let Ok(path) = super::check::resolve("dataset.path", text, &self.folder) {
                *text = path.to_string_lossy().into_owned();
            }
        }
    }
}

/// The absolute folder of a spec file (symbolic links resolved when it exists).
fn absolute_folder(spec: &Path) -> PathBuf {
    let folder = match spec.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::canonicalize(folder)
        .or_else(|_| std::path::absolute(folder))
        .unwrap_or_else(|_| folder.to_owned())
}

/// Whether `key` (a serde path such as `unlearning.requests[1]`) lies at or under `prefix`.
fn within(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// The positions of the first value that repeats an earlier one.
fn first_repeat(values: &[Value]) -> Option<(usize, usize)> {
    (1..values.len()).find_map(|later| {
        let earlier = values[..later].iter().position(|v| *v == values[later])?;
        Some((earlier, later))
    })
}

fn overlaps(a: &str, b: &str) -> bool {
    within(a, b) || within(b, a)
}

/// The mapping keys of a serde path as written in the file: indexes dropped, and a sweep or zip
/// axis key (`sweep.sisa.shards`) kept whole.
fn file_segments(key: &str) -> Vec<&str> {
    key_path(key.split('[').next().unwrap_or(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_results_folder() {
        for bad in ["", "../x", "/etc", "a/b", ".hidden", "a b", "x\\y"] {
            assert!(ExperimentName::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ExperimentName::new("shards-vs-requests_2.v1").is_ok());
    }

    #[test]
    fn keys_within_prefixes() {
        assert!(within("unlearning.requests[1]", "unlearning.requests"));
        assert!(within("sisa.shards", "sisa"));
        assert!(!within("sisa.shardsx", "sisa.shards"));
        assert_eq!(
            file_segments("sweep.sisa.shards[2]"),
            vec!["sweep", "sisa.shards"]
        );
    }
}
