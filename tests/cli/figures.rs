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

/// Runs `spec` quietly into `out/` of a new folder, which it returns; the run must succeed.
fn run_into_out(spec: &str, extra: &[&str]) -> tempfile::TempDir {
    let (dir, path) = workspace("figures.yaml", spec);
    let mut args = vec!["run", path.to_str().unwrap(), "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    let out = sisa(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir
}

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
                || l.starts_with("Accuracy lost"))));
}

#[test]
fn figures_are_written_in_every_format_asked_for_and_each_is_valid() {
    let dir = run_into_out(&format!("{SWEEP}{FIGURES}"), &[]);
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
    // The reports open with a headline of a few sentences, and give spreads.
    let markdown = fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    let lines: Vec<&str> = markdown.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[1], "## Headline", "{markdown}");
    assert!(
        lines[2].starts_with("- **Largest speed-up at 1 request**: unlearning at S = 5, R = 2"),
        "{}",
        lines[2]
    );
    assert!(
        lines[2].contains("Accuracy lost (baseline minus SISA): "),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("- **Where the gain is gone**"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("- **Pareto front at 1 request**"),
        "{}",
        lines[4]
    );
    assert!(!lines[5].starts_with("- "), "a few sentences: {}", lines[5]);
    assert!(markdown.contains("% ± "), "spreads in the summary table");
    let html = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let headline = html.find("<h2>Headline</h2>").expect("a headline");
    assert!(headline < html.find("<h2>Figures</h2>").unwrap());
    assert!(
        html.contains("<li><strong>Largest speed-up at 1 request</strong>: unlearning at S = 5"),
        "{html}"
    );
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
    figures_rejected(
        "figures: {width: 3.3 inch}\n",
        &["figures.width", "`3.3 inch` is not a length", "`3.3in`"],
    );
    figures_rejected(
        "figures: {height: 1in}\n",
        &["figures.height", "between 200 and 8000 CSS pixels"],
    );
    figures_rejected(
        "figures: {font_size: 200}\n",
        &["figures.font_size", "between 4 and 72 points"],
    );
    figures_rejected(
        "figures: {legend: middle}\n",
        &["figures.legend", "unknown variant `middle`"],
    );
    figures_rejected(
        "figures: {draw: [{figure: trade-off, x: shards}]}\n",
        &["figures.draw[0].x", "belongs to a figure of any columns"],
    );
    figures_rejected(
        "figures: {draw: [{figure: trade-of}]}\n",
        &["figures.draw[0].figure", "did you mean `trade-off`?"],
    );
    figures_rejected(
        "figures: [{y: accuracy_gap}]\n",
        &["figures[0]", "`x` is missing"],
    );
    figures_rejected(
        "figures: {style: poster}\n",
        &["figures.style", "unknown variant `poster`"],
    );
    // Today's list of names stays valid, and a style alone keeps the automatic figures.
    for figures in [
        "figures: [speedup-vs-requests, trade-off]\n",
        "figures: {formats: [pdf, svg]}\n",
        "figures: {style: paper, font_size: 9, legend: below, error_bars: ci95}\n",
        "figures: {draw: [{figure: trade-off, title: false, name: trade-off-column}, trade-off]}\n",
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

/// The words of every line of text an SVG figure draws (each keeps them in an `aria-label`).
fn svg_texts(path: &Path) -> Vec<String> {
    let svg = fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    document
        .descendants()
        .filter_map(|n| n.attribute("aria-label"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_paper_style_writes_column_wide_pdf_and_svg_without_title_or_footer() {
    let figures = "figures: {style: paper, draw: [speedup-vs-requests, trade-off]}\n";
    let dir = run_into_out(&format!("{SWEEP}{figures}"), &[]);
    let folder = dir.path().join("out/figures");
    let mut files: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "speedup-vs-requests.pdf",
            "speedup-vs-requests.svg",
            "trade-off.pdf",
            "trade-off.svg"
        ]
    );
    for name in ["speedup-vs-requests", "trade-off"] {
        // 3.3 x 2.2 inches: 237.6 x 158.4 points, 316.8 x 211.2 CSS pixels.
        let pdf = fs::read(folder.join(format!("{name}.pdf"))).unwrap();
        let media_box = b"/MediaBox [0 0 237.6 158.4]";
        assert!(
            pdf.windows(media_box.len()).any(|w| w == media_box),
            "{name}"
        );
        let svg = fs::read_to_string(folder.join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("width=\"316.8\" height=\"211.2\""), "{name}");
        let texts = svg_texts(&folder.join(format!("{name}.svg")));
        assert!(
            !texts
                .iter()
                .any(|t| t.starts_with("Unlearning speed-up") || t.starts_with("Speed-up vs")),
            "no title: {texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.starts_with("figures")),
            "no footer: {texts:?}"
        );
        // The error bars are explained in the legend instead of the footer.
        assert!(
            texts.iter().any(|t| t.starts_with("bars: ±1 std")),
            "{texts:?}"
        );
    }
    let html = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("src=\"data:image/svg+xml;base64,"));
}

#[test]
fn stale_figures_are_removed_and_every_file_written_is_listed() {
    let before = "figures: {formats: [svg, png, pdf], draw: [speedup-vs-requests, trade-off]}\n";
    let (dir, path) = workspace("figures.yaml", &format!("{SWEEP}{before}"));
    let spec = path.to_str().unwrap();
    let out = sisa(dir.path(), &["run", spec, "--out", "out"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for name in ["speedup-vs-requests", "trade-off"] {
        for extension in ["svg", "png", "pdf"] {
            let line = format!("wrote out/figures/{name}.{extension}");
            assert!(stdout.contains(&line), "{line} in {stdout}");
        }
    }
    for file in [
        "steps.parquet",
        "steps.csv",
        "summary.csv",
        "report.md",
        "report.html",
    ] {
        assert!(
            stdout.contains(&format!("out/{file}")),
            "{file} in {stdout}"
        );
    }
    // A note of the user's own in figures/ is not a figure: it stays.
    let figures = dir.path().join("out/figures");
    fs::write(figures.join("notes.txt"), "mine").unwrap();
    fs::write(&path, format!("{SWEEP}figures: [trade-off]\n")).unwrap();
    let again = sisa(dir.path(), &["run", spec, "--out", "out"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let mut left: Vec<String> = fs::read_dir(&figures)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["notes.txt", "trade-off.png", "trade-off.svg"]);
    let stdout = text(&again.stdout);
    assert!(
        stdout.contains("removed") && stdout.contains("speedup-vs-requests.pdf"),
        "{stdout}"
    );
}

/// Checks every `<measure>_ci95` of `summary.csv` against a t interval over the rows of
/// `steps.csv` with the same swept values and step, with Python's standard library and a table of
/// t quantiles of its own. Prints how many intervals it checked.
const CHECK_CI95: &str = r#"
import csv, math, statistics, sys
folder, swept = sys.argv[1], sys.argv[2].split(",")
T975 = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105, 5: 2.570581836}
steps = list(csv.DictReader(open(f"{folder}/steps.csv")))
checked = 0
for summary in csv.DictReader(open(f"{folder}/summary.csv")):
    key = [summary[k] for k in swept + ["step"]]
    rows = [r for r in steps if [r[k] for k in swept + ["step"]] == key]
    assert len(rows) == int(summary["repeats"]), (key, len(rows))
    for column in summary:
        if not column.endswith("_ci95"):
            continue
        measure = column[: -len("_ci95")]
        values = [float(r[measure]) for r in rows if r[measure] != ""]
        if len(values) < 2:
            assert summary[column] == "", (column, summary[column])
            continue
        half = T975[len(values) - 1] * statistics.stdev(values) / math.sqrt(len(values))
        got = float(summary[column])
        assert abs(got - half) <= 1e-9 * max(1.0, abs(half)), (key, column, got, half)
        checked += 1
print(checked)
"#;

#[test]
fn summary_confidence_intervals_match_a_t_interval_computed_apart() {
    // Three repeats of the module's sweep: shards and slices, two request counts.
    let dir = run_into_out(SWEEP, &["--set", "repeats=3"]);
    let header = fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    let header = header.lines().next().unwrap().to_owned();
    assert!(header
        .contains("sisa_accuracy_mean,sisa_accuracy_std,sisa_accuracy_sem,sisa_accuracy_ci95"));
    let check = std::process::Command::new(python())
        .args([
            "-c",
            CHECK_CI95,
            dir.path().join("out").to_str().unwrap(),
            "sisa.shards,sisa.slices",
        ])
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
    let checked: usize = text(&check.stdout).trim().parse().unwrap();
    // 6 settings x 2 steps, and dozens of measures each.
    assert!(checked >= 12 * 20, "{checked} intervals checked");
}

/// The measures `sisa compare` shows that do not depend on the machine's speed.
const NON_TIMING: [&str; 4] = [
    "speed-up (points)",
    "sisa acc",
    "baseline acc",
    "sisa points",
];

#[test]
fn the_small_gallery_entries_reproduce_within_their_spread() {
    // The committed gallery folders hold what `sisa compare` needs; a fresh run of each small
    // spec (a few seconds each) differs from them by no more than the spread.
    for name in [
        "letter-accuracy-vs-shards",
        "speedup-vs-requests",
        "sequential-vs-batched",
        "distribution-aware",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let spec = repository().join(format!("experiments/paper/{name}.yaml"));
        let run = sisa(
            dir.path(),
            &["run", spec.to_str().unwrap(), "--out", "rerun", "--quiet"],
        );
        assert!(run.status.success(), "{name}: {}", text(&run.stderr));
        let committed = repository().join(format!("results/paper-{name}"));
        let out = sisa(
            dir.path(),
            &["compare", committed.to_str().unwrap(), "rerun"],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("(0 only in A, 0 only in B)"),
            "{name}: {stdout}"
        );
        let rows: Vec<&str> = stdout
            .lines()
            .filter(|line| NON_TIMING.iter().any(|measure| line.contains(measure)))
            .collect();
        assert!(rows.len() >= 4, "{name}: {stdout}");
        for row in rows {
            assert!(
                row.trim_end().ends_with(" no"),
                "{name}: beyond the spread: {row}"
            );
        }
    }
}
