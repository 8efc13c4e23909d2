//! The YAML layer: the only module that knows serde_yaml, so it can be swapped.
//!
//! It parses text, deserialises with key paths (serde_path_to_error) and line numbers, edits values
//! at dotted key paths (for `--set`, `--sweep` and sweep expansion), and finds the line on which a
//! key path is written (serde_yaml keeps no spans on values). Text larger than
//! [`MAX_SPEC_BYTES`] or nested deeper than [`MAX_SPEC_DEPTH`] is refused before it is parsed:
//! the parser's time grows faster than the nesting.

use std::io::{self, Read};
use std::path::Path;

use serde::de::DeserializeOwned;

/// Largest spec (or override value) read: 1 MiB; specs take a few kilobytes.
pub const MAX_SPEC_BYTES: usize = 1 << 20;

/// Deepest nesting of mappings and lists (indented blocks and brackets together) in a spec;
/// specs nest a handful of levels.
pub const MAX_SPEC_DEPTH: usize = 64;

/// A YAML document tree.
pub type Value = serde_yaml::Value;

/// A mapping in a YAML document tree.
pub type Mapping = serde_yaml::Mapping;

/// A failed parse or deserialisation: the key path, the position in the text, and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Dotted key path of the value that failed, when known (`None` for the document root).
    pub key: Option<String>,
    /// 1-based line and column, when the text was parsed directly.
    pub line: Option<(usize, usize)>,
    /// What serde said, with a suggestion appended where a name looks misspelled.
    pub message: String,
}

/// Reads a spec file: at most [`MAX_SPEC_BYTES`] and one byte more (so a larger file, or a
/// device that never ends, is refused by [`parse`] without being read whole).
pub fn read_text(path: &Path) -> io::Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_SPEC_BYTES {
        // Cut anywhere; the size alone is reported.
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    String::from_utf8(bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// Parses YAML text into a document tree (catches syntax errors and duplicate keys).
pub fn parse(text: &str) -> Result<Value, Failure> {
    check_limits(text)?;
    serde_yaml::from_str(text).map_err(|error| failure(None, &error))
}

/// Deserialises `T` straight from text, so errors carry line numbers as well as key paths.
pub fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, Failure> {
    check_limits(text)?;
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer)
        .map_err(|error| field_with_value(path_failure(error), text))
}

/// Inside a tagged enum (the model section) serde reports a bad value at the section itself; when
/// the message quotes the value and one field of the section holds it, names that field (and lets
/// the caller find its line).
fn field_with_value(mut failure: Failure, text: &str) -> Failure {
    let Some(key) = failure.key.clone() else {
        return failure;
    };
    let message = &failure.message;
    let quoted = if message.starts_with("invalid value: ") {
        message.split('`').nth(1)
    } else if let Some(rest) = message.strip_prefix("invalid type: string \"") {
        rest.split('"').next()
    } else {
        None
    };
    let Some(quoted) = quoted else {
        return failure;
    };
    let Ok(document) = serde_yaml::from_str::<Value>(text) else {
        return failure;
    };
    let section = key.split('.').try_fold(&document, |value, k| value.get(k));
    let Some(Value::Mapping(fields)) = section else {
        return failure;
    };
    let holders: Vec<&str> = fields
        .iter()
        .filter(|(_, value)| scalar_text(value).as_deref() == Some(quoted))
        .filter_map(|(field, _)| field.as_str())
        .collect();
    if let [field] = holders[..] {
        failure.key = Some(format!("{key}.{field}"));
        failure.line = None;
    }
    failure
}

/// A scalar as serde quotes it in messages.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Refuses text larger than [`MAX_SPEC_BYTES`] or nested deeper than [`MAX_SPEC_DEPTH`].
fn check_limits(text: &str) -> Result<(), Failure> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Failure {
            key: None,
            line: None,
            message: format!(
                "is larger than {MAX_SPEC_BYTES} bytes (1 MiB), the most sisa reads as a spec; \
                 is it the right file?"
            ),
        });
    }
    match too_deep(text) {
        Some(line) => Err(Failure {
            key: None,
            line: Some(line),
            message: format!(
                "nests mappings and lists more than {MAX_SPEC_DEPTH} levels deep, the most sisa \
                 reads"
            ),
        }),
        None => Ok(()),
    }
}

