//! Every plot style constant in one place: size, resolution, fonts, palette, markers, dash
//! patterns, line widths, spacing; and how a figure is written (size, DPI, formats), with these
//! as defaults. Text is set in the bundled DejaVu Sans (`assets/fonts/`): the PNG rasterises it,
//! SVG and PDF carry each glyph as an outline, so figures look the same on any machine.

use std::sync::Once;

use plotters::style::{register_font, FontStyle, RGBColor};

/// Default figure width, in CSS pixels (1/96 inch): PNG pixels at [`BASE_DPI`], SVG user units.
pub const WIDTH: u32 = 1000;
/// Default figure height, in CSS pixels.
pub const HEIGHT: u32 = 640;
/// The resolution every length here is given at: one CSS pixel per PNG pixel.
pub const BASE_DPI: u32 = 96;
/// Limits on the figure size a spec may ask for, in CSS pixels (each side).
pub const SIZE_LIMITS: (u32, u32) = (200, 8000);
/// Limits on the PNG resolution a spec may ask for.
pub const DPI_LIMITS: (u32, u32) = (48, 1200);
/// Vector figures are drawn at this multiple of their size and scaled back, so their coordinates
/// (whole backend pixels) fall on half pixels.
pub const VECTOR_OVERSAMPLING: f64 = 2.0;

/// The name the bundled font is registered under for plotters.
pub const FONT: &str = "DejaVu Sans";

/// Title size.
pub const TITLE_SIZE: f64 = 26.0;
/// Axis titles.
pub const AXIS_TITLE_SIZE: f64 = 20.0;
/// Tick labels, legend and cell values.
pub const LABEL_SIZE: f64 = 17.0;
/// The caption line under the plot and labels next to points.
pub const CAPTION_SIZE: f64 = 15.0;

/// Space around the figure and between its parts.
pub const MARGIN: f64 = 16.0;
/// Length of tick marks.
pub const TICK_LENGTH: f64 = 5.0;
/// Line width of measured series.
pub const LINE_WIDTH: f64 = 2.0;
/// Line width of analytic curves, the frame and error bars.
pub const THIN_LINE_WIDTH: f64 = 1.0;
/// Half the size of point markers.
pub const MARKER_SIZE: f64 = 5.0;
/// Half the width of error-bar caps.
pub const ERROR_CAP: f64 = 4.0;
/// Width of a legend swatch.
pub const SWATCH_WIDTH: f64 = 34.0;
/// Width of a heat map's colour bar.
pub const COLOUR_BAR_WIDTH: f64 = 22.0;
/// A legend with more entries than this goes beside the plot instead of inside it.
pub const MOST_LEGEND_ENTRIES_INSIDE: usize = 6;

/// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies (yellow last:
/// it is the faintest on white).
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

/// Grey for legend swatches that encode no colour, dominated points and the caption.
pub const GREY: RGBColor = RGBColor(110, 110, 110);
/// The plot frame and tick marks.
pub const FRAME: RGBColor = RGBColor(60, 60, 60);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Heat-map cells with no value.
pub const EMPTY_CELL: RGBColor = RGBColor(240, 240, 240);
/// The legend's border.
pub const LEGEND_BORDER: RGBColor = RGBColor(190, 190, 190);

/// Dash patterns, as alternating on and off lengths in CSS pixels.
pub mod dashes {
    /// Dashed.
    pub const DASHED: &[f64] = &[9.0, 5.0];
    /// Dash and dot.
    pub const DASH_DOT: &[f64] = &[9.0, 4.0, 2.0, 4.0];
    /// Long dashes.
    pub const LONG_DASH: &[f64] = &[16.0, 5.0];
    /// Dotted.
    pub const DOTTED: &[f64] = &[2.0, 4.0];
}

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The bundled font's bytes (DejaVu Sans).
pub fn font_bytes() -> &'static [u8] {
    FONT_BYTES
}

/// Registers the bundled font (once per process) under [`FONT`].
pub fn register_fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled file is a valid TrueType font; a failure here is a packaging bug.
        register_font(FONT, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the bundled font is invalid"));
    });
}

/// The colour of palette entry `index` (the palette repeats).
pub fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A file format figures are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImageFormat {
    /// Scalable vector graphics, text as outlines.
    Svg,
    /// A bitmap at the figure's DPI.
    Png,
    /// A one-page PDF, text as outlines.
    Pdf,
}

impl ImageFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
            ImageFormat::Pdf => "pdf",
        }
    }
}

/// How figures are written: size, PNG resolution and formats.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureStyle {
    /// Width in CSS pixels (1/96 inch).
    pub width: u32,
    /// Height in CSS pixels.
    pub height: u32,
    /// PNG resolution in dots per inch: the PNG has `width x dpi / 96` pixels.
    pub dpi: u32,
    /// The files written for each figure, in this order, without repeats.
    pub formats: Vec<ImageFormat>,
}

impl Default for FigureStyle {
    fn default() -> Self {
        FigureStyle {
            width: WIDTH,
            height: HEIGHT,
            dpi: BASE_DPI,
            formats: vec![ImageFormat::Svg, ImageFormat::Png],
        }
    }
}

impl FigureStyle {
    /// How many PNG pixels one CSS pixel takes.
    pub fn png_scale(&self) -> f64 {
        f64::from(self.dpi) / f64::from(BASE_DPI)
    }

    /// The PNG's size in pixels.
    pub fn png_size(&self) -> (u32, u32) {
        let scale = self.png_scale();
        let pixels = |length: u32| (f64::from(length) * scale).round().max(1.0) as u32;
        (pixels(self.width), pixels(self.height))
    }
}
