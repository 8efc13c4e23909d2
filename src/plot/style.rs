//! Every plot style constant in one place: the font and the sizes of text relative to the base
//! font size, lengths in ems of it (so line widths, markers and spacing scale with the font),
//! how a figure gives way when its text does not fit, palette, greys and dash patterns. Text is
//! set in the bundled DejaVu Sans (`assets/fonts/`): the PNG rasterises it, SVG and PDF carry
//! each glyph as an outline, so figures look the same on any machine.

use std::sync::Once;

use plotters::style::{register_font, FontStyle, RGBColor};

/// Vector figures are drawn at this multiple of their size and scaled back, so their coordinates
/// (whole backend pixels) fall on half pixels.
pub(crate) const VECTOR_OVERSAMPLING: f64 = 2.0;

/// The name the bundled font is registered under for plotters.
pub(crate) const FONT: &str = "DejaVu Sans";

// Text sizes, as multiples of the base font size (tick labels and the legend).
/// The title.
pub(crate) const TITLE_SIZE: f64 = 1.35;
/// Axis titles.
pub(crate) const AXIS_TITLE_SIZE: f64 = 1.12;
/// The footer, labels next to points and the legend's notes.
pub(crate) const NOTE_SIZE: f64 = 0.9;
/// The distance between the baselines of a block's lines, as a multiple of its text size.
pub(crate) const LINE_PITCH: f64 = 1.12;

// Lengths, in ems of the base font, so that they scale with it.
/// Space around the figure.
pub(crate) const MARGIN: f64 = 0.8;
/// Space between a figure's parts (a tick and its label, a label and a title).
pub(crate) const GAP: f64 = 0.4;
/// Length of tick marks.
pub(crate) const TICK_LENGTH: f64 = 0.35;
/// Line width of measured series.
pub(crate) const LINE_WIDTH: f64 = 0.14;
/// Line width of the frame, grid, error bars and (times 1.5) analytic curves.
pub(crate) const THIN_LINE_WIDTH: f64 = 0.07;
/// Half the size of point markers.
pub(crate) const MARKER_SIZE: f64 = 0.34;
/// Half the width of error-bar caps.
pub(crate) const ERROR_CAP: f64 = 0.27;
/// Width of a legend swatch.
pub(crate) const SWATCH_WIDTH: f64 = 2.3;
/// Space inside the legend's border.
pub(crate) const LEGEND_PADDING: f64 = 0.5;
/// Width of a heat map's colour bar.
pub(crate) const COLOUR_BAR_WIDTH: f64 = 1.3;

// How a figure gives way when its text does not fit.
/// The plot keeps at least this share of the figure's width and height; text is shrunk (and a
/// legend moved) until it does.
pub(crate) const LEAST_PLOT_SHARE: (f64, f64) = (0.4, 0.35);
/// The factors text is shrunk by, in turn, when it does not fit at its size.
pub(crate) const SHRINK_STEPS: [f64; 7] = [1.0, 0.92, 0.84, 0.76, 0.68, 0.6, 0.5];
/// Longest legend label inside or beside the plot, as a share of the figure's width.
pub(crate) const LEGEND_LABEL_SHARE: f64 = 0.32;

/// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies (yellow last:
/// it is the faintest on white).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// Grey for legend swatches that encode no colour, dominated points and the caption.
pub(crate) const GREY: RGBColor = RGBColor(110, 110, 110);
/// The plot frame and tick marks.
pub(crate) const FRAME: RGBColor = RGBColor(60, 60, 60);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
/// Heat-map cells with no value.
pub(crate) const EMPTY_CELL: RGBColor = RGBColor(240, 240, 240);
/// The legend's border.
pub(crate) const LEGEND_BORDER: RGBColor = RGBColor(190, 190, 190);

/// Dash patterns, as alternating on and off lengths in widths of a measured series' line.
pub(crate) mod dashes {
    /// Dashed.
    pub(crate) const DASHED: &[f64] = &[4.5, 2.5];
    /// Dash and dot.
    pub(crate) const DASH_DOT: &[f64] = &[4.5, 2.0, 1.0, 2.0];
    /// Long dashes.
    pub(crate) const LONG_DASH: &[f64] = &[8.0, 2.5];
    /// Dotted.
    pub(crate) const DOTTED: &[f64] = &[1.0, 2.0];
}

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The bundled font's bytes (DejaVu Sans).
pub(crate) fn font_bytes() -> &'static [u8] {
    FONT_BYTES
}

/// Registers the bundled font (once per process) under [`FONT`].
pub(crate) fn register_fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled file is a valid TrueType font; a failure here is a packaging bug.
        register_font(FONT, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the bundled font is invalid"));
    });
}

/// The colour of palette entry `index` (the palette repeats).
pub(crate) fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}
