//! Figures (plotters), built only from the results table so `sisa report` re-renders them without
//! re-running. Each figure kind is one file under [`figures`] and builds a [`chart::Chart`], plain
//! data; [`draw`] lays any chart out; [`output`] writes it as PNG, SVG ([`svg`]) or PDF ([`pdf`])
//! through the recording backend of [`vector`]; [`style`] holds every style constant.

pub mod chart;
pub mod data;
pub mod draw;
pub mod figures;
pub mod output;
pub mod pdf;
pub mod style;
pub mod svg;
pub mod vector;

use std::path::{Path, PathBuf};

use crate::results::{swept_columns, ResultsError, ResultsFolder, Table};
use crate::spec::raw::{FigureFormat, RawFigure, RawFigures};
use crate::spec::{yaml, Invalid, Spec, SpecError};
use figures::custom::Custom;
use figures::Figure;
pub use figures::FigureKind;
use style::{FigureStyle, ImageFormat};

/// One figure a spec asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Requested {
    /// A built-in figure.
    Kind(FigureKind),
    /// A figure of any columns.
    Custom(Custom),
}

impl Requested {
    /// Its name: the file name, without extension.
    pub fn name(&self) -> &str {
        match self {
            Requested::Kind(kind) => kind.name(),
            Requested::Custom(custom) => &custom.name,
        }
    }

    fn figure(&self) -> &dyn Figure {
        match self {
            Requested::Kind(kind) => figures::figure(*kind),
            Requested::Custom(custom) => custom,
        }
    }
}

/// What a spec asks of its figures: which (`None`: those the table calls for) and how they are
/// written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FigurePlan {
    /// The figures asked for, in order.
    pub figures: Option<Vec<Requested>>,
    /// Size, resolution and formats.
    pub style: FigureStyle,
}

/// The figures and figure style `spec` asks for, checked: built-in names exist, custom figures
/// name columns its table will have, sizes are sensible. An error names the entry and its line,
/// with a suggestion for a misspelled name.
pub fn requested(spec: &Spec) -> Result<FigurePlan, SpecError> {
    let invalid = |error: Invalid| spec.invalid(error, &[]);
    let (list, at, style) = match spec.figures() {
        None => return Ok(FigurePlan::default()),
        Some(RawFigures::List(list)) => (Some(list), "figures", FigureStyle::default()),
        Some(RawFigures::Section(section)) => {
            let defaults = FigureStyle::default();
            let (low, high) = style::SIZE_LIMITS;
            let checked = |key: &str, value: Option<u32>, default: u32, (low, high)| match value {
                Some(v) if !(low..=high).contains(&v) => Err(invalid(Invalid::new(
                    format!("figures.{key}"),
                    format!("must be between {low} and {high}, got {v}"),
                ))),
                other => Ok(other.unwrap_or(default)),
            };
            let width = checked("width", section.width, defaults.width, (low, high))?;
            let height = checked("height", section.height, defaults.height, (low, high))?;
            let dpi = checked("dpi", section.dpi, defaults.dpi, style::DPI_LIMITS)?;
            let formats = match &section.formats {
                None => defaults.formats,
                Some(formats) => image_formats(formats).map_err(invalid)?,
            };
            let style = FigureStyle {
                width,
                height,
                dpi,
                formats,
            };
            (section.draw.as_ref(), "figures.draw", style)
        }
    };
    let Some(list) = list else {
        return Ok(FigurePlan {
            figures: None,
            style,
        });
    };
    let swept = swept_columns(spec);
    let mut figures: Vec<Requested> = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let key = format!("{at}[{index}]");
        let requested = match entry {
            RawFigure::Named(name) => Requested::Kind(kind(name, &key).map_err(invalid)?),
            RawFigure::Custom(raw) => {
                Requested::Custom(Custom::check(raw, &key, &swept).map_err(invalid)?)
            }
        };
        if figures.iter().any(|f| f.name() == requested.name()) {
            let message = format!(
                "`{}` is asked for twice; give a custom figure its own `name`",
                requested.name()
            );
            return Err(invalid(Invalid::new(key, message)));
        }
        figures.push(requested);
    }
    Ok(FigurePlan {
        figures: Some(figures),
        style,
    })
}

