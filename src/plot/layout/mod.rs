//! Where every part of a chart goes on a canvas of a given size, decided before anything is
//! drawn: every piece of text is measured with the bundled font and placed in a box of its own
//! (wrapped, or cut with an ellipsis, to fit), no box leaves the canvas or overlaps another, and
//! the legend goes where it covers no data. When the text does not fit at the asked size beside
//! a plot of a reasonable size, it is shrunk (down to half) until it does. [`line`] lays out
//! line charts, [`heat`] heat maps, [`legend`] measures and places legends; [`super::draw`]
//! paints the result.

pub(crate) mod heat;
pub(crate) mod legend;
pub(crate) mod line;
#[cfg(test)]
mod tests;

use super::axis::Axis;
use super::chart::Chart;
use super::geometry::Rect;
use super::options::{FigureOptions, Title, CSS_PX_PER_INCH, POINTS_PER_INCH};
use super::{style, text};

/// A chart laid out on a canvas.
#[derive(Debug, Clone)]
pub(crate) enum Layout<'a> {
    /// A line chart.
    Line(line::LineLayout<'a>),
    /// A heat map.
    Heat(heat::HeatLayout<'a>),
}

/// Lays `chart` out on a canvas of `size` backend pixels, `scale` of them per CSS pixel, as
/// `options` say (base font size, title, footer, legend).
pub(crate) fn lay_out<'a>(
    chart: &'a Chart,
    options: &FigureOptions,
    size: (f64, f64),
    scale: f64,
) -> Layout<'a> {
    let sizes = text_sizes(options, scale);
    match chart {
        Chart::Line(line) => Layout::Line(line::lay_out(line, options, size, &sizes)),
        Chart::Heat(heat) => Layout::Heat(heat::lay_out(heat, options, size, &sizes)),
    }
}

/// Lengths of one drawing, in backend pixels: text sizes (line box heights) and everything that
/// scales with the base font.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Metrics {
    /// The base font's em.
    pub(crate) em: f64,
    /// Tick labels, the legend, heat-map cells.
    pub(crate) text: f64,
    /// The title.
    pub(crate) title: f64,
    /// Axis titles.
    pub(crate) axis_title: f64,
    /// The footer, labels next to points, the legend's notes.
    pub(crate) note: f64,
    /// Lines of measured series.
    pub(crate) line_width: f64,
    /// The frame, grid and error bars.
    pub(crate) thin_width: f64,
    /// Half a marker.
    pub(crate) marker: f64,
    /// Half an error bar's cap.
    pub(crate) cap: f64,
    /// A tick mark.
    pub(crate) tick: f64,
    /// Space between parts.
    pub(crate) gap: f64,
    /// Space around the figure.
    pub(crate) margin: f64,
}

impl Metrics {
    /// The lengths for a base font of `points`, on a canvas of `scale` backend pixels per CSS
    /// pixel, the text shrunk by `shrink` (1: as asked).
    pub(crate) fn new(points: f64, scale: f64, shrink: f64) -> Metrics {
        let em = points * CSS_PX_PER_INCH / POINTS_PER_INCH * scale * shrink;
        let text = text::size_for_em(em);
        Metrics {
            em,
            text,
            title: text * style::TITLE_SIZE,
            axis_title: text * style::AXIS_TITLE_SIZE,
            note: text * style::NOTE_SIZE,
            line_width: (em * style::LINE_WIDTH).max(1.0),
            thin_width: (em * style::THIN_LINE_WIDTH).max(1.0),
            marker: em * style::MARKER_SIZE,
            cap: em * style::ERROR_CAP,
            tick: em * style::TICK_LENGTH,
            gap: em * style::GAP,
            margin: em * style::MARGIN,
        }
    }
}

