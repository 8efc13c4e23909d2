//! A one-page PDF from a recorded canvas: lines, polygons and circles as PDF paths, text as
//! filled glyph outlines (no font embedded or needed), the content stream deflated. Written by
//! hand (the format needs a few objects and a cross-reference table), so no PDF library is
//! built; the output is the same bytes for the same figure (no creation date).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::vector::{apply, outline, Drawing, Paint, PathStep, Shape};

/// Bézier control distance that draws a quarter circle (4/3 (sqrt 2 - 1)).
const KAPPA: f64 = 0.552_284_749_8;

/// The PDF file of `drawing`, one page of `size` CSS pixels (72/96 of a point each), titled
/// `title`.
pub(crate) fn document(drawing: &Drawing, size: (f64, f64), title: &str) -> Vec<u8> {
    let page = (size.0 * 0.75, size.1 * 0.75);
    let scale = page.0 / f64::from(drawing.size().0);
    let content = Content::of(drawing, scale, page.1);
    let mut compressed = ZlibEncoder::new(Vec::new(), Compression::default());
    compressed
        .write_all(content.stream.as_bytes())
        .expect("writing to memory cannot fail");
    let stream = compressed.finish().expect("writing to memory cannot fail");
    let states: String = content
        .opacities
        .iter()
        .map(|(value, name)| format!("/{name} << /ca {value} /CA {value} >> "))
        .collect();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /ExtGState << \
             {states}>> >> /Contents 4 0 R >>",
            number(page.0),
            number(page.1)
        )
        .into_bytes(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                stream.len()
            )
            .into_bytes(),
            stream,
            b"\nendstream".to_vec(),
        ]
        .concat(),
        format!("<< /Title {} /Producer (sisa) >>", text_string(title)).into_bytes(),
    ];
    assemble(&objects)
}

/// A page's content stream, and the opacities it names (value -> graphics state name).
struct Content {
    stream: String,
    opacities: BTreeMap<String, String>,
    /// Glyph outlines read so far.
    outlines: BTreeMap<u16, Vec<PathStep>>,
}

impl Content {
    /// The content of `drawing`, its pixels scaled by `scale` to points on a page `height` high.
    fn of(drawing: &Drawing, scale: f64, height: f64) -> Content {
        let mut content = Content {
            stream: String::new(),
            opacities: BTreeMap::new(),
            outlines: BTreeMap::new(),
        };
        // Canvas pixels, y down, to PDF points, y up.
        let _ = writeln!(
            content.stream,
            "{} 0 0 {} 0 {} cm 1 J 1 j",
            number(scale),
            number(-scale),
            number(height)
        );
        for shape in drawing.shapes() {
            content.shape(shape);
        }
        content
    }

    /// One shape, in its own graphics state.
    fn shape(&mut self, shape: &Shape) {
        let paint = match shape {
            Shape::Line { paint, .. }
            | Shape::Polygon { paint, .. }
            | Shape::Circle { paint, .. }
            | Shape::Text { paint, .. } => *paint,
        };
        self.stream.push_str("q ");
        if paint.alpha < 1.0 {
            let value = number(paint.alpha);
            let count = self.opacities.len();
            let name = self
                .opacities
                .entry(value)
                .or_insert_with(|| format!("A{count}"))
                .clone();
            let _ = write!(self.stream, "/{name} gs ");
        }
        let (r, g, b) = colour(paint);
        let (stroke, fill) = (format!("{r} {g} {b} RG"), format!("{r} {g} {b} rg"));
        let out = &mut self.stream;
        match shape {
            Shape::Line { points, width, .. } => {
                let _ = write!(out, "{stroke} {} w ", number(*width));
                polyline(out, points);
                out.push('S');
            }
            Shape::Polygon { points, .. } => {
                let _ = write!(out, "{fill} ");
                polyline(out, points);
                out.push_str("h f");
            }
            Shape::Circle {
                centre,
                radius,
                outline,
                ..
            } => {
                match outline {
                    Some(width) => write!(out, "{stroke} {} w ", number(*width)),
                    None => write!(out, "{fill} "),
                }
                .expect("writing to a string cannot fail");
                circle(out, *centre, *radius);
                out.push_str(if outline.is_some() { "S" } else { "f" });
            }
            Shape::Text { glyphs, .. } => {
                let _ = write!(out, "{fill} ");
                let font = crate::plot::text::font();
                for glyph in glyphs {
                    let steps = self
                        .outlines
                        .entry(glyph.id)
                        .or_insert_with(|| outline(font, glyph.id));
                    glyph_path(&mut self.stream, steps, &glyph.transform);
                }
                self.stream.push('f');
            }
        }
        self.stream.push_str(" Q\n");
    }
}