/// The built-in figure `name`, or an error listing them.
fn kind(name: &str, key: &str) -> Result<FigureKind, Invalid> {
    FigureKind::parse(name).ok_or_else(|| {
        let known: Vec<&str> = FigureKind::ALL.iter().map(|kind| kind.name()).collect();
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

/// The formats asked for, without repeats; the reports show a PNG or an SVG, so one must be there.
fn image_formats(formats: &[FigureFormat]) -> Result<Vec<ImageFormat>, Invalid> {
    let mut chosen: Vec<ImageFormat> = Vec::new();
    for format in formats {
        let format = match format {
            FigureFormat::Svg => ImageFormat::Svg,
            FigureFormat::Png => ImageFormat::Png,
            FigureFormat::Pdf => ImageFormat::Pdf,
        };
        if !chosen.contains(&format) {
            chosen.push(format);
        }
    }
    if !chosen.contains(&ImageFormat::Png) && !chosen.contains(&ImageFormat::Svg) {
        return Err(Invalid::new(
            "figures.formats",
            "needs `png` or `svg` too: the reports show figures as one of them",
        ));
    }
    Ok(chosen)
}

/// A figure written to the results folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Its name (the file name without extension).
    pub name: String,
    /// Its title.
    pub title: String,
    /// The files written, one per format, in the order of the formats asked for.
    pub files: Vec<PathBuf>,
}

impl Rendered {
    /// The file reports show: the PNG, else the SVG.
    pub fn image(&self) -> &Path {
        let with = |extension: &str| {
            self.files
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == extension))
        };
        with("png")
            .or_else(|| with("svg"))
            .or(self.files.first())
            .map_or(Path::new(""), PathBuf::as_path)
    }
}

/// A figure that was asked for but not drawn, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Draws the figures `plan` asks for (or, when it names none, every figure the table calls for)
/// into the results folder's `figures/`, in each format of the plan's style.
pub fn render(
    table: &Table,
    plan: &FigurePlan,
    folder: &ResultsFolder,
) -> Result<(Vec<Rendered>, Vec<Skipped>), ResultsError> {
    let mut rendered = Vec::new();
    let mut skipped = Vec::new();
    let requested: Vec<Requested> = match &plan.figures {
        Some(figures) => figures.clone(),
        None => FigureKind::ALL
            .into_iter()
            .filter(|&kind| figures::figure(kind).applies(table))
            .map(Requested::Kind)
            .collect(),
    };
    for request in &requested {
        let name = request.name().to_owned();
        let figure = request.figure();
        if !figure.applies(table) {
            let reason = "the run does not vary what this figure plots".to_owned();
            skipped.push(Skipped { name, reason });
            continue;
        }
        match figure.build(table) {
            Ok(chart) => rendered.push(write(&chart, name, &plan.style, folder)?),
            Err(reason) => skipped.push(Skipped {
                name,
                reason: reason.to_string(),
            }),
        }
    }
    Ok((rendered, skipped))
}

fn write(
    chart: &chart::Chart,
    name: String,
    style: &FigureStyle,
    folder: &ResultsFolder,
) -> Result<Rendered, ResultsError> {
    let mut files = Vec::with_capacity(style.formats.len());
    for &format in &style.formats {
        let path = folder.figure_path(&name, format.extension());
        folder.write_through_path(&path, |temporary| {
            let bytes = output::encoder(format)
                .encode(chart, style)
                .map_err(|error| error.to_string())?;
            std::fs::write(temporary, bytes).map_err(|error| error.to_string())
        })?;
        files.push(path);
    }
    Ok(Rendered {
        name,
        title: chart.title().to_owned(),
        files,
    })
}
