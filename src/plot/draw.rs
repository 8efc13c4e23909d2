//! Paints a chart on any plotters drawing area, where [`super::layout`] placed its parts: text
//! blocks line by line, the grid, frame and ticks, the data (error bars, lines, markers), the
//! legend, the heat map's cells and colour bar. One description draws the same figure on a PNG at
//! any DPI and on the vector canvas behind SVG and PDF.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::chart::{Chart, Colour, Dash, Marker, SeriesStyle};
use super::geometry::Rect;
use super::layout::heat::HeatLayout;
use super::layout::legend::Legend;
use super::layout::line::LineLayout;
use super::layout::{self, Block, Ink, Layout, Metrics};
use super::options::FigureOptions;
use super::style;

/// A figure that could not be drawn (plotters' errors are generic over the backend; this keeps
/// their text).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot draw the figure: {0}")]
pub(crate) struct DrawError(String);

type DrawResult = Result<(), DrawError>;

/// A plotters error, as a drawing failure.
pub(crate) fn fail<E: std::fmt::Debug>(error: E) -> DrawError {
    DrawError(format!("{error:?}"))
}

/// Draws `chart` on `root`, which it fills, laid out as `options` say; `scale` is the backend's
/// pixels per CSS pixel.
pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    options: &FigureOptions,
    scale: f64,
) -> DrawResult {
    style::register_fonts();
    let (width, height) = root.dim_in_pixel();
    let size = (f64::from(width), f64::from(height));
    root.fill(&WHITE).map_err(fail)?;
    match layout::lay_out(chart, options, size, scale) {
        Layout::Line(line) => Canvas::new(root, line.metrics).line_chart(&line),
        Layout::Heat(heat) => Canvas::new(root, heat.metrics).heat_map(&heat),
    }
}

/// The viridis colour at `fraction` (0: dark purple, 1: yellow).
pub(crate) fn viridis(fraction: f64) -> RGBColor {
    ViridisRGB::get_color(fraction.clamp(0.0, 1.0))
}

/// Relative luminance, to pick dark or light text on a cell.
pub(crate) fn luminance(colour: RGBColor) -> f64 {
    let RGBColor(r, g, b) = colour;
    (0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b)) / 255.0
}

/// A drawing area with the lengths it is drawn with.
struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    metrics: Metrics,
}

fn ink(colour: Colour) -> RGBColor {
    match colour {
        Colour::Palette(index) => style::colour(index),
        Colour::Grey => style::GREY,
    }
}

fn text_ink(ink: Ink) -> RGBColor {
    match ink {
        Ink::Black | Ink::OnLight => BLACK,
        Ink::Grey => style::GREY,
        Ink::Dark => style::FRAME,
        Ink::OnDark => WHITE,
    }
}

