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
    }
}
