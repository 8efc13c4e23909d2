//! `report.html`: one self-contained page, figures embedded as base64 PNG, no external file.

use std::fmt::Write;
use std::fs;

use super::{headline, overview_with_spread, Contents, ReportError};
use crate::results::ResultsError;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;font-size:14px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\
th{background:#f3f3f3}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}\
pre{background:#f7f7f7;padding:1em;overflow:auto}";

/// The HTML report, with every figure read from disk and embedded.
pub fn render(contents: &Contents<'_>) -> Result<String, ReportError> {
    let mut out = String::new();
    let title = format!("sisa report: {}", contents.experiment);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>\n<h2>Headline</h2>\n<ul>", escape(&title));
    for sentence in headline::headlines(contents.table)? {
        let _ = writeln!(out, "<li>{}</li>", emphasis(&escape(&sentence)));
    }
    let _ = writeln!(out, "</ul>\n<p>{}</p>", escape(&contents.run_line()?));
    let notes = headline::speedup_notes(contents.table)?;
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Why the CPU and points speed-ups differ</h3>\n<ul>"
        );
        for note in notes {
            let _ = writeln!(out, "<li>{}</li>", escape(&note));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "<h2>Figures</h2>");
    for figure in contents.figures {
        let image = figure.image();
        let bytes = fs::read(image).map_err(|source| ResultsError::Io {
            path: image.to_owned(),
            source,
        })?;
        let media = if image.extension().is_some_and(|e| e == "svg") {
            "image/svg+xml"
        } else {
            "image/png"
        };
        let _ = writeln!(
            out,
            "<figure><img alt=\"{}\" src=\"data:{media};base64,{}\"><figcaption>{}</figcaption></figure>",
            escape(&figure.title),
            base64(&bytes),
            escape(&figure.title)
        );
    }
    for skipped in contents.skipped {
        let _ = writeln!(
            out,
            "<p><code>{}</code> not drawn: {}</p>",
            skipped.name,
            escape(&skipped.reason)
        );
    }
    let _ = writeln!(
        out,
        "<h2>Summary (mean ± one standard deviation over repeats)</h2>\n<table>"
    );
    let table = overview_with_spread(contents.table)?;
    let cells = |tag: &str, row: &[String]| {
        row.iter()
            .map(|cell| format!("<{tag}>{}</{tag}>", escape(cell)))
            .collect::<String>()
    };
    let _ = writeln!(out, "<tr>{}</tr>", cells("th", &table.headers));
    for row in &table.rows {
        let _ = writeln!(out, "<tr>{}</tr>", cells("td", row));
    }
    let _ = writeln!(
        out,
        "</table>\n<h2>Spec</h2>\n<pre>{}</pre>",
        escape(contents.spec_yaml)
    );
    let _ = writeln!(out, "<h2>Provenance</h2>\n<ul>");
    for (label, value) in contents.provenance_lines() {
        let _ = writeln!(out, "<li>{label}: {}</li>", escape(&value));
    }
    let _ = writeln!(out, "</ul>\n</body></html>");
    Ok(out)
}

/// Markdown's `**bold**` as HTML, for the headline's lead words.
fn emphasis(text: &str) -> String {
    let mut out = String::new();
    for (index, part) in text.split("**").enumerate() {
        if index % 2 == 1 {
            out.push_str(&format!("<strong>{part}</strong>"));
        } else {
            out.push_str(part);
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Standard base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let value = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for position in 0..4 {
            if position <= chunk.len() {
                out.push(ALPHABET[(value >> (18 - 6 * position) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn bold_lead_words_become_strong() {
        assert_eq!(
            emphasis("**1 request**: at S = 5"),
            "<strong>1 request</strong>: at S = 5"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
