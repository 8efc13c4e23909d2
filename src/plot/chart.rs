//! What a figure shows, as plain data: a line chart (axes with their ranges and ticks, series
//! with their colour, marker and dash, legend entries, labels next to points) or a heat map (cells
//! and a colour bar). Everything a figure decides is settled here, before drawing, so tests can
//! check a figure without rendering it; [`super::draw`] only places it on a canvas.

/// A finished figure, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Lines and points over two numeric axes.
    Line(LineChart),
    /// A grid of coloured cells over two categorical axes.
    Heat(HeatMap),
}

impl Chart {
    /// The title above the plot.
    pub fn title(&self) -> &str {
        match self {
            Chart::Line(line) => &line.title,
            Chart::Heat(heat) => &heat.title,
        }
    }

    /// The caption line under the plot.
    pub fn caption(&self) -> &str {
        match self {
            Chart::Line(line) => &line.caption,
            Chart::Heat(heat) => &heat.caption,
        }
    }
}

/// One plotted point: the value over repeats and its spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Position on the x axis.
    pub x: f64,
    /// Position on the y axis.
    pub y: f64,
    /// Lower and upper end of the vertical spread (mean -/+ one standard deviation), if any.
    pub spread: Option<(f64, f64)>,
    /// Lower and upper end of the horizontal spread, if any.
    pub x_spread: Option<(f64, f64)>,
}

impl Point {
    /// A point without spread.
    pub fn new(x: f64, y: f64) -> Point {
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
pub enum Colour {
    /// An entry of the colour-blind-safe palette (`style::PALETTE`, repeating).
    Palette(usize),
    /// Neutral grey: a legend swatch that encodes no colour, or a point of no interest.
    Grey,
}

/// The shape drawn at each point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
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
    pub const ALL: [Marker; 7] = [
        Marker::Circle,
        Marker::Square,
        Marker::TriangleUp,
        Marker::Diamond,
        Marker::TriangleDown,
        Marker::Cross,
        Marker::Plus,
    ];

    /// The `index`-th marker (the list repeats).
    pub fn nth(index: usize) -> Marker {
        Marker::ALL[index % Marker::ALL.len()]
    }
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
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
    pub const MEASURED: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::DashDot, Dash::LongDash];

    /// The `index`-th pattern of measured series (the list repeats).
    pub fn nth(index: usize) -> Dash {
        Dash::MEASURED[index % Dash::MEASURED.len()]
    }
}

/// How one series looks: colour and marker and dash, so series differ in more than colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesStyle {
    /// Its colour.
    pub colour: Colour,
    /// The marker at each point, if any.
    pub marker: Option<Marker>,
    /// Whether markers are filled (else outlined, so markers that overlap stay visible).
    pub filled: bool,
    /// The line through the points, if any.
    pub line: Option<Dash>,
    /// A thin line (analytic curves) rather than a regular one.
    pub thin: bool,
}

impl SeriesStyle {
    /// A measured series: outlined markers on a regular line.
    pub fn measured(colour: usize, marker: Marker, dash: Dash) -> SeriesStyle {
        SeriesStyle {
            colour: Colour::Palette(colour),
            marker: Some(marker),
            filled: false,
            line: Some(dash),
            thin: false,
        }
    }

    /// An analytic expectation: a thin dotted line without markers.
    pub fn analytic(colour: Colour) -> SeriesStyle {
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
pub struct Series {
    /// What it shows (e.g. `S = 5, R = 4` or `analytic, S = 5`); the legend is separate.
    pub name: String,
    /// The points, by increasing x.
    pub points: Vec<Point>,
    /// How it looks.
    pub style: SeriesStyle,
}

/// One row of a legend: a swatch showing what encodes it, and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// The text.
    pub label: String,
    /// What the swatch shows: only the attributes that encode this entry.
    pub swatch: SeriesStyle,
}

/// A corner of the plot area.
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

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPlace {
    /// Inside the plot, in the corner with the fewest points.
    Inside(Corner),
    /// Beside the plot, on the right (long legends).
    Beside,
}

/// How values on an axis, in a cell or beside a point are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A plain number.
    Plain,
    /// A fraction as a percentage (`98.5%`).
    Percent,
    /// A difference of fractions in percentage points (`0.66 pt`).
    PercentagePoints,
    /// A ratio (`4x`).
    Times,
}

impl Format {
    /// A tick label: no needless decimals.
    pub fn tick(self, value: f64) -> String {
        match self {
            Format::Plain => trim(value),
            Format::Percent => format!("{}%", trim(value * 100.0)),
            Format::PercentagePoints => format!("{} pt", trim(value * 100.0)),
            Format::Times => format!("{}x", trim(value)),
        }
    }