/// Where (1-based line and column) the nesting of `text` passes [`MAX_SPEC_DEPTH`], if it does.
///
/// A scan, not a parser: blocks nest by indentation (and `- ` items), flow collections by
/// brackets outside quotes and comments. It may count a level too many in odd layouts, never
/// too few, and takes linear time whatever the input.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (number, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if flow == 0 {
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut items = 0;
        let mut rest = content;
        while let Some(after) = rest.strip_prefix("- ") {
            items += 1;
            rest = after.trim_start_matches(' ');
        }
        let block = indents.len() + items;
        if block > MAX_SPEC_DEPTH {
            return Some((number + 1, indent + 1));
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        for (column, c) in line.char_indices() {
            match (quote, c) {
                (Some(open), c) if c == open => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '#') if previous == ' ' || previous == '\t' => break,
                (None, '[' | '{') => {
                    flow += 1;
                    if block + flow > MAX_SPEC_DEPTH {
                        return Some((number + 1, column + 1));
                    }
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
    }
    None
}

/// Deserialises `T` from a document tree (after overrides were applied); errors carry key paths.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Failure> {
    serde_path_to_error::deserialize(value).map_err(path_failure)
}

/// Parses one command-line value as YAML: `5` is a number, `[1, 2]` a list, `uniform` a string.
pub fn parse_scalar(text: &str) -> Result<Value, String> {
    check_limits(text).map_err(|failure| failure.message)?;
    serde_yaml::from_str(text).map_err(|error| strip_location(&error.to_string()))
}

/// Renders a value compactly on one line (`5`, `[1,2]`, `uniform`), for plans and file names.
pub fn compact(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => serde_json::to_string(other).unwrap_or_else(|_| format!("{other:?}")),
    }
}

/// Renders a document tree as YAML text.
pub fn to_text(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_default()
}

/// Sets the value at a dotted key path, creating mappings on the way.
///
/// Fails with a message when a step of the path exists but is not a mapping.
pub fn set_path(root: &mut Value, segments: &[&str], new: Value) -> Result<(), String> {
    let Some((last, parents)) = segments.split_last() else {
        return Err("empty key".to_owned());
    };
    let mut node = root;
    for (depth, segment) in parents.iter().enumerate() {
        node = child_mapping(node, segment, &segments[..=depth])?;
    }
    match node {
        Value::Mapping(map) => {
            map.insert(Value::String((*last).to_owned()), new);
            Ok(())
        }
        Value::Null => {
            let mut map = Mapping::new();
            map.insert(Value::String((*last).to_owned()), new);
            *node = Value::Mapping(map);
            Ok(())
        }
        _ => Err(format!("`{}` is not a mapping", parents.join("."))),
    }
}

fn child_mapping<'a>(
    node: &'a mut Value,
    segment: &str,
    path_so_far: &[&str],
) -> Result<&'a mut Value, String> {
    if node.is_null() {
        *node = Value::Mapping(Mapping::new());
    }
    let Value::Mapping(map) = node else {
        let parent = &path_so_far[..path_so_far.len() - 1];
        return Err(format!("`{}` is not a mapping", parent.join(".")));
    };
    let key = Value::String(segment.to_owned());
    if !map.contains_key(&key) {
        map.insert(key.clone(), Value::Mapping(Mapping::new()));
    }
    let child = map.get_mut(&key).expect("inserted above");
    if child.is_null() || child.is_mapping() {
        Ok(child)
    } else {
        Err(format!("`{}` is not a mapping", path_so_far.join(".")))
    }
}

/// The 1-based line and column at which a key path is written, if it is.
///
/// `segments` are mapping keys. This is a scan of indentation, not a parser: it serves error
/// messages. Keys inside a flow mapping (`model: {kind: mlp, epochs: 0}`) are found by name from
/// the line their flow mapping starts on.
pub fn line_of(text: &str, segments: &[&str]) -> Option<(usize, usize)> {
    let mut parent_indent: Option<usize> = None;
    let mut remaining = segments.iter().peekable();
    let mut found = None;
    let lines: Vec<&str> = text.lines().collect();
    for (number, raw_line) in lines.iter().enumerate() {
        let Some(wanted) = remaining.peek() else {
            break;
        };
        let content = raw_line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = raw_line.len() - content.len();
        if parent_indent.is_some_and(|parent| indent <= parent) {
            return None;
        }
        if key_of(content) == Some(wanted) {
            found = Some((number + 1, indent + 1));
            parent_indent = Some(indent);
            remaining.next();
            let value = content
                .split_once(':')
                .map_or("", |(_, value)| value.trim_start());
            if value.starts_with('{') && remaining.peek().is_some() {
                let rest: Vec<&str> = remaining.copied().collect();
                return in_flow(&lines[number..], &rest)
                    .map(|(line, column)| (number + line, column));
            }
        }
    }
    remaining.peek().is_none().then_some(found).flatten()
}

