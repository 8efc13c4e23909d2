//! The layout of a line chart: title and footer, then the plot with its axes (tick labels thinned
//! until no two touch, axis titles wrapped to the plot's sides), the legend (where the options
//! say; by default in a corner of the plot that covers no data, else beside the plot, else
//! below it) and the labels next to points (each where it clears every other text). The first
//! text size (from the base font down) at which the plot keeps its share of the canvas wins.

use super::legend::{Legend, LegendContent};
use super::{footer_text, keep_apart, roomy, shown_title, Align, Block, Frame, Ink, Metrics, Page};
use crate::plot::axis::Axis;
use crate::plot::chart::LineChart;
use crate::plot::geometry::Rect;
use crate::plot::options::{FigureOptions, Title};
use crate::plot::{style, text};
use crate::spec::raw::LegendPosition;

/// A line chart laid out.
#[derive(Debug, Clone)]
pub(crate) struct LineLayout<'a> {
    /// The chart.
    pub(crate) chart: &'a LineChart,
    /// The lengths it is drawn with.
    pub(crate) metrics: Metrics,
    /// Title, footer.
    pub(crate) page: Page,
    /// The plot area and its axes.
    pub(crate) frame: Frame<'a>,
    /// Tick labels, axis titles and labels next to points.
    pub(crate) texts: Vec<Block>,
    /// Where the ticks of each axis are (canvas x of the x axis's, y of the y axis's).
    pub(crate) ticks: (Vec<f64>, Vec<f64>),
    /// The legend, if drawn.
    pub(crate) legend: Option<Legend>,
}

/// Where a legend may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In a corner of the plot: left, upper.
    Inside(bool, bool),
    /// Beside the plot.
    Right,
    /// Under the x axis title.
    Below,
}

/// The places to try, in order, for a legend the options put at `position`; with `best`, an
/// inside place must cover no data.
fn places(position: LegendPosition) -> Vec<Place> {
    match position {
        LegendPosition::Best => vec![
            Place::Inside(false, true),
            Place::Inside(true, true),
            Place::Inside(false, false),
            Place::Inside(true, false),
            Place::Right,
            Place::Below,
        ],
        LegendPosition::OutsideRight => vec![Place::Right],
        LegendPosition::Below | LegendPosition::None => vec![Place::Below],
        LegendPosition::UpperLeft => vec![Place::Inside(true, true)],
        LegendPosition::UpperRight => vec![Place::Inside(false, true)],
        LegendPosition::LowerLeft => vec![Place::Inside(true, false)],
        LegendPosition::LowerRight => vec![Place::Inside(false, false)],
    }
}

/// Lays `chart` out on a canvas of `size` backend pixels at the first of `sizes` (the text's,
/// largest first) whose plot keeps its share of the canvas with the legend somewhere it may go;
/// else, at the smallest, with a smaller plot, then without the title.
pub(crate) fn lay_out<'a>(
    chart: &'a LineChart,
    options: &FigureOptions,
    size: (f64, f64),
    sizes: &[Metrics],
) -> LineLayout<'a> {
    let smallest = sizes[sizes.len() - 1];
    sizes
        .iter()
        .find_map(|&metrics| attempt(chart, options, size, metrics, true))
        .or_else(|| {
            // Too small for the text even at its smallest: a smaller plot, then no title.
            let untitled = FigureOptions {
                title: Title::Hidden,
                ..options.clone()
            };
            let fitted = [options, &untitled]
                .into_iter()
                .find_map(|options| attempt(chart, options, size, smallest, false));
            fitted
        })
        .unwrap_or_else(|| bare(chart, size, smallest))
}

