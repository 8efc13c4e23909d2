//! What a figure shows (a line chart or a heat map) and how it is drawn, on any plotters backend,
//! so one description renders to SVG and PNG alike.

use plotters::coord::ranged1d::{AsRangedCoord, SegmentValue, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::ErrorBar;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;

/// A finished figure, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Lines over a numeric x axis.
    Line(LineChart),
    /// A grid of coloured cells over two categorical axes.
    Heat(HeatMap),
}

/// One measured point: the mean over repeats and its spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Position on the x axis.
    pub x: f64,
    /// Mean over repeats.
    pub y: f64,
    /// Lower and upper end of the spread (mean -/+ one standard deviation), when there is one.
    pub spread: Option<(f64, f64)>,
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (`None`: not in the legend).
    pub label: Option<String>,
    /// The points, by increasing x.
    pub points: Vec<Point>,
    /// Palette index of its colour.
    pub colour: usize,
    /// Dashed, without markers: an analytic expectation rather than a measurement.
    pub dashed: bool,
}

/// Where the legend goes, chosen to keep it off the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    /// Top right.
    UpperRight,
    /// Top left.
    UpperLeft,
    /// Bottom right.
    LowerRight,
    /// Bottom left.
    LowerLeft,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// The x axis title, with units.
    pub x_label: String,
    /// The y axis title, with units.
    pub y_label: String,
    /// Logarithmic x axis.
    pub x_log: bool,
    /// Logarithmic y axis.
    pub y_log: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Where the legend goes.
    pub legend: Corner,
    /// Whether to add a legend entry explaining dashed lines.
    pub dashed_means: Option<String>,
    /// The caption line under the plot (spec, dataset, model).
    pub caption: String,
    /// Format of y tick labels.
    pub y_format: Format,
}

/// How tick values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A plain number.
    Plain,
    /// A fraction written as a percentage.
    Percent,
    /// A ratio such as `4x`.
    Times,
}

impl LineChart {
    /// The spread of a point as drawn: within a factor 5 of the mean on a log axis (a standard
    /// deviation larger than the mean would reach below zero) and within 100% for accuracies.
    fn spread(&self, point: &Point) -> Option<(f64, f64)> {
        let (floor, ceiling) = match (self.y_log, self.y_format) {
            (true, _) => (point.y * 0.2, point.y * 5.0),
            (false, Format::Percent) => (f64::MIN, 1.0),
            (false, _) => (f64::MIN, f64::MAX),
        };
        point
            .spread
            .map(|(low, high)| (low.max(floor), high.min(ceiling)))
    }
}

impl Format {
    /// A heat-map cell: two decimals.
    fn cell(self, value: f64) -> String {
        match self {
            Format::Times => format!("{value:.2}x"),
            Format::Percent => format!("{:.1}%", value * 100.0),
            Format::Plain => format!("{value:.2}"),
        }
    }

    fn apply(self, value: f64) -> String {
        match self {
            Format::Plain => trim(value),
            Format::Percent => format!("{}%", trim(value * 100.0)),
            Format::Times => format!("{}x", trim(value)),
        }
    }
}

/// A number without needless decimals: 5, 2.5, 0.25, 1e6.
fn trim(value: f64) -> String {
    if value.abs() >= 1e6 || (value != 0.0 && value.abs() < 1e-3) {
        return format!("{value:.0e}");
    }
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A heat map over two categorical axes.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    /// Title above the plot.
    pub title: String,
    /// The x axis title.
    pub x_label: String,
    /// The y axis title.
    pub y_label: String,
    /// Category labels along x.
    pub x_values: Vec<String>,
    /// Category labels along y.
    pub y_values: Vec<String>,
    /// `cells[y][x]`, empty where not measured.
    pub cells: Vec<Vec<Option<f64>>>,
    /// How cell values are written.
    pub format: Format,
    /// The caption line under the plot.
    pub caption: String,
}

/// A drawing failure, as text (plotters' errors are generic over the backend).
pub type DrawResult = Result<(), String>;

fn fail<E: std::fmt::Debug>(error: E) -> String {
    format!("{error:?}")
}

