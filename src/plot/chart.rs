//! What a figure shows, as plain data: a line chart (axes with their ranges and ticks, series
//! with their colour, marker and dash, legend entries, labels next to points) or a heat map (cells
//! and a colour bar), with its title, caption and notes. Everything a figure decides is settled
//! here, before drawing, so tests can check a figure without rendering it; [`super::layout`]
//! places it on a canvas of any size.

use super::axis::{bounds, linear_ticks, Axis, AxisSpec, Format, Scale, Tick};
use super::options::{FigureOptions, Title};

/// A finished figure, ready to lay out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Chart {
    /// Lines and points over two numeric axes.
    Line(LineChart),
    /// A grid of coloured cells over two categorical axes.
    Heat(HeatMap),
}

impl Chart {
    /// The title above the plot (the figure's own, or the one its options give).
    pub(crate) fn title(&self) -> &str {
        match self {
            Chart::Line(line) => &line.title,
            Chart::Heat(heat) => &heat.title,
        }
    }

    /// The chart with the title and axis titles `options` give instead of its own.
    pub(crate) fn labelled(mut self, options: &FigureOptions) -> Chart {
        let (title, x, y) = match &mut self {
            Chart::Line(line) => (&mut line.title, &mut line.x.title, &mut line.y.title),
            Chart::Heat(heat) => (&mut heat.title, &mut heat.x_label, &mut heat.y_label),
        };
        if let Title::Text(text) = &options.title {
            title.clone_from(text);
        }
        if let Some(label) = &options.x_label {
            x.clone_from(label);
        }
        if let Some(label) = &options.y_label {
            y.clone_from(label);
        }
        self
    }
}

/// One plotted point: the value over repeats and its spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    /// Position on the x axis.
    pub(crate) x: f64,
    /// Position on the y axis.
    pub(crate) y: f64,
    /// Lower and upper end of the vertical error bar, if any.
    pub(crate) spread: Option<(f64, f64)>,
    /// Lower and upper end of the horizontal error bar, if any.
    pub(crate) x_spread: Option<(f64, f64)>,
}

impl Point {
    /// A point without spread.
    pub(crate) fn new(x: f64, y: f64) -> Point {
        Point {
            x,
            y,
            spread: None,
            x_spread: None,
        }
    }
}

/// Which colour a series is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Colour {
    /// An entry of the colour-blind-safe palette (`style::PALETTE`, repeating).
    Palette(usize),
    /// Neutral grey: a legend swatch that encodes no colour, or a point of no interest.
    Grey,
}

/// The shape drawn at each point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A circle.
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    TriangleUp,
    /// A diamond.
    Diamond,
    /// A triangle pointing down.
    TriangleDown,
    /// A diagonal cross.
    Cross,
    /// An upright cross.
    Plus,
}

impl Marker {
    /// Every marker, in the order series take them.
    pub(crate) const ALL: [Marker; 7] = [
        Marker::Circle,
        Marker::Square,
        Marker::TriangleUp,
        Marker::Diamond,
        Marker::TriangleDown,
        Marker::Cross,
        Marker::Plus,
    ];

    /// The `index`-th marker (the list repeats).
    pub(crate) fn nth(index: usize) -> Marker {
        Marker::ALL[index % Marker::ALL.len()]
    }
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    clippy::enum_variant_names,
    reason = "dash-dot and long dash are the patterns' usual names"
)]
pub(crate) enum Dash {
    /// Continuous.
    Solid,
    /// Dashes.
    Dashed,
    /// Dash and dot.
    DashDot,
    /// Long dashes.
    LongDash,
    /// Dots: reserved for analytic expectations.
    Dotted,
}

impl Dash {
    /// The patterns measured series take, in order; dotted stays for analytic curves.
    pub(crate) const MEASURED: [Dash; 4] =
        [Dash::Solid, Dash::Dashed, Dash::DashDot, Dash::LongDash];

    /// The `index`-th pattern of measured series (the list repeats).
    pub(crate) fn nth(index: usize) -> Dash {
        Dash::MEASURED[index % Dash::MEASURED.len()]
    }
}

