//! The layout of a heat map: title and footer, the grid of cells with its category labels and
//! axis titles, and the colour bar with its tick labels on the right. A cell's value is written
//! in it when it fits (at the base size, else a little smaller); labels along an axis are
//! thinned until no two touch.

use super::{footer_text, keep_apart, roomy, shown_title, Align, Block, Ink, Metrics, Page};
use crate::plot::chart::HeatMap;
use crate::plot::draw::{luminance, viridis};
use crate::plot::geometry::Rect;
use crate::plot::options::FigureOptions;
use crate::plot::{style, text};

/// How far below the grid the column labels start, in text sizes: clear of the colour bar's
/// lowest tick label, which reaches half a text size below it.
const LABEL_DROP: f64 = 0.65;

/// A heat map laid out.
#[derive(Debug, Clone)]
pub(crate) struct HeatLayout<'a> {
    /// The chart.
    pub(crate) chart: &'a HeatMap,
    /// The lengths it is drawn with.
    pub(crate) metrics: Metrics,
    /// Title, footer.
    pub(crate) page: Page,
    /// The grid of cells.
    pub(crate) grid: Rect,
    /// The colour bar.
    pub(crate) bar: Rect,
    /// Category labels, axis titles, the colour bar's tick labels and the values in cells.
    pub(crate) texts: Vec<Block>,
    /// The canvas y of each of the colour bar's ticks.
    pub(crate) bar_ticks: Vec<f64>,
}

impl HeatLayout<'_> {
    /// The rectangle of the cell in `row` (from the bottom) and `column`.
    pub(crate) fn cell(&self, row: usize, column: usize) -> Rect {
        let (columns, rows) = (
            self.chart.x_values.len().max(1) as f64,
            self.chart.y_values.len().max(1) as f64,
        );
        let (width, height) = (self.grid.width() / columns, self.grid.height() / rows);
        Rect::at(
            self.grid.left + column as f64 * width,
            self.grid.bottom - (row + 1) as f64 * height,
            width,
            height,
        )
    }
}

/// Lays `chart` out on a canvas of `size` backend pixels at the first of `sizes` (the text's,
/// largest first) that leaves the grid its share, else at the last.
pub(crate) fn lay_out<'a>(
    chart: &'a HeatMap,
    options: &FigureOptions,
    size: (f64, f64),
    sizes: &[Metrics],
) -> HeatLayout<'a> {
    let smallest = sizes[sizes.len() - 1];
    sizes
        .iter()
        .map(|&metrics| attempt(chart, options, size, metrics))
        .find(|layout| roomy(&layout.grid, size))
        .unwrap_or_else(|| attempt(chart, options, size, smallest))
}

/// The layout at `metrics`.
fn attempt<'a>(
    chart: &'a HeatMap,
    options: &FigureOptions,
    size: (f64, f64),
    metrics: Metrics,
) -> HeatLayout<'a> {
    let footer = footer_text(&chart.caption, &[], options);
    let page = Page::new(
        size,
        &metrics,
        shown_title(&chart.title, options),
        footer.as_deref(),
    );
    let region = page.region;
    let (gap, text_size) = (metrics.gap, metrics.text);
    let bar_labels = text::widest(
        chart.colour_bar.ticks.iter().map(|t| t.label.as_str()),
        text_size,
    );
    let y_labels = text::widest(chart.y_values.iter().map(String::as_str), text_size);
    let bar_width = metrics.em * style::COLOUR_BAR_WIDTH;
    let y_title = text::wrap(&chart.y_label, metrics.axis_title, region.height() * 0.8, 2);
    let y_title_width = text::block_height(y_title.len(), metrics.axis_title);
    let left = region.left + y_title_width + gap * 2.0 + y_labels;
    let bar_room = gap * 3.0 + bar_width + metrics.tick + gap + bar_labels;
    let right = region.right - bar_room;
    let x_title = text::wrap(
        &chart.x_label,
        metrics.axis_title,
        (right - left).max(metrics.em),
        2,
    );
    let below = text_size * LABEL_DROP
        + text_size
        + gap
        + text::block_height(x_title.len(), metrics.axis_title);
    let grid = Rect {
        left,
        right: right.max(left + 1.0),
        top: region.top + text_size / 2.0,
        bottom: (region.bottom - below).max(region.top + text_size / 2.0 + 1.0),
    };
    let bar = Rect::at(grid.right + gap * 3.0, grid.top, bar_width, grid.height());
    let mut layout = HeatLayout {
        chart,
        metrics,
        page,
        grid,
        bar,
        texts: Vec::new(),
        bar_ticks: Vec::new(),
    };
    let mut texts = category_labels(&layout);
    texts.extend(titles(&layout, x_title, y_title));
    let (bar_texts, bar_ticks) = bar_labels_at(&layout);
    texts.extend(bar_texts);
    texts.extend(cell_values(&layout));
    layout.texts = texts;
    layout.bar_ticks = bar_ticks;
    layout
}