/// Draws `chart` on `root` (which it fills).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult {
    style::register_fonts();
    root.fill(&WHITE).map_err(fail)?;
    let (width, height) = root.dim_in_pixel();
    let caption = match chart {
        Chart::Line(line) => &line.caption,
        Chart::Heat(heat) => &heat.caption,
    };
    let caption_style = (style::FONT, style::CAPTION_SIZE)
        .into_font()
        .color(&style::GREY);
    // One line if it fits, else two, broken at the separator nearest the middle.
    let fits = |text: &str| {
        root.estimate_text_size(text, &caption_style)
            .map_or(true, |(w, _)| w + 32 <= width)
    };
    let lines: Vec<String> = if fits(caption) {
        vec![caption.clone()]
    } else {
        let middle = caption.len() / 2;
        let cut = caption
            .match_indices(" · ")
            .map(|(i, _)| i)
            .min_by_key(|&i| i.abs_diff(middle))
            .unwrap_or(middle);
        vec![
            caption[..cut].to_owned(),
            caption[cut + " · ".len()..].to_owned(),
        ]
    };
    let line_height = style::CAPTION_SIZE + 6;
    let (plot_area, caption_area) =
        root.split_vertically(height.saturating_sub(14 + line_height * lines.len() as u32));
    for (number, line) in lines.iter().enumerate() {
        let y = 6 + (number as u32 * line_height) as i32;
        caption_area
            .draw(&Text::new(line.clone(), (16, y), caption_style.clone()))
            .map_err(fail)?;
    }
    match chart {
        Chart::Line(line) => draw_line(&plot_area, line),
        Chart::Heat(heat) => draw_heat(&plot_area, heat),
    }
}

fn draw_line<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &LineChart) -> DrawResult {
    let (x_min, x_max) = bounds(
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x)),
    );
    let (y_min, y_max) = bounds(chart.series.iter().flat_map(|s| {
        s.points.iter().flat_map(|p| {
            let (low, high) = chart.spread(p).unwrap_or((p.y, p.y));
            [p.y, low, high]
        })
    }));
    let x = padded(x_min, x_max, chart.x_log);
    let mut y = padded(y_min, y_max, chart.y_log);
    if chart.y_format == Format::Percent {
        // Accuracies cannot leave [0, 1]; a spread that does is cut at the bound.
        y = (
            y.0.max(0.0),
            y.1.min(1.0 + (y_max - y_min).max(0.001) * 0.02),
        );
    }
    let data_x: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x))
        .collect();
    let frame = Frame {
        x,
        y,
        x_ticks: chart.x_log.then(|| log_ticks(x, &data_x)),
        y_ticks: chart.y_log.then(|| log_ticks(y, &[])),
    };
    match (chart.x_log, chart.y_log) {
        (false, false) => draw_line_on(area, chart, &frame, x.0..x.1, y.0..y.1),
        (true, false) => draw_line_on(area, chart, &frame, (x.0..x.1).log_scale(), y.0..y.1),
        (false, true) => draw_line_on(area, chart, &frame, x.0..x.1, (y.0..y.1).log_scale()),
        (true, true) => draw_line_on(
            area,
            chart,
            &frame,
            (x.0..x.1).log_scale(),
            (y.0..y.1).log_scale(),
        ),
    }
}

/// The data ranges of a line chart, and hand-placed ticks for logarithmic axes (plotters' own
/// log ticks crowd and repeat labels).
struct Frame {
    x: (f64, f64),
    y: (f64, f64),
    x_ticks: Option<Vec<f64>>,
    y_ticks: Option<Vec<f64>>,
}

