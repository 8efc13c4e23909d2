//! From a chart to the bytes of a file, one [`Encoder`] per format: PNG (plotters' bitmap at the
//! figure's DPI, which the file records), SVG and PDF (the recorded vector canvas).

use plotters::prelude::{BitMapBackend, IntoDrawingArea};

use super::chart::Chart;
use super::draw::{self, DrawError};
use super::options::{FigureOptions, ImageFormat};
use super::style;
use super::vector::{Drawing, VectorCanvas};
use super::{pdf, svg};

/// A figure that could not be turned into a file's bytes.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EncodeError {
    /// Drawing failed.
    #[error(transparent)]
    Draw(#[from] DrawError),
    /// The PNG encoder failed.
    #[error("cannot encode the PNG: {0}")]
    Png(#[from] png::EncodingError),
}

/// Writes a chart in one file format.
pub(crate) trait Encoder {
    /// The bytes of the file showing `chart`, sized and laid out as `options` say.
    fn encode(&self, chart: &Chart, options: &FigureOptions) -> Result<Vec<u8>, EncodeError>;
}

/// The encoder of `format`.
pub(crate) fn encoder(format: ImageFormat) -> &'static dyn Encoder {
    match format {
        ImageFormat::Svg => &Svg,
        ImageFormat::Png => &Png,
        ImageFormat::Pdf => &Pdf,
    }
}

/// PNG at the style's DPI.
pub(crate) struct Png;

impl Encoder for Png {
    fn encode(&self, chart: &Chart, options: &FigureOptions) -> Result<Vec<u8>, EncodeError> {
        let (width, height) = options.png_size();
        let mut pixels = vec![0u8; width as usize * height as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
            draw::draw(&root, chart, options, options.png_scale())?;
            root.present().map_err(draw::fail)?;
        }
        let mut file = Vec::new();
        let mut encoder = png::Encoder::new(&mut file, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Pixels per metre, so documents that place the image size it as the DPI says.
        let per_metre = (f64::from(options.dpi) / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
        Ok(file)
    }
}

/// The chart on the vector canvas, drawn at [`style::VECTOR_OVERSAMPLING`] times its size.
pub(crate) fn vector(chart: &Chart, options: &FigureOptions) -> Result<Drawing, DrawError> {
    let scale = style::VECTOR_OVERSAMPLING;
    let size = (
        (options.width * scale).round() as u32,
        (options.height * scale).round() as u32,
    );
    let (canvas, recorder) = VectorCanvas::new(size);
    {
        let root = canvas.into_drawing_area();
        draw::draw(&root, chart, options, scale)?;
    }
    Ok(recorder.drawing())
}

/// SVG, text as glyph outlines.
pub(crate) struct Svg;

impl Encoder for Svg {
    fn encode(&self, chart: &Chart, options: &FigureOptions) -> Result<Vec<u8>, EncodeError> {
        let drawing = vector(chart, options)?;
        let size = (options.width, options.height);
        Ok(svg::document(&drawing, size, chart.title()).into_bytes())
    }
}

/// PDF, one page of the figure's size, text as glyph outlines.
pub(crate) struct Pdf;

impl Encoder for Pdf {
    fn encode(&self, chart: &Chart, options: &FigureOptions) -> Result<Vec<u8>, EncodeError> {
        let drawing = vector(chart, options)?;
        let size = (options.width, options.height);
        Ok(pdf::document(&drawing, size, chart.title()))
    }
}
