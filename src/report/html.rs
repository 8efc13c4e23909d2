//! `report.html`: the Markdown report rendered to one self-contained page (pulldown-cmark, with
//! its tables), each figure it links embedded as a data URI, so the page refers to no other file.
//! Also the page style and the HTML escaping the other pages sisa writes share.

use std::fs;
use std::path::Path;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

use super::ReportError;
use crate::results::ResultsError;

/// The style of every HTML page sisa writes.
pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;\
margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;font-size:14px}\
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}\
img{max-width:100%;border:1px solid #eee}pre{background:#f7f7f7;padding:1em;overflow:auto}";

/// `text` escaped for HTML (and XML) text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut out, text).expect("writing to a string cannot fail");
    out
}

/// The page of the Markdown report `markdown`, titled `title`, with the figures it links
/// (relative to the results folder `root`) embedded.
pub(crate) fn render(title: &str, markdown: &str, root: &Path) -> Result<String, ReportError> {
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .map(|event| match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Ok(Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(data_uri(&root.join(dest_url.as_ref()))?),
                title,
                id,
            })),
            other => Ok(other),
        })
        .collect::<Result<Vec<Event>, ReportError>>()?;
    let mut body = String::new();
    html::push_html(&mut body, events.into_iter());
    Ok(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    ))
}

/// The file at `path` as a data URI (PNG or SVG).
fn data_uri(path: &Path) -> Result<String, ReportError> {
    let bytes = fs::read(path).map_err(|source| ResultsError::Io {
        path: path.to_owned(),
        source,
    })?;
    let media = if path.extension().is_some_and(|e| e == "svg") {
        "image/svg+xml"
    } else {
        "image/png"
    };
    Ok(format!("data:{media};base64,{}", base64(&bytes)))
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
    fn markdown_becomes_a_page_with_its_images_inside() {
        let folder = tempfile::tempdir().unwrap();
        fs::create_dir(folder.path().join("figures")).unwrap();
        fs::write(folder.path().join("figures/a.png"), b"\x89PNG+/=").unwrap();
        let markdown = "# r <1>\n\n- **1 request**: at S = 5\n\n![A & B](figures/a.png)\n\n\
                        | a | b |\n|---|---|\n| 1 | 2 |\n";
        let page = render("x & y", markdown, folder.path()).unwrap();
        assert!(page.contains("<title>x &amp; y</title>"), "{page}");
        assert!(page.contains("<h1>r &lt;1&gt;</h1>"), "{page}");
        assert!(
            page.contains("<li><strong>1 request</strong>: at S = 5</li>"),
            "{page}"
        );
        assert!(page.contains("<td>2</td>"), "{page}");
        let embedded = format!("src=\"data:image/png;base64,{}\"", base64(b"\x89PNG+/="));
        assert!(page.contains(&embedded), "{page}");
        assert!(page.contains("alt=\"A &amp; B\""), "{page}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