/// Ticks of a logarithmic axis over `range`: the data's own values when there are few of them
/// (request counts, shard counts), otherwise 1-2-5 steps per decade.
fn log_ticks(range: (f64, f64), data: &[f64]) -> Vec<f64> {
    let mut distinct: Vec<f64> = data.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if !distinct.is_empty() && distinct.len() <= 12 {
        return distinct;
    }
    let mut ticks = Vec::new();
    if !(range.0 > 0.0 && range.1.is_finite()) {
        return ticks;
    }
    let mut decade = 10f64.powf(range.0.log10().floor());
    while decade <= range.1 && ticks.len() < 64 {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if tick >= range.0 && tick <= range.1 {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks.truncate(64);
    ticks
}

fn draw_line_on<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    frame: &Frame,
    x: X,
    y: Y,
) -> DrawResult
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&chart.title, (style::FONT, style::TITLE_SIZE))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(80);
    let mut plot = builder.build_cartesian_2d(x, y).map_err(fail)?;
    let y_format = chart.y_format;
    // Axes with hand-placed ticks get no labels from plotters (it still places one at 1).
    let (custom_x, custom_y) = (frame.x_ticks.is_some(), frame.y_ticks.is_some());
    let x_formatter = |v: &f64| if custom_x { String::new() } else { trim(*v) };
    let y_formatter = |v: &f64| {
        if custom_y {
            String::new()
        } else {
            y_format.apply(*v)
        }
    };
    let mut mesh = plot.configure_mesh();
    mesh.x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .axis_desc_style((style::FONT, style::AXIS_TITLE_SIZE))
        .label_style((style::FONT, style::LABEL_SIZE))
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215));
    if frame.x_ticks.is_some() {
        mesh.x_labels(0).disable_x_mesh();
    }
    if frame.y_ticks.is_some() {
        mesh.y_labels(0).disable_y_mesh();
    }
    mesh.draw().map_err(fail)?;
    let grid = RGBColor(215, 215, 215).stroke_width(1);
    let label_style = (style::FONT, style::LABEL_SIZE).into_font().color(&BLACK);
    let (base_x, base_y) = area.get_base_pixel();
    for &tick in frame.x_ticks.iter().flatten() {
        plot.draw_series(LineSeries::new(
            [(tick, frame.y.0), (tick, frame.y.1)],
            grid,
        ))
        .map_err(fail)?;
        let (px, py) = plot.backend_coord(&(tick, frame.y.0));
        let anchored = label_style.clone().pos(Pos::new(HPos::Center, VPos::Top));
        area.draw(&Text::new(
            trim(tick),
            (px - base_x, py - base_y + 8),
            anchored,
        ))
        .map_err(fail)?;
    }
    for &tick in frame.y_ticks.iter().flatten() {
        plot.draw_series(LineSeries::new(
            [(frame.x.0, tick), (frame.x.1, tick)],
            grid,
        ))
        .map_err(fail)?;
        let (px, py) = plot.backend_coord(&(frame.x.0, tick));
        let anchored = label_style.clone().pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(
            y_format.apply(tick),
            (px - base_x - 8, py - base_y),
            anchored,
        ))
        .map_err(fail)?;
    }
    for series in &chart.series {
        let colour = style::colour(series.colour);
        let line_style = colour.stroke_width(style::LINE_WIDTH);
        let coordinates: Vec<(f64, f64)> = series.points.iter().map(|p| (p.x, p.y)).collect();
        if series.dashed {
            let (dash, gap) = style::DASH;
            plot.draw_series(DashedLineSeries::new(coordinates, dash, gap, line_style))
                .map_err(fail)?;
            continue;
        }
        let drawn = plot
            .draw_series(LineSeries::new(coordinates.clone(), line_style))
            .map_err(fail)?;
        if let Some(label) = &series.label {
            drawn.label(label.clone()).legend(move |(lx, ly)| {
                PathElement::new(
                    vec![(lx, ly), (lx + 24, ly)],
                    colour.stroke_width(style::LINE_WIDTH),
                )
            });
        }
        plot.draw_series(
            coordinates
                .iter()
                .map(|&point| Circle::new(point, style::MARKER_SIZE, colour.filled())),
        )
        .map_err(fail)?;
        plot.draw_series(series.points.iter().filter_map(|p| {
            chart.spread(p).map(|(low, high)| {
                ErrorBar::new_vertical(
                    p.x,
                    low,
                    p.y,
                    high,
                    colour.stroke_width(1),
                    style::ERROR_CAP,
                )
            })
        }))
        .map_err(fail)?;
    }
    if let Some(meaning) = &chart.dashed_means {
        let grey = style::GREY.stroke_width(style::LINE_WIDTH);
        let (dash, gap) = style::DASH;
        plot.draw_series(DashedLineSeries::new(
            Vec::<(f64, f64)>::new(),
            dash,
            gap,
            grey,
        ))
        .map_err(fail)?
        .label(meaning.clone())
        .legend(move |(lx, ly)| {
            EmptyElement::at((lx, ly))
                + PathElement::new(vec![(0, 0), (9, 0)], grey)
                + PathElement::new(vec![(14, 0), (24, 0)], grey)
        });
    }
    let position = match chart.legend {
        Corner::UpperRight => SeriesLabelPosition::UpperRight,
        Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
        Corner::LowerRight => SeriesLabelPosition::LowerRight,
        Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
    };
    plot.configure_series_labels()
        .position(position)
        .margin(12)
        .label_font((style::FONT, style::LABEL_SIZE))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(190, 190, 190))
        .draw()
        .map_err(fail)
}

