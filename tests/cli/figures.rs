//! Figures, reports and comparisons end to end: every format written and valid, custom figures
//! checked against the table's columns, reports that open with their headline, `sisa compare`
//! on two runs, and `sisa bench`'s summary.

use std::fs;
use std::path::Path;

use super::harness::*;

/// Shards and slices both vary, two request counts: what a paper figure needs, small.
const SWEEP: &str = "\
name: figures
seed: 5
repeats: 2
dataset: {synthetic: blobs, samples: 500, features: 5, classes: 3, noise: 3.0}
model: {kind: logistic, alpha: 1.0, max_iterations: 25}
unlearning: {requests: [1, 4]}
sweep:
  sisa.shards: [1, 2, 5]
  sisa.slices: [1, 2]
";

const FIGURES: &str = "\
figures:
  draw:
    - speedup-vs-requests
    - accuracy-vs-shards
    - speedup-surface
    - trade-off
    - {x: shards, y: accuracy_gap, by: sisa.slices, where: {requests: 1}}
  width: 600
  height: 400
  dpi: 192
  formats: [svg, png, pdf]
";

fn check_png(path: &Path, size: (u32, u32)) {
    let png = fs::read(path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", path.display());
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(
        (width, height),
        size,
        "{}: the DPI scales the pixels",
        path.display()
    );
    // 192 dpi is 7559 pixels per metre, recorded so documents place the image at its size.
    let at = png
        .windows(4)
        .position(|w| w == b"pHYs")
        .expect("a pHYs chunk");
    assert_eq!(
        u32::from_be_bytes(png[at + 4..at + 8].try_into().unwrap()),
        7559
    );
}

fn check_pdf(path: &Path) {
    let pdf = fs::read(path).unwrap();
    assert!(pdf.starts_with(b"%PDF-1."), "{}", path.display());
    assert!(pdf.ends_with(b"%%EOF\n"));
    let find = |from: usize, needle: &[u8]| {
        pdf[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|at| from + at)
    };
    // 600 x 400 CSS pixels is 450 x 300 points.
    assert!(
        find(0, b"/MediaBox [0 0 450 300]").is_some(),
        "{}",
        path.display()
    );
    // The cross-reference table points at each object (offsets in bytes).
    let after = find(pdf.len() - 40, b"startxref\n").unwrap() + b"startxref\n".len();
    let digits = String::from_utf8_lossy(&pdf[after..pdf.len() - b"\n%%EOF\n".len()]).into_owned();
    let start: usize = digits.trim().parse().unwrap();
    let table = String::from_utf8_lossy(&pdf[start..]).into_owned();
    assert!(table.starts_with("xref\n"), "{}", path.display());
    let entries = table.lines().skip(3).take_while(|l| l.ends_with(" n "));
    for (number, line) in entries.enumerate() {
        let offset: usize = line[..10].parse().unwrap();
        let object = format!("{} 0 obj", number + 1);
        assert!(
            pdf[offset..].starts_with(object.as_bytes()),
            "{}",
            path.display()
        );
    }
}

fn check_svg(path: &Path) {
    let svg = fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", path.display()));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        (root.attribute("width"), root.attribute("height")),
        (Some("600"), Some("400"))
    );
    // Text is outlines of the bundled font: no font is asked of the reader's machine...
    assert!(
        !svg.contains("<text") && !svg.contains("font-family"),
        "{}",
        path.display()
    );
    // ...every glyph placed is defined, and the words stay readable to tools.
    let defined: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("path"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    let uses: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("use"))
        .collect();
    assert!(!uses.is_empty());
    for node in uses {
        let href = node
            .attribute(("http://www.w3.org/1999/xlink", "href"))
            .expect("an xlink:href");
        assert!(defined.contains(&&href[1..]), "{href} is not defined");
    }
    assert!(document
        .descendants()
        .any(|n| n
            .attribute("aria-label")
            .is_some_and(|l| l.starts_with("Unlearning speed-up")
                || l.starts_with("Test accuracy")
                || l.starts_with("Speed-up")
                || l.starts_with("accuracy_gap"))));
}