/// The file: header, numbered objects, cross-reference table (each object's byte offset) and
/// trailer; object 1 is the catalogue and the last the document information.
fn assemble(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut file: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, body) in objects.iter().enumerate() {
        offsets.push(file.len());
        file.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        file.extend_from_slice(body);
        file.extend_from_slice(b"\nendobj\n");
    }
    let table = file.len();
    let mut trailer = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(trailer, "{offset:010} 00000 n ");
    }
    let _ = write!(
        trailer,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{table}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    file.extend_from_slice(trailer.as_bytes());
    file
}

fn colour(paint: Paint) -> (String, String, String) {
    let channel = |value: u8| number(f64::from(value) / 255.0);
    (
        channel(paint.rgb.0),
        channel(paint.rgb.1),
        channel(paint.rgb.2),
    )
}

fn polyline(content: &mut String, points: &[(f64, f64)]) {
    for (index, (x, y)) in points.iter().enumerate() {
        let operator = if index == 0 { "m" } else { "l" };
        let _ = write!(content, "{} {} {operator} ", number(*x), number(*y));
    }
}

fn circle(content: &mut String, (x, y): (f64, f64), r: f64) {
    let k = r * KAPPA;
    let point = |px: f64, py: f64| format!("{} {}", number(px), number(py));
    let _ = write!(content, "{} m ", point(x + r, y));
    for [c1, c2, end] in [
        [(x + r, y + k), (x + k, y + r), (x, y + r)],
        [(x - k, y + r), (x - r, y + k), (x - r, y)],
        [(x - r, y - k), (x - k, y - r), (x, y - r)],
        [(x + k, y - r), (x + r, y - k), (x + r, y)],
    ] {
        let _ = write!(
            content,
            "{} {} {} c ",
            point(c1.0, c1.1),
            point(c2.0, c2.1),
            point(end.0, end.1)
        );
    }
    content.push_str("h ");
}

/// A glyph outline placed by `transform`, its quadratic segments raised to cubic ones.
fn glyph_path(content: &mut String, steps: &[PathStep], transform: &[f64; 6]) {
    let place = |p: (f64, f64)| apply(transform, p);
    let pair = |p: (f64, f64)| format!("{} {}", number(p.0), number(p.1));
    let mut current = (0.0, 0.0);
    for step in steps {
        let _ = match *step {
            PathStep::Move(p) => {
                current = place(p);
                write!(content, "{} m ", pair(current))
            }
            PathStep::Line(p) => {
                current = place(p);
                write!(content, "{} l ", pair(current))
            }
            PathStep::Quad(control, end) => {
                let (q, end) = (place(control), place(end));
                let c1 = (
                    current.0 + 2.0 / 3.0 * (q.0 - current.0),
                    current.1 + 2.0 / 3.0 * (q.1 - current.1),
                );
                let c2 = (
                    end.0 + 2.0 / 3.0 * (q.0 - end.0),
                    end.1 + 2.0 / 3.0 * (q.1 - end.1),
                );
                current = end;
                write!(content, "{} {} {} c ", pair(c1), pair(c2), pair(end))
            }
            PathStep::Cubic(c1, c2, end) => {
                current = place(end);
                write!(
                    content,
                    "{} {} {} c ",
                    pair(place(c1)),
                    pair(place(c2)),
                    pair(current)
                )
            }
            PathStep::Close => write!(content, "h "),
        };
    }
}

/// A number in a content stream: at most three decimals, no exponent.
fn number(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" || text.is_empty() {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// A PDF text string holding any Unicode text: UTF-16BE with its byte-order mark, in hex.
fn text_string(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_is_where_the_cross_reference_table_says() {
        let file = assemble(&[b"<< /Type /Catalog >>".to_vec(), b"<< >>".to_vec()]);
        assert!(file.starts_with(b"%PDF-1.4\n"));
        assert!(file.ends_with(b"%%EOF\n"));
        // Offsets count bytes: the header's binary comment must not be read as text.
        let tail = file.len() - b"startxref\n".len() - 20;
        let at = tail + find(&file[tail..], b"startxref\n").unwrap() + b"startxref\n".len();
        let end = at + find(&file[at..], b"\n").unwrap();
        let start: usize = std::str::from_utf8(&file[at..end])
            .unwrap()
            .parse()
            .unwrap();
        let table = std::str::from_utf8(&file[start..]).unwrap();
        assert!(table.starts_with("xref\n0 3\n"));
        let entries: Vec<&str> = table.lines().skip(2).take(3).collect();
        // Every entry line is 20 bytes with its end of line, as the format requires.
        assert!(entries.iter().all(|line| line.len() == 19));
        for (number, line) in entries[1..].iter().enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(file[offset..].starts_with(format!("{} 0 obj", number + 1).as_bytes()));
        }
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn strings_and_numbers_are_written_the_pdf_way() {
        assert_eq!(text_string("S ≥"), "<FEFF005300202265>");
        assert_eq!(number(0.1234), "0.123");
        assert_eq!(number(-0.0001), "0");
        assert_eq!(number(612.0), "612");
    }
}
