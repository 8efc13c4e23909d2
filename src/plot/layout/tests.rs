//! The layout's promise, checked on what is drawn: every built-in figure and a custom one, drawn
//! on the vector canvas at a journal column's size (3.3 x 2.2 in), 640 x 420 px, 1000 x 640 px
//! and 3000 x 2000 px, with their own titles and with long ones, in each style. From the
//! recorded shapes: every text's ink (its glyphs' outlines, placed) stays on the canvas and
//! overlaps no other text, and the legend's box holds no data: no segment of a series' line or
//! error bar, no marker, drawn before it.

use crate::plot::chart::Chart;
use crate::plot::figures::custom::Custom;
use crate::plot::figures::{Figure, BUILT_IN};
use crate::plot::geometry::Rect;
use crate::plot::options::{FigureOptions, Title};
use crate::plot::output;
use crate::plot::style;
use crate::plot::text;
use crate::plot::vector::{apply, Drawing, Shape};
use crate::results::fixture::record;
use crate::results::{StepRecord, Table};
use crate::spec::raw::{ErrorBars, FigurePreset, RawFigureEntry};
use ab_glyph::{Font, GlyphId};

/// The sizes every figure is drawn at, in CSS pixels.
const SIZES: [(f64, f64); 4] = [
    (3.3 * 96.0, 2.2 * 96.0),
    (640.0, 420.0),
    (1000.0, 640.0),
    (3000.0, 2000.0),
];

const LONG_TITLE: &str = "How much faster unlearning gets as more deletion requests arrive at \
    once, for every number of shards we tried, measured over three repeats";
const LONG_X: &str = "number of deletion requests unlearned together in one batch (K), counted \
    over the whole training set after the split into training and test points";
const LONG_Y: &str = "speed-up of SISA over retraining from scratch, in points retrained: the \
    baseline's points divided by SISA's (higher is better)";

/// A table of `records`, three repeats of each layout `(S, R, K)`, each record adjusted by
/// `adjust` (which may add swept keys, the same for every record).
fn table(layouts: &[(u64, u64, u64)], adjust: impl Fn(&mut StepRecord)) -> Table {
    let mut records = Vec::new();
    for &(s, r, k) in layouts {
        for repeat in 0..3 {
            let mut record = record(s, r, k, repeat);
            adjust(&mut record);
            records.push(record);
        }
    }
    Table::from_records(&records).unwrap()
}

/// Tables like the gallery's: shards against requests; shards against slices; sequential
/// against batched requests; slicing against the budget.
fn tables() -> Vec<Table> {
    let shards = [1, 2, 5, 10, 20];
    let requests = [1, 2, 4, 8, 12, 20, 30, 40, 60];
    let by_requests: Vec<_> = shards
        .iter()
        .flat_map(|&s| requests.iter().map(move |&k| (s, 1, k)))
        .collect();
    let surface: Vec<_> = shards
        .iter()
        .flat_map(|&s| shards.iter().map(move |&r| (s, r, 3)))
        .collect();
    let modes: Vec<_> = [5, 20]
        .iter()
        .flat_map(|&s| [1, 2, 5, 10, 20, 40].map(|k| (s, 1, k)))
        .collect();
    let sequential = |record: &mut StepRecord| {
        let mode = if record.repeat == 0 {
            "sequential"
        } else {
            "batch"
        };
        record.mode = mode.to_owned();
        record
            .swept
            .insert(0, ("unlearning.mode".to_owned(), mode.to_owned()));
    };
    let budgets: Vec<_> = [1, 20]
        .iter()
        .flat_map(|&s| [1, 4, 16].map(move |r| (s, r, 1)))
        .collect();
    let budget = |record: &mut StepRecord| {
        let epochs = 2 + 6 * u64::from(record.repeat);
        record.budget = epochs;
        record.sisa_accuracy -= 0.1 / epochs as f64;
        record
            .swept
            .push(("model.epochs".to_owned(), epochs.to_string()));
    };
    vec![
        table(&by_requests, |_| {}),
        table(&surface, |_| {}),
        table(&modes, sequential),
        table(&budgets, budget),
    ]
}

