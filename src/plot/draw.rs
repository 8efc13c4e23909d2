//! Places a [`Chart`] on any plotters drawing area: the layout (title, plot frame, axis titles,
//! tick labels, legend, colour bar, caption), then the data. Every length in `style` is in CSS
//! pixels and is multiplied by the canvas scale, so one description draws the same figure on a
//! PNG at any DPI and on the vector canvas behind SVG and PDF.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::chart::{
    Axis, Chart, Colour, ColourBar, Corner, Dash, HeatMap, LegendEntry, LegendPlace, LineChart,
    Marker, SeriesStyle,
};
use super::style;

/// A figure that could not be drawn (plotters' errors are generic over the backend; this keeps
/// their text).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot draw the figure: {0}")]
pub struct DrawError(String);

type DrawResult = Result<(), DrawError>;

/// A plotters error, as a drawing failure.
pub(super) fn fail<E: std::fmt::Debug>(error: E) -> DrawError {
    DrawError(format!("{error:?}"))
}

/// Draws `chart` on `root`, which it fills; `scale` is the backend's pixels per CSS pixel.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    scale: f64,
) -> DrawResult {
    style::register_fonts();
    let canvas = Canvas { area: root, scale };
    root.fill(&WHITE).map_err(fail)?;
    let caption_top = canvas.caption(chart.caption())?;
    let title_bottom = canvas.title(chart.title())?;
    let space = Space {
        left: canvas.px(style::MARGIN),
        right: f64::from(root.dim_in_pixel().0) - canvas.px(style::MARGIN),
        top: title_bottom,
        bottom: caption_top - canvas.px(style::MARGIN),
    };
    match chart {
        Chart::Line(line) => canvas.line_chart(line, space),
        Chart::Heat(heat) => canvas.heat_map(heat, space),
    }
}

/// A rectangle of the canvas, in backend pixels.
#[derive(Debug, Clone, Copy)]
struct Space {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Where the data go, and how data values map to it.
struct Frame<'a> {
    plot: Space,
    x: &'a Axis,
    y: &'a Axis,
}

impl Frame<'_> {
    fn position(axis: &Axis, value: f64) -> Option<f64> {
        let t = |v: f64| if axis.log { v.ln() } else { v };
        let (low, high) = (t(axis.range.0), t(axis.range.1));
        let fraction = (t(value) - low) / (high - low);
        fraction.is_finite().then_some(fraction)
    }

    fn x_px(&self, value: f64) -> Option<f64> {
        Frame::position(self.x, value)
            .map(|f| self.plot.left + f * (self.plot.right - self.plot.left))
    }

    fn y_px(&self, value: f64) -> Option<f64> {
        Frame::position(self.y, value)
            .map(|f| self.plot.bottom - f * (self.plot.bottom - self.plot.top))
    }

    fn point(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        Some((self.x_px(x)?, self.y_px(y)?))
    }
}

/// A drawing area with the scale its lengths are multiplied by.
struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    scale: f64,
}

fn ink(colour: Colour) -> RGBColor {
    match colour {
        Colour::Palette(index) => style::colour(index),
        Colour::Grey => style::GREY,
    }
}

