//! A plotters backend that records what is drawn as shapes (a display list) instead of pixels,
//! for the SVG and PDF writers. Text becomes glyph outlines of the bundled font, placed exactly
//! where the PNG backend rasterises them, so vector figures need no font on the reader's machine
//! and look like the PNG.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve, ScaleFont};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};

/// A colour with its opacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Paint {
    /// Red, green, blue.
    pub(crate) rgb: (u8, u8, u8),
    /// Opacity, from 0 to 1.
    pub(crate) alpha: f64,
}

impl From<BackendColor> for Paint {
    fn from(colour: BackendColor) -> Self {
        Paint {
            rgb: colour.rgb,
            alpha: colour.alpha,
        }
    }
}

/// One recorded drawing operation, in canvas pixels (y down).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// An open line through the points.
    Line {
        /// The points.
        points: Vec<(f64, f64)>,
        /// Its colour.
        paint: Paint,
        /// Its width.
        width: f64,
    },
    /// A filled polygon.
    Polygon {
        /// Its corners.
        points: Vec<(f64, f64)>,
        /// Its colour.
        paint: Paint,
    },
    /// A circle, filled or outlined.
    Circle {
        /// Its centre.
        centre: (f64, f64),
        /// Its radius.
        radius: f64,
        /// Its colour.
        paint: Paint,
        /// The outline's width; `None` when filled.
        outline: Option<f64>,
    },
    /// A line of text as glyphs of the bundled font.
    Text {
        /// The text, kept for readers (SVG `aria-label`).
        text: String,
        /// Its glyphs and where they go.
        glyphs: Vec<PlacedGlyph>,
        /// Its colour.
        paint: Paint,
    },
}

/// A glyph of the bundled font placed on the canvas: `transform` maps the glyph's font units
/// (y up) to canvas pixels, as `(a, b, c, d, e, f)`: x' = a x + c y + e, y' = b x + d y + f.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlacedGlyph {
    /// The glyph.
    pub(crate) id: u16,
    /// Font units to canvas pixels.
    pub(crate) transform: [f64; 6],
}

/// One step of a glyph outline, in font units (y up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PathStep {
    /// Start a contour.
    Move((f64, f64)),
    /// A straight segment.
    Line((f64, f64)),
    /// A quadratic Bézier segment: control point, end.
    Quad((f64, f64), (f64, f64)),
    /// A cubic Bézier segment: two control points, end.
    Cubic((f64, f64), (f64, f64), (f64, f64)),
    /// Close the contour.
    Close,
}

/// The outline of glyph `id` as contours, in font units (y up); empty for blank glyphs.
pub(crate) fn outline(font: &FontRef<'static>, id: u16) -> Vec<PathStep> {
    let Some(outline) = font.outline(GlyphId(id)) else {
        return Vec::new();
    };
    let point = |p: ab_glyph::Point| (f64::from(p.x), f64::from(p.y));
    let mut steps = Vec::new();
    let mut current: Option<(f64, f64)> = None;
    for curve in &outline.curves {
        let (start, step) = match *curve {
            OutlineCurve::Line(a, b) => (point(a), PathStep::Line(point(b))),
            OutlineCurve::Quad(a, b, c) => (point(a), PathStep::Quad(point(b), point(c))),
            OutlineCurve::Cubic(a, b, c, d) => {
                (point(a), PathStep::Cubic(point(b), point(c), point(d)))
            }
        };
        if current != Some(start) {
            if current.is_some() {
                steps.push(PathStep::Close);
            }
            steps.push(PathStep::Move(start));
        }
        current = Some(match step {
            PathStep::Line(end) | PathStep::Quad(_, end) | PathStep::Cubic(_, _, end) => end,
            PathStep::Move(_) | PathStep::Close => start,
        });
        steps.push(step);
    }
    if current.is_some() {
        steps.push(PathStep::Close);
    }
    steps
}

/// Applies a glyph's transform to a point in font units.
pub(crate) fn apply(transform: &[f64; 6], (x, y): (f64, f64)) -> (f64, f64) {
    let [a, b, c, d, e, f] = *transform;
    (a * x + c * y + e, b * x + d * y + f)
}

/// What a canvas recorded: its size and shapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Drawing {
    size: (u32, u32),
    shapes: Vec<Shape>,
}

impl Drawing {
    /// Its size in pixels.
    pub(crate) fn size(&self) -> (u32, u32) {
        self.size
    }