/// A custom figure of the table: the CPU-time speed-up against the number of shards.
fn custom(table: &Table) -> Custom {
    let raw = RawFigureEntry {
        x: Some("shards".to_owned()),
        y: Some("speedup_time".to_owned()),
        ..RawFigureEntry::default()
    };
    Custom::check(&raw, "figures[0]", table.swept_columns()).unwrap()
}

/// The option sets each figure is drawn with at `size`: its own look, long titles, the paper
/// and slides presets, and the CI error bars with the legend below.
fn option_sets(size: (f64, f64)) -> Vec<(&'static str, FigureOptions)> {
    let sized = |options: FigureOptions| FigureOptions {
        width: size.0,
        height: size.1,
        ..options
    };
    vec![
        ("own titles", sized(FigureOptions::default())),
        (
            "long titles",
            sized(FigureOptions {
                title: Title::Text(LONG_TITLE.to_owned()),
                x_label: Some(LONG_X.to_owned()),
                y_label: Some(LONG_Y.to_owned()),
                ..FigureOptions::default()
            }),
        ),
        ("paper", sized(FigureOptions::preset(FigurePreset::Paper))),
        (
            "slides, no footer, long titles",
            sized(FigureOptions {
                x_label: Some(LONG_X.to_owned()),
                y_label: Some(LONG_Y.to_owned()),
                error_bars: ErrorBars::Ci95,
                ..FigureOptions::preset(FigurePreset::Slides)
            }),
        ),
    ]
}

/// What a check reads from a drawing.
struct Drawn {
    /// Each text and the box of its ink.
    texts: Vec<(String, Rect)>,
    /// The legend's box and its place in the drawing order.
    legend: Option<(Rect, usize)>,
}

/// The box of a text's ink: its glyphs' outline bounds, placed.
fn ink(glyphs: &[crate::plot::vector::PlacedGlyph]) -> Option<Rect> {
    let font = text::font();
    let corners = glyphs.iter().flat_map(|glyph| {
        let bounds = font
            .outline(GlyphId(glyph.id))
            .map(|outline| outline.bounds)
            .unwrap_or_default();
        let (x0, y0, x1, y1) = (
            f64::from(bounds.min.x),
            f64::from(bounds.min.y),
            f64::from(bounds.max.x),
            f64::from(bounds.max.y),
        );
        [(x0, y0), (x1, y0), (x0, y1), (x1, y1)].map(|corner| apply(&glyph.transform, corner))
    });
    Rect::around(corners)
}

fn read(drawing: &Drawing) -> Drawn {
    let border = style::LEGEND_BORDER;
    let mut drawn = Drawn {
        texts: Vec::new(),
        legend: None,
    };
    for (index, shape) in drawing.shapes().iter().enumerate() {
        match shape {
            Shape::Text { text, glyphs, .. } => {
                if let Some(rect) = ink(glyphs) {
                    drawn.texts.push((text.clone(), rect));
                }
            }
            Shape::Line { points, paint, .. } if paint.rgb == (border.0, border.1, border.2) => {
                drawn.legend = Rect::around(points.iter().copied()).map(|rect| (rect, index));
            }
            _ => {}
        }
    }
    drawn
}

/// Whether a shape is data: drawn in a series' colour (the palette, or grey).
fn is_data(shape: &Shape) -> bool {
    let paint = match shape {
        Shape::Line { paint, .. } | Shape::Polygon { paint, .. } | Shape::Circle { paint, .. } => {
            paint
        }
        Shape::Text { .. } => return false,
    };
    let series_colours = style::PALETTE.iter().chain([&style::GREY]);
    series_colours
        .map(|c| (c.0, c.1, c.2))
        .any(|rgb| rgb == paint.rgb)
}

/// Whether a data shape reaches into `rect`.
fn meets(shape: &Shape, rect: &Rect) -> bool {
    match shape {
        Shape::Line { points, width, .. } => {
            let rect = rect.grown(width / 2.0);
            points
                .windows(2)
                .any(|pair| rect.meets_segment(pair[0], pair[1]))
        }
        Shape::Polygon { points, .. } => {
            let closed = points.iter().chain(points.first());
            let edges: Vec<(f64, f64)> = closed.copied().collect();
            edges
                .windows(2)
                .any(|pair| rect.meets_segment(pair[0], pair[1]))
        }
        Shape::Circle {
            centre,
            radius,
            outline,
            ..
        } => rect.meets_disc(*centre, radius + outline.unwrap_or(0.0) / 2.0),
        Shape::Text { .. } => false,
    }
}

