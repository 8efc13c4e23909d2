//! What a model kind is to the rest of sisa, and the macro that registers the kinds.
//!
//! A kind is one file in `src/model/` (the linfa way): its raw options as a spec writes them, the
//! checked settings they become (defaults filled, ranges checked, each problem naming its key),
//! the settings' fingerprint, its state type and its fit and predict ([`super::Model`]). The
//! settings type implements [`ModelKind`]; one line in the list of [`super::model_kinds!`]'s
//! invocation (`src/model/mod.rs`) makes the kind something a spec can name, which generates the
//! `model` section's raw and checked enums ([`super::RawModel`], [`super::ModelSettings`]) and
//! their dispatch.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::external::Runtime;
use super::{Constituent, Fingerprint, ModelError};
use crate::data::Dataset;
use crate::spec::Invalid;

/// A model kind, implemented by its checked settings (linfa's valid parameters).
pub trait ModelKind: Clone + fmt::Debug + PartialEq + Serialize + Sized {
    /// The `kind:` value a spec names it by, and the `model` column of the tables. Must be the
    /// kebab-case of its variant in the registration list (a test checks it).
    const NAME: &'static str;

    /// What a spec's `model` section says of this kind: every option an `Option`, unknown keys
    /// refused (`#[serde(deny_unknown_fields)]`), each field's doc comment its description in
    /// the spec's JSON Schema.
    type Raw: DeserializeOwned + schemars::JsonSchema + Clone + fmt::Debug;

    /// The settings `raw` asks for, with defaults filled and ranges checked; a problem names its
    /// key (`model.alpha`).
    fn check(raw: Self::Raw) -> Result<Self, Invalid>;

    /// What identifies these settings in checkpoint keys: by default the kind's name and the
    /// settings' canonical JSON, so any change of a setting trains anew.
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(Self::NAME, self)
    }

    /// The constituent these settings describe, over `context`.
    fn constituent(&self, context: &Context<'_>) -> Result<Box<dyn Constituent>, ModelError>;

    /// Whether these settings' constituent applies the unlearning method named `method` (see
    /// [`super::Model::unlearn`]); none by default.
    fn supports(&self, _method: &str) -> bool {
        false
    }
}

/// What a constituent is built over.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The trial's dataset (its class list, and what workers are handed).
    pub data: &'a Dataset,
    /// The run's worker processes, for kinds trained by them (`kind: external`); without them
    /// such a kind cannot train.
    pub runtime: Option<&'a Arc<Runtime>>,
    /// Where the constituent keeps files of its own, if it keeps any (a trial id).
    pub folder: &'a str,
}

/// Registers the model kinds: each entry is a kind's doc comment (its description in the spec's
/// JSON Schema), optionally `#[cfg(test)]`, and `Variant(SettingsType)`, whose variant name in
/// kebab-case is the `kind:` value. Generates the `model` section's raw enum ([`RawModel`], read
/// from the spec, tagged by `kind`), its checked enum ([`ModelSettings`], serialised into trial
/// ids) and their dispatch to each kind's [`ModelKind`].
///
/// [`RawModel`]: super::RawModel
/// [`ModelSettings`]: super::ModelSettings
macro_rules! model_kinds {
    ($($(#[doc = $doc:literal])* $(#[cfg($cfg:meta)])? $variant:ident($settings:ty),)+) => {
        /// The `model` section, tagged by `kind`.
        #[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        pub enum RawModel {
            $($(#[doc = $doc])* $(#[cfg($cfg)])?
            $variant(<$settings as ModelKind>::Raw),)+
        }

        /// The constituent model and its hyperparameters, checked.
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        pub enum ModelSettings {
            $($(#[doc = $doc])* $(#[cfg($cfg)])?
            $variant($settings),)+
        }

        impl RawModel {
            /// The checked settings of the kind named.
            pub(crate) fn check(self) -> Result<ModelSettings, crate::spec::Invalid> {
                match self {
                    $($(#[cfg($cfg)])?
                    RawModel::$variant(raw) => {
                        <$settings as ModelKind>::check(raw).map(ModelSettings::$variant)
                    })+
                }
            }
        }

        impl ModelSettings {
            /// Every kind's name, in the order of the registration list.
            #[cfg(test)]
            pub(crate) const NAMES: &[&str] = &[$($(#[cfg($cfg)])? <$settings as ModelKind>::NAME),+];

            /// The kind's name, for tables and captions.
            pub fn name(&self) -> &'static str {
                match self {
                    $($(#[cfg($cfg)])?
                    ModelSettings::$variant(_) => <$settings as ModelKind>::NAME,)+
                }
            }

            /// Whether the kind applies the unlearning method named `method`.
            pub fn supports(&self, method: &str) -> bool {
                match self {
                    $($(#[cfg($cfg)])?
                    ModelSettings::$variant(settings) => settings.supports(method),)+
                }
            }

            /// The constituent these settings describe, over `context`.
            pub(crate) fn constituent(
                &self,
                context: &Context<'_>,
            ) -> Result<Box<dyn Constituent>, ModelError> {
                match self {
                    $($(#[cfg($cfg)])?
                    ModelSettings::$variant(settings) => settings.constituent(context),)+
                }
            }
        }
    };
}

pub(crate) use model_kinds;