    /// What was drawn, in order.
    pub(crate) fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// The glyphs any text uses.
    pub(crate) fn glyphs(&self) -> BTreeSet<u16> {
        self.shapes
            .iter()
            .filter_map(|shape| match shape {
                Shape::Text { glyphs, .. } => Some(glyphs.iter().map(|g| g.id)),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// The recording backend. plotters takes its backend by value, so the shapes go to a list the
/// canvas shares with its [`Recorder`], which hands them over once drawing is done.
pub(crate) struct VectorCanvas {
    size: (u32, u32),
    shapes: Rc<RefCell<Vec<Shape>>>,
    font: &'static FontRef<'static>,
}

/// Reads what a [`VectorCanvas`] recorded.
pub(crate) struct Recorder {
    size: (u32, u32),
    shapes: Rc<RefCell<Vec<Shape>>>,
}

impl Recorder {
    /// What was drawn so far.
    pub(crate) fn drawing(self) -> Drawing {
        Drawing {
            size: self.size,
            shapes: self.shapes.take(),
        }
    }
}

impl VectorCanvas {
    /// An empty canvas of `size` pixels, and the recorder of what is drawn on it.
    pub(crate) fn new(size: (u32, u32)) -> (Self, Recorder) {
        let shapes = Rc::new(RefCell::new(Vec::new()));
        let canvas = VectorCanvas {
            size,
            shapes: Rc::clone(&shapes),
            font: super::text::font(),
        };
        (canvas, Recorder { size, shapes })
    }

    fn push(&mut self, shape: Shape) -> Result<(), DrawingErrorKind<std::convert::Infallible>> {
        self.shapes.borrow_mut().push(shape);
        Ok(())
    }
}

fn point((x, y): BackendCoord) -> (f64, f64) {
    (f64::from(x), f64::from(y))
}

impl DrawingBackend for VectorCanvas {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        at: BackendCoord,
        colour: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let (x, y) = point(at);
        self.push(Shape::Polygon {
            points: vec![(x, y), (x + 1.0, y), (x + 1.0, y + 1.0), (x, y + 1.0)],
            paint: colour.into(),
        })
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let ((x0, y0), (x1, y1)) = (point(upper_left), point(bottom_right));
        if fill {
            self.push(Shape::Polygon {
                points: vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
                paint: style.color().into(),
            })
        } else {
            self.push(Shape::Line {
                points: vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)],
                paint: style.color().into(),
                width: f64::from(style.stroke_width()),
            })
        }
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let points: Vec<(f64, f64)> = path.into_iter().map(point).collect();
        if points.len() < 2 || style.color().alpha == 0.0 {
            return Ok(());
        }
        self.push(Shape::Line {
            points,
            paint: style.color().into(),
            width: f64::from(style.stroke_width()),
        })
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        centre: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.push(Shape::Circle {
            centre: point(centre),
            radius: f64::from(radius),
            paint: style.color().into(),
            outline: (!fill).then(|| f64::from(style.stroke_width())),
        })
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let points: Vec<(f64, f64)> = vertices.into_iter().map(point).collect();
        if points.len() < 3 {
            return Ok(());
        }
        self.push(Shape::Polygon {
            points,
            paint: style.color().into(),
        })
    }

    /// Lays text out as plotters' font engine does (same advances, kerning and anchor box, the
    /// baseline half the font size below the box's top), as outlines.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        position: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let layout = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let ((min_x, min_y), (max_x, max_y)) = layout;
        let (width, height) = (f64::from(max_x - min_x), f64::from(max_y - min_y));
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Right => -width,
            HPos::Center => -(width / 2.0).trunc(),
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -(height / 2.0).trunc(),
            VPos::Bottom => -height,
        };
        let size = style.size();
        let scaled = self.font.as_scaled(size as f32);
        let units = f64::from(scaled.h_scale_factor());
        // (x, y) -> rotation applied to text-local coordinates, as FontTransform does.
        let [r11, r12, r21, r22] = match style.transform() {
            FontTransform::None => [1.0, 0.0, 0.0, 1.0],
            FontTransform::Rotate90 => [0.0, -1.0, 1.0, 0.0],
            FontTransform::Rotate180 => [-1.0, 0.0, 0.0, -1.0],
            FontTransform::Rotate270 => [0.0, 1.0, -1.0, 0.0],
        };
        let (px, py) = point(position);
        let mut pen = 0.0;
        let mut previous: Option<GlyphId> = None;
        let mut glyphs = Vec::new();
        for character in text.chars() {
            let id = scaled.glyph_id(character);
            if let Some(before) = previous {
                pen += f64::from(scaled.kern(before, id));
            }
            previous = Some(id);
            let (x0, y0) = (
                pen + dx - f64::from(min_x),
                size / 2.0 + dy - f64::from(min_y),
            );
            pen += f64::from(scaled.h_advance(id));
            if self.font.outline(id).is_none() {
                // A blank (a space): it only advances the pen.
                continue;
            }
            glyphs.push(PlacedGlyph {
                id: id.0,
                transform: [
                    r11 * units,
                    r21 * units,
                    -r12 * units,
                    -r22 * units,
                    r11 * x0 + r12 * y0 + px,
                    r21 * x0 + r22 * y0 + py,
                ],
            });
        }
        self.push(Shape::Text {
            text: text.to_owned(),
            glyphs,
            paint: colour.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn glyph_outlines_are_closed_contours() {
        let font = super::super::text::font();
        let id = font.glyph_id('o').0;
        let steps = outline(font, id);
        // An `o` has two contours: the outside and the hole.
        let moves = steps
            .iter()
            .filter(|s| matches!(s, PathStep::Move(_)))
            .count();
        let closes = steps
            .iter()
            .filter(|s| matches!(s, PathStep::Close))
            .count();
        assert_eq!((moves, closes), (2, 2));
        assert!(outline(font, font.glyph_id(' ').0).is_empty());
    }

    #[test]
    fn text_is_recorded_as_glyphs_where_the_bitmap_puts_it() {
        crate::plot::style::register_fonts();
        let (canvas, recorder) = VectorCanvas::new((400, 100));
        {
            let area = canvas.into_drawing_area();
            let font = (crate::plot::style::FONT, 20.0).into_font().color(&BLACK);
            area.draw(&Text::new("Hi", (10, 20), font)).unwrap();
        }
        let drawing = recorder.drawing();
        let Some(Shape::Text { text, glyphs, .. }) = drawing.shapes().last() else {
            panic!("no text recorded: {:?}", drawing.shapes());
        };
        assert_eq!(text, "Hi");
        assert_eq!(glyphs.len(), 2);
        // The baseline sits half the font size below the anchor, the first glyph at its x.
        let origin = apply(&glyphs[0].transform, (0.0, 0.0));
        assert_eq!(origin, (10.0, 30.0));
        let second = apply(&glyphs[1].transform, (0.0, 0.0));
        assert!(second.0 > 20.0 && second.1 == 30.0);
    }
}