/// The layout at `metrics`, if some place of the legend fits; `strict`: only if the plot keeps
/// its share of the canvas.
fn attempt<'a>(
    chart: &'a LineChart,
    options: &FigureOptions,
    size: (f64, f64),
    metrics: Metrics,
    strict: bool,
) -> Option<LineLayout<'a>> {
    let footer = footer_text(&chart.caption, &chart.notes, options);
    let page = Page::new(
        size,
        &metrics,
        shown_title(&chart.title, options),
        footer.as_deref(),
    );
    let notes: &[String] = if options.footer { &[] } else { &chart.notes };
    // Inside or beside the plot a label takes a share of the width; below it, the whole width.
    let content = |share: f64| {
        LegendContent::new(&chart.legend, notes, &metrics, size.0 * share)
            .filter(|_| options.legend != LegendPosition::None)
    };
    let (Some(beside), Some(below)) = (content(style::LEGEND_LABEL_SHARE), content(0.8)) else {
        let axes = Axes::fit(chart, &metrics, &page.region, (0.0, 0.0))?;
        return (!strict || roomy(&axes.frame.plot, size))
            .then(|| finish(chart, metrics, page, axes, None));
    };
    for place in places(options.legend) {
        let region = page.region;
        let (content, columns) = match place {
            Place::Below => (&below, below.columns_within(region.width())),
            _ => (&beside, 1),
        };
        let (width, height) = content.size(columns);
        let reserve = match place {
            Place::Inside(..) => (0.0, 0.0),
            Place::Right => (width + metrics.gap * 2.0, 0.0),
            Place::Below => (0.0, height + metrics.gap * 1.5),
        };
        let Some(axes) = Axes::fit(chart, &metrics, &region, reserve) else {
            continue;
        };
        if strict && !roomy(&axes.frame.plot, size) {
            continue;
        }
        let Some(legend) = legend_at(place, content, columns, &axes, &region, &metrics) else {
            continue;
        };
        let covers = matches!(place, Place::Inside(..))
            && options.legend == LegendPosition::Best
            && covers_data(&axes.frame, chart, &metrics, &legend.rect);
        if !covers {
            return Some(finish(chart, metrics, page, axes, Some(legend)));
        }
    }
    None
}

/// The legend at `place` around the plot of `axes` in `region`, in `columns` columns, if it fits
/// there: inside the plot, or beside it no lower than its bottom and no wider than half the
/// region, or below it within the region.
fn legend_at(
    place: Place,
    content: &LegendContent,
    columns: usize,
    axes: &Axes<'_>,
    region: &Rect,
    metrics: &Metrics,
) -> Option<Legend> {
    let plot = axes.frame.plot;
    let (width, height) = content.size(columns);
    let inset = metrics.gap;
    let origin = match place {
        Place::Inside(left, upper) => (
            if left {
                plot.left + inset
            } else {
                plot.right - inset - width
            },
            if upper {
                plot.top + inset
            } else {
                plot.bottom - inset - height
            },
        ),
        Place::Right => (region.right - width, plot.top),
        Place::Below => (
            region.left + (region.width() - width) / 2.0,
            axes.bottom + metrics.gap,
        ),
    };
    let legend = content.place(origin, columns);
    let fits = match place {
        Place::Inside(..) => plot.grown(-metrics.gap * 0.5).holds(&legend.rect),
        Place::Right => {
            legend.rect.bottom <= plot.bottom && legend.rect.width() <= region.width() * 0.5
        }
        Place::Below => region.holds(&legend.rect),
    };
    fits.then_some(legend)
}

/// A last resort for a canvas too small for any layout: the plot over the whole canvas, no text.
fn bare<'a>(chart: &'a LineChart, size: (f64, f64), metrics: Metrics) -> LineLayout<'a> {
    let plot = Rect::at(0.0, 0.0, size.0, size.1).grown(-metrics.margin.min(size.0 / 4.0));
    LineLayout {
        chart,
        metrics,
        page: Page {
            title: None,
            footer: None,
            region: plot,
        },
        frame: Frame {
            plot,
            x: &chart.x,
            y: &chart.y,
        },
        texts: Vec::new(),
        ticks: (Vec::new(), Vec::new()),
        legend: None,
    }
}

