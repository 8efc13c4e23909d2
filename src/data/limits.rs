//! Limits on what sisa reads, so a crafted or runaway input (a compression bomb, a device file, a
//! spec asking for billions of points) stops with a clear message naming the limit instead of
//! exhausting memory. Each has a default and an environment variable that raises (or lowers) it.

use super::error::{DataError, Result};

/// A limit on what a dataset may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The environment variable that sets it.
    pub variable: &'static str,
    /// Its value when the variable is not set.
    pub default: u64,
    /// What it counts, for messages (`feature values`, `bytes`).
    pub unit: &'static str,
}

/// Most values a dataset's feature matrix may hold (rows x columns read, or samples x features
/// of a synthetic dataset): 2^30, 4 GiB as f32.
pub const FEATURE_VALUES: Limit = Limit {
    variable: "SISA_MAX_FEATURE_VALUES",
    default: 1 << 30,
    unit: "values",
};

/// What each row of a text table costs besides its values, in values (4 bytes each): its line
/// number, its place among the kept rows, its class. Counted against [`FEATURE_VALUES`] with the
/// values, so that the limit bounds the memory of narrow tables too (a file of millions of
/// two-column lines holds few values but many rows).
pub const ROW_OVERHEAD_VALUES: u64 = 6;

/// Longest line (record) of a text data file: 64 MiB. Lines of real tables take kilobytes; a
/// file without line breaks (binary data, a compression bomb of one byte repeated) is refused
/// before it fills memory.
pub const LINE_BYTES: Limit = Limit {
    variable: "SISA_MAX_LINE_BYTES",
    default: 64 << 20,
    unit: "bytes",
};

/// Most bytes read from one data file, after decompression: 16 GiB.
pub const DATA_BYTES: Limit = Limit {
    variable: "SISA_MAX_DATA_BYTES",
    default: 16 << 30,
    unit: "bytes",
};

impl Limit {
    /// The limit in effect: the environment variable's value when it is set, else the default.
    pub fn value(self) -> Result<u64> {
        match std::env::var(self.variable) {
            Ok(text) => text
                .trim()
                .replace('_', "")
                .parse()
                .map_err(|_| DataError::BadLimit {
                    variable: self.variable,
                    value: text,
                }),
            Err(_) => Ok(self.default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_the_variable_is_unset() {
        let limit = Limit {
            variable: "SISA_TEST_UNSET_LIMIT_VARIABLE",
            default: 7,
            unit: "values",
        };
        assert_eq!(limit.value().unwrap(), 7);
        assert_eq!(FEATURE_VALUES.default, 1 << 30);
    }
}