    /// A value in a heat-map cell: a fixed number of decimals.
    pub fn cell(self, value: f64) -> String {
        match self {
            Format::Times => format!("{value:.2}x"),
            Format::Percent => format!("{:.1}%", value * 100.0),
            Format::PercentagePoints => format!("{:.2} pt", value * 100.0),
            Format::Plain => format!("{value:.2}"),
        }
    }
}

/// A number without needless decimals: 5, 2.5, 0.25, 1e6.
fn trim(value: f64) -> String {
    if value.abs() >= 1e6 || (value != 0.0 && value.abs() < 1e-3) {
        return format!("{value:.0e}");
    }
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// A tick: where, and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// The value it marks.
    pub value: f64,
    /// Its label.
    pub label: String,
}

/// One axis of a line chart, its range and ticks settled.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Its title, with units.
    pub title: String,
    /// Logarithmic.
    pub log: bool,
    /// The values at its ends.
    pub range: (f64, f64),
    /// The ticks, inside the range, increasing.
    pub ticks: Vec<Tick>,
}

/// What an axis shows, before its range is fitted to the data.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisSpec {
    /// Its title, with units.
    pub title: String,
    /// Logarithmic.
    pub log: bool,
    /// How tick values are written.
    pub format: Format,
    /// Labels for the ticks at 0, 1, 2, ... when the axis is categorical (its values are
    /// positions in this list).
    pub categories: Option<Vec<String>>,
}

impl AxisSpec {
    /// A numeric axis.
    pub fn numeric(title: impl Into<String>, log: bool, format: Format) -> AxisSpec {
        AxisSpec {
            title: title.into(),
            log,
            format,
            categories: None,
        }
    }

    /// The axis over `values` (its points and their spreads), with `data` (the points alone)
    /// deciding the ticks: integer ticks when every value is a whole number (counts such as
    /// K, S, R), the data's own values on a log axis when they are few.
    fn fit(&self, values: &[f64], data: &[f64]) -> Axis {
        let (low, high) = bounds(values.iter().copied());
        if let Some(categories) = &self.categories {
            let ticks = categories
                .iter()
                .enumerate()
                .map(|(index, label)| Tick {
                    value: index as f64,
                    label: label.clone(),
                })
                .collect();
            let last = categories.len().saturating_sub(1) as f64;
            return Axis {
                title: self.title.clone(),
                log: false,
                range: (-0.5, last + 0.5),
                ticks,
            };
        }
        let log = self.log && low > 0.0;
        let (low, high) = if high > low {
            (low, high)
        } else {
            // No span: a band around the value, an accuracy point for fractions.
            let half = match (low.abs() > 0.0, self.format) {
                (true, _) => low.abs() * 0.05,
                (false, Format::Percent | Format::PercentagePoints) => 0.01,
                (false, _) => 1.0,
            };
            (low - half, high + half)
        };
        let mut range = padded(low, high, log);
        if self.format == Format::Percent {
            // Accuracies cannot leave [0, 1]; a spread that does is cut at the bound.
            let margin = (high - low).max(0.001) * 0.02;
            range = (range.0.max(0.0), range.1.min(1.0 + margin));
        }
        let integers = data.iter().all(|v| v.fract() == 0.0) && self.format == Format::Plain;
        let values = if log {
            // Counts tick their own values; measures (speed-ups) round ones.
            log_ticks(range, if integers { data } else { &[] }, integers)
        } else {
            linear_ticks(range, integers)
        };
        Axis {
            title: self.title.clone(),
            log,
            range,
            ticks: values
                .into_iter()
                .map(|value| Tick {
                    value,
                    label: self.format.tick(value),
                })
                .collect(),
        }
    }
}

/// A label written next to a point (the trade-off figure names each setting).
#[derive(Debug, Clone, PartialEq)]
pub struct PointLabel {
    /// The point's x.
    pub x: f64,
    /// The point's y.
    pub y: f64,
    /// The text.
    pub text: String,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// The series, in drawing order.
    pub series: Vec<Series>,
    /// The legend's rows.
    pub legend: Vec<LegendEntry>,
    /// Where the legend goes.
    pub legend_place: LegendPlace,
    /// Labels next to points.
    pub labels: Vec<PointLabel>,
    /// The caption line under the plot (spec, dataset, model).
    pub caption: String,
}

impl LineChart {
    /// A chart of `series` whose axes are fitted to the points (spreads included) and whose
    /// legend goes inside the plot, in the corner with the fewest points, unless it is long.
    pub fn new(
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
        let x_axis = x.fit(&with_spread(|p| p.x, |p| p.x_spread), &xs);
        let y_axis = y.fit(&with_spread(|p| p.y, |p| p.spread), &ys);
        let legend_place = if legend.len() > crate::plot::style::MOST_LEGEND_ENTRIES_INSIDE {
            LegendPlace::Beside
        } else {
            LegendPlace::Inside(emptiest_corner(&x_axis, &y_axis, &xs, &ys))
        };
        LineChart {
            title: title.into(),
            x: x_axis,
            y: y_axis,
            series,
            legend,
            legend_place,
            labels: Vec::new(),
            caption,
        }
    }
}