/// The layout once the plot and the legend are placed: the labels next to points go where they
/// clear every other text and the legend.
fn finish<'a>(
    chart: &'a LineChart,
    metrics: Metrics,
    page: Page,
    axes: Axes<'a>,
    legend: Option<Legend>,
) -> LineLayout<'a> {
    let mut texts = axes.texts;
    let mut taken: Vec<Rect> = texts.iter().map(|block| block.rect).collect();
    taken.extend(legend.as_ref().map(|legend| legend.rect));
    for label in &chart.labels {
        let Some(point) = axes.frame.point(label.x, label.y) else {
            continue;
        };
        let place = PointPlace {
            frame: &axes.frame,
            metrics: &metrics,
            taken: &taken,
            chart,
        };
        if let Some(block) = place.label(&label.text, point) {
            taken.push(block.rect);
            texts.push(block);
        }
    }
    LineLayout {
        chart,
        metrics,
        page,
        frame: axes.frame,
        texts,
        ticks: axes.ticks,
        legend,
    }
}

/// What a label next to a point must keep clear of.
struct PointPlace<'a, 'b> {
    frame: &'a Frame<'b>,
    metrics: &'a Metrics,
    /// Text and the legend.
    taken: &'a [Rect],
    /// The chart, whose data a label keeps off where it can.
    chart: &'a LineChart,
}

impl PointPlace<'_, '_> {
    /// The label `text` of the point at `point`: next to it (up or down to the right, right,
    /// left, above, below, up or down to the left), in the plot, clear of every other text and
    /// the legend and, if it can be, of the data (lines, markers, error bars); at the note size,
    /// else a little smaller. `None` when no place is clear:
    /// the label is left out rather than drawn over other text.
    fn label(&self, text: &str, point: (f64, f64)) -> Option<Block> {
        let sizes = [self.metrics.note, self.metrics.note * 0.82];
        let mut candidates = Vec::new();
        for size in sizes {
            let lines = text::wrap(text, size, self.frame.plot.width() * 0.45, 2);
            let block = Block::across(lines, size, (0.0, 0.0), Align::Start, Ink::Dark);
            candidates.extend(
                self.origins(&block, point)
                    .map(|origin| block.clone().moved_to(origin)),
            );
        }
        let clear = |block: &Block| {
            self.frame.plot.holds(&block.rect)
                && !self.taken.iter().any(|t| t.overlaps(&block.rect))
        };
        let off_data =
            |block: &Block| !covers_data(self.frame, self.chart, self.metrics, &block.rect);
        let fallback = candidates.iter().find(|block| clear(block)).cloned();
        candidates
            .into_iter()
            .find(|block| clear(block) && off_data(block))
            .or(fallback)
    }

    /// Where a label's box may go around `point`, in order of preference.
    fn origins(&self, block: &Block, (x, y): (f64, f64)) -> [(f64, f64); 8] {
        let (width, height) = (block.rect.width(), block.rect.height());
        // Clear of the point's own marker as `covers_data` sees it.
        let away = self.metrics.marker * 1.3 + self.metrics.line_width + self.metrics.gap * 0.5;
        let slant = away * 0.75;
        [
            (x + slant, y - slant - height),
            (x + slant, y + slant),
            (x + away, y - height / 2.0),
            (x - away - width, y - height / 2.0),
            (x - width / 2.0, y - away - height),
            (x - width / 2.0, y + away),
            (x - slant - width, y - slant - height),
            (x - slant - width, y + slant),
        ]
    }
}

/// Whether anything the chart draws in the plot (lines, markers, error bars) reaches into
/// `rect`, with half a line's width to spare.
fn covers_data(frame: &Frame<'_>, chart: &LineChart, metrics: &Metrics, rect: &Rect) -> bool {
    let rect = rect.grown(metrics.line_width);
    chart.series.iter().any(|series| {
        let points: Vec<(f64, f64)> = series
            .points
            .iter()
            .filter_map(|p| frame.point(p.x, p.y))
            .collect();
        let line = series.style.line.is_some()
            && points
                .windows(2)
                .any(|pair| rect.meets_segment(pair[0], pair[1]));
        let markers = points
            .iter()
            .any(|&p| rect.meets_disc(p, metrics.marker * 1.3));
        let bars = series.points.iter().any(|p| {
            let vertical = p.spread.and_then(|(low, high)| {
                let x = frame.x_px(p.x)?;
                Some(((x, frame.y_px(low)?), (x, frame.y_px(high)?)))
            });
            let horizontal = p.x_spread.and_then(|(low, high)| {
                let y = frame.y_px(p.y)?;
                Some(((frame.x_px(low)?, y), (frame.x_px(high)?, y)))
            });
            [vertical, horizontal]
                .into_iter()
                .flatten()
                .any(|(a, b)| rect.grown(metrics.cap).meets_segment(a, b))
        });
        line || markers || bars
    })
}