/// The lengths a layout tries, text from the asked size down to its smallest
/// ([`style::SHRINK_STEPS`]).
fn text_sizes(options: &FigureOptions, scale: f64) -> Vec<Metrics> {
    style::SHRINK_STEPS
        .iter()
        .map(|&shrink| Metrics::new(options.font_size, scale, shrink))
        .collect()
}

/// The colour of a block of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ink {
    /// Titles, labels.
    Black,
    /// The footer.
    Grey,
    /// Labels next to points.
    Dark,
    /// A value on a light heat-map cell.
    OnLight,
    /// A value on a dark heat-map cell.
    OnDark,
}

/// How the lines of a block line up along their reading direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// At the start (left; bottom for upward text).
    Start,
    /// Centred.
    Centre,
    /// At the end (right; top for upward text).
    End,
}

/// A block of text placed on the canvas: its lines, size, colour and the box it fills.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    /// Its lines, first to last.
    pub(crate) lines: Vec<String>,
    /// Text size (line box height).
    pub(crate) size: f64,
    /// The box the lines fill.
    pub(crate) rect: Rect,
    /// How the lines line up.
    pub(crate) align: Align,
    /// Whether it reads upwards (the y axis title), lines stacked left to right.
    pub(crate) upward: bool,
    /// Its colour.
    pub(crate) ink: Ink,
}

impl Block {
    /// Lines read across, the box's top left at `origin`.
    pub(crate) fn across(
        lines: Vec<String>,
        size: f64,
        origin: (f64, f64),
        align: Align,
        ink: Ink,
    ) -> Block {
        let width = text::widest(lines.iter().map(String::as_str), size);
        let height = text::block_height(lines.len(), size);
        Block {
            rect: Rect::at(origin.0, origin.1, width, height),
            lines,
            size,
            align,
            upward: false,
            ink,
        }
    }

    /// Lines read upwards, the box's top left at `origin`.
    pub(crate) fn upward(lines: Vec<String>, size: f64, origin: (f64, f64), ink: Ink) -> Block {
        let length = text::widest(lines.iter().map(String::as_str), size);
        let thickness = text::block_height(lines.len(), size);
        Block {
            rect: Rect::at(origin.0, origin.1, thickness, length),
            lines,
            size,
            align: Align::Centre,
            upward: true,
            ink,
        }
    }

    /// The block moved so that its box's top left is at `origin`.
    pub(crate) fn moved_to(mut self, origin: (f64, f64)) -> Block {
        self.rect = Rect::at(origin.0, origin.1, self.rect.width(), self.rect.height());
        self
    }

    /// Each line with the point plotters anchors it at (its text's top left, in the text's own
    /// frame: plotters puts the baseline half the text size below it).
    pub(crate) fn anchored_lines(&self) -> Vec<(&str, (f64, f64))> {
        let size = self.size;
        let ascent = text::ascent(size);
        let rect = self.rect;
        self.lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                let width = text::width(line, size);
                let offset = index as f64 * text::pitch(size);
                let anchor = if self.upward {
                    let along = match self.align {
                        Align::Start => rect.bottom,
                        Align::Centre => (rect.top + rect.bottom + width) / 2.0,
                        Align::End => rect.top + width,
                    };
                    (rect.left + offset + ascent - size / 2.0, along)
                } else {
                    let along = match self.align {
                        Align::Start => rect.left,
                        Align::Centre => (rect.left + rect.right - width) / 2.0,
                        Align::End => rect.right - width,
                    };
                    (along, rect.top + offset + ascent - size / 2.0)
                };
                (line.as_str(), anchor)
            })
            .collect()
    }
}

/// Where data values fall on the canvas.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame<'a> {
    /// The plot area.
    pub(crate) plot: Rect,
    /// The horizontal axis.
    pub(crate) x: &'a Axis,
    /// The vertical axis.
    pub(crate) y: &'a Axis,
}

