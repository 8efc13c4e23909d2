//! `sisa init [PATH]`: writes a commented starter spec that validates and runs as it is, named
//! after its file.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::{Error, Result};
use crate::results::ResultsError;
use crate::spec::yaml::{self, Value};
use crate::spec::ExperimentName;

/// The starter spec, with `{name}` (as YAML), `{folder}` and `{path}` to fill in.
const STARTER: &str = include_str!("starter.yaml");

/// The experiment name when the file's name gives none.
const DEFAULT_NAME: &str = "experiment";

/// Options of `sisa init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The spec file to write.
    #[arg(default_value = "experiment.yaml")]
    pub path: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Runs `sisa init`.
pub fn run(args: &InitArgs) -> Result<()> {
    if args.path.exists() && !args.force {
        return Err(Error::Usage(format!(
            "`{}` exists; choose another path, or --force to replace it",
            args.path.display()
        )));
    }
    let name = name_for(&args.path);
    std::fs::write(&args.path, starter(&name, &args.path)).map_err(|source| ResultsError::Io {
        path: args.path.clone(),
        source,
    })?;
    println!(
        "wrote {path}: experiment `{name}`\nnext: sisa validate {path}\n      sisa run {path}",
        path = args.path.display(),
        name = name.as_str()
    );
    Ok(())
}

/// The starter spec for experiment `name`, to be written at `path`.
pub fn starter(name: &ExperimentName, path: &Path) -> String {
    STARTER
        .replace("{name}", &yaml_text(name.as_str()))
        .replace("{folder}", name.as_str())
        .replace("{path}", &path.display().to_string())
}

/// `text` as a YAML scalar that reads back as that text: quoted if it would read as something
/// else (`2024`, `true`, `null`, `1e3`).
fn yaml_text(text: &str) -> String {
    match yaml::parse_scalar(text) {
        Ok(Value::String(read)) if read == text => text.to_owned(),
        _ => format!("'{text}'"),
    }
}

/// The experiment name a spec file's name gives: its stem, with every character a name cannot
/// hold made `-` (`my run.yaml` -> `my-run`), or `experiment` if nothing usable is left.
pub fn name_for(path: &Path) -> ExperimentName {
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy())
        .unwrap_or_default();
    let cleaned: String = stem
        .chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') => c,
            _ => '-',
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(['.', '-']);
    ExperimentName::new(cleaned)
        .or_else(|_| ExperimentName::new(DEFAULT_NAME))
        .expect("the default name is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_comes_from_the_file_stem_made_safe() {
        let name = |path: &str| name_for(Path::new(path)).as_str().to_owned();
        assert_eq!(name("specs/purchase.yaml"), "purchase");
        assert_eq!(name("my run (2).yml"), "my-run--2-");
        assert_eq!(name(".hidden.yaml"), "hidden");
        assert_eq!(name("---"), "experiment");
        assert_eq!(name(&format!("{}.yaml", "x".repeat(200))), "experiment");
    }

    #[test]
    fn the_starter_names_its_experiment_and_file() {
        let text = starter(&name_for(Path::new("a/b.yaml")), Path::new("a/b.yaml"));
        assert!(text.contains("\nname: b "));
        assert!(text.contains("`sisa run a/b.yaml`"));
        assert!(text.contains("results/b/"));
        assert!(!text.contains('{'), "every placeholder is filled: {text}");
    }

    #[test]
    fn names_that_yaml_reads_as_other_things_are_quoted() {
        assert_eq!(yaml_text("purchase"), "purchase");
        for name in ["2024", "true", "null", "1e3", "0x1f", "~"] {
            assert_eq!(yaml_text(name), format!("'{name}'"));
        }
    }
}
