//! `kind: external` as a model kind: the options a spec gives, their checks, the fingerprint and
//! the state (a checkpoint file). The worker machinery it builds on is in the sibling modules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Detached, External};
use crate::model::{Constituent, Context, Fingerprint, ModelError, ModelKind, ModelState};
use crate::spec::check::{at_least, positive};
use crate::spec::yaml::{self, Mapping, Value};
use crate::spec::Invalid;

/// Options of `kind: external`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExternal {
    /// The worker's argv (no shell).
    pub command: Option<Vec<String>>,
    /// Passed to the worker as they are; `epochs` is also the unsliced budget E.
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub options: Option<Mapping>,
    /// Seconds one call may take.
    pub timeout: Option<f64>,
    /// The per-point shape handed to the worker (e.g. `[1, 28, 28]`).
    pub shape: Option<Vec<usize>>,
    /// Threads per worker process (`OMP_NUM_THREADS` and the like).
    pub threads: Option<usize>,
    /// Accelerators: one worker per entry, each with its own `CUDA_VISIBLE_DEVICES`.
    #[schemars(with = "Option<Vec<serde_json::Value>>")]
    pub devices: Option<Vec<Value>>,
}

/// Settings of `kind: external`: the worker command and what it is given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalSettings {
    /// The worker's argv (no shell), at least the program.
    pub command: Vec<String>,
    /// The spec's `model.options`, as JSON, passed to the worker as they are.
    pub options: serde_json::Map<String, serde_json::Value>,
    /// The unsliced budget E: `options.epochs`, default 1.
    pub epochs: u32,
    /// The per-point shape handed to the worker (`None`: flat vectors).
    pub shape: Option<Vec<usize>>,
    /// Threads per worker process; default 1.
    pub threads: usize,
    /// Seconds one call may take (`None`: no limit). Does not change results.
    #[serde(skip)]
    pub timeout: Option<f64>,
    /// Accelerators, one worker each (empty: as many workers as jobs, devices untouched). Does
    /// not change results.
    #[serde(skip)]
    pub devices: Vec<String>,
}

impl ModelKind for ExternalSettings {
    const NAME: &'static str = "external";
    type Raw = RawExternal;

    /// A command, options that convert to JSON (with `epochs`, when given, a whole number of at
    /// least 1), and the ranges of the other keys.
    fn check(raw: RawExternal) -> Result<Self, Invalid> {
        let command = raw.command.unwrap_or_default();
        if command.first().is_none_or(|program| program.is_empty()) {
            return Err(Invalid::new(
                "model.command",
                "give the worker's command as a list, e.g. [python3, examples/workers/sklearn_sgd.py]",
            ));
        }
        let options = options(raw.options)?;
        let epochs = epochs(&options)?;
        if let Some(shape) = &raw.shape {
            for (index, &extent) in shape.iter().enumerate() {
                at_least(&format!("model.shape[{index}]"), extent, 1)?;
            }
        }
        let devices = raw
            .devices
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, device)| device_name(&format!("model.devices[{index}]"), device))
            .collect::<Result<Vec<String>, Invalid>>()?;
        Ok(ExternalSettings {
            command,
            options,
            epochs,
            shape: raw.shape,
            threads: at_least("model.threads", raw.threads.unwrap_or(1), 1)?,
            timeout: raw
                .timeout
                .map(|seconds| positive("model.timeout", seconds))
                .transpose()?,
            devices,
        })
    }

    /// Kind, command, options and shape: what decides what a worker trains (threads, timeout and
    /// devices do not).
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(Self::NAME, &(&self.command, &self.options, &self.shape))
    }

    /// Over the run's workers; without them, a constituent that fails to train.
    fn constituent(&self, context: &Context<'_>) -> Result<Box<dyn Constituent>, ModelError> {
        Ok(match context.runtime {
            Some(runtime) => {
                let external: External = runtime.constituent(self, context.data, context.folder)?;
                Box::new(external)
            }
            None => Box::new(Detached),
        })
    }
}

/// `model.options` as JSON: a mapping with text keys and plain values.
fn options(raw: Option<Mapping>) -> Result<serde_json::Map<String, serde_json::Value>, Invalid> {
    match raw {
        None => Ok(serde_json::Map::new()),
        Some(mapping) => match serde_json::to_value(&mapping) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            _ => Err(Invalid::new(
                "model.options",
                "must be a mapping with text keys and plain values (numbers, text, booleans, \
                 lists, mappings)",
            )),
        },
    }
}

/// The unsliced budget E: `options.epochs`, a whole number of at least 1; default 1.
fn epochs(options: &serde_json::Map<String, serde_json::Value>) -> Result<u32, Invalid> {
    let Some(value) = options.get("epochs") else {
        return Ok(1);
    };
    value
        .as_u64()
        .filter(|&epochs| epochs >= 1 && epochs <= u64::from(u32::MAX))
        .map(|epochs| epochs as u32)
        .ok_or_else(|| {
            Invalid::new(
                "model.options.epochs",
                format!("must be a whole number of at least 1, got {value}"),
            )
        })
}

/// A device as `CUDA_VISIBLE_DEVICES` names it: an index or an id such as `GPU-3f2a...`.
pub(crate) fn device_name(key: &str, value: &Value) -> Result<String, Invalid> {
    let text = match value {
        Value::Number(number) if number.as_u64().is_some() => number.to_string(),
        Value::String(text) => text.trim().to_owned(),
        _ => String::new(),
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if text.is_empty() || !text.chars().all(plain) {
        return Err(Invalid::new(
            key,
            format!(
                "a device is an index (0, 1, ...) or an id such as GPU-3f2a; got {}",
                yaml::compact(value)
            ),
        ));
    }
    Ok(text)
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

impl ModelState for ExternalState {
    /// The digest, behind a tag byte: equal digests mean byte-identical checkpoint files.
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![5u8];
        bytes.extend(self.digest);
        bytes
    }

    /// The size of its file.
    fn byte_size(&self) -> usize {
        self.bytes as usize
    }
}
