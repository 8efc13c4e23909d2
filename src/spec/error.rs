//! Errors in a spec or its overrides, each naming the file, line, key path and what to do.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A spec that cannot be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The spec file could not be read.
    #[error("cannot read spec `{}`: {source}", path.display())]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// Why reading failed.
        source: io::Error,
    },
    /// The spec or an override says something invalid.
    #[error("{0}")]
    Invalid(Box<Problem>),
}

/// One problem in a spec: what is wrong and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The spec file.
    pub file: PathBuf,
    /// 1-based line and column in the file, when the problem is written there.
    pub line: Option<(usize, usize)>,
    /// Dotted key path of the offending value (e.g. `sisa.shards`), when there is one.
    pub key: Option<String>,
    /// Where the value came from when not from the file itself (e.g. `--set sisa.shards=0`).
    pub origin: Option<String>,
    /// What is wrong, and what to do about it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.line {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(origin) = &self.origin {
            write!(f, " (from {origin})")?;
        }
        Ok(())
    }
}

/// A value that fails a check, before it is placed in a file: the key path and the message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct Invalid {
    /// Dotted key path of the offending value.
    pub key: String,
    /// What is wrong, and what to do about it.
    pub message: String,
}

impl Invalid {
    /// A problem with the value at `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Results of spec handling.
pub type Result<T, E = SpecError> = std::result::Result<T, E>;
