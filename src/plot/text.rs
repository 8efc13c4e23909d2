//! The bundled font's metrics, so text is measured before it is placed: the width of a line (the
//! advances and kerning plotters' font engine uses), the line box (ascent above the baseline,
//! descent below), and text wrapped to a width. Sizes are plotters' text sizes: the height of
//! the line box, ascent plus descent, in backend pixels.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont};

use super::style;

/// The bundled font, parsed once.
pub(crate) fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    // The bundled file is a valid TrueType font; a failure here is a packaging bug.
    FONT.get_or_init(|| {
        FontRef::try_from_slice(style::font_bytes()).expect("the bundled font is valid")
    })
}

/// The text size whose em (the font size in typography) is `em` pixels.
pub(crate) fn size_for_em(em: f64) -> f64 {
    let font = font();
    let height = f64::from(font.ascent_unscaled() - font.descent_unscaled());
    let units_per_em = f64::from(font.units_per_em().unwrap_or(2048.0));
    em * height / units_per_em
}

/// How far the line box reaches above the baseline, at text size `size`.
pub(crate) fn ascent(size: f64) -> f64 {
    f64::from(font().as_scaled(size as f32).ascent())
}

/// The distance between the baselines of two lines of one block, at text size `size`.
pub(crate) fn pitch(size: f64) -> f64 {
    size * style::LINE_PITCH
}

/// The height of a block of `lines` lines at text size `size`.
pub(crate) fn block_height(lines: usize, size: f64) -> f64 {
    if lines == 0 {
        0.0
    } else {
        size + pitch(size) * (lines - 1) as f64
    }
}

/// The advance width of `text` at text size `size`, kerning included.
pub(crate) fn width(text: &str, size: f64) -> f64 {
    let scaled = font().as_scaled(size as f32);
    let mut width = 0.0f32;
    let mut previous = None;
    for character in text.chars() {
        let id = scaled.glyph_id(character);
        if let Some(before) = previous {
            width += scaled.kern(before, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    f64::from(width)
}

/// The widest of `lines` at text size `size`.
pub(crate) fn widest<'a>(lines: impl IntoIterator<Item = &'a str>, size: f64) -> f64 {
    lines
        .into_iter()
        .map(|line| width(line, size))
        .fold(0.0, f64::max)
}

/// The horizontal ellipsis, ending text cut short.
const ELLIPSIS: char = '\u{2026}';

/// `text` in lines no wider than `max_width` at text size `size`, broken between words (a word
/// wider than a line is broken between characters), at most `max_lines` of them: text that
/// needs more ends the last line with an ellipsis. `" · "` separators stay with the word
/// before them, so no line starts with one.
pub(crate) fn wrap(text: &str, size: f64, max_width: f64, max_lines: usize) -> Vec<String> {
    let text = text.replace(" · ", "\u{a0}· ");
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        let joined = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&joined, size) <= max_width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for piece in pieces(word, size, max_width) {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = piece;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            *last = ellipsised(last, size, max_width);
        }
    }
    lines
}

/// `word` cut into pieces no wider than `max_width` (at least one character each).
fn pieces(word: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for character in word.chars() {
        piece.push(character);
        if width(&piece, size) > max_width && piece.chars().count() > 1 {
            piece.pop();
            pieces.push(std::mem::replace(&mut piece, character.to_string()));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// `line` with an ellipsis at its end, shortened so the whole is no wider than `max_width`.
fn ellipsised(line: &str, size: f64, max_width: f64) -> String {
    let mut kept: Vec<char> = line.chars().collect();
    loop {
        let text: String = kept.iter().collect::<String>().trim_end().to_owned() + "\u{2026}";
        if kept.is_empty() || width(&text, size) <= max_width {
            return if kept.is_empty() {
                ELLIPSIS.to_string()
            } else {
                text
            };
        }
        kept.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_box_is_the_text_size() {
        let size = 20.0;
        let descent = -f64::from(font().as_scaled(size as f32).descent());
        assert!((ascent(size) + descent - size).abs() < 1e-3);
        assert!(ascent(size) > descent);
        // DejaVu Sans: the em is the size over 1.164.
        assert!((size_for_em(10.0) - 11.64).abs() < 0.01);
        assert!(width("WWW", size) > width("iii", size));
    }

    #[test]
    fn wrapped_lines_fit_their_width() {
        let text = "accuracy lost: baseline minus SISA accuracy (percentage points)";
        let lines = wrap(text, 16.0, 200.0, 4);
        assert!(lines.len() > 1);
        assert!(
            lines.iter().all(|line| width(line, 16.0) <= 200.0),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), text);
        // A word wider than a line is broken; too many lines end with an ellipsis.
        let long = wrap(&"x".repeat(100), 16.0, 100.0, 2);
        assert_eq!(long.len(), 2);
        assert!(long[1].ends_with(ELLIPSIS), "{long:?}");
        assert!(long.iter().all(|line| width(line, 16.0) <= 100.0));
        // Separators stay at the end of a line.
        let footer = wrap(
            "paper-x · purchase data · logistic · 3 repeats",
            16.0,
            150.0,
            5,
        );
        assert!(
            footer.iter().all(|line| !line.starts_with('·')),
            "{footer:?}"
        );
    }
}
