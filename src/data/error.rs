//! Why a dataset cannot be built or read: each error names the file, and the line or row where
//! that applies, so a user can find and fix the problem.

use std::fmt;
use std::path::{Path, PathBuf};

/// A dataset that cannot be built or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// A file could not be opened or read.
    #[error("cannot read `{}`: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system (or the decompressor) said.
        reason: String,
    },
    /// A file's contents are not what its format or the spec needs.
    #[error("{}: {message}", Place { path, at: at.as_ref() })]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where in the file, when one place is to blame.
        at: Option<At>,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// A file passes one of the limits on what sisa reads ([`super::limits`]).
    #[error(
        "{}: {what}, more than the limit of {limit} {unit}; if that is meant, raise it with the \
         environment variable {variable}",
        path.display()
    )]
    Limit {
        /// The file.
        path: PathBuf,
        /// What passed the limit (`inflates to more than ...`).
        what: String,
        /// The limit in effect.
        limit: u64,
        /// What the limit counts.
        unit: &'static str,
        /// The environment variable that sets it.
        variable: &'static str,
    },
    /// A limit's environment variable holds something other than a whole number.
    #[error("the environment variable {variable} is `{value}`, not a whole number")]
    BadLimit {
        /// The variable.
        variable: &'static str,
        /// What it holds.
        value: String,
    },
    /// The memory a dataset needs could not be allocated.
    #[error(
        "not enough memory for {what} ({}); use a smaller dataset, or run where more memory is \
         available",
        Bytes(*bytes)
    )]
    OutOfMemory {
        /// What needed it (`the features of `x.csv``).
        what: String,
        /// How many bytes were asked for.
        bytes: u64,
    },
}

/// A place in a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A line of a text file, from 1.
    Line(u64),
    /// A row (point) of a binary file or array, from 1.
    Row(u64),
}

impl DataError {
    /// A file that cannot be read, keeping its path.
    pub fn read(path: &Path, reason: impl fmt::Display) -> DataError {
        DataError::Read {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// A problem with the file as a whole.
    pub fn invalid(path: &Path, message: impl Into<String>) -> DataError {
        DataError::Invalid {
            path: path.to_owned(),
            at: None,
            message: message.into(),
        }
    }

    /// A problem at one place of a file.
    pub fn at(path: &Path, at: At, message: impl Into<String>) -> DataError {
        DataError::Invalid {
            path: path.to_owned(),
            at: Some(at),
            message: message.into(),
        }
    }
}

/// A number of bytes in binary units, for messages (`1.5 GiB`).
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        if self.0 < 1024 {
            return write!(f, "{} bytes", self.0);
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

/// `file:line` (the form editors jump to) or `file: row N`.
struct Place<'a> {
    path: &'a Path,
    at: Option<&'a At>,
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        match self.at {
            Some(At::Line(line)) => write!(f, ":{line}"),
            Some(At::Row(row)) => write!(f, ": row {row}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line(line) => write!(f, "line {line}"),
            At::Row(row) => write!(f, "row {row}"),
        }
    }
}

/// Results of reading data.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_place() {
        let path = Path::new("data/x.csv");
        assert_eq!(
            DataError::at(path, At::Line(7), "bad").to_string(),
            "data/x.csv:7: bad"
        );
        assert_eq!(
            DataError::at(path, At::Row(3), "bad").to_string(),
            "data/x.csv: row 3: bad"
        );
        assert_eq!(
            DataError::read(path, "No such file").to_string(),
            "cannot read `data/x.csv`: No such file"
        );
        assert_eq!(Bytes(512).to_string(), "512 bytes");
        assert_eq!(Bytes(3 << 29).to_string(), "1.5 GiB");
    }
}
