//! Which columns of a table are read, and as what: the label, the request columns
//! (`unlearning.column`), and the features (every other column, or those `columns` keeps, or all
//! but those `drop` leaves out), found by name or index among the table's columns. A name that is
//! not there is an error naming the spec key, with the closest name as a suggestion.

use std::path::Path;

use super::error::{DataError, Result};
use crate::spec::{ColumnChoice, LabelColumn};

/// How many column names an error lists.
const SHOWN_NAMES: usize = 20;

/// What a spec asks of a table's columns.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// The label column.
    pub label: &'a LabelColumn,
    /// Columns read apart from the features (`unlearning.column`).
    pub attributes: &'a [LabelColumn],
    /// Which other columns are features.
    pub choice: &'a ColumnChoice,
}

/// What a column is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The labels.
    Label,
    /// A request column, kept apart from the features.
    Attribute,
    /// A feature.
    Feature,
    /// Not read.
    Skipped,
}

/// The columns of one table by role, as indexes into its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    /// The label column.
    pub label: usize,
    /// The request columns, in the order of [`Selection::attributes`].
    pub attributes: Vec<usize>,
    /// The feature columns, in the file's order.
    pub features: Vec<usize>,
    /// Every column's role.
    pub roles: Vec<Role>,
}

impl Selection<'_> {
    /// The roles of the columns of a table (of `path`) whose columns are named `names` (`None`
    /// for a column without a name).
    pub fn resolve(&self, path: &Path, names: &[Option<String>]) -> Result<Roles> {
        let n = names.len();
        if n < 2 {
            return Err(DataError::invalid(
                path,
                format!("has {n} column; a label and at least one feature are needed"),
            ));
        }
        let label = find(path, names, self.label, "label")?;
        let mut roles = vec![Role::Feature; n];
        roles[label] = Role::Label;
        let mut attributes = Vec::with_capacity(self.attributes.len());
        for attribute in self.attributes {
            let index = find(path, names, attribute, "unlearning.column")?;
            if index == label {
                return Err(DataError::invalid(
                    path,
                    format!(
                        "{} is the label column, so `unlearning.column` cannot read it",
                        describe(names, index)
                    ),
                ));
            }
            roles[index] = Role::Attribute;
            attributes.push(index);
        }
        match self.choice {
            ColumnChoice::All => {}
            ColumnChoice::Keep(kept) => {
                let mut listed = vec![false; n];
                for column in kept {
                    listed[find(path, names, column, "columns")?] = true;
                }
                for (role, listed) in roles.iter_mut().zip(listed) {
                    if *role == Role::Feature && !listed {
                        *role = Role::Skipped;
                    }
                }
            }
            ColumnChoice::Drop(dropped) => {
                for column in dropped {
                    let index = find(path, names, column, "drop")?;
                    let what = match roles[index] {
                        Role::Label => Some("the label column"),
                        Role::Attribute => Some("the column `unlearning.column` reads"),
                        Role::Feature | Role::Skipped => None,
                    };
                    if let Some(what) = what {
                        return Err(DataError::invalid(
                            path,
                            format!(
                                "`drop` names {}, {what}; it cannot be left out",
                                describe(names, index)
                            ),
                        ));
                    }
                    roles[index] = Role::Skipped;
                }
            }
        }
        let features: Vec<usize> = (0..n).filter(|&i| roles[i] == Role::Feature).collect();
        if features.is_empty() {
            let key = match self.choice {
                ColumnChoice::Keep(_) => "`columns` keeps",
                ColumnChoice::Drop(_) => "`drop` leaves",
                ColumnChoice::All => "the file has",
            };
            return Err(DataError::invalid(
                path,
                format!("{key} no feature column: only the label or request columns"),
            ));
        }
        Ok(Roles {
            label,
            attributes,
            features,
            roles,
        })
    }
}

/// How messages name column `index` of a table with these names: `column 3` or
/// `column 3 (`age`)`.
pub(crate) fn describe(names: &[Option<String>], index: usize) -> String {
    match &names[index] {
        Some(name) => format!("column {index} (`{name}`)"),
        None => format!("column {index}"),
    }
}

