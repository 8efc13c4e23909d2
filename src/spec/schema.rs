//! The spec's JSON Schema (draft 2020-12), derived from the types a spec file is read into
//! ([`super::raw`]), so it cannot drift from what `sisa` accepts: editors (VS Code's YAML
//! extension, anything on yaml-language-server) complete keys and check shapes with it. It checks
//! shapes only: ranges and how options fit together are `sisa validate`'s.

use serde_json::Value;

use super::raw::{FigureName, RawSpec};
use schemars::JsonSchema;

/// The JSON Schema of a spec, with `figure_names` as the built-in figures an entry of `figures`
/// may name.
pub fn schema(figure_names: &[&str]) -> Value {
    let mut schema = schemars::schema_for!(RawSpec).to_value();
    schema["title"] = "sisa experiment spec".into();
    schema["description"] = "A sisa experiment: the dataset, the constituent model, the SISA \
        layout, the deletion requests, the baseline, what is swept, and the figures. Unknown keys \
        are errors."
        .into();
    schema["$defs"][FigureName::schema_name().as_ref()]["enum"] = figure_names.into();
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_and_figure_names_listed() {
        let schema = schema(&["speedup-vs-requests", "trade-off"]);
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], serde_json::json!(["name"]));
        assert_eq!(
            schema["$defs"]["FigureName"]["enum"],
            serde_json::json!(["speedup-vs-requests", "trade-off"])
        );
        for section in ["RawDataset", "RawSisa", "RawUnlearning", "RawFigureSection"] {
            assert_eq!(
                schema["$defs"][section]["additionalProperties"], false,
                "{section}"
            );
        }
    }
}