fn at((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

impl<DB: DrawingBackend> Canvas<'_, DB> {
    fn px(&self, length: f64) -> f64 {
        length * self.scale
    }

    fn stroke(&self, colour: RGBColor, width: f64) -> ShapeStyle {
        ShapeStyle {
            color: colour.to_rgba(),
            filled: false,
            stroke_width: self.px(width).round().max(1.0) as u32,
        }
    }

    fn font(&self, size: f64, colour: RGBColor, anchor: (HPos, VPos)) -> TextStyle<'static> {
        (style::FONT, self.px(size))
            .into_font()
            .color(&colour)
            .pos(Pos::new(anchor.0, anchor.1))
    }

    /// The width and height of `text` at `size`, in backend pixels.
    fn measure(&self, text: &str, size: f64) -> (f64, f64) {
        let font = self.font(size, BLACK, (HPos::Left, VPos::Top));
        self.area
            .estimate_text_size(text, &font)
            .map_or((0.0, self.px(size)), |(w, h)| (f64::from(w), f64::from(h)))
    }

    fn text(
        &self,
        text: &str,
        position: (f64, f64),
        size: f64,
        colour: RGBColor,
        anchor: (HPos, VPos),
    ) -> DrawResult {
        let font = self.font(size, colour, anchor);
        self.area
            .draw(&Text::new(text.to_owned(), at(position), font))
            .map_err(fail)
    }

    /// Text reading upwards (the y axis title), centred on `position`.
    fn text_upwards(&self, text: &str, position: (f64, f64), size: f64) -> DrawResult {
        let font = (style::FONT, self.px(size))
            .into_font()
            .transform(FontTransform::Rotate270)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        self.area
            .draw(&Text::new(text.to_owned(), at(position), font))
            .map_err(fail)
    }

    fn polyline(&self, points: &[(f64, f64)], style: ShapeStyle) -> DrawResult {
        let points: Vec<(i32, i32)> = points.iter().copied().map(at).collect();
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(fail)
    }

    fn rectangle(&self, corners: [(f64, f64); 2], style: ShapeStyle) -> DrawResult {
        self.area
            .draw(&Rectangle::new(corners.map(at), style))
            .map_err(fail)
    }

    /// A line through `points` in `pattern` (on and off lengths in CSS pixels; empty: solid).
    fn dashed(&self, points: &[(f64, f64)], pattern: &[f64], style: ShapeStyle) -> DrawResult {
        if pattern.is_empty() {
            return self.polyline(points, style);
        }
        let pattern: Vec<f64> = pattern.iter().map(|length| self.px(*length)).collect();
        let (mut phase, mut left) = (0, pattern[0]);
        let mut piece: Vec<(f64, f64)> = points.first().copied().into_iter().collect();
        for pair in points.windows(2) {
            let (mut from, to) = (pair[0], pair[1]);
            let mut remaining = ((to.0 - from.0).powi(2) + (to.1 - from.1).powi(2)).sqrt();
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

    fn pattern(dash: Dash) -> &'static [f64] {
        match dash {
            Dash::Solid => &[],
            Dash::Dashed => style::dashes::DASHED,
            Dash::DashDot => style::dashes::DASH_DOT,
            Dash::LongDash => style::dashes::LONG_DASH,
            Dash::Dotted => style::dashes::DOTTED,
        }
    }

    fn marker(
        &self,
        marker: Marker,
        (x, y): (f64, f64),
        colour: RGBColor,
        filled: bool,
    ) -> DrawResult {
        let s = self.px(style::MARKER_SIZE);
        let outline = self.stroke(colour, style::LINE_WIDTH * 0.75);
        let fill = colour.filled();
        let shape = |points: Vec<(f64, f64)>| -> DrawResult {
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
                shape(vec![(-h, -h), (h, -h), (h, h), (-h, h)])
            }
            Marker::TriangleUp => shape(vec![
                (0.0, -1.2 * s),
                (1.1 * s, 0.8 * s),
                (-1.1 * s, 0.8 * s),
            ]),
            Marker::TriangleDown => shape(vec![
                (0.0, 1.2 * s),
                (1.1 * s, -0.8 * s),
                (-1.1 * s, -0.8 * s),
            ]),
            Marker::Diamond => {
                let h = s * 1.25;
                shape(vec![(0.0, -h), (h, 0.0), (0.0, h), (-h, 0.0)])
            }
            Marker::Cross | Marker::Plus => {
                let (h, style) = (s * 1.1, self.stroke(colour, style::LINE_WIDTH * 0.9));
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

    /// Writes the caption at the bottom (one line, or two if it does not fit); returns its top.
    fn caption(&self, caption: &str) -> Result<f64, DrawError> {
        let (width, height) = self.area.dim_in_pixel();
        let fits = |text: &str| {
            self.measure(text, style::CAPTION_SIZE).0 + self.px(32.0) <= f64::from(width)
        };
        let lines: Vec<&str> = if fits(caption) {
            vec![caption]
        } else {
            let middle = caption.len() / 2;
            let cut = caption
                .match_indices(" · ")
                .map(|(i, _)| i)
                .min_by_key(|&i| i.abs_diff(middle))
                .unwrap_or(middle);
            vec![&caption[..cut], &caption[cut + " · ".len()..]]
        };
        let line_height = self.px(style::CAPTION_SIZE + 6.0);
        let top = f64::from(height) - self.px(10.0) - line_height * lines.len() as f64;
        for (number, line) in lines.iter().enumerate() {
            let y = top + number as f64 * line_height;
            let colour = style::GREY;
            self.text(
                line,
                (self.px(style::MARGIN), y),
                style::CAPTION_SIZE,
                colour,
                (HPos::Left, VPos::Top),
            )?;
        }
        Ok(top)
    }

    /// Writes the title, centred at the top; returns where the space under it starts.
    fn title(&self, title: &str) -> Result<f64, DrawError> {
        let width = f64::from(self.area.dim_in_pixel().0);
        let top = self.px(style::MARGIN);
        self.text(
            title,
            (width / 2.0, top),
            style::TITLE_SIZE,
            BLACK,
            (HPos::Center, VPos::Top),
        )?;
        Ok(top + self.measure(title, style::TITLE_SIZE).1 + self.px(style::MARGIN))
    }

    /// Size of the legend box.
    fn legend_size(&self, entries: &[LegendEntry]) -> (f64, f64) {
        let widest = entries
            .iter()
            .map(|e| self.measure(&e.label, style::LABEL_SIZE).0)
            .fold(0.0, f64::max);
        let padding = self.px(10.0);
        let width = padding * 2.0 + self.px(style::SWATCH_WIDTH) + self.px(8.0) + widest;
        let height = padding * 2.0 + self.row_height() * entries.len() as f64;
        (width, height)
    }

    fn row_height(&self) -> f64 {
        self.px(style::LABEL_SIZE * 1.45)
    }

    fn legend(&self, entries: &[LegendEntry], origin: (f64, f64)) -> DrawResult {
        if entries.is_empty() {
            return Ok(());
        }
        let (width, height) = self.legend_size(entries);
        let (x, y) = origin;
        self.rectangle([(x, y), (x + width, y + height)], WHITE.mix(0.9).filled())?;
        self.rectangle(
            [(x, y), (x + width, y + height)],
            self.stroke(style::LEGEND_BORDER, style::THIN_LINE_WIDTH),
        )?;
        let padding = self.px(10.0);
        for (row, entry) in entries.iter().enumerate() {
            let middle = y + padding + self.row_height() * (row as f64 + 0.5);
            let left = x + padding;
            let right = left + self.px(style::SWATCH_WIDTH);
            self.swatch(&entry.swatch, (left, right), middle)?;
            let label_at = (right + self.px(8.0), middle);
            self.text(
                &entry.label,
                label_at,
                style::LABEL_SIZE,
                BLACK,
                (HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    }

    fn swatch(&self, swatch: &SeriesStyle, (left, right): (f64, f64), middle: f64) -> DrawResult {
        let colour = ink(swatch.colour);
        if let Some(dash) = swatch.line {
            let width = if swatch.thin {
                style::LINE_WIDTH * 0.75
            } else {
                style::LINE_WIDTH
            };
            self.dashed(
                &[(left, middle), (right, middle)],
                Canvas::<DB>::pattern(dash),
                self.stroke(colour, width),
            )?;
        }
        if let Some(marker) = swatch.marker {
            self.marker(
                marker,
                ((left + right) / 2.0, middle),
                colour,
                swatch.filled,
            )?;
        }
        Ok(())
    }

    fn line_chart(&self, chart: &LineChart, space: Space) -> DrawResult {
        let label_height = self.measure("0", style::LABEL_SIZE).1;
        let axis_title_height = self.measure("Ag", style::AXIS_TITLE_SIZE).1;
        let gap = self.px(6.0);
        let tick = self.px(style::TICK_LENGTH);
        let widest_y_label = chart
            .y
            .ticks
            .iter()
            .map(|t| self.measure(&t.label, style::LABEL_SIZE).0)
            .fold(0.0, f64::max);
        let last_x_label = chart
            .x
            .ticks
            .last()
            .map_or(0.0, |t| self.measure(&t.label, style::LABEL_SIZE).0);
        let legend = self.legend_size(&chart.legend);
        let beside = chart.legend_place == LegendPlace::Beside && !chart.legend.is_empty();
        let right_reserve = if beside {
            legend.0 + self.px(style::MARGIN)
        } else {
            last_x_label / 2.0
        };
        let plot = Space {
            left: space.left + axis_title_height + gap * 2.0 + widest_y_label + tick,
            right: space.right - right_reserve,
            top: space.top,
            bottom: space.bottom - axis_title_height - gap * 2.0 - label_height - tick,
        };
        let frame = Frame {
            plot,
            x: &chart.x,
            y: &chart.y,
        };
        self.axes(&frame, label_height, gap)?;
        for series in &chart.series {
            let colour = ink(series.style.colour);
            let bar = self.stroke(colour, style::THIN_LINE_WIDTH);
            let cap = self.px(style::ERROR_CAP);
            for point in &series.points {
                let Some((x, y)) = frame.point(point.x, point.y) else {
                    continue;
                };
                // A spread narrower than a pixel is not drawn (it would only be its caps).
                let visible = |&(a, b): &(f64, f64)| (a - b).abs() >= 1.0;
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
        for series in &chart.series {
            let colour = ink(series.style.colour);
            let coordinates: Vec<(f64, f64)> = series
                .points
                .iter()
                .filter_map(|p| frame.point(p.x, p.y))
                .collect();
            if let Some(dash) = series.style.line {
                let width = if series.style.thin {
                    style::THIN_LINE_WIDTH * 1.5
                } else {
                    style::LINE_WIDTH
                };
                self.dashed(
                    &coordinates,
                    Canvas::<DB>::pattern(dash),
                    self.stroke(colour, width),
                )?;
            }
            if let Some(marker) = series.style.marker {
                for &point in &coordinates {
                    self.marker(marker, point, colour, series.style.filled)?;
                }
            }
        }
        for label in &chart.labels {
            if let Some((x, y)) = frame.point(label.x, label.y) {
                let at = (x + self.px(7.0), y - self.px(5.0));
                self.text(
                    &label.text,
                    at,
                    style::CAPTION_SIZE,
                    style::FRAME,
                    (HPos::Left, VPos::Bottom),
                )?;
            }
        }
        let inset = self.px(style::MARGIN) * 0.6;
        let origin = match chart.legend_place {
            LegendPlace::Beside => (plot.right + self.px(style::MARGIN), plot.top),
            LegendPlace::Inside(corner) => {
                let left = matches!(corner, Corner::UpperLeft | Corner::LowerLeft);
                let upper = matches!(corner, Corner::UpperLeft | Corner::UpperRight);
                let x = if left {
                    plot.left + inset
                } else {
                    plot.right - inset - legend.0
                };
                let y = if upper {
                    plot.top + inset
                } else {
                    plot.bottom - inset - legend.1
                };
                (x, y)
            }
        };
        self.legend(&chart.legend, origin)
    }

    /// Grid, frame, ticks, tick labels and axis titles of a line chart.
    fn axes(&self, frame: &Frame<'_>, label_height: f64, gap: f64) -> DrawResult {
        let plot = frame.plot;
        let grid = self.stroke(style::GRID, style::THIN_LINE_WIDTH);
        let dark = self.stroke(style::FRAME, style::THIN_LINE_WIDTH);
        let tick = self.px(style::TICK_LENGTH);
        for t in &frame.x.ticks {
            let Some(x) = frame.x_px(t.value) else {
                continue;
            };
            self.polyline(&[(x, plot.top), (x, plot.bottom)], grid)?;
            self.polyline(&[(x, plot.bottom), (x, plot.bottom + tick)], dark)?;
            let anchor = (HPos::Center, VPos::Top);
            self.text(
                &t.label,
                (x, plot.bottom + tick + gap),
                style::LABEL_SIZE,
                BLACK,
                anchor,
            )?;
        }
        for t in &frame.y.ticks {
            let Some(y) = frame.y_px(t.value) else {
                continue;
            };
            self.polyline(&[(plot.left, y), (plot.right, y)], grid)?;
            self.polyline(&[(plot.left - tick, y), (plot.left, y)], dark)?;
            let anchor = (HPos::Right, VPos::Center);
            self.text(
                &t.label,
                (plot.left - tick - gap, y),
                style::LABEL_SIZE,
                BLACK,
                anchor,
            )?;
        }
        self.rectangle([(plot.left, plot.top), (plot.right, plot.bottom)], dark)?;
        let x_title = (
            (plot.left + plot.right) / 2.0,
            plot.bottom + tick + gap * 2.0 + label_height,
        );
        let anchor = (HPos::Center, VPos::Top);
        self.text(
            &frame.x.title,
            x_title,
            style::AXIS_TITLE_SIZE,
            BLACK,
            anchor,
        )?;
        let title_height = self.measure("Ag", style::AXIS_TITLE_SIZE).1;
        let y_title = (
            self.px(style::MARGIN) + title_height / 2.0,
            (plot.top + plot.bottom) / 2.0,
        );
        self.text_upwards(&frame.y.title, y_title, style::AXIS_TITLE_SIZE)
    }

    fn heat_map(&self, chart: &HeatMap, space: Space) -> DrawResult {
        let label_height = self.measure("0", style::LABEL_SIZE).1;
        let axis_title_height = self.measure("Ag", style::AXIS_TITLE_SIZE).1;
        let gap = self.px(6.0);
        let widest = |labels: &mut dyn Iterator<Item = &String>| {
            labels
                .map(|l| self.measure(l, style::LABEL_SIZE).0)
                .fold(0.0, f64::max)
        };
        let widest_y_label = widest(&mut chart.y_values.iter());
        let widest_bar_label = widest(&mut chart.colour_bar.ticks.iter().map(|t| &t.label));
        let bar_width = self.px(style::COLOUR_BAR_WIDTH);
        let tick = self.px(style::TICK_LENGTH);
        let plot = Space {
            left: space.left + axis_title_height + gap * 2.0 + widest_y_label,
            right: space.right
                - self.px(style::MARGIN) * 1.5
                - bar_width
                - tick
                - gap
                - widest_bar_label,
            top: space.top,
            bottom: space.bottom - axis_title_height - gap * 4.0 - label_height,
        };
        let (columns, rows) = (chart.x_values.len().max(1), chart.y_values.len().max(1));
        let cell_width = (plot.right - plot.left) / columns as f64;
        let cell_height = (plot.bottom - plot.top) / rows as f64;
        for (row, cells) in chart.cells.iter().enumerate() {
            let bottom = plot.bottom - row as f64 * cell_height;
            for (column, cell) in cells.iter().enumerate() {
                let left = plot.left + column as f64 * cell_width;
                let corners = [(left, bottom - cell_height), (left + cell_width, bottom)];
                let Some(value) = cell else {
                    self.rectangle(corners, style::EMPTY_CELL.filled())?;
                    continue;
                };
                let fill = viridis(chart.colour_bar.fraction(*value));
                self.rectangle(corners, fill.filled())?;
                let text_ink = if luminance(fill) > 0.45 { BLACK } else { WHITE };
                let centre = (left + cell_width / 2.0, bottom - cell_height / 2.0);
                let anchor = (HPos::Center, VPos::Center);
                self.text(
                    &chart.format.cell(*value),
                    centre,
                    style::LABEL_SIZE,
                    text_ink,
                    anchor,
                )?;
            }
        }
        for (column, label) in chart.x_values.iter().enumerate() {
            let x = plot.left + (column as f64 + 0.5) * cell_width;
            self.text(
                label,
                (x, plot.bottom + gap),
                style::LABEL_SIZE,
                BLACK,
                (HPos::Center, VPos::Top),
            )?;
        }
        for (row, label) in chart.y_values.iter().enumerate() {
            let y = plot.bottom - (row as f64 + 0.5) * cell_height;
            self.text(
                label,
                (plot.left - gap, y),
                style::LABEL_SIZE,
                BLACK,
                (HPos::Right, VPos::Center),
            )?;
        }
        let x_title = (
            (plot.left + plot.right) / 2.0,
            plot.bottom + gap * 3.0 + label_height,
        );
        self.text(
            &chart.x_label,
            x_title,
            style::AXIS_TITLE_SIZE,
            BLACK,
            (HPos::Center, VPos::Top),
        )?;
        let y_title = (
            self.px(style::MARGIN) + axis_title_height / 2.0,
            (plot.top + plot.bottom) / 2.0,
        );
        self.text_upwards(&chart.y_label, y_title, style::AXIS_TITLE_SIZE)?;
        let bar_left = plot.right + self.px(style::MARGIN) * 1.5;
        self.colour_bar(
            &chart.colour_bar,
            Space {
                left: bar_left,
                right: bar_left + bar_width,
                top: plot.top,
                bottom: plot.bottom,
            },
            gap,
        )
    }

    fn colour_bar(&self, bar: &ColourBar, place: Space, gap: f64) -> DrawResult {
        const STRIPS: usize = 64;
        let height = place.bottom - place.top;
        for strip in 0..STRIPS {
            let low = place.bottom - height * strip as f64 / STRIPS as f64;
            let high = place.bottom - height * (strip + 1) as f64 / STRIPS as f64;
            let colour = viridis((strip as f64 + 0.5) / STRIPS as f64);
            // Strips overlap by a pixel so no white seam shows between them.
            self.rectangle(
                [(place.left, high - 1.0), (place.right, low)],
                colour.filled(),
            )?;
        }
        let dark = self.stroke(style::FRAME, style::THIN_LINE_WIDTH);
        self.rectangle([(place.left, place.top), (place.right, place.bottom)], dark)?;
        let tick = self.px(style::TICK_LENGTH);
        for t in &bar.ticks {
            let y = place.bottom - bar.fraction(t.value) * height;
            self.polyline(&[(place.right, y), (place.right + tick, y)], dark)?;
            let anchor = (HPos::Left, VPos::Center);
            self.text(
                &t.label,
                (place.right + tick + gap, y),
                style::LABEL_SIZE,
                BLACK,
                anchor,
            )?;
        }
        Ok(())
    }
}

/// The viridis colour at `fraction` (0: dark purple, 1: yellow).
fn viridis(fraction: f64) -> RGBColor {
    ViridisRGB::get_color(fraction.clamp(0.0, 1.0))
}

/// Relative luminance, to pick dark or light text on a cell.
fn luminance(colour: RGBColor) -> f64 {
    let RGBColor(r, g, b) = colour;
    (0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b)) / 255.0
}