fn draw_heat<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &HeatMap) -> DrawResult {
    let (columns, rows) = (chart.x_values.len(), chart.y_values.len());
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&chart.title, (style::FONT, style::TITLE_SIZE))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(80);
    let mut plot = builder
        // A segmented range over 0..n has n + 1 segments: the last index is n - 1.
        .build_cartesian_2d(
            (0..columns.saturating_sub(1)).into_segmented(),
            (0..rows.saturating_sub(1)).into_segmented(),
        )
        .map_err(fail)?;
    let label = |values: &[String], v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => values.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    plot.configure_mesh()
        .disable_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_labels(columns)
        .y_labels(rows)
        .axis_desc_style((style::FONT, style::AXIS_TITLE_SIZE))
        .label_style((style::FONT, style::LABEL_SIZE))
        .x_label_formatter(&|v| label(&chart.x_values, v))
        .y_label_formatter(&|v| label(&chart.y_values, v))
        .draw()
        .map_err(fail)?;
    let values = chart.cells.iter().flatten().flatten().copied();
    let (low, high) = bounds(values);
    let scale = |value: f64| {
        if high > low {
            (value - low) / (high - low)
        } else {
            0.5
        }
    };
    for (row, cells) in chart.cells.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            let corners = [
                (SegmentValue::Exact(column), SegmentValue::Exact(row)),
                (
                    SegmentValue::Exact(column + 1),
                    SegmentValue::Exact(row + 1),
                ),
            ];
            let Some(value) = cell else {
                plot.draw_series([Rectangle::new(corners, RGBColor(240, 240, 240).filled())])
                    .map_err(fail)?;
                continue;
            };
            let fraction = scale(*value);
            let fill = ViridisRGB::get_color(fraction);
            plot.draw_series([Rectangle::new(corners, fill.filled())])
                .map_err(fail)?;
            let ink = if fraction > 0.6 { BLACK } else { WHITE };
            let text_style = (style::FONT, style::LABEL_SIZE)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            plot.draw_series([Text::new(
                chart.format.cell(*value),
                (SegmentValue::CenterOf(column), SegmentValue::CenterOf(row)),
                text_style,
            )])
            .map_err(fail)?;
        }
    }
    Ok(())
}

/// The smallest and largest finite value (0..1 when there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    }
}

/// An axis range around [low, high] with a margin: 5% of the span (linear) or of the decades
/// (logarithmic; the range stays positive).
fn padded(low: f64, high: f64, log: bool) -> (f64, f64) {
    if log {
        let (low, high) = (low.max(1e-9), high.max(1e-9));
        let (a, b) = (low.ln(), high.ln());
        let margin = ((b - a) * 0.06).max(0.1);
        ((a - margin).exp(), (b + margin).exp())
    } else {
        let margin = ((high - low) * 0.06).max(high.abs() * 0.01).max(1e-9);
        (low - margin, high + margin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_values_are_written_without_noise() {
        assert_eq!(Format::Plain.apply(5.0), "5");
        assert_eq!(Format::Plain.apply(2.5), "2.5");
        assert_eq!(Format::Percent.apply(0.9825), "98.25%");
        assert_eq!(Format::Times.apply(4.0), "4x");
    }

    #[test]
    fn log_ticks_use_few_data_values_or_one_two_five() {
        assert_eq!(
            log_ticks((0.9, 20.0), &[1.0, 4.0, 2.0, 16.0, 4.0]),
            vec![1.0, 2.0, 4.0, 16.0]
        );
        assert_eq!(log_ticks((0.8, 30.0), &[]), vec![1.0, 2.0, 5.0, 10.0, 20.0]);
    }

    #[test]
    fn degenerate_log_ranges_give_no_ticks_instead_of_looping() {
        assert!(log_ticks((0.0, 10.0), &[]).is_empty());
        assert!(log_ticks((1.0, f64::INFINITY), &[]).is_empty());
        assert!(log_ticks((1e-300, 1e300), &[]).len() <= 64);
    }

    #[test]
    fn log_ranges_stay_positive_and_cover_the_data() {
        let (low, high) = padded(1.0, 100.0, true);
        assert!(low > 0.0 && low < 1.0 && high > 100.0);
        let (low, high) = padded(0.9, 1.0, false);
        assert!(low < 0.9 && high > 1.0);
    }
}