/// A spread as drawn: within a factor 5 of the value on a log axis (a standard deviation larger
/// than the mean would reach below zero) and within 100% for accuracies.
fn clamp_spread(value: f64, (low, high): (f64, f64), axis: &AxisSpec) -> (f64, f64) {
    let (floor, ceiling) = match (axis.log, axis.format) {
        (true, _) => (value * 0.2, value * 5.0),
        (false, Format::Percent) => (f64::MIN, 1.0),
        (false, _) => (f64::MIN, f64::MAX),
    };
    (low.max(floor), high.min(ceiling))
}

/// The corner whose quarter of the plot holds the fewest points (ties: upper right first).
fn emptiest_corner(x: &Axis, y: &Axis, xs: &[f64], ys: &[f64]) -> Corner {
    let fraction = |axis: &Axis, value: f64| {
        let position = |v: f64| if axis.log { v.max(1e-300).ln() } else { v };
        let (low, high) = (position(axis.range.0), position(axis.range.1));
        if high > low {
            (position(value) - low) / (high - low)
        } else {
            0.5
        }
    };
    let corners = [
        (Corner::UpperRight, true, true),
        (Corner::UpperLeft, false, true),
        (Corner::LowerRight, true, false),
        (Corner::LowerLeft, false, false),
    ];
    let count = |right: bool, upper: bool| {
        xs.iter()
            .zip(ys)
            .filter(|(&px, &py)| {
                let (fx, fy) = (fraction(x, px), fraction(y, py));
                (fx >= 0.45) == right && (fy >= 0.45) == upper
            })
            .count()
    };
    corners
        .iter()
        .min_by_key(|(_, right, upper)| count(*right, *upper))
        .map(|(corner, _, _)| *corner)
        .unwrap_or(Corner::UpperRight)
}

/// A heat map over two categorical axes, with a colour bar.
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
    /// Category labels along y, bottom to top.
    pub y_values: Vec<String>,
    /// `cells[y][x]`, empty where not measured.
    pub cells: Vec<Vec<Option<f64>>>,
    /// How cell values are written.
    pub format: Format,
    /// The colour bar: which values the colour scale spans, and its ticks.
    pub colour_bar: ColourBar,
    /// The caption line under the plot.
    pub caption: String,
}

/// The scale of a heat map's colours: the lowest value is dark, the highest bright (viridis).
#[derive(Debug, Clone, PartialEq)]
pub struct ColourBar {
    /// The value at the bottom of the bar.
    pub low: f64,
    /// The value at the top.
    pub high: f64,
    /// Ticks along the bar.
    pub ticks: Vec<Tick>,
}