/// How one series looks: colour and marker and dash, so series differ in more than colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesStyle {
    /// Its colour.
    pub(crate) colour: Colour,
    /// The marker at each point, if any.
    pub(crate) marker: Option<Marker>,
    /// Whether markers are filled (else outlined, so markers that overlap stay visible).
    pub(crate) filled: bool,
    /// The line through the points, if any.
    pub(crate) line: Option<Dash>,
    /// A thin line (analytic curves) rather than a regular one.
    pub(crate) thin: bool,
}

impl SeriesStyle {
    /// A measured series: outlined markers on a regular line.
    pub(crate) fn measured(colour: usize, marker: Marker, dash: Dash) -> SeriesStyle {
        SeriesStyle {
            colour: Colour::Palette(colour),
            marker: Some(marker),
            filled: false,
            line: Some(dash),
            thin: false,
        }
    }

    /// An analytic expectation: a thin dotted line without markers.
    pub(crate) fn analytic(colour: Colour) -> SeriesStyle {
        SeriesStyle {
            colour,
            marker: None,
            filled: false,
            line: Some(Dash::Dotted),
            thin: true,
        }
    }
}

/// One series of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// What it shows (e.g. `S = 5, R = 4` or `analytic, S = 5`); the legend is separate.
    pub(crate) name: String,
    /// The points, by increasing x.
    pub(crate) points: Vec<Point>,
    /// How it looks.
    pub(crate) style: SeriesStyle,
}

/// One row of a legend: a swatch showing what encodes it, and its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    /// The text.
    pub(crate) label: String,
    /// What the swatch shows: only the attributes that encode this entry.
    pub(crate) swatch: SeriesStyle,
}

/// A label written next to a point (the trade-off figure names each setting).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PointLabel {
    /// The point's x.
    pub(crate) x: f64,
    /// The point's y.
    pub(crate) y: f64,
    /// The text.
    pub(crate) text: String,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineChart {
    /// Title above the plot.
    pub(crate) title: String,
    /// The horizontal axis.
    pub(crate) x: Axis,
    /// The vertical axis.
    pub(crate) y: Axis,
    /// The series, in drawing order.
    pub(crate) series: Vec<Series>,
    /// The legend's rows.
    pub(crate) legend: Vec<LegendEntry>,
    /// Labels next to points.
    pub(crate) labels: Vec<PointLabel>,
    /// The caption under the plot (experiment, dataset, model, repeats).
    pub(crate) caption: String,
    /// What the reader must know to read the marks (what the error bars show, or that there is
    /// no spread estimate): in the footer, or in the legend when there is no footer.
    pub(crate) notes: Vec<String>,
}

impl LineChart {
    /// A chart of `series` whose axes are fitted to the points (spreads included).
    pub(crate) fn new(
        title: impl Into<String>,
        x: &AxisSpec,
        y: &AxisSpec,
        mut series: Vec<Series>,
        legend: Vec<LegendEntry>,
        caption: String,
    ) -> LineChart {
        for line in &mut series {
            for point in &mut line.points {
                point.spread = point.spread.map(|spread| clamp_spread(point.y, spread, y));
                point.x_spread = point
                    .x_spread
                    .map(|spread| clamp_spread(point.x, spread, x));
            }
        }
        let points = || series.iter().flat_map(|s| s.points.iter());
        let with_spread = |value: fn(&Point) -> f64, spread: fn(&Point) -> Option<(f64, f64)>| {
            points()
                .flat_map(|p| {
                    let (low, high) = spread(p).unwrap_or((value(p), value(p)));
                    [value(p), low, high]
                })
                .collect::<Vec<f64>>()
        };
        let xs: Vec<f64> = points().map(|p| p.x).collect();
        let ys: Vec<f64> = points().map(|p| p.y).collect();
        LineChart {
            title: title.into(),
            x: x.fit(&with_spread(|p| p.x, |p| p.x_spread), &xs),
            y: y.fit(&with_spread(|p| p.y, |p| p.spread), &ys),
            series,
            legend,
            labels: Vec::new(),
            caption,
            notes: Vec::new(),
        }
    }

