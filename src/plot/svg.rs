//! SVG from a recorded drawing. Each glyph used is defined once (`<defs>`, in font units) and
//! placed with `<use>`, so text renders the same everywhere without a font and stays small; each
//! line of text keeps its words in an `aria-label`.

use std::fmt::Write;

use pulldown_cmark_escape::escape_html;

use super::vector::{outline, Drawing, Paint, PathStep, Shape};

/// The SVG document of `drawing`, shown at `size` CSS pixels (the canvas may be drawn larger),
/// titled `title`.
pub(crate) fn document(drawing: &Drawing, size: (f64, f64), title: &str) -> String {
    let (width, height) = drawing.size();
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{}\" height=\"{}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\">\n<title>",
        number(size.0),
        number(size.1),
    );
    escaped(&mut out, title);
    out.push_str("</title>\n<defs>\n");
    let font = super::text::font();
    for id in drawing.glyphs() {
        let steps = outline(font, id);
        if !steps.is_empty() {
            let _ = writeln!(out, "<path id=\"g{id}\" d=\"{}\"/>", path_data(&steps));
        }
    }
    out.push_str("</defs>\n");
    for shape in drawing.shapes() {
        write_shape(&mut out, shape);
    }
    out.push_str("</svg>\n");
    out
}

fn write_shape(out: &mut String, shape: &Shape) {
    match shape {
        Shape::Line {
            points,
            paint,
            width,
        } => {
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" {} stroke-linecap=\"round\" \
                 stroke-linejoin=\"round\"/>",
                points_list(points),
                stroke(paint, *width)
            );
        }
        Shape::Polygon { points, paint } => {
            let _ = writeln!(
                out,
                "<polygon points=\"{}\" {}/>",
                points_list(points),
                fill(paint)
            );
        }
        Shape::Circle {
            centre,
            radius,
            paint,
            outline,
        } => {
            let look = match outline {
                Some(width) => format!("fill=\"none\" {}", stroke(paint, *width)),
                None => fill(paint),
            };
            let _ = writeln!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {look}/>",
                number(centre.0),
                number(centre.1),
                number(*radius)
            );
        }
        Shape::Text {
            text,
            glyphs,
            paint,
        } => {
            out.push_str("<g aria-label=\"");
            escaped(out, text);
            let _ = writeln!(out, "\" {}>", fill(paint));
            for glyph in glyphs {
                let [a, b, c, d, e, f] = glyph.transform;
                let _ = writeln!(
                    out,
                    "<use xlink:href=\"#g{}\" transform=\"matrix({} {} {} {} {} {})\"/>",
                    glyph.id,
                    precise(a),
                    precise(b),
                    precise(c),
                    precise(d),
                    number(e),
                    number(f)
                );
            }
            out.push_str("</g>\n");
        }
    }
}

/// SVG path data of a glyph outline, in font units.
fn path_data(steps: &[PathStep]) -> String {
    let mut data = String::new();
    let pair = |(x, y): (f64, f64)| format!("{} {}", number(x), number(y));
    for step in steps {
        let _ = match step {
            PathStep::Move(p) => write!(data, "M{}", pair(*p)),
            PathStep::Line(p) => write!(data, "L{}", pair(*p)),
            PathStep::Quad(c, p) => write!(data, "Q{} {}", pair(*c), pair(*p)),
            PathStep::Cubic(c1, c2, p) => write!(data, "C{} {} {}", pair(*c1), pair(*c2), pair(*p)),
            PathStep::Close => write!(data, "Z"),
        };
    }
    data
}

fn points_list(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{},{}", number(*x), number(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The attributes that fill a shape with `paint`.
fn fill(paint: &Paint) -> String {
    format!(
        "fill=\"{}\"{}",
        hex(paint.rgb),
        opacity("fill-opacity", paint.alpha)
    )
}

/// The attributes that stroke a shape's outline with `paint`, `width` wide.
fn stroke(paint: &Paint, width: f64) -> String {
    format!(
        "stroke=\"{}\"{} stroke-width=\"{}\"",
        hex(paint.rgb),
        opacity("stroke-opacity", paint.alpha),
        number(width)
    )
}

fn opacity(attribute: &str, alpha: f64) -> String {
    if alpha >= 1.0 {
        String::new()
    } else {
        format!(" {attribute}=\"{}\"", number(alpha))
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A coordinate: two decimals at most.
fn number(value: f64) -> String {
    trimmed(format!("{value:.2}"))
}

/// A glyph scale factor: small numbers, so six decimals.
fn precise(value: f64) -> String {
    trimmed(format!("{value:.6}"))
}

fn trimmed(text: String) -> String {
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    if text == "-0" {
        "0".to_owned()
    } else {
        text
    }
}

/// Appends `text` as XML character data or an attribute value (pulldown-cmark's escaping, which
/// sisa's HTML pages use too).
fn escaped(out: &mut String, text: &str) {
    escape_html(out, text).expect("writing to a string cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(12.3456), "12.35");
        assert_eq!(precise(0.009765625), "0.009766");
        assert_eq!(hex((0, 114, 178)), "#0072b2");
    }
}