/// The problems of one drawing, as sentences (none: it keeps the layout's promise).
fn problems(drawing: &Drawing) -> Vec<String> {
    let (width, height) = drawing.size();
    // Whole-pixel rounding of positions on the canvas moves an edge by half a pixel at most.
    let slack = 1.0;
    let canvas = Rect::at(0.0, 0.0, f64::from(width), f64::from(height)).grown(slack);
    let drawn = read(drawing);
    let mut found = Vec::new();
    for (text, rect) in &drawn.texts {
        if !canvas.holds(rect) {
            found.push(format!("`{text}` leaves the canvas: {rect:?}"));
        }
    }
    for (i, (a, rect_a)) in drawn.texts.iter().enumerate() {
        for (b, rect_b) in &drawn.texts[i + 1..] {
            if rect_a.grown(-slack).overlaps(&rect_b.grown(-slack)) {
                found.push(format!("`{a}` overlaps `{b}`"));
            }
        }
    }
    if let Some((legend, at)) = drawn.legend {
        let inside = legend.grown(-slack);
        for shape in &drawing.shapes()[..at] {
            if is_data(shape) && meets(shape, &inside) {
                found.push(format!("the legend covers {shape:?}"));
            }
        }
    }
    found
}

/// Every figure that applies to the table, and a custom one.
fn figures(table: &Table) -> Vec<Box<dyn Fn(ErrorBars) -> Chart + '_>> {
    let mut charts: Vec<Box<dyn Fn(ErrorBars) -> Chart + '_>> = BUILT_IN
        .iter()
        .filter(|figure| figure.applies(table))
        .map(|&figure| {
            Box::new(move |bars| figure.build(table, bars).unwrap())
                as Box<dyn Fn(ErrorBars) -> Chart>
        })
        .collect();
    let custom = custom(table);
    charts.push(Box::new(move |bars| custom.build(table, bars).unwrap()));
    charts
}

#[test]
fn no_text_leaves_the_canvas_or_overlaps_other_text_and_the_legend_covers_no_data() {
    let mut failures = Vec::new();
    let mut drawn = 0;
    for table in tables() {
        for build in figures(&table) {
            for size in SIZES {
                for (name, options) in option_sets(size) {
                    let chart = build(options.error_bars).labelled(&options);
                    let drawing = output::vector(&chart, &options).unwrap();
                    drawn += 1;
                    let found = problems(&drawing);
                    if !found.is_empty() {
                        failures.push(format!(
                            "{} at {size:?}, {name}:\n  {}",
                            chart.title(),
                            found.join("\n  ")
                        ));
                    }
                }
            }
        }
    }
    assert!(drawn >= 4 * 4 * 4 * 3, "{drawn} drawings");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_drawings_hold_their_titles_and_legends() {
    // A check that passes because nothing was drawn would prove nothing: the text is there.
    let table = &tables()[0];
    let figure: &dyn Figure = BUILT_IN[0];
    for size in SIZES {
        for (name, options) in option_sets(size) {
            let chart = figure
                .build(table, options.error_bars)
                .unwrap()
                .labelled(&options);
            let drawing = output::vector(&chart, &options).unwrap();
            let drawn = read(&drawing);
            let words = |text: &str| text.split_whitespace().next().unwrap_or("").to_owned();
            let texts: Vec<&str> = drawn.texts.iter().map(|(t, _)| t.as_str()).collect();
            let x_title = options
                .x_label
                .clone()
                .unwrap_or_else(|| "requests".to_owned());
            assert!(
                texts.iter().any(|t| t.starts_with(&words(&x_title))),
                "{size:?} {name}: no x title in {texts:?}"
            );
            assert!(drawn.legend.is_some(), "{size:?} {name}: no legend");
            assert!(
                texts.iter().any(|t| t.starts_with("S = 20")),
                "{size:?} {name}: no legend entry in {texts:?}"
            );
        }
    }
}