    /// The chart with these notes.
    pub(crate) fn noting(mut self, notes: Vec<String>) -> LineChart {
        self.notes = notes;
        self
    }
}

/// A spread as drawn: within a factor 5 of the value on a log axis (a standard deviation larger
/// than the mean would reach below zero) and within 100% for accuracies.
fn clamp_spread(value: f64, (low, high): (f64, f64), axis: &AxisSpec) -> (f64, f64) {
    let (floor, ceiling) = match (axis.scale, axis.format) {
        (Scale::Log, _) if value > 0.0 => (value * 0.2, value * 5.0),
        (_, Format::Percent) => (f64::MIN, 1.0),
        _ => (f64::MIN, f64::MAX),
    };
    (low.max(floor), high.min(ceiling))
}

/// A heat map over two categorical axes, with a colour bar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeatMap {
    /// Title above the plot.
    pub(crate) title: String,
    /// The x axis title.
    pub(crate) x_label: String,
    /// The y axis title.
    pub(crate) y_label: String,
    /// Category labels along x.
    pub(crate) x_values: Vec<String>,
    /// Category labels along y, bottom to top.
    pub(crate) y_values: Vec<String>,
    /// `cells[y][x]`, empty where not measured.
    pub(crate) cells: Vec<Vec<Option<f64>>>,
    /// How cell values are written.
    pub(crate) format: Format,
    /// The colour bar: which values the colour scale spans, and its ticks.
    pub(crate) colour_bar: ColourBar,
    /// The caption under the plot.
    pub(crate) caption: String,
}

/// The scale of a heat map's colours: the lowest value is dark, the highest bright (viridis).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColourBar {
    /// The value at the bottom of the bar.
    pub(crate) low: f64,
    /// The value at the top.
    pub(crate) high: f64,
    /// Ticks along the bar.
    pub(crate) ticks: Vec<Tick>,
}

impl ColourBar {
    /// The bar spanning `cells`' values, with ticks written in `format`.
    pub(crate) fn spanning(cells: &[Vec<Option<f64>>], format: Format) -> ColourBar {
        let (low, high) = bounds(cells.iter().flatten().flatten().copied());
        let ticks = if high > low {
            linear_ticks((low, high), false)
        } else {
            vec![low]
        };
        ColourBar {
            low,
            high,
            ticks: ticks
                .into_iter()
                .map(|value| Tick {
                    value,
                    label: format.tick(value),
                })
                .collect(),
        }
    }

    /// Where `value` falls on the bar, from 0 (bottom) to 1 (top).
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        if self.high > self.low {
            ((value - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_bars_span_the_cells() {
        let cells = vec![vec![Some(1.0), None], vec![Some(9.5), Some(4.0)]];
        let bar = ColourBar::spanning(&cells, Format::Times);
        assert_eq!((bar.low, bar.high), (1.0, 9.5));
        assert!(bar.ticks.len() >= 3);
        assert!(bar.ticks.iter().all(|t| t.value >= 1.0 && t.value <= 9.5));
        assert_eq!(bar.fraction(9.5), 1.0);
    }

    #[test]
    fn options_replace_the_titles() {
        let axis = AxisSpec::numeric("x", Scale::Linear, Format::Plain);
        let chart = Chart::Line(LineChart::new(
            "t",
            &axis,
            &axis,
            Vec::new(),
            Vec::new(),
            String::new(),
        ));
        let options = FigureOptions {
            title: Title::Text("Mine".to_owned()),
            y_label: Some("speed-up".to_owned()),
            ..FigureOptions::default()
        };
        let Chart::Line(line) = chart.labelled(&options) else {
            panic!("a line chart");
        };
        assert_eq!((line.title.as_str(), line.x.title.as_str()), ("Mine", "x"));
        assert_eq!(line.y.title, "speed-up");
    }
}
