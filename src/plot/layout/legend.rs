//! Legends: measured from their entries (a swatch and a label wrapped to a width) and the chart's
//! notes (text alone), then placed at a point in one or more columns.

use super::{Align, Block, Ink, Metrics};
use crate::plot::chart::{LegendEntry, SeriesStyle};
use crate::plot::geometry::Rect;
use crate::plot::{style, text};

/// One row of a legend before it is placed.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    /// What the swatch shows; `None` for a note.
    swatch: Option<SeriesStyle>,
    /// The label's lines.
    lines: Vec<String>,
    /// The label's text size.
    size: f64,
}

/// A legend measured, ready to be placed: its entries in a grid, its notes under them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendContent {
    entries: Vec<Row>,
    /// The notes' text, wrapped to the grid's width when placed (at least `note_width`).
    notes: Vec<String>,
    note_width: f64,
    metrics: Metrics,
}

/// A legend placed on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Legend {
    /// Its box.
    pub(crate) rect: Rect,
    /// Its rows.
    pub(crate) items: Vec<LegendItem>,
}

/// A row of a placed legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendItem {
    /// The swatch, with the left and right end of its line and the height of its middle.
    pub(crate) swatch: Option<(SeriesStyle, (f64, f64), f64)>,
    /// The label.
    pub(crate) label: Block,
}

impl LegendContent {
    /// The legend of `entries`, labels wrapped to `label_width` (at most two lines each), then
    /// `notes` (three); `None` when there is nothing to show.
    pub(crate) fn new(
        entries: &[LegendEntry],
        notes: &[String],
        metrics: &Metrics,
        label_width: f64,
    ) -> Option<LegendContent> {
        let label_width = label_width.max(metrics.em * 4.0);
        let entries: Vec<Row> = entries
            .iter()
            .map(|entry| Row {
                swatch: Some(entry.swatch),
                lines: text::wrap(&entry.label, metrics.text, label_width, 2),
                size: metrics.text,
            })
            .collect();
        (!entries.is_empty() || !notes.is_empty()).then_some(LegendContent {
            entries,
            notes: notes.to_vec(),
            note_width: label_width + Self::swatch_room(metrics),
            metrics: *metrics,
        })
    }

    /// The swatch and the space after it.
    fn swatch_room(metrics: &Metrics) -> f64 {
        metrics.em * style::SWATCH_WIDTH + metrics.gap
    }

    fn padding(&self) -> f64 {
        self.metrics.em * style::LEGEND_PADDING
    }

    /// Space between columns, and between rows.
    fn spacing(&self) -> (f64, f64) {
        (self.metrics.em, self.metrics.em * 0.3)
    }

    fn row_width(&self, row: &Row) -> f64 {
        let label = text::widest(row.lines.iter().map(String::as_str), row.size);
        match row.swatch {
            Some(_) => Self::swatch_room(&self.metrics) + label,
            None => label,
        }
    }

    fn row_height(&self, row: &Row) -> f64 {
        let swatch = if row.swatch.is_some() {
            self.metrics.marker * 2.6
        } else {
            0.0
        };
        text::block_height(row.lines.len(), row.size).max(swatch)
    }

    /// The most columns that make sense for the entries (at least one).
    fn most_columns(&self) -> usize {
        self.entries.len().max(1)
    }

    /// The width of each of `columns` columns the entries fill row by row.
    fn column_widths(&self, columns: usize) -> Vec<f64> {
        (0..columns)
            .map(|column| {
                self.entries
                    .iter()
                    .skip(column)
                    .step_by(columns)
                    .map(|row| self.row_width(row))
                    .fold(0.0, f64::max)
            })
            .collect()
    }

    /// The width of the grid of `columns` columns.
    fn grid_width(&self, columns: usize) -> f64 {
        let (column_gap, _) = self.spacing();
        self.column_widths(columns).iter().sum::<f64>() + (columns - 1) as f64 * column_gap
    }