impl Frame<'_> {
    /// The canvas x of a value on the x axis.
    pub(crate) fn x_px(&self, value: f64) -> Option<f64> {
        self.x
            .fraction(value)
            .map(|f| self.plot.left + f * self.plot.width())
    }

    /// The canvas y of a value on the y axis.
    pub(crate) fn y_px(&self, value: f64) -> Option<f64> {
        self.y
            .fraction(value)
            .map(|f| self.plot.bottom - f * self.plot.height())
    }

    /// The canvas position of a data point.
    pub(crate) fn point(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        Some((self.x_px(x)?, self.y_px(y)?))
    }
}

/// The title and footer of a figure, and the region left between them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// The title, centred at the top, if drawn.
    pub(crate) title: Option<Block>,
    /// The footer, at the bottom left, if drawn.
    pub(crate) footer: Option<Block>,
    /// What is left for the plot, its axes and an outside legend.
    pub(crate) region: Rect,
}

impl Page {
    /// The page of a canvas of `size` with `title` and `footer` (when drawn) wrapped to its
    /// width: the title in at most two lines, the footer in at most three.
    pub(crate) fn new(
        size: (f64, f64),
        metrics: &Metrics,
        title: Option<&str>,
        footer: Option<&str>,
    ) -> Page {
        let (width, height) = size;
        let room = width - 2.0 * metrics.margin;
        let title = title.filter(|t| !t.trim().is_empty()).map(|title| {
            let lines = text::wrap(title, metrics.title, room, 2);
            let block = Block::across(lines, metrics.title, (0.0, 0.0), Align::Centre, Ink::Black);
            let left = (width - block.rect.width()) / 2.0;
            block.moved_to((left, metrics.margin))
        });
        let footer = footer.filter(|f| !f.trim().is_empty()).map(|footer| {
            let lines = text::wrap(footer, metrics.note, room, 3);
            let block = Block::across(lines, metrics.note, (0.0, 0.0), Align::Start, Ink::Grey);
            let top = height - metrics.margin - block.rect.height();
            block.moved_to((metrics.margin, top))
        });
        let region = Rect {
            left: metrics.margin,
            right: width - metrics.margin,
            top: title
                .as_ref()
                .map_or(metrics.margin, |t| t.rect.bottom + metrics.gap * 1.5),
            bottom: footer
                .as_ref()
                .map_or(height - metrics.margin, |f| f.rect.top - metrics.gap * 1.5),
        };
        Page {
            title,
            footer,
            region,
        }
    }
}

/// The title a figure draws, as its options say.
pub(crate) fn shown_title<'a>(title: &'a str, options: &FigureOptions) -> Option<&'a str> {
    (options.title != Title::Hidden).then_some(title)
}

/// The footer a figure draws when its options want one: its caption and notes.
pub(crate) fn footer_text(
    caption: &str,
    notes: &[String],
    options: &FigureOptions,
) -> Option<String> {
    options.footer.then(|| {
        std::iter::once(caption)
            .chain(notes.iter().map(String::as_str))
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    })
}

/// Whether a plot area leaves the plot its share of the canvas.
pub(crate) fn roomy(plot: &Rect, size: (f64, f64)) -> bool {
    let (width, height) = style::LEAST_PLOT_SHARE;
    plot.width() >= size.0 * width && plot.height() >= size.1 * height
}

/// Of the labels along one axis (in order along it), those that can be written without
/// touching: each is kept if it clears the last one kept by `gap` (`across`: along x).
pub(crate) fn keep_apart(blocks: Vec<Block>, gap: f64, across: bool) -> Vec<Block> {
    let mut last: Option<Rect> = None;
    blocks
        .into_iter()
        .filter(|block| {
            let rect = block.rect;
            let clear = last.is_none_or(|last| {
                if across {
                    rect.left >= last.right + gap
                } else {
                    rect.bottom <= last.top - gap || rect.top >= last.bottom + gap
                }
            });
            if clear {
                last = Some(rect);
            }
            clear
        })
        .collect()
}