/// The plot area and what goes around it: tick labels and axis titles.
#[derive(Debug, Clone)]
struct Axes<'a> {
    frame: Frame<'a>,
    /// The tick labels kept and the axis titles.
    texts: Vec<Block>,
    ticks: (Vec<f64>, Vec<f64>),
    /// The bottom of the x axis title: where a legend below goes.
    bottom: f64,
}

/// Of the sizes of a chart's axis text, what decides the plot's place.
struct AxisText {
    /// The y title's lines, wrapped to the plot's height.
    y_title: Vec<String>,
    /// The widest y tick label.
    y_labels: f64,
    /// The x tick labels, each wrapped to the room between ticks.
    x_labels: Vec<Vec<String>>,
}

impl<'a> Axes<'a> {
    /// The axes of `chart` in `region`, keeping `reserve` (right, below) free for a legend;
    /// `None` when nothing is left for the plot.
    fn fit(
        chart: &'a LineChart,
        metrics: &Metrics,
        region: &Rect,
        reserve: (f64, f64),
    ) -> Option<Axes<'a>> {
        // The y title wraps to the plot's height, which the x title's lines decide: settle it.
        let mut length = region.height();
        for _ in 0..4 {
            let sizes = AxisText::measure(chart, metrics, length, region.width() * 0.8);
            let (plot, x_title) = plot_area(chart, metrics, region, reserve, &sizes)?;
            let title_length =
                text::widest(sizes.y_title.iter().map(String::as_str), metrics.axis_title);
            if title_length <= plot.height() {
                let frame = Frame {
                    plot,
                    x: &chart.x,
                    y: &chart.y,
                };
                return Some(axes(frame, metrics, region, &sizes, x_title));
            }
            length = plot.height();
        }
        None
    }
}

impl AxisText {
    /// The axis text of `chart`, the y title wrapped to `length`, the x tick labels to their
    /// share of `room`.
    fn measure(chart: &LineChart, metrics: &Metrics, length: f64, room: f64) -> AxisText {
        let size = metrics.text;
        let spacing = room / chart.x.ticks.len().max(1) as f64;
        AxisText {
            y_title: text::wrap(
                &chart.y.title,
                metrics.axis_title,
                length.max(metrics.em),
                2,
            ),
            y_labels: text::widest(chart.y.ticks.iter().map(|t| t.label.as_str()), size),
            x_labels: chart
                .x
                .ticks
                .iter()
                .map(|t| text::wrap(&t.label, size, spacing.max(metrics.em * 4.0), 2))
                .collect(),
        }
    }

    fn x_label_height(&self, size: f64) -> f64 {
        let lines = self.x_labels.iter().map(Vec::len).max().unwrap_or(1);
        text::block_height(lines.max(1), size)
    }

    fn x_label_width(&self, index: usize, size: f64) -> f64 {
        self.x_labels.get(index).map_or(0.0, |lines| {
            text::widest(lines.iter().map(String::as_str), size)
        })
    }
}

