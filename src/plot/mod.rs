//! Figures (plotters), built only from the results table so `sisa report` re-renders them without
//! re-running. Each figure kind is one file under [`figures`]; [`chart`] draws any of them to SVG and
//! PNG; [`style`] holds every style constant.

pub mod chart;
pub mod data;
pub mod figures;
pub mod style;

use std::path::PathBuf;

use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};

use crate::results::{ResultsError, ResultsFolder, Table};
use crate::spec::{yaml, Invalid, Spec, SpecError};
use chart::Chart;
pub use figures::FigureKind;

/// The figures `spec` asks for (`None` when it leaves the choice to the table), or an error
/// naming the first name that is no figure, with its line.
pub fn requested(spec: &Spec) -> Result<Option<Vec<FigureKind>>, SpecError> {
    let Some(names) = spec.figures() else {
        return Ok(None);
    };
    let known: Vec<&str> = FigureKind::ALL.iter().map(|kind| kind.name()).collect();
    let kinds = names.iter().enumerate().map(|(index, name)| {
        FigureKind::parse(name).ok_or_else(|| {
            let hint = yaml::closest(name, &known)
                .map(|close| format!("; did you mean `{close}`?"))
                .unwrap_or_default();
            let message = format!(
                "unknown figure `{name}`, expected one of {}{hint}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            spec.invalid(Invalid::new(format!("figures[{index}]"), message), &[])
        })
    });
    kinds.collect::<Result<_, _>>().map(Some)
}

/// A figure written to the results folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Which figure.
    pub kind: FigureKind,
    /// Its title.
    pub title: String,
    /// The SVG file.
    pub svg: PathBuf,
    /// The PNG file.
    pub png: PathBuf,
}

/// A figure that was asked for but not drawn, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Which figure.
    pub kind: FigureKind,
    /// Why.
    pub reason: String,
}

/// Draws the figures `requested` (or, when `None`, every figure the table calls for) into the
/// results folder's `figures/`, as SVG and PNG.
pub fn render(
    table: &Table,
    requested: Option<&[FigureKind]>,
    folder: &ResultsFolder,
) -> Result<(Vec<Rendered>, Vec<Skipped>), ResultsError> {
    let mut rendered = Vec::new();
    let mut skipped = Vec::new();
    let kinds: Vec<FigureKind> = match requested {
        Some(kinds) => kinds.to_vec(),
        None => FigureKind::ALL
            .into_iter()
            .filter(|&kind| figures::figure(kind).applies(table))
            .collect(),
    };
    for kind in kinds {
        let figure = figures::figure(kind);
        if !figure.applies(table) {
            let reason = "the run does not vary what this figure plots".to_owned();
            skipped.push(Skipped { kind, reason });
            continue;
        }
        match figure.build(table) {
            Ok(chart) => rendered.push(write(&chart, kind, folder)?),
            Err(reason) => skipped.push(Skipped {
                kind,
                reason: reason.to_string(),
            }),
        }
    }
    Ok((rendered, skipped))
}

fn write(
    chart: &Chart,
    kind: FigureKind,
    folder: &ResultsFolder,
) -> Result<Rendered, ResultsError> {
    let svg = folder.figure_path(kind.name(), "svg");
    let png = folder.figure_path(kind.name(), "png");
    let size = style::SIZE;
    folder.write_through_path(&svg, |path| {
        let root = SVGBackend::new(path, size).into_drawing_area();
        chart::draw(&root, chart)?;
        root.present().map_err(|e| e.to_string())
    })?;
    folder.write_through_path(&png, |path| {
        let root = BitMapBackend::new(path, size).into_drawing_area();
        chart::draw(&root, chart)?;
        root.present().map_err(|e| e.to_string())
    })?;
    let title = match chart {
        Chart::Line(line) => line.title.clone(),
        Chart::Heat(heat) => heat.title.clone(),
    };
    Ok(Rendered {
        kind,
        title,
        svg,
        png,
    })
}
