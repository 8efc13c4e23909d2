//! Command-line overrides of a spec: `--set KEY=VALUE` and `--sweep KEY=A,B,...`, with the same
//! dotted keys as the file.

use super::yaml::{self, Value};

/// One override given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Override {
    /// `--set KEY=VALUE`: the value (read as YAML) replaces the one at `key`.
    Set {
        /// Dotted key path.
        key: String,
        /// The new value.
        value: Value,
    },
    /// `--sweep KEY=A,B,...`: the list becomes the sweep axis of `key`, replacing the file's.
    Sweep {
        /// Dotted key path.
        key: String,
        /// The values to sweep over, in order.
        values: Vec<Value>,
    },
}

impl Override {
    /// Parses `KEY=VALUE` from `--set`.
    pub fn parse_set(argument: &str) -> Result<Override, String> {
        let (key, text) = split(argument)?;
        let value = yaml::parse_scalar(text).map_err(|error| format!("`{text}`: {error}"))?;
        Ok(Override::Set { key, value })
    }

    /// Parses `KEY=A,B,...` from `--sweep`.
    pub fn parse_sweep(argument: &str) -> Result<Override, String> {
        let (key, text) = split(argument)?;
        let values = top_level_items(text)
            .into_iter()
            .map(|item| {
                let item = item.trim();
                if item.is_empty() {
                    return Err(format!("`{text}` has an empty item"));
                }
                yaml::parse_scalar(item).map_err(|error| format!("`{item}`: {error}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Override::Sweep { key, values })
    }

    /// The dotted key it changes.
    pub fn key(&self) -> &str {
        match self {
            Override::Set { key, .. } | Override::Sweep { key, .. } => key,
        }
    }

    /// How the user wrote it, for messages.
    pub fn describe(&self) -> String {
        match self {
            Override::Set { key, value } => format!("--set {key}={}", yaml::compact(value)),
            Override::Sweep { key, values } => {
                let items: Vec<String> = values.iter().map(yaml::compact).collect();
                format!("--sweep {key}={}", items.join(","))
            }
        }
    }

    /// Applies it to a spec document.
    pub fn apply(&self, document: &mut Value) -> Result<(), String> {
        match self {
            Override::Set { key, value } => yaml::set_path(document, &key_path(key), value.clone()),
            Override::Sweep { key, values } => {
                yaml::set_path(document, &["sweep", key], Value::Sequence(values.clone()))
            }
        }
    }
}

/// The comma-separated items of `text`, splitting only at commas outside brackets, braces and
/// quotes, so a swept value may itself be a list or a section (`{kind: mlp, epochs: 5}`).
fn top_level_items(text: &str) -> Vec<&str> {
    let (mut items, mut depth, mut quote, mut start) = (Vec::new(), 0i32, None, 0);
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(open), _) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// The segments of a dotted key.
pub fn segments(key: &str) -> Vec<&str> {
    key.split('.').collect()
}

/// The mapping keys a dotted key names in a spec document: its segments, except that under
/// `sweep` and `zip` the rest of the key names one axis whole (`sweep.sisa.shards`).
pub fn key_path(key: &str) -> Vec<&str> {
    for section in ["sweep", "zip"] {
        if let Some(axis) = key.strip_prefix(section).and_then(|k| k.strip_prefix('.')) {
            return vec![section, axis];
        }
    }
    segments(key)
}

fn split(argument: &str) -> Result<(String, &str), String> {
    let Some((key, value)) = argument.split_once('=') else {
        return Err(format!("`{argument}` is not KEY=VALUE"));
    };
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("`{key}` is not a dotted key like `sisa.shards`"));
    }
    Ok((key.to_owned(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_reads_values_as_yaml() {
        let parsed = Override::parse_set("unlearning.requests=[1, 2]").unwrap();
        let Override::Set { key, value } = parsed else {
            panic!("not a set")
        };
        assert_eq!(key, "unlearning.requests");
        assert_eq!(value, yaml::parse_scalar("[1, 2]").unwrap());
    }

    #[test]
    fn sweep_splits_on_commas() {
        let parsed = Override::parse_sweep("sisa.shards=1,2,5").unwrap();
        assert_eq!(parsed.describe(), "--sweep sisa.shards=1,2,5");
        assert!(Override::parse_sweep("sisa.shards=1,,2").is_err());
        assert!(Override::parse_set("sisa..shards=1").is_err());
        assert!(Override::parse_set("shards").is_err());
    }

    #[test]
    fn sweep_values_may_be_lists_and_sections() {
        let parsed =
            Override::parse_sweep("model={kind: mlp, epochs: 5},{kind: logistic}").unwrap();
        let Override::Sweep { values, .. } = &parsed else {
            panic!("not a sweep")
        };
        assert_eq!(values.len(), 2);
        assert_eq!(yaml::compact(&values[0]), r#"{"kind":"mlp","epochs":5}"#);
        let lists = Override::parse_sweep("unlearning.requests=[1, 2],[4],'a,b'").unwrap();
        let Override::Sweep { values, .. } = &lists else {
            panic!("not a sweep")
        };
        assert_eq!(values.len(), 3);
    }
}