    /// The notes as rows under a grid of `columns` columns, wrapped to its width.
    fn note_rows(&self, columns: usize) -> Vec<Row> {
        let width = self.grid_width(columns).max(self.note_width);
        self.notes
            .iter()
            .map(|note| Row {
                swatch: None,
                lines: text::wrap(note, self.metrics.note, width, 3),
                size: self.metrics.note,
            })
            .collect()
    }

    /// The heights of the grid's rows when the entries fill `columns` columns, then of the notes.
    fn heights(&self, columns: usize) -> Vec<f64> {
        let grid = self.entries.chunks(columns).map(|chunk| {
            chunk
                .iter()
                .map(|row| self.row_height(row))
                .fold(0.0, f64::max)
        });
        let notes = self.note_rows(columns);
        grid.chain(notes.iter().map(|row| self.row_height(row)))
            .collect()
    }

    /// The box's width and height in `columns` columns.
    pub(crate) fn size(&self, columns: usize) -> (f64, f64) {
        let columns = columns.clamp(1, self.most_columns());
        let (_, row_gap) = self.spacing();
        let grid = self.grid_width(columns);
        let notes = self
            .note_rows(columns)
            .iter()
            .map(|row| self.row_width(row))
            .fold(0.0, f64::max);
        let heights = self.heights(columns);
        let width = 2.0 * self.padding() + grid.max(notes);
        let height = 2.0 * self.padding()
            + heights.iter().sum::<f64>()
            + heights.len().saturating_sub(1) as f64 * row_gap;
        (width, height)
    }

    /// The most columns whose box is no wider than `width` (at least one).
    pub(crate) fn columns_within(&self, width: f64) -> usize {
        (1..=self.most_columns())
            .rev()
            .find(|&columns| self.size(columns).0 <= width)
            .unwrap_or(1)
    }

    /// The legend in `columns` columns, its box's top left at `origin`.
    pub(crate) fn place(&self, origin: (f64, f64), columns: usize) -> Legend {
        let columns = columns.clamp(1, self.most_columns());
        let (width, height) = self.size(columns);
        let (column_gap, row_gap) = self.spacing();
        let padding = self.padding();
        let widths = self.column_widths(columns);
        let heights = self.heights(columns);
        let mut items = Vec::with_capacity(self.entries.len() + self.notes.len());
        let mut top = origin.1 + padding;
        let notes = self.note_rows(columns);
        let mut grid_rows = self.entries.chunks(columns);
        for row_height in heights {
            match grid_rows.next() {
                Some(chunk) => {
                    let mut left = origin.0 + padding;
                    for (row, column_width) in chunk.iter().zip(&widths) {
                        items.push(self.item(row, (left, top), row_height));
                        left += column_width + column_gap;
                    }
                }
                None => {
                    let note = &notes[items.len() - self.entries.len()];
                    items.push(self.item(note, (origin.0 + padding, top), row_height));
                }
            }
            top += row_height + row_gap;
        }
        Legend {
            rect: Rect::at(origin.0, origin.1, width, height),
            items,
        }
    }

    /// One row placed in a grid cell whose top left is `origin`, `height` high.
    fn item(&self, row: &Row, origin: (f64, f64), height: f64) -> LegendItem {
        let middle = origin.1 + height / 2.0;
        let label_height = text::block_height(row.lines.len(), row.size);
        let label_top = middle - label_height / 2.0;
        match row.swatch {
            Some(swatch) => {
                let right = origin.0 + self.metrics.em * style::SWATCH_WIDTH;
                let label_left = right + self.metrics.gap;
                let label = Block::across(
                    row.lines.clone(),
                    row.size,
                    (label_left, label_top),
                    Align::Start,
                    Ink::Black,
                );
                LegendItem {
                    swatch: Some((swatch, (origin.0, right), middle)),
                    label,
                }
            }
            None => LegendItem {
                swatch: None,
                label: Block::across(
                    row.lines.clone(),
                    row.size,
                    (origin.0, label_top),
                    Align::Start,
                    Ink::Grey,
                ),
            },
        }
    }
}