/// Where the last of `keys` is written inside the flow mapping that starts on `lines[0]`, each
/// key found after the previous one: (0-based line offset + 1, 1-based column).
fn in_flow(lines: &[&str], keys: &[&str]) -> Option<(usize, usize)> {
    let mut at = None;
    let (mut line, mut column) = (0, 0);
    for key in keys {
        let (found_line, found_column) =
            lines
                .iter()
                .enumerate()
                .skip(line)
                .find_map(|(offset, text)| {
                    let from = if offset == line { column } else { 0 };
                    flow_key(&text[from.min(text.len())..], key).map(|c| (offset, from + c))
                })?;
        (line, column) = (found_line, found_column + key.len());
        at = Some((found_line + 1, found_column + 1));
    }
    at
}

/// The byte offset of `key:` in `text` as a key of a flow mapping (after `{`, `,` or at the start
/// of a line).
fn flow_key(text: &str, key: &str) -> Option<usize> {
    text.match_indices(key).map(|(at, _)| at).find(|&at| {
        let before = text[..at].trim_end().chars().last();
        let after = text[at + key.len()..].trim_start();
        matches!(before, None | Some('{') | Some(',')) && after.starts_with(':')
    })
}

fn key_of(content: &str) -> Option<&str> {
    let (key, _) = content.split_once(':')?;
    let key = key.trim();
    Some(key.trim_matches(|c| c == '"' || c == '\''))
}

fn path_failure(error: serde_path_to_error::Error<serde_yaml::Error>) -> Failure {
    let path = error.path().to_string();
    let key = (path != ".").then_some(path);
    failure(key, error.inner())
}

fn failure(mut key: Option<String>, error: &serde_yaml::Error) -> Failure {
    let mut line = error
        .location()
        .map(|location| (location.line(), location.column()));
    let mut message = strip_location(&error.to_string());
    // serde_yaml prefixes the path it knows (the key or a parent of it); the key is reported
    // separately.
    if let Some(known) = &key {
        if let Some((prefix, rest)) = message.split_once(": ") {
            if known == prefix || known.starts_with(&format!("{prefix}.")) {
                message = rest.to_owned();
            }
        }
    }
    // Inside a tagged enum (the model section) the path stops at the enum; name the field itself,
    // and let the caller find its line.
    if let Some(field) = unknown_name(&message, "unknown field `") {
        let ends_with_field = key
            .as_deref()
            .is_some_and(|k| k == field || k.ends_with(&format!(".{field}")));
        if !ends_with_field {
            if let Some(parent) = key.take() {
                key = Some(format!("{parent}.{field}"));
                line = None;
            }
        }
    }
    if let Some(hint) = suggestion(&message) {
        message = format!("{message}; did you mean `{hint}`?");
    } else if message == "missing field `kind`" {
        message.push_str(" (the model kind, e.g. `kind: logistic`)");
    }
    Failure { key, line, message }
}

/// Drops the first " at line N column M" of a serde_yaml message: the position is reported apart.
/// Later positions ("while parsing a flow sequence at line 5 column 11") stay, they say more.
fn strip_location(message: &str) -> String {
    let Some(at) = message.find(" at line ") else {
        return message.to_owned();
    };
    let rest = &message[at + " at line ".len()..];
    let digits =
        |text: &str| text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let line_digits = digits(rest);
    match rest[line_digits..].strip_prefix(" column ") {
        Some(column) if line_digits > 0 => {
            let tail = &column[digits(column)..];
            format!("{}{tail}", &message[..at])
        }
        _ => message.to_owned(),
    }
}

/// The name in a serde message such as "unknown field `x`, expected ...".
fn unknown_name<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.split('`').next()
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (or variant), the closest expected name.
fn suggestion(message: &str) -> Option<String> {
    let given = unknown_name(message, "unknown field `")
        .or_else(|| unknown_name(message, "unknown variant `"))?;
    let (_, rest) = message.split_once("expected")?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    closest(given, &expected).map(str::to_owned)
}

