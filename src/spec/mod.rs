//! The experiment spec: YAML in, checked per-trial settings out.
//!
//! Raw -> resolved -> checked: [`raw`] mirrors the file, [`overrides`] applies `--set`/`--sweep`,
//! [`check`] validates into [`settings`], and [`plan`](mod@plan) expands the sweep into trials.

pub mod check;
pub mod error;
pub mod overrides;
pub mod plan;
pub mod raw;
pub mod settings;
#[expect(
    clippy::module_inception,
    reason = "one main type per file, named after it"
)]
pub mod spec;
pub mod yaml;

pub use error::{Invalid, Problem, SpecError};
pub use overrides::Override;
pub use plan::{plan, Trial, TrialId};
pub use settings::*;
pub use spec::{ExperimentName, Pinned, Spec, SweepAxis};
