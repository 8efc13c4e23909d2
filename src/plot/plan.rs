//! The spec's `figures` key, checked: which figures (built-in ones by name, custom ones checked
//! against the columns the table will have), each with its options (the preset, then the
//! section's, then its entry's). An error names the entry and its key, with a suggestion for a
//! misspelled name.

use super::figures::custom::Custom;
use super::figures::{self, Figure};
use super::options::{image_formats, FigureOptions};
use crate::results::swept_columns;
use crate::spec::raw::{FigurePreset, RawFigure, RawFigureEntry, RawFigures};
use crate::spec::{yaml, Invalid, Spec, SpecError};

/// Which figure an entry draws.
#[derive(Debug, Clone)]
pub(crate) enum Drawn {
    /// A built-in figure.
    BuiltIn(&'static dyn Figure),
    /// A figure of any columns.
    Custom(Custom),
}

/// One figure a spec asks for, with its options.
#[derive(Debug, Clone)]
pub(crate) struct Requested {
    /// The file name, without extension.
    pub(crate) name: String,
    /// What is drawn.
    pub(crate) drawn: Drawn,
    /// How.
    pub(crate) options: FigureOptions,
}

impl Requested {
    /// The figure drawn.
    pub(crate) fn figure(&self) -> &dyn Figure {
        match &self.drawn {
            Drawn::BuiltIn(figure) => *figure,
            Drawn::Custom(custom) => custom,
        }
    }
}

/// What a spec asks of its figures: which (`None`: those the table calls for) and how every
/// figure is drawn unless its entry says otherwise.
#[derive(Debug, Clone, Default)]
pub struct FigurePlan {
    /// The figures asked for, in order.
    pub(crate) figures: Option<Vec<Requested>>,
    /// The options of figures the spec does not list.
    pub(crate) defaults: FigureOptions,
}

impl FigurePlan {
    /// The figures to draw for a table: those asked for, or every built-in one that applies.
    pub(crate) fn for_table(&self, table: &crate::results::Table) -> Vec<Requested> {
        match &self.figures {
            Some(figures) => figures.clone(),
            None => figures::BUILT_IN
                .iter()
                .filter(|figure| figure.applies(table))
                .map(|&figure| Requested {
                    name: figure.name().to_owned(),
                    drawn: Drawn::BuiltIn(figure),
                    options: self.defaults.clone(),
                })
                .collect(),
        }
    }
}

/// The figures and options `spec` asks for, checked: built-in names exist, custom figures name
/// columns its table will have, sizes and fonts are sensible.
pub fn requested(spec: &Spec) -> Result<FigurePlan, SpecError> {
    let checked = match spec.figures() {
        None => Ok(FigurePlan::default()),
        Some(RawFigures::List(list)) => {
            let defaults = FigureOptions::default();
            let figures = entries(list, "figures", &defaults, &swept_columns(spec));
            figures.map(|figures| FigurePlan {
                figures: Some(figures),
                defaults,
            })
        }
        Some(RawFigures::Section(section)) => {
            let preset = FigureOptions::preset(section.style.unwrap_or(FigurePreset::Screen));
            section_options(preset, section).and_then(|defaults| {
                let figures = section
                    .draw
                    .as_ref()
                    .map(|list| entries(list, "figures.draw", &defaults, &swept_columns(spec)))
                    .transpose()?;
                Ok(FigurePlan { figures, defaults })
            })
        }
    };
    checked.map_err(|error| spec.invalid(error, &[]))
}

/// The section's options over its preset's.
fn section_options(
    preset: FigureOptions,
    section: &crate::spec::raw::RawFigureSection,
) -> Result<FigureOptions, Invalid> {
    let mut options = preset.with(&section.look(), "figures")?;
    if let Some(formats) = &section.formats {
        options.formats = image_formats(formats, "figures.formats")?;
    }
    Ok(options)
}

/// The entries of the figure list at key `at`, each with its options over `defaults`; no two
/// may write the same files.
fn entries(
    list: &[RawFigure],
    at: &str,
    defaults: &FigureOptions,
    swept: &[String],
) -> Result<Vec<Requested>, Invalid> {
    let mut figures: Vec<Requested> = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let key = format!("{at}[{index}]");
        let requested = match entry {
            RawFigure::Named(name) => Requested {
                name: name.clone(),
                drawn: Drawn::BuiltIn(built_in(name, &key)?),
                options: defaults.clone(),
            },
            RawFigure::Entry(raw) => mapping(raw, &key, defaults, swept)?,
        };
        if figures.iter().any(|f| f.name == requested.name) {
            let message = format!(
                "`{}` is asked for twice; give the second its own `name`",
                requested.name
            );
            return Err(Invalid::new(key, message));
        }
        figures.push(requested);
    }
    Ok(figures)
}

/// The keys only a custom figure takes, for telling an entry with `figure` that it has one.
fn custom_keys(raw: &RawFigureEntry) -> Vec<&'static str> {
    [
        ("x", raw.x.is_some()),
        ("y", raw.y.is_some()),
        ("by", raw.by.is_some()),
        ("aggregate", raw.aggregate.is_some()),
        ("where", raw.filter.is_some()),
        ("log_x", raw.log_x.is_some()),
        ("log_y", raw.log_y.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, given)| given.then_some(key))
    .collect()
}

/// An entry given as a mapping: a built-in figure with options, or a custom figure.
fn mapping(
    raw: &RawFigureEntry,
    key: &str,
    defaults: &FigureOptions,
    swept: &[String],
) -> Result<Requested, Invalid> {
    let options = defaults.clone().with(&raw.look(), key)?;
    let drawn = match &raw.figure {
        Some(name) => {
            if let Some(custom) = custom_keys(raw).first() {
                return Err(Invalid::new(
                    format!("{key}.{custom}"),
                    format!(
                        "`{custom}` belongs to a figure of any columns; `figure: {name}` draws a \
                         built-in one (leave out `figure` to draw `x` against `y`)"
                    ),
                ));
            }
            Drawn::BuiltIn(built_in(name, &format!("{key}.figure"))?)
        }
        None => Drawn::Custom(Custom::check(raw, key, swept)?),
    };
    // A custom figure's name is checked with it.
    let name = match (&raw.name, &drawn) {
        (_, Drawn::Custom(custom)) => custom.name.clone(),
        (Some(name), Drawn::BuiltIn(_)) => {
            crate::spec::ExperimentName::new(name)
                .map_err(|message| Invalid::new(format!("{key}.name"), message))?;
            name.clone()
        }
        (None, Drawn::BuiltIn(figure)) => figure.name().to_owned(),
    };
    Ok(Requested {
        name,
        drawn,
        options,
    })
}

/// The built-in figure `name`, or an error at `key` listing them.
fn built_in(name: &str, key: &str) -> Result<&'static dyn Figure, Invalid> {
    figures::built_in(name).ok_or_else(|| {
        let known = figures::names();
        let hint = yaml::closest(name, &known)
            .map(|close| format!("; did you mean `{close}`?"))
            .unwrap_or_default();
        let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        Invalid::new(
            key,
            format!(
                "unknown figure `{name}`, expected one of {} or a mapping such as \
                 {{x: shards, y: accuracy_gap}}{hint}",
                listed.join(", ")
            ),
        )
    })
}