/// The candidate closest to `given`: within edit distance 2 (or a third of its length), or else
/// the shortest candidate that `given` abbreviates (at least three characters).
pub fn closest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (given.len() / 3).max(2);
    let by_distance = candidates
        .iter()
        .map(|candidate| (edit_distance(given, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    by_distance.or_else(|| {
        candidates
            .iter()
            .filter(|candidate| given.len() >= 3 && candidate.starts_with(given))
            .min_by_key(|candidate| candidate.len())
            .copied()
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name: demo\n\
                        # a comment\n\
                        sisa:\n  shards: 5\n  slices: 2\n\
                        unlearning:\n  requests: [1, 2]\n\
                        sweep:\n  sisa.shards: [1, 2]\n";

    #[test]
    fn finds_the_line_of_nested_keys() {
        assert_eq!(line_of(TEXT, &["name"]), Some((1, 1)));
        assert_eq!(line_of(TEXT, &["sisa", "slices"]), Some((5, 3)));
        assert_eq!(line_of(TEXT, &["unlearning", "requests"]), Some((7, 3)));
        assert_eq!(line_of(TEXT, &["sweep", "sisa.shards"]), Some((9, 3)));
        assert_eq!(line_of(TEXT, &["sisa", "requests"]), None);
        assert_eq!(line_of(TEXT, &["model"]), None);
    }

    #[test]
    fn finds_keys_inside_flow_mappings() {
        let text =
            "name: x\nmodel: {kind: mlp, epochs: 0}\ndataset: {\n  samples: 10,\n  features: 3}\n";
        assert_eq!(line_of(text, &["model", "epochs"]), Some((2, 20)));
        assert_eq!(line_of(text, &["model", "kind"]), Some((2, 9)));
        assert_eq!(line_of(text, &["dataset", "features"]), Some((5, 3)));
        assert_eq!(line_of(text, &["model", "hidden"]), None);
    }

    #[test]
    fn sets_dotted_paths_creating_mappings() {
        let mut value = parse(TEXT).unwrap();
        set_path(&mut value, &["sisa", "shards"], Value::from(9)).unwrap();
        set_path(&mut value, &["model", "alpha"], Value::from(0.5)).unwrap();
        assert_eq!(value["sisa"]["shards"], Value::from(9));
        assert_eq!(value["model"]["alpha"], Value::from(0.5));
        let error = set_path(&mut value, &["name", "x"], Value::from(1)).unwrap_err();
        assert_eq!(error, "`name` is not a mapping");
    }

    #[test]
    fn suggests_close_names() {
        let message = "unknown field `shard`, expected one of `shards`, `slices`";
        assert_eq!(suggestion(message).as_deref(), Some("shards"));
        assert_eq!(
            suggestion("unknown field `zzzzzz`, expected `shards`"),
            None
        );
        let abbreviated = "unknown field `max_iter`, expected one of `alpha`, `max_iterations`";
        assert_eq!(suggestion(abbreviated).as_deref(), Some("max_iterations"));
    }

    #[test]
    fn positions_are_dropped_once_from_messages() {
        assert_eq!(strip_location("bad at line 3 column 4"), "bad");
        assert_eq!(
            strip_location("x at line 6 column 9, while parsing a map at line 5 column 11"),
            "x, while parsing a map at line 5 column 11"
        );
        assert_eq!(strip_location("no position"), "no position");
    }

    #[test]
    fn oversized_and_deeply_nested_text_is_refused_before_parsing() {
        let big = format!("name: x\n# {}\n", "x".repeat(MAX_SPEC_BYTES));
        assert!(parse(&big).unwrap_err().message.contains("larger than"));
        let brackets = format!("a: {}", "[".repeat(100_000));
        let failure = parse(&brackets).unwrap_err();
        assert!(
            failure.message.contains("more than 64 levels"),
            "{failure:?}"
        );
        assert_eq!(failure.line, Some((1, 4 + MAX_SPEC_DEPTH - 1)));
        let mut blocks = String::new();
        for depth in 0..100 {
            blocks += &format!("{}k{depth}:\n", "  ".repeat(depth));
        }
        assert!(from_text::<Value>(&blocks).is_err());
        assert!(parse_scalar(&"[".repeat(1000)).is_err());
        let fine = "a:\n  - b: [1, {c: '[[[['}]  # [[[[\n  - - d\n";
        assert!(too_deep(fine).is_none());
        assert!(parse(fine).is_ok());
    }

    #[test]
    fn parse_reports_duplicate_keys_with_lines() {
        let failure = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(failure.message.contains("duplicate"), "{failure:?}");
        assert!(failure.line.is_some(), "{failure:?}");
    }
}
