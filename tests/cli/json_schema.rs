//! A small JSON Schema validator for the keywords `sisa schema` writes (draft 2020-12: `$ref` into
//! `$defs`, `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
//! `anyOf`, `oneOf`, `minimum`), so the tests check specs against the schema without a validator
//! crate in the build. A keyword it does not know fails the test rather than being ignored.

use serde_json::Value;

/// Keywords that only annotate.
const ANNOTATIONS: [&str; 5] = ["$schema", "$defs", "title", "description", "format"];

/// Why `instance` does not match `schema` (empty if it does), each as `/json/pointer: reason`.
pub(crate) fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(schema, schema, instance, "", &mut found);
    found
}

/// A YAML document as JSON, mapping keys as text (`3: 0.5` has the key `"3"`), as editors see it.
pub(crate) fn yaml_to_json(yaml: &serde_yaml::Value) -> Value {
    use serde_yaml::Value as Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(flag) => Value::Bool(*flag),
        Yaml::Number(number) => serde_json::to_value(number).expect("a number"),
        Yaml::String(text) => Value::String(text.clone()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Mapping(mapping) => Value::Object(
            mapping
                .iter()
                .map(|(key, value)| (key_text(key), yaml_to_json(value)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => yaml_to_json(&tagged.value),
    }
}

fn key_text(key: &serde_yaml::Value) -> String {
    match yaml_to_json(key) {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

fn check(root: &Value, schema: &Value, instance: &Value, at: &str, found: &mut Vec<String>) {
    let keywords = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return found.push(format!("{at}: nothing is allowed here")),
        Value::Object(keywords) => keywords,
        other => panic!("not a schema: {other}"),
    };
    check_object(root, keywords, instance, at, found);
    for (keyword, value) in keywords {
        match keyword.as_str() {
            "$ref" => check(root, resolve(root, value), instance, at, found),
            "type" => check_type(value, instance, at, found),
            "enum" if !value.as_array().unwrap().contains(instance) => {
                found.push(format!("{at}: {instance} is not one of {value}"))
            }
            "const" if value != instance => found.push(format!("{at}: {instance} is not {value}")),
            "properties" | "additionalProperties" | "required" => {}
            "items" => {
                for (i, item) in instance.as_array().into_iter().flatten().enumerate() {
                    check(root, value, item, &format!("{at}/{i}"), found);
                }
            }
            "anyOf" | "oneOf" => check_options(root, keyword, value, instance, at, found),
            "minimum" => {
                if let Some(number) = instance.as_f64() {
                    if number < value.as_f64().unwrap() {
                        found.push(format!("{at}: {number} is below {value}"));
                    }
                }
            }
            "enum" | "const" => {}
            other if ANNOTATIONS.contains(&other) => {}
            other => panic!("the test's validator does not know the keyword `{other}`"),
        }
    }
}

fn resolve<'a>(root: &'a Value, reference: &Value) -> &'a Value {
    let name = reference
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .unwrap_or_else(|| panic!("a reference into $defs: {reference}"));
    root["$defs"]
        .get(name)
        .unwrap_or_else(|| panic!("no definition `{name}`"))
}

fn check_type(expected: &Value, instance: &Value, at: &str, found: &mut Vec<String>) {
    let is = |name: &str| match name {
        "null" => instance.is_null(),
        "boolean" => instance.is_boolean(),
        "string" => instance.is_string(),
        "number" => instance.is_number(),
        "integer" => instance.is_i64() || instance.is_u64(),
        "array" => instance.is_array(),
        "object" => instance.is_object(),
        other => panic!("unknown type `{other}`"),
    };
    let allowed: Vec<&str> = match expected {
        Value::String(name) => vec![name.as_str()],
        names => names
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect(),
    };
    if !allowed.iter().any(|&name| is(name)) {
        found.push(format!("{at}: {instance} is not of type {expected}"));
    }
}

/// `properties`, `required` and `additionalProperties` together (the last needs the first).
fn check_object(
    root: &Value,
    keywords: &serde_json::Map<String, Value>,
    instance: &Value,
    at: &str,
    found: &mut Vec<String>,
) {
    let Some(object) = instance.as_object() else {
        return;
    };
    let empty = serde_json::Map::new();
    let properties = keywords
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for name in keywords
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !object.contains_key(name.as_str().unwrap()) {
            found.push(format!("{at}: the key {name} is required"));
        }
    }
    for (key, value) in object {
        let here = format!("{at}/{key}");
        match (properties.get(key), keywords.get("additionalProperties")) {
            (Some(schema), _) | (None, Some(schema)) => check(root, schema, value, &here, found),
            (None, None) => {}
        }
    }
}

fn check_options(
    root: &Value,
    keyword: &str,
    options: &Value,
    instance: &Value,
    at: &str,
    found: &mut Vec<String>,
) {
    let outcomes: Vec<Vec<String>> = options
        .as_array()
        .unwrap()
        .iter()
        .map(|option| {
            let mut errors = Vec::new();
            check(root, option, instance, at, &mut errors);
            errors
        })
        .collect();
    let passing = outcomes.iter().filter(|errors| errors.is_empty()).count();
    match (keyword, passing) {
        ("anyOf", 1..) | ("oneOf", 1) => {}
        ("oneOf", 2..) => found.push(format!("{at}: {instance} matches {passing} of oneOf")),
        _ => found.push(format!(
            "{at}: no option matches: {}",
            outcomes
                .iter()
                .map(|errors| errors.join("; "))
                .collect::<Vec<_>>()
                .join(" | ")
        )),
    }
}

#[test]
fn the_validator_checks_what_it_says() {
    let schema = serde_json::json!({
        "$defs": {"Small": {"type": "integer", "minimum": 0}},
        "type": "object",
        "properties": {"n": {"$ref": "#/$defs/Small"}, "k": {"enum": ["a", "b"]}},
        "required": ["n"],
        "additionalProperties": false
    });
    assert!(errors(&schema, &serde_json::json!({"n": 3, "k": "a"})).is_empty());
    let wrong = errors(&schema, &serde_json::json!({"n": -1, "k": "c", "x": 1}));
    assert_eq!(wrong.len(), 3, "{wrong:?}");
    assert!(!errors(&schema, &serde_json::json!({"k": "a"})).is_empty());
    let one_of = serde_json::json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
    assert!(
        !errors(&one_of, &serde_json::json!(1)).is_empty(),
        "both match"
    );
    assert!(errors(&one_of, &serde_json::json!(1.5)).is_empty());
}