/// The plot area in `region` around the axis text `sizes`, and the x title's lines (wrapped to
/// its width); `None` when no area is left.
fn plot_area(
    chart: &LineChart,
    metrics: &Metrics,
    region: &Rect,
    (right_reserve, bottom_reserve): (f64, f64),
    sizes: &AxisText,
) -> Option<(Rect, Vec<String>)> {
    let (gap, tick, size) = (metrics.gap, metrics.tick, metrics.text);
    let y_title = if sizes.y_title.is_empty() {
        0.0
    } else {
        text::block_height(sizes.y_title.len(), metrics.axis_title) + gap
    };
    let first = sizes.x_label_width(0, size) / 2.0;
    let last = sizes.x_label_width(sizes.x_labels.len().saturating_sub(1), size) / 2.0;
    let left = (region.left + y_title + sizes.y_labels + gap + tick).max(region.left + first);
    let right = (region.right - right_reserve).min(region.right - last);
    let x_title = text::wrap(
        &chart.x.title,
        metrics.axis_title,
        (right - left).max(metrics.em),
        2,
    );
    let x_title_height = if x_title.is_empty() {
        0.0
    } else {
        text::block_height(x_title.len(), metrics.axis_title) + gap
    };
    let below = tick + gap + sizes.x_label_height(size) + x_title_height;
    let plot = Rect {
        left,
        right,
        top: region.top + size / 2.0,
        bottom: region.bottom - bottom_reserve - below,
    };
    (plot.width() > metrics.em && plot.height() > metrics.em).then_some((plot, x_title))
}

/// The tick labels (thinned so no two touch) and axis titles around `frame`'s plot.
fn axes<'a>(
    frame: Frame<'a>,
    metrics: &Metrics,
    region: &Rect,
    sizes: &AxisText,
    x_title: Vec<String>,
) -> Axes<'a> {
    let (gap, tick, size) = (metrics.gap, metrics.tick, metrics.text);
    let plot = frame.plot;
    let mut texts = Vec::new();
    let x_ticks = positions(frame.x, |v| frame.x_px(v));
    let x_blocks: Vec<Block> = x_ticks
        .iter()
        .zip(&sizes.x_labels)
        .map(|(&(_, x), lines)| {
            let block = Block::across(lines.clone(), size, (0.0, 0.0), Align::Centre, Ink::Black);
            let left = x - block.rect.width() / 2.0;
            block.moved_to((left, plot.bottom + tick + gap))
        })
        .collect();
    texts.extend(keep_apart(x_blocks, gap, true));
    let y_ticks = positions(frame.y, |v| frame.y_px(v));
    let y_blocks: Vec<Block> = y_ticks
        .iter()
        .map(|&(index, y)| {
            let label = vec![frame.y.ticks[index].label.clone()];
            let block = Block::across(label, size, (0.0, 0.0), Align::End, Ink::Black);
            let origin = (plot.left - tick - gap - block.rect.width(), y - size / 2.0);
            block.moved_to(origin)
        })
        .collect();
    texts.extend(keep_apart(y_blocks, gap * 0.5, false));
    let labels_bottom = plot.bottom + tick + gap + sizes.x_label_height(size);
    let mut bottom = labels_bottom;
    if !x_title.is_empty() {
        let block = Block::across(
            x_title,
            metrics.axis_title,
            (0.0, 0.0),
            Align::Centre,
            Ink::Black,
        );
        let left = (plot.left + plot.right - block.rect.width()) / 2.0;
        let block = block.moved_to((left, labels_bottom + gap));
        bottom = block.rect.bottom;
        texts.push(block);
    }
    if !sizes.y_title.is_empty() {
        let block = Block::upward(
            sizes.y_title.clone(),
            metrics.axis_title,
            (0.0, 0.0),
            Ink::Black,
        );
        let top = (plot.top + plot.bottom - block.rect.height()) / 2.0;
        texts.push(block.moved_to((region.left, top)));
    }
    Axes {
        frame,
        texts,
        ticks: (
            x_ticks.iter().map(|&(_, x)| x).collect(),
            y_ticks.iter().map(|&(_, y)| y).collect(),
        ),
        bottom,
    }
}

/// The ticks of `axis` that fall on the canvas, with their position there.
fn positions(axis: &Axis, place: impl Fn(f64) -> Option<f64>) -> Vec<(usize, f64)> {
    axis.ticks
        .iter()
        .enumerate()
        .filter_map(|(index, tick)| Some((index, place(tick.value)?)))
        .collect()
}