impl ColourBar {
    /// The bar spanning `cells`' values, with ticks written in `format`.
    pub fn spanning(cells: &[Vec<Option<f64>>], format: Format) -> ColourBar {
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
    pub fn fraction(&self, value: f64) -> f64 {
        if self.high > self.low {
            ((value - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }
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

/// An axis range around [low, high] with a margin: 6% of the span (linear; 1% of the value when
/// there is no span) or of the decades (logarithmic; the range stays positive).
fn padded(low: f64, high: f64, log: bool) -> (f64, f64) {
    if log {
        let (low, high) = (low.max(1e-9), high.max(1e-9));
        let (a, b) = (low.ln(), high.ln());
        let margin = ((b - a) * 0.06).max(0.1);
        ((a - margin).exp(), (b + margin).exp())
    } else {
        let span = high - low;
        let margin = if span > 0.0 {
            span * 0.06
        } else {
            (high.abs() * 0.01).max(1e-9)
        };
        (low - margin, high + margin)
    }
}

/// About this many ticks on a linear axis.
const TICKS_WANTED: f64 = 6.0;

/// Ticks of a linear axis over `range`: steps of 1, 2 or 5 times a power of ten; whole numbers
/// only when `integers`.
fn linear_ticks(range: (f64, f64), integers: bool) -> Vec<f64> {
    let span = range.1 - range.0;
    if !(span.is_finite() && span > 0.0) {
        return vec![range.0];
    }
    let rough = span / TICKS_WANTED;
    let magnitude = 10f64.powf(rough.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|&step| step >= rough)
        .unwrap_or(10.0 * magnitude);
    if integers {
        step = step.max(1.0).round();
    }
    let first = (range.0 / step).ceil() as i64;
    let last = (range.1 / step).floor() as i64;
    (first..=last)
        .take(64)
        .map(|index| {
            let value = index as f64 * step;
            // Multiples of a step such as 0.1 are not exact; round away the noise.
            (value / magnitude * 1e6).round() * magnitude / 1e6
        })
        .collect()
}

/// Ticks of a logarithmic axis over `range`: the data's own values when there are few of them
/// (request counts, shard counts), else 1-2-5 steps per decade (whole numbers only when
/// `integers`), else, within less than a decade, linear steps.
fn log_ticks(range: (f64, f64), data: &[f64], integers: bool) -> Vec<f64> {
    let mut distinct: Vec<f64> = data.iter().copied().filter(|v| *v > 0.0).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if !distinct.is_empty() && distinct.len() <= 12 {
        return distinct;
    }
    if !(range.0 > 0.0 && range.1.is_finite() && range.1 > range.0) {
        return Vec::new();
    }
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(range.0.log10().floor());
    while decade <= range.1 && ticks.len() < 64 {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if tick >= range.0 && tick <= range.1 && (!integers || tick.fract() == 0.0) {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks.truncate(64);
    if ticks.len() < 3 {
        return linear_ticks(range, integers)
            .into_iter()
            .filter(|v| *v > 0.0)
            .collect();
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_values_are_written_without_noise() {
        assert_eq!(Format::Plain.tick(5.0), "5");
        assert_eq!(Format::Plain.tick(2.5), "2.5");
        assert_eq!(Format::Percent.tick(0.9825), "98.25%");
        assert_eq!(Format::Times.tick(4.0), "4x");
        assert_eq!(Format::PercentagePoints.tick(-0.0066), "-0.66 pt");
        assert_eq!(Format::Plain.tick(-0.0), "0");
    }

    #[test]
    fn count_axes_get_whole_ticks() {
        // Requests [1, 4] on a linear axis: 1, 2, 3, 4, never 1.5.
        let axis = AxisSpec::numeric("K", false, Format::Plain);
        let fitted = axis.fit(&[1.0, 4.0], &[1.0, 4.0]);
        let values: Vec<f64> = fitted.ticks.iter().map(|t| t.value).collect();
        assert_eq!(values, vec![1.0, 2.0, 3.0, 4.0]);
        // Two values close together still get whole ticks only.
        let fitted = axis.fit(&[1.0, 2.0], &[1.0, 2.0]);
        assert!(fitted.ticks.iter().all(|t| t.value.fract() == 0.0));
        // A real-valued axis gets fractional steps.
        let fitted = axis.fit(&[0.1, 0.35], &[0.1, 0.35]);
        assert!(fitted.ticks.iter().any(|t| t.value.fract() != 0.0));
    }

    #[test]
    fn log_ticks_use_few_data_values_or_one_two_five() {
        assert_eq!(
            log_ticks((0.9, 20.0), &[1.0, 4.0, 2.0, 16.0, 4.0], true),
            vec![1.0, 2.0, 4.0, 16.0]
        );
        assert_eq!(
            log_ticks((0.8, 30.0), &[], false),
            vec![1.0, 2.0, 5.0, 10.0, 20.0]
        );
        // Less than a decade: linear steps instead of a lone tick at 1.
        assert!(log_ticks((1.02, 1.9), &[], false).len() >= 3);
    }

    #[test]
    fn degenerate_log_ranges_give_no_ticks_instead_of_looping() {
        assert!(log_ticks((0.0, 10.0), &[], false).is_empty());
        assert!(log_ticks((1.0, f64::INFINITY), &[], false).is_empty());
        assert!(log_ticks((1e-300, 1e300), &[], false).len() <= 64);
    }

    #[test]
    fn log_ranges_stay_positive_and_cover_the_data() {
        let (low, high) = padded(1.0, 100.0, true);
        assert!(low > 0.0 && low < 1.0 && high > 100.0);
        let (low, high) = padded(0.9, 1.0, false);
        assert!(low < 0.9 && high > 1.0);
    }

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
    fn legends_avoid_the_data() {
        let spec = AxisSpec::numeric("x", false, Format::Plain);
        // Points falling from the upper left to the lower right leave the upper right empty...
        let falling = Series {
            name: "falling".to_owned(),
            points: vec![Point::new(0.0, 10.0), Point::new(10.0, 0.0)],
            style: SeriesStyle::measured(0, Marker::Circle, Dash::Solid),
        };
        let chart = LineChart::new("t", &spec, &spec, vec![falling], Vec::new(), String::new());
        assert_eq!(chart.legend_place, LegendPlace::Inside(Corner::UpperRight));
        // ...and a long legend goes beside the plot.
        let entries = (0..8)
            .map(|i| LegendEntry {
                label: i.to_string(),
                swatch: SeriesStyle::analytic(Colour::Grey),
            })
            .collect();
        let chart = LineChart::new("t", &spec, &spec, Vec::new(), entries, String::new());
        assert_eq!(chart.legend_place, LegendPlace::Beside);
    }
}