#[test]
fn figures_are_written_in_every_format_asked_for_and_each_is_valid() {
    let (dir, path) = workspace("figures.yaml", &format!("{SWEEP}{FIGURES}"));
    let out = sisa(
        dir.path(),
        &["run", path.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let figures = dir.path().join("out/figures");
    let names = [
        "speedup-vs-requests",
        "accuracy-vs-shards",
        "speedup-surface",
        "trade-off",
        "accuracy_gap-vs-shards-by-sisa.slices",
    ];
    for name in names {
        check_png(&figures.join(format!("{name}.png")), (1200, 800));
        check_pdf(&figures.join(format!("{name}.pdf")));
        check_svg(&figures.join(format!("{name}.svg")));
    }
    assert_eq!(fs::read_dir(&figures).unwrap().count(), 3 * names.len());
    // The reports open with the headline, one sentence per request count, and give spreads.
    let markdown = fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    let lines: Vec<&str> = markdown.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[1], "## Headline", "{markdown}");
    assert!(
        lines[2].starts_with("- **1 request**: at S = 5, R = 2, unlearning retrains"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("- **4 requests**: at S = 5"),
        "{}",
        lines[3]
    );
    assert!(
        lines[2].contains("points of accuracy (SISA "),
        "{}",
        lines[2]
    );
    assert!(markdown.contains("% ± "), "spreads in the summary table");
    let html = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let headline = html.find("<h2>Headline</h2>").expect("a headline");
    assert!(headline < html.find("<h2>Figures</h2>").unwrap());
    assert!(html.contains("<li><strong>1 request</strong>: at S = 5"));
}

/// `sisa validate` on `figures` must fail with exit code 2 and one message holding `expected`.
fn figures_rejected(figures: &str, expected: &[&str]) {
    let (dir, path) = workspace("spec.yaml", &format!("{SWEEP}{figures}"));
    let out = sisa(dir.path(), &["validate", path.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{figures}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    for fragment in expected {
        assert!(stderr.contains(fragment), "`{fragment}` not in: {stderr}");
    }
}

#[test]
fn figure_entries_are_checked_against_the_tables_columns() {
    figures_rejected(
        "figures: [speedup-vs-requests, {x: shards, y: acuracy_gap}]\n",
        &[
            "spec.yaml:10",
            "figures[1].y",
            "no column `acuracy_gap`",
            "did you mean `accuracy_gap`?",
        ],
    );
    figures_rejected(
        "figures: [{x: shards, y: accuracy_gap, by: sisa.slice}]\n",
        &[
            "figures[0].by",
            "`sisa.slice`",
            "did you mean `sisa.slices`?",
        ],
    );
    figures_rejected(
        "figures: [{x: shards, y: partition}]\n",
        &["figures[0].y", "`partition` holds text"],
    );
    figures_rejected(
        "figures: [{x: shards, y: accuracy_gap, where: {request: 1}}]\n",
        &["figures[0].where.request", "did you mean `requests`?"],
    );
    figures_rejected(
        "figures: [trade-of]\n",
        &[
            "figures[0]",
            "unknown figure `trade-of`",
            "did you mean `trade-off`?",
        ],
    );
    figures_rejected(
        "figures: [{x: shards, yy: accuracy_gap}]\n",
        &["figures[0]", "unknown field `yy`"],
    );
    figures_rejected(
        "figures: {draw: [trade-off], formats: [pdf]}\n",
        &["figures.formats", "needs `png` or `svg`"],
    );
    figures_rejected(
        "figures: {formats: [svg, pfd]}\n",
        &["figures.formats[1]", "unknown variant `pfd`"],
    );
    figures_rejected(
        "figures: {dpi: 5}\n",
        &["figures.dpi", "between 48 and 1200"],
    );
    figures_rejected(
        "figures: [trade-off, trade-off]\n",
        &["figures[1]", "asked for twice"],
    );
    // Today's list of names stays valid, and a style alone keeps the automatic figures.
    for figures in [
        "figures: [speedup-vs-requests, trade-off]\n",
        "figures: {formats: [pdf, svg]}\n",
    ] {
        let (dir, path) = workspace("spec.yaml", &format!("{SWEEP}{figures}"));
        let out = sisa(dir.path(), &["validate", path.to_str().unwrap()]);
        assert!(out.status.success(), "{figures}: {}", text(&out.stderr));
    }
}

#[test]
fn compare_passes_identical_runs_exactly_and_reports_another_seeds_differences() {
    let (dir, path) = workspace("figures.yaml", SWEEP);
    let spec = path.to_str().unwrap();
    for (out, seed) in [("a", "5"), ("b", "5"), ("c", "6")] {
        let set = format!("seed={seed}");
        let run = sisa(
            dir.path(),
            &[
                "run",
                spec,
                "--out",
                out,
                "--quiet",
                "--set",
                &set,
                "--jobs",
                if out == "b" { "1" } else { "2" },
            ],
        );
        assert!(run.status.success(), "{}", text(&run.stderr));
    }
    let same = sisa(dir.path(), &["compare", "a", "b", "--exact"]);
    assert!(
        same.status.success(),
        "{}{}",
        text(&same.stdout),
        text(&same.stderr)
    );
    assert!(
        text(&same.stdout).starts_with("identical: 24 rows x "),
        "{}",
        text(&same.stdout)
    );

    let other = sisa(dir.path(), &["compare", "a", "c", "--exact"]);
    assert_eq!(other.status.code(), Some(1));
    let stdout = text(&other.stdout);
    assert!(
        stdout.contains("`seed`: 5 in A, 6 in B") || stdout.contains("only in"),
        "{stdout}"
    );
    assert!(
        text(&other.stderr).contains("error: the results differ"),
        "{}",
        text(&other.stderr)
    );

    let side_by_side = sisa(dir.path(), &["compare", "a", "c", "--html", "compare.html"]);
    assert!(
        side_by_side.status.success(),
        "{}",
        text(&side_by_side.stderr)
    );
    let stdout = text(&side_by_side.stdout);
    assert!(
        stdout.contains("12 settings in common (0 only in A, 0 only in B)"),
        "{stdout}"
    );
    let header = stdout.lines().nth(1).unwrap();
    for column in [
        "sisa.shards",
        "sisa.slices",
        "requests",
        "measure",
        "B - A",
        "beyond spread",
    ] {
        assert!(header.contains(column), "{header}");
    }
    // Points retrained do not depend on the seed's data but on its requests: some settings differ.
    assert!(stdout.contains("sisa acc"));
    let html = fs::read_to_string(dir.path().join("compare.html")).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("<td>speed-up (points)</td>"));
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "self-contained"
    );
}

#[test]
fn bench_prints_mean_spread_and_range_and_json_on_request() {
    let (dir, path) = workspace("figures.yaml", SWEEP);
    let spec = path.to_str().unwrap();
    let out = sisa(dir.path(), &["bench", spec, "--repeats", "3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Fit: logistic on 400 points x 5 features, 3 classes (3 runs)"),
        "{stdout}"
    );
    for line in [
        "CPU time (mean ± σ):",
        "CPU time (min … max):",
        "Wall time (mean ± σ):",
        "Accuracy: ",
    ] {
        assert!(stdout.contains(line), "{line} not in {stdout}");
    }
    let json = sisa(dir.path(), &["bench", spec, "--repeats", "2", "--json"]);
    assert!(json.status.success());
    let lines: Vec<serde_json::Value> = text(&json.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["cpu_s"].as_f64().unwrap() > 0.0);
    assert!(text(&json.stderr).contains("(mean ± σ)"));
}
