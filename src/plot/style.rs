//! Every plot style constant in one place: size, fonts, palette, line widths. The font is bundled
//! (DejaVu Sans, `assets/fonts/`) so text renders on machines with no fonts installed.

use std::sync::Once;

use plotters::style::{register_font, FontStyle, RGBColor};

/// Figure size in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (1000, 640);

/// The font family every text uses; registered from the bundled font.
pub const FONT: &str = "sans-serif";

/// Font sizes.
pub const TITLE_SIZE: u32 = 26;
/// Axis titles.
pub const AXIS_TITLE_SIZE: u32 = 20;
/// Tick labels and legend.
pub const LABEL_SIZE: u32 = 17;
/// The caption line under the plot.
pub const CAPTION_SIZE: u32 = 15;

/// Line width of measured series.
pub const LINE_WIDTH: u32 = 2;
/// Radius of point markers.
pub const MARKER_SIZE: u32 = 4;
/// Width of error-bar caps.
pub const ERROR_CAP: u32 = 6;
/// Dash length and gap of analytic curves.
pub const DASH: (u32, u32) = (8, 5);

/// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// Grey for analytic curves' legend entry and light grid lines.
pub const GREY: RGBColor = RGBColor(110, 110, 110);

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font (once per process) under [`FONT`].
pub fn register_fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled file is a valid TrueType font; a failure here is a packaging bug.
        register_font(FONT, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the bundled font is invalid"));
    });
}

/// The colour of series `index`.
pub fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}