/// The index of the column `column` names, for the spec key `key` (`label`, `columns`, ...).
fn find(path: &Path, names: &[Option<String>], column: &LabelColumn, key: &str) -> Result<usize> {
    let n = names.len();
    match column {
        LabelColumn::First => Ok(0),
        LabelColumn::Last => Ok(n - 1),
        LabelColumn::Index(index) if *index < n => Ok(*index),
        LabelColumn::Index(index) => Err(DataError::invalid(
            path,
            format!(
                "has no column {index} for `{key}`: its {n} columns are numbered 0 to {}",
                n - 1
            ),
        )),
        LabelColumn::Name(wanted) => {
            let matches: Vec<usize> = (0..n)
                .filter(|&i| names[i].as_deref() == Some(wanted.as_str()))
                .collect();
            match matches.as_slice() {
                [index] => Ok(*index),
                [] => Err(unknown_name(path, names, wanted, key)),
                _ => Err(DataError::invalid(
                    path,
                    format!(
                        "has {} columns named `{wanted}`; give the `{key}` column by index",
                        matches.len()
                    ),
                )),
            }
        }
    }
}

fn unknown_name(path: &Path, names: &[Option<String>], wanted: &str, key: &str) -> DataError {
    let names: Vec<&str> = names.iter().filter_map(|name| name.as_deref()).collect();
    let hint = crate::spec::yaml::closest(wanted, &names)
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default();
    let shown: Vec<String> = names
        .iter()
        .take(SHOWN_NAMES)
        .map(|name| format!("`{name}`"))
        .collect();
    let more = if names.len() > SHOWN_NAMES {
        ", ..."
    } else {
        ""
    };
    DataError::invalid(
        path,
        format!(
            "has no column named `{wanted}` for `{key}`{hint} (columns: {}{more})",
            shown.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<Option<String>> {
        names.iter().map(|name| Some(name.to_string())).collect()
    }

    fn resolve(choice: &ColumnChoice, attributes: &[LabelColumn]) -> Result<Roles> {
        let selection = Selection {
            label: &LabelColumn::Name("class".into()),
            attributes,
            choice,
        };
        selection.resolve(
            Path::new("t.csv"),
            &names(&["id", "size", "weight", "class"]),
        )
    }

    fn by_name(names: &[&str]) -> Vec<LabelColumn> {
        names
            .iter()
            .map(|n| LabelColumn::Name(n.to_string()))
            .collect()
    }

    #[test]
    fn columns_keep_and_drop_leave_the_label_and_request_columns_alone() {
        let all = resolve(&ColumnChoice::All, &[]).unwrap();
        assert_eq!((all.label, all.features.clone()), (3, vec![0, 1, 2]));
        let kept = resolve(&ColumnChoice::Keep(by_name(&["weight", "size"])), &[]).unwrap();
        assert_eq!(kept.features, vec![1, 2], "in the file's order");
        assert_eq!(kept.roles[0], Role::Skipped);
        let dropped = resolve(
            &ColumnChoice::Drop(vec![LabelColumn::Index(0)]),
            &by_name(&["weight"]),
        )
        .unwrap();
        assert_eq!(dropped.features, vec![1]);
        assert_eq!(dropped.attributes, vec![2]);
    }

    #[test]
    fn unknown_or_forbidden_columns_name_the_key() {
        let error = resolve(&ColumnChoice::Drop(by_name(&["wieght"])), &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no column named `wieght` for `drop`; did you mean `weight`?"),
            "{error}"
        );
        let error = resolve(&ColumnChoice::Drop(by_name(&["class"])), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("the label column"), "{error}");
        let error = resolve(&ColumnChoice::Keep(vec![LabelColumn::Index(9)]), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("no column 9 for `columns`"), "{error}");
        let error = resolve(&ColumnChoice::Keep(by_name(&["class"])), &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`columns` keeps no feature column"),
            "{error}"
        );
    }
}
