//! Axes fitted to the data: the range (padded, positive on a log scale, within [0, 1] for
//! accuracies), the scale (a few geometric counts such as 1, 2, 4, 8 get a log axis), and the
//! ticks (the values run, when they are a few counts; else steps of 1, 2 or 5 times a power of
//! ten), each with its label.

/// How values on an axis, in a cell or beside a point are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
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
    pub(crate) fn tick(self, value: f64) -> String {
        match self {
            Format::Plain => trim(value),
            Format::Percent => format!("{}%", trim(value * 100.0)),
            Format::PercentagePoints => format!("{} pt", trim(value * 100.0)),
            Format::Times => format!("{}x", trim(value)),
        }
    }

    /// A value in a heat-map cell: a fixed number of decimals.
    pub(crate) fn cell(self, value: f64) -> String {
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
pub(crate) struct Tick {
    /// The value it marks.
    pub(crate) value: f64,
    /// Its label.
    pub(crate) label: String,
}

/// One axis of a line chart, its range and ticks settled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    /// Its title, with units.
    pub(crate) title: String,
    /// Logarithmic.
    pub(crate) log: bool,
    /// The values at its ends.
    pub(crate) range: (f64, f64),
    /// The ticks, inside the range, increasing.
    pub(crate) ticks: Vec<Tick>,
}

impl Axis {
    /// Where `value` falls along the axis, from 0 (its low end) to 1 (its high end); `None` for
    /// a value a log axis cannot show.
    pub(crate) fn fraction(&self, value: f64) -> Option<f64> {
        let t = |v: f64| if self.log { v.ln() } else { v };
        let (low, high) = (t(self.range.0), t(self.range.1));
        let fraction = (t(value) - low) / (high - low);
        fraction.is_finite().then_some(fraction)
    }
}

/// Whether an axis is linear, logarithmic, or chosen from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Linear.
    Linear,
    /// Logarithmic (linear when a value is not positive).
    Log,
    /// Logarithmic when the values are a few geometric counts (1, 2, 4, 8 or 1, 10, 100),
    /// else linear.
    Auto,
}

/// What an axis shows, before its range is fitted to the data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AxisSpec {
    /// Its title, with units.
    pub(crate) title: String,
    /// Its scale.
    pub(crate) scale: Scale,
    /// How tick values are written.
    pub(crate) format: Format,
    /// Labels for the ticks at 0, 1, 2, ... when the axis is categorical (its values are
    /// positions in this list).
    pub(crate) categories: Option<Vec<String>>,
}

/// Distinct values at most that tick themselves: a count axis with more gets round steps.
const MOST_VALUE_TICKS: usize = 12;

/// Many counts spanning more than this factor get a log axis.
const WIDE_COUNTS: f64 = 20.0;

impl AxisSpec {
    /// A numeric axis.
    pub(crate) fn numeric(title: impl Into<String>, scale: Scale, format: Format) -> AxisSpec {
        AxisSpec {
            title: title.into(),
            scale,
            format,
            categories: None,
        }
    }

    /// The axis over `values` (its points and their spreads), with `data` (the points alone)
    /// deciding the scale and ticks: a few whole numbers (counts such as K, S, R) tick their
    /// own values, on a log scale when they are geometric.
    pub(crate) fn fit(&self, values: &[f64], data: &[f64]) -> Axis {
        if let Some(categories) = &self.categories {
            return self.categorical(categories);
        }
        let (low, high) = bounds(values.iter().copied());
        let counts = self.counts(data);
        let log = low > 0.0
            && match self.scale {
                Scale::Linear => false,
                Scale::Log => true,
                Scale::Auto => self.wide_counts(data) || counts.as_deref().is_some_and(geometric),
            };
        let range = self.range(low, high, log);
        let ticks = match &counts {
            Some(counts) => counts.clone(),
            None if log => log_ticks(range),
            None => linear_ticks(range, false),
        };
        Axis {
            title: self.title.clone(),
            log,
            range,
            ticks: ticks
                .into_iter()
                .filter(|value| *value >= range.0 && *value <= range.1)
                .map(|value| Tick {
                    value,
                    label: self.format.tick(value),
                })
                .collect(),
        }
    }

    fn categorical(&self, categories: &[String]) -> Axis {
        let ticks = categories
            .iter()
            .enumerate()
            .map(|(index, label)| Tick {
                value: index as f64,
                label: label.clone(),
            })
            .collect();
        let last = categories.len().saturating_sub(1) as f64;
        Axis {
            title: self.title.clone(),
            log: false,
            range: (-0.5, last + 0.5),
            ticks,
        }
    }

    /// The distinct values of `data`, increasing, when they are a few whole numbers written
    /// plainly: counts, which tick themselves.
    fn counts(&self, data: &[f64]) -> Option<Vec<f64>> {
        let whole = data.iter().all(|v| v.is_finite() && v.fract() == 0.0);
        if !whole || data.is_empty() || self.format != Format::Plain {
            return None;
        }
        let mut distinct = data.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        (distinct.len() <= MOST_VALUE_TICKS).then_some(distinct)
    }