/// The category labels under the columns and left of the rows, thinned so no two touch.
fn category_labels(layout: &HeatLayout<'_>) -> Vec<Block> {
    let (chart, metrics) = (layout.chart, &layout.metrics);
    let size = metrics.text;
    let columns: Vec<Block> = chart
        .x_values
        .iter()
        .enumerate()
        .map(|(column, label)| {
            let cell = layout.cell(0, column);
            let block = Block::across(
                vec![label.clone()],
                size,
                (0.0, 0.0),
                Align::Centre,
                Ink::Black,
            );
            let left = (cell.left + cell.right - block.rect.width()) / 2.0;
            block.moved_to((left, layout.grid.bottom + size * LABEL_DROP))
        })
        .collect();
    let rows: Vec<Block> = chart
        .y_values
        .iter()
        .enumerate()
        .map(|(row, label)| {
            let cell = layout.cell(row, 0);
            let block = Block::across(
                vec![label.clone()],
                size,
                (0.0, 0.0),
                Align::End,
                Ink::Black,
            );
            let (width, height) = (block.rect.width(), block.rect.height());
            let top = (cell.top + cell.bottom - height) / 2.0;
            block.moved_to((layout.grid.left - metrics.gap - width, top))
        })
        .collect();
    keep_apart(columns, metrics.gap, true)
        .into_iter()
        .chain(keep_apart(rows, metrics.gap * 0.5, false))
        .collect()
}

/// The axis titles: x centred under the column labels, y reading upwards left of the row labels.
fn titles(layout: &HeatLayout<'_>, x_title: Vec<String>, y_title: Vec<String>) -> Vec<Block> {
    let (metrics, grid) = (&layout.metrics, layout.grid);
    let mut blocks = Vec::new();
    if !x_title.is_empty() {
        let block = Block::across(
            x_title,
            metrics.axis_title,
            (0.0, 0.0),
            Align::Centre,
            Ink::Black,
        );
        let left = (grid.left + grid.right - block.rect.width()) / 2.0;
        let top = grid.bottom + metrics.text * (LABEL_DROP + 1.0) + metrics.gap;
        blocks.push(block.moved_to((left, top)));
    }
    if !y_title.is_empty() {
        let block = Block::upward(y_title, metrics.axis_title, (0.0, 0.0), Ink::Black);
        let top = (grid.top + grid.bottom - block.rect.height()) / 2.0;
        blocks.push(block.moved_to((layout.page.region.left, top)));
    }
    blocks
}

/// The colour bar's tick labels (thinned) and the canvas y of every tick.
fn bar_labels_at(layout: &HeatLayout<'_>) -> (Vec<Block>, Vec<f64>) {
    let (bar, metrics) = (layout.bar, &layout.metrics);
    let colour_bar = &layout.chart.colour_bar;
    let ticks: Vec<f64> = colour_bar
        .ticks
        .iter()
        .map(|t| bar.bottom - colour_bar.fraction(t.value) * bar.height())
        .collect();
    let labels = colour_bar
        .ticks
        .iter()
        .zip(&ticks)
        .map(|(t, &y)| {
            let block = Block::across(
                vec![t.label.clone()],
                metrics.text,
                (0.0, 0.0),
                Align::Start,
                Ink::Black,
            );
            block.moved_to((
                bar.right + metrics.tick + metrics.gap,
                y - metrics.text / 2.0,
            ))
        })
        .collect();
    (keep_apart(labels, metrics.gap * 0.5, false), ticks)
}

/// The value of every cell that has one, where it fits in its cell.
fn cell_values(layout: &HeatLayout<'_>) -> Vec<Block> {
    let (chart, metrics) = (layout.chart, &layout.metrics);
    let mut blocks = Vec::new();
    for (row, cells) in chart.cells.iter().enumerate() {
        for (column, value) in cells.iter().enumerate() {
            let Some(value) = value else { continue };
            let cell = layout.cell(row, column);
            let room = cell.grown(-metrics.gap * 0.5);
            let label = chart.format.cell(*value);
            let fitting = [metrics.text, metrics.note * 0.85]
                .into_iter()
                .find(|&size| text::width(&label, size) <= room.width() && size <= room.height());
            let Some(size) = fitting else { continue };
            let light = luminance(viridis(chart.colour_bar.fraction(*value))) > 0.45;
            let ink = if light { Ink::OnLight } else { Ink::OnDark };
            let block = Block::across(vec![label], size, (0.0, 0.0), Align::Centre, ink);
            let origin = (
                (cell.left + cell.right - block.rect.width()) / 2.0,
                (cell.top + cell.bottom - block.rect.height()) / 2.0,
            );
            blocks.push(block.moved_to(origin));
        }
    }
    blocks
}
