//! Figures, built only from the results table so `sisa report` re-renders them without
//! re-running. The spec's `figures` key is checked into a [`FigurePlan`] ([`plan`], with each
//! figure's [`options`]); each built-in figure is one file under [`figures`] and builds a
//! [`chart::Chart`], plain data; [`layout`] places a chart on a canvas of any size so that no
//! text leaves it or overlaps other text and the legend covers no data; [`draw`] paints it;
//! [`output`] writes it as PNG, SVG ([`svg`]) or PDF ([`pdf`]) through the recording backend of
//! [`vector`]; [`style`] holds the style constants and [`text`] the bundled font's metrics.

pub(crate) mod axis;
pub(crate) mod chart;
pub(crate) mod data;
pub(crate) mod draw;
pub(crate) mod figures;
pub(crate) mod geometry;
pub(crate) mod layout;
pub(crate) mod options;
pub(crate) mod output;
pub(crate) mod pdf;
pub(crate) mod plan;
pub(crate) mod style;
pub(crate) mod svg;
pub(crate) mod text;
pub(crate) mod vector;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::results::{ResultsError, ResultsFolder, Table};
use options::{FigureOptions, ImageFormat};
pub use plan::{requested, FigurePlan};

/// The names of the built-in figures, in report order (the spec's JSON Schema lists them).
pub fn figure_names() -> Vec<&'static str> {
    figures::names()
}

/// A figure written to the results folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Its name (the file name without extension).
    pub name: String,
    /// Its title (also when the figure itself is drawn without one).
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

/// What [`render`] did to the results folder's `figures/`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendering {
    /// The figures drawn.
    pub rendered: Vec<Rendered>,
    /// The figures asked for but not drawn.
    pub skipped: Vec<Skipped>,
    /// Figure files of earlier settings that this one does not write, removed.
    pub removed: Vec<PathBuf>,
}

/// Draws the figures `plan` asks for (or, when it names none, every built-in figure the table
/// calls for) into the results folder's `figures/`, each in the formats of its options, then
/// removes the figure files there that no figure of the plan wrote (left by an earlier
/// `figures:` setting). Nothing else in the folder is touched.
pub fn render(
    table: &Table,
    plan: &FigurePlan,
    folder: &ResultsFolder,
) -> Result<Rendering, ResultsError> {
    let mut rendering = Rendering::default();
    for request in plan.for_table(table) {
        let figure = request.figure();
        let skip = |reason: String| Skipped {
            name: request.name.clone(),
            reason,
        };
        if !figure.applies(table) {
            let reason = "the run does not vary what this figure plots".to_owned();
            rendering.skipped.push(skip(reason));
            continue;
        }
        match figure.build(table, request.options.error_bars) {
            Ok(chart) => {
                let chart = chart.labelled(&request.options);
                let rendered = write(&chart, &request.name, &request.options, folder)?;
                rendering.rendered.push(rendered);
            }
            Err(reason) => rendering.skipped.push(skip(reason.to_string())),
        }
    }
    let written: BTreeSet<&PathBuf> = rendering.rendered.iter().flat_map(|r| &r.files).collect();
    rendering.removed = remove_stale(folder, &written)?;
    Ok(rendering)
}

fn write(
    chart: &chart::Chart,
    name: &str,
    options: &FigureOptions,
    folder: &ResultsFolder,
) -> Result<Rendered, ResultsError> {
    let mut files = Vec::with_capacity(options.formats.len());
    for &format in &options.formats {
        let path = folder.figure_path(name, format.extension());
        folder.write_through_path(&path, |temporary| {
            let bytes = output::encoder(format)
                .encode(chart, options)
                .map_err(|error| error.to_string())?;
            std::fs::write(temporary, bytes).map_err(|error| error.to_string())
        })?;
        files.push(path);
    }
    Ok(Rendered {
        name: name.to_owned(),
        title: chart.title().to_owned(),
        files,
    })
}

/// Removes the figure files (SVG, PNG, PDF) in the folder's `figures/` that are not `written`;
/// returns their paths. Other files, hidden ones (temporaries) and folders stay.
fn remove_stale(
    folder: &ResultsFolder,
    written: &BTreeSet<&PathBuf>,
) -> Result<Vec<PathBuf>, ResultsError> {
    let probe = folder.figure_path("figure", ImageFormat::Svg.extension());
    let Some(figures) = probe.parent() else {
        return Ok(Vec::new());
    };
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ResultsError::Io { path, source }
    };
    let entries = match std::fs::read_dir(figures) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io(figures)(error)),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let path = entry.map_err(io(figures))?.path();
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        let figure = path.extension().is_some_and(|extension| {
            ImageFormat::ALL
                .iter()
                .any(|format| extension == format.extension())
        });
        if figure && !hidden && path.is_file() && !written.contains(&path) {
            std::fs::remove_file(&path).map_err(io(&path))?;
            removed.push(path);
        }
    }
    removed.sort();
    Ok(removed)
}