fn at((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// The on and off lengths of a dash pattern, in widths of a measured series' line.
fn pattern(dash: Dash) -> &'static [f64] {
    match dash {
        Dash::Solid => &[],
        Dash::Dashed => style::dashes::DASHED,
        Dash::DashDot => style::dashes::DASH_DOT,
        Dash::LongDash => style::dashes::LONG_DASH,
        Dash::Dotted => style::dashes::DOTTED,
    }
}

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    fn new(area: &'a DrawingArea<DB, Shift>, metrics: Metrics) -> Self {
        Canvas { area, metrics }
    }

    fn stroke(&self, colour: RGBColor, width: f64) -> ShapeStyle {
        ShapeStyle {
            color: colour.to_rgba(),
            filled: false,
            stroke_width: width.round().max(1.0) as u32,
        }
    }

    /// A block of text, line by line, where the layout put it.
    fn block(&self, block: &Block) -> DrawResult {
        let colour = text_ink(block.ink);
        for (line, anchor) in block.anchored_lines() {
            let font = (style::FONT, block.size)
                .into_font()
                .color(&colour)
                .pos(Pos::new(HPos::Left, VPos::Top));
            let font = if block.upward {
                font.transform(FontTransform::Rotate270)
            } else {
                font
            };
            self.area
                .draw(&Text::new(line.to_owned(), at(anchor), font))
                .map_err(fail)?;
        }
        Ok(())
    }

    fn polyline(&self, points: &[(f64, f64)], style: ShapeStyle) -> DrawResult {
        let points: Vec<(i32, i32)> = points.iter().copied().map(at).collect();
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(fail)
    }

    fn rectangle(&self, rect: Rect, style: ShapeStyle) -> DrawResult {
        let corners = [(rect.left, rect.top), (rect.right, rect.bottom)];
        self.area
            .draw(&Rectangle::new(corners.map(at), style))
            .map_err(fail)
    }

    /// A line through `points` in `pattern` (on and off lengths in multiples of `unit`; empty:
    /// solid).
    fn dashed(
        &self,
        points: &[(f64, f64)],
        dash: Dash,
        unit: f64,
        style: ShapeStyle,
    ) -> DrawResult {
        let pattern: Vec<f64> = pattern(dash).iter().map(|length| length * unit).collect();
        if pattern.is_empty() {
            return self.polyline(points, style);
        }
        let (mut phase, mut left) = (0, pattern[0]);
        let mut piece: Vec<(f64, f64)> = points.first().copied().into_iter().collect();
        for pair in points.windows(2) {
            let (mut from, to) = (pair[0], pair[1]);
            let mut remaining = (to.0 - from.0).hypot(to.1 - from.1);
            while remaining > left {
                let t = left / remaining;
                let cut = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
                if phase % 2 == 0 {
                    piece.push(cut);
                    self.polyline(&piece, style)?;
                }
                piece = vec![cut];
                remaining -= left;
                from = cut;
                phase = (phase + 1) % pattern.len();
                left = pattern[phase];
            }
            left -= remaining;
            piece.push(to);
        }
        if phase % 2 == 0 && piece.len() > 1 {
            self.polyline(&piece, style)?;
        }
        Ok(())
    }

    fn marker(
        &self,
        marker: Marker,
        (x, y): (f64, f64),
        colour: RGBColor,
        filled: bool,
    ) -> DrawResult {
        let s = self.metrics.marker;
        let outline = self.stroke(colour, self.metrics.line_width * 0.75);
        let fill = colour.filled();
        let shape = |points: &[(f64, f64)]| -> DrawResult {
            let points: Vec<(f64, f64)> = points.iter().map(|(dx, dy)| (x + dx, y + dy)).collect();
            if filled {
                let vertices: Vec<(i32, i32)> = points.iter().copied().map(at).collect();
                self.area.draw(&Polygon::new(vertices, fill)).map_err(fail)
            } else {
                let mut closed = points.clone();
                closed.push(points[0]);
                self.polyline(&closed, outline)
            }
        };
        match marker {
            Marker::Circle => {
                let style = if filled { fill } else { outline };
                self.area
                    .draw(&Circle::new(at((x, y)), s.round() as i32, style))
                    .map_err(fail)
            }
            Marker::Square => {
                let h = s * 0.9;
                shape(&[(-h, -h), (h, -h), (h, h), (-h, h)])
            }
            Marker::TriangleUp => {
                shape(&[(0.0, -1.2 * s), (1.1 * s, 0.8 * s), (-1.1 * s, 0.8 * s)])
            }
            Marker::TriangleDown => {
                shape(&[(0.0, 1.2 * s), (1.1 * s, -0.8 * s), (-1.1 * s, -0.8 * s)])
            }
            Marker::Diamond => {
                let h = s * 1.25;
                shape(&[(0.0, -h), (h, 0.0), (0.0, h), (-h, 0.0)])
            }
            Marker::Cross | Marker::Plus => {
                let (h, style) = (s * 1.1, self.stroke(colour, self.metrics.line_width * 0.9));
                let arms = if marker == Marker::Cross {
                    [[(-h, -h), (h, h)], [(-h, h), (h, -h)]]
                } else {
                    [[(-h, 0.0), (h, 0.0)], [(0.0, -h), (0.0, h)]]
                };
                for [a, b] in arms {
                    self.polyline(&[(x + a.0, y + a.1), (x + b.0, y + b.1)], style)?;
                }
                Ok(())
            }
        }
    }

    /// A series' line (if it has one) through `points`.
    fn series_line(&self, style: &SeriesStyle, points: &[(f64, f64)]) -> DrawResult {
        let Some(dash) = style.line else {
            return Ok(());
        };
        let width = if style.thin {
            self.metrics.thin_width * 1.5
        } else {
            self.metrics.line_width
        };
        let stroke = self.stroke(ink(style.colour), width);
        self.dashed(points, dash, self.metrics.line_width, stroke)
    }

    fn swatch(&self, swatch: &SeriesStyle, (left, right): (f64, f64), middle: f64) -> DrawResult {
        self.series_line(swatch, &[(left, middle), (right, middle)])?;
        if let Some(marker) = swatch.marker {
            let centre = ((left + right) / 2.0, middle);
            self.marker(marker, centre, ink(swatch.colour), swatch.filled)?;
        }
        Ok(())
    }

    fn legend(&self, legend: &Legend) -> DrawResult {
        self.rectangle(legend.rect, WHITE.filled())?;
        let border = self.stroke(style::LEGEND_BORDER, self.metrics.thin_width);
        self.rectangle(legend.rect, border)?;
        for item in &legend.items {
            if let Some((swatch, ends, middle)) = &item.swatch {
                self.swatch(swatch, *ends, *middle)?;
            }
            self.block(&item.label)?;
        }
        Ok(())
    }

    fn page(&self, page: &layout::Page) -> DrawResult {
        for block in page.title.iter().chain(&page.footer) {
            self.block(block)?;
        }
        Ok(())
    }

    fn line_chart(&self, layout: &LineLayout<'_>) -> DrawResult {
        self.page(&layout.page)?;
        self.grid_and_frame(layout)?;
        self.error_bars(layout)?;
        for series in &layout.chart.series {
            let points: Vec<(f64, f64)> = series
                .points
                .iter()
                .filter_map(|p| layout.frame.point(p.x, p.y))
                .collect();
            self.series_line(&series.style, &points)?;
            if let Some(marker) = series.style.marker {
                for &point in &points {
                    self.marker(marker, point, ink(series.style.colour), series.style.filled)?;
                }
            }
        }
        for block in &layout.texts {
            self.block(block)?;
        }
        match &layout.legend {
            Some(legend) => self.legend(legend),
            None => Ok(()),
        }
    }

    /// Grid lines at every tick, the frame, and the tick marks.
    fn grid_and_frame(&self, layout: &LineLayout<'_>) -> DrawResult {
        let plot = layout.frame.plot;
        let grid = self.stroke(style::GRID, self.metrics.thin_width);
        let dark = self.stroke(style::FRAME, self.metrics.thin_width);
        let tick = self.metrics.tick;
        let (xs, ys) = &layout.ticks;
        for &x in xs {
            self.polyline(&[(x, plot.top), (x, plot.bottom)], grid)?;
            self.polyline(&[(x, plot.bottom), (x, plot.bottom + tick)], dark)?;
        }
        for &y in ys {
            self.polyline(&[(plot.left, y), (plot.right, y)], grid)?;
            self.polyline(&[(plot.left - tick, y), (plot.left, y)], dark)?;
        }
        self.rectangle(plot, dark)
    }

    /// Each point's error bars, vertical and horizontal, with caps; a bar shorter than a pixel is
    /// left out (it would only be its caps).
    fn error_bars(&self, layout: &LineLayout<'_>) -> DrawResult {
        let frame = &layout.frame;
        let cap = self.metrics.cap;
        let visible = |&(a, b): &(f64, f64)| (a - b).abs() >= 1.0;
        for series in &layout.chart.series {
            let bar = self.stroke(ink(series.style.colour), self.metrics.thin_width);
            for point in &series.points {
                let Some((x, y)) = frame.point(point.x, point.y) else {
                    continue;
                };
                let vertical = point
                    .spread
                    .and_then(|(low, high)| Some((frame.y_px(low)?, frame.y_px(high)?)))
                    .filter(visible);
                if let Some((a, b)) = vertical {
                    self.polyline(&[(x, a), (x, b)], bar)?;
                    self.polyline(&[(x - cap, a), (x + cap, a)], bar)?;
                    self.polyline(&[(x - cap, b), (x + cap, b)], bar)?;
                }
                let horizontal = point
                    .x_spread
                    .and_then(|(low, high)| Some((frame.x_px(low)?, frame.x_px(high)?)))
                    .filter(visible);
                if let Some((a, b)) = horizontal {
                    self.polyline(&[(a, y), (b, y)], bar)?;
                    self.polyline(&[(a, y - cap), (a, y + cap)], bar)?;
                    self.polyline(&[(b, y - cap), (b, y + cap)], bar)?;
                }
            }
        }
        Ok(())
    }

    fn heat_map(&self, layout: &HeatLayout<'_>) -> DrawResult {
        self.page(&layout.page)?;
        let chart = layout.chart;
        for (row, cells) in chart.cells.iter().enumerate() {
            for (column, cell) in cells.iter().enumerate() {
                let fill = match cell {
                    Some(value) => viridis(chart.colour_bar.fraction(*value)),
                    None => style::EMPTY_CELL,
                };
                self.rectangle(layout.cell(row, column), fill.filled())?;
            }
        }
        self.colour_bar(layout)?;
        for block in &layout.texts {
            self.block(block)?;
        }
        Ok(())
    }

    fn colour_bar(&self, layout: &HeatLayout<'_>) -> DrawResult {
        const STRIPS: usize = 64;
        let place = layout.bar;
        let height = place.height();
        for strip in 0..STRIPS {
            let low = place.bottom - height * strip as f64 / STRIPS as f64;
            let high = place.bottom - height * (strip + 1) as f64 / STRIPS as f64;
            let colour = viridis((strip as f64 + 0.5) / STRIPS as f64);
            // Strips overlap by a pixel so no white seam shows between them.
            let strip = Rect {
                top: high - 1.0,
                bottom: low,
                ..place
            };
            self.rectangle(strip, colour.filled())?;
        }
        let dark = self.stroke(style::FRAME, self.metrics.thin_width);
        self.rectangle(place, dark)?;
        for &y in &layout.bar_ticks {
            let tick = [(place.right, y), (place.right + self.metrics.tick, y)];
            self.polyline(&tick, dark)?;
        }
        Ok(())
    }
}
