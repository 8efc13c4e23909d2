//! Checks of the `model` section: the kind a spec names checks its own options (in its file in
//! `src/model/`); a spec without a `model` section gets logistic regression with its defaults.

use super::Checked;
use crate::model::logistic::RawLogistic;
use crate::spec::raw::RawModel;
use crate::spec::settings::ModelSettings;

pub(super) fn model(raw: Option<RawModel>) -> Checked<ModelSettings> {
    raw.unwrap_or_else(|| RawModel::Logistic(RawLogistic::default()))
        .check()
}