    /// Whether `data` are more counts than tick themselves over more than a factor
    /// [`WIDE_COUNTS`]: a log axis spreads them better (request counts 1 to 60, say).
    fn wide_counts(&self, data: &[f64]) -> bool {
        let (low, high) = bounds(data.iter().copied());
        let whole = data.iter().all(|v| v.fract() == 0.0);
        let mut distinct = data.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        whole
            && self.format == Format::Plain
            && distinct.len() > MOST_VALUE_TICKS
            && low > 0.0
            && high / low >= WIDE_COUNTS
    }

    /// The range shown: the values with a margin, within [0, 1] (and a little) for accuracies.
    fn range(&self, low: f64, high: f64, log: bool) -> (f64, f64) {
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
        range
    }
}

/// Whether increasing positive values are spread more evenly on a log scale than on a linear
/// one, over at least a factor 4 (two values: a factor 10): 1, 2, 4, 8 or 1, 2, 5, 10, 20 are;
/// 1, 2, 3, 4 are not.
fn geometric(values: &[f64]) -> bool {
    let (Some(&first), Some(&last)) = (values.first(), values.last()) else {
        return false;
    };
    if first <= 0.0 {
        return false;
    }
    let ratio = last / first;
    if values.len() < 3 {
        return values.len() == 2 && ratio >= 10.0;
    }
    let unevenness = |gaps: Vec<f64>| {
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let variance = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        variance.sqrt() / mean
    };
    let linear = unevenness(values.windows(2).map(|w| w[1] - w[0]).collect());
    let log = unevenness(values.windows(2).map(|w| (w[1] / w[0]).ln()).collect());
    ratio >= 4.0 && log < linear
}

/// The smallest and largest finite value (0..1 when there are none).
pub(crate) fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
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
pub(crate) fn linear_ticks(range: (f64, f64), integers: bool) -> Vec<f64> {
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

/// Ticks of a logarithmic axis over `range`: 1-2-5 steps per decade, or, within less than a
/// decade, linear steps.
fn log_ticks(range: (f64, f64)) -> Vec<f64> {
    if !(range.0 > 0.0 && range.1.is_finite() && range.1 > range.0) {
        return Vec::new();
    }
    let mut ticks = Vec::new();
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
    if ticks.len() < 3 {
        return linear_ticks(range, false)
            .into_iter()
            .filter(|v| *v > 0.0)
            .collect();
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(axis: &Axis) -> Vec<f64> {
        axis.ticks.iter().map(|t| t.value).collect()
    }

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
    fn a_few_counts_tick_the_values_run_on_a_log_axis_when_geometric() {
        let axis = AxisSpec::numeric("S", Scale::Auto, Format::Plain);
        let shards = [1.0, 2.0, 4.0, 8.0, 2.0];
        let fitted = axis.fit(&shards, &shards);
        assert!(fitted.log);
        assert_eq!(values(&fitted), vec![1.0, 2.0, 4.0, 8.0]);
        let paper = [1.0, 2.0, 5.0, 10.0, 20.0];
        assert!(axis.fit(&paper, &paper).log);
        // Evenly spaced counts stay linear and still tick their own values.
        let requests = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let fitted = axis.fit(&requests, &requests);
        assert!(!fitted.log);
        assert_eq!(values(&fitted), requests.to_vec());
        // Many counts get round steps, on a log axis when they span more than a factor 20.
        let many: Vec<f64> = (1..=15).map(f64::from).collect();
        let fitted = axis.fit(&many, &many);
        assert!(!fitted.log && values(&fitted).len() < 10);
        let wide: Vec<f64> = (1..=60).map(f64::from).collect();
        assert!(axis.fit(&wide, &wide).log);
        // A real-valued axis gets fractional steps.
        let fitted = axis.fit(&[0.1, 0.35], &[0.1, 0.35]);
        assert!(values(&fitted).iter().any(|v| v.fract() != 0.0));
    }

    #[test]
    fn geometric_means_evener_on_a_log_scale() {
        assert!(geometric(&[1.0, 2.0, 4.0, 8.0]));
        assert!(geometric(&[1.0, 10.0, 100.0]));
        assert!(geometric(&[1.0, 20.0]));
        assert!(!geometric(&[1.0, 2.0, 3.0, 4.0]));
        assert!(!geometric(&[2.0, 4.0]));
        assert!(!geometric(&[0.0, 1.0, 10.0]));
    }

    #[test]
    fn log_ticks_step_one_two_five() {
        assert_eq!(log_ticks((0.8, 30.0)), vec![1.0, 2.0, 5.0, 10.0, 20.0]);
        // Less than a decade: linear steps instead of a lone tick at 1.
        assert!(log_ticks((1.02, 1.9)).len() >= 3);
    }

    #[test]
    fn degenerate_log_ranges_give_no_ticks_instead_of_looping() {
        assert!(log_ticks((0.0, 10.0)).is_empty());
        assert!(log_ticks((1.0, f64::INFINITY)).is_empty());
        assert!(log_ticks((1e-300, 1e300)).len() <= 64);
    }

    #[test]
    fn log_ranges_stay_positive_and_cover_the_data() {
        let (low, high) = padded(1.0, 100.0, true);
        assert!(low > 0.0 && low < 1.0 && high > 100.0);
        let (low, high) = padded(0.9, 1.0, false);
        assert!(low < 0.9 && high > 1.0);
    }
}
