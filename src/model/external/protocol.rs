//! The messages of the worker protocol, version 1 (docs/worker-protocol.md), as serde types: one
//! JSON object per line, a request from sisa and exactly one reply from the worker.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The protocol version sisa speaks.
pub const PROTOCOL: u32 = 1;

/// A request sisa sends.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Request<'a> {
    /// The handshake: always first.
    Hello {
        /// [`PROTOCOL`].
        protocol: u32,
        /// The spec's `model.options`, as written.
        options: &'a serde_json::Map<String, serde_json::Value>,
        /// Threads the worker may use.
        threads: usize,
    },
    /// The points, once per worker and dataset.
    Dataset {
        /// `features.npy`: float32, C order, `(N, d)`.
        features: &'a Path,
        /// `labels.npy`: int64, `(N,)`.
        labels: &'a Path,
        /// The per-point shape, or `None` for flat vectors.
        shape: Option<&'a [usize]>,
        /// Number of classes.
        classes: usize,
        /// Identifies the dataset.
        fingerprint: &'a str,
    },
    /// One training step.
    Fit {
        /// The checkpoint to continue from, or `None` to start afresh.
        warm: Option<&'a Path>,
        /// The step's ordered point ids.
        ids: &'a [u32],
        /// Where the new slice starts in `ids`.
        new_from: usize,
        /// Exact epochs, possibly fractional.
        epochs: f64,
        /// Whole iterations, at least 1.
        iterations: u32,
        /// The step's seed.
        seed: u64,
        /// Where to write the new checkpoint.
        out: &'a Path,
    },
    /// Class probabilities.
    Predict {
        /// The checkpoint to predict with.
        checkpoint: &'a Path,
        /// The points.
        ids: &'a [u32],
        /// Where to write the `(len(ids), classes)` `.npy` array.
        out: &'a Path,
    },
    /// The end.
    Bye,
}

/// A reply: `ok`, an error message when not, and the fields any request may get back.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reply {
    /// Whether the request succeeded.
    pub ok: bool,
    /// Why not, when it did not.
    #[serde(default)]
    pub error: Option<String>,
    /// `hello`: the protocol the worker speaks.
    #[serde(default)]
    pub protocol: Option<u32>,
    /// `hello`: a short description of the worker.
    #[serde(default)]
    pub name: Option<String>,
    /// `hello`: the worker's own version, free-form.
    #[serde(default)]
    pub version: Option<String>,
    /// `fit`: sample passes made.
    #[serde(default)]
    pub passes: Option<f64>,
    /// `fit`: CPU seconds the worker spent.
    #[serde(default)]
    pub cpu_s: Option<f64>,
    /// `fit`: accelerator seconds.
    #[serde(default)]
    pub device_s: Option<f64>,
}

impl Request<'_> {
    /// The request's op, for messages.
    pub fn op(&self) -> &'static str {
        match self {
            Request::Hello { .. } => "hello",
            Request::Dataset { .. } => "dataset",
            Request::Fit { .. } => "fit",
            Request::Predict { .. } => "predict",
            Request::Bye => "bye",
        }
    }

    /// The request as one line of JSON, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("requests serialise");
        line.push('\n');
        line
    }
}

/// A reported number that must be finite and non-negative to be used.
pub fn usable(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_line_of_json_in_the_documented_shape() {
        let options = serde_json::Map::new();
        let hello = Request::Hello {
            protocol: PROTOCOL,
            options: &options,
            threads: 1,
        };
        assert_eq!(
            hello.to_line(),
            "{\"op\":\"hello\",\"protocol\":1,\"options\":{},\"threads\":1}\n"
        );
        let fit = Request::Fit {
            warm: None,
            ids: &[3, 1],
            new_from: 1,
            epochs: 2.5,
            iterations: 3,
            seed: 7,
            out: Path::new("/tmp/x.tmp"),
        };
        let value: serde_json::Value = serde_json::from_str(&fit.to_line()).unwrap();
        assert_eq!(value["op"], "fit");
        assert_eq!(value["warm"], serde_json::Value::Null);
        assert_eq!(value["ids"], serde_json::json!([3, 1]));
        assert_eq!(Request::Bye.to_line(), "{\"op\":\"bye\"}\n");
    }

    #[test]
    fn replies_take_optional_fields() {
        let reply: Reply = serde_json::from_str("{\"ok\": true, \"passes\": 4}").unwrap();
        assert!(reply.ok);
        assert_eq!(reply.passes, Some(4.0));
        assert_eq!(usable(Some(f64::NAN)), None);
        assert!(serde_json::from_str::<Reply>("{\"passes\": 1}").is_err());
    }
}
