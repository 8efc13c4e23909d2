//! How one figure is drawn and written: size, resolution, base font size, title, footer, axis
//! titles, legend position, error bars and file formats. A preset (`style: screen | paper |
//! slides`) gives every option a value; the `figures` section overrides it for every figure and
//! an entry of its list for its own figure. Sizes are CSS pixels (1/96 inch) inside, whatever unit
//! the spec wrote; fonts are points (1/72 inch).

use crate::spec::raw::{
    ErrorBars, FigureFormat, FigurePreset, LegendPosition, RawLength, RawLook, RawTitle,
};
use crate::spec::Invalid;

/// CSS pixels per inch: the unit of sizes, and one PNG pixel per CSS pixel at this DPI.
pub(crate) const CSS_PX_PER_INCH: f64 = 96.0;
/// Points per inch: the unit of font sizes (and of PDF pages).
pub(crate) const POINTS_PER_INCH: f64 = 72.0;
/// Limits on a figure's width and height, in CSS pixels (about 2.1 to 83 inches).
pub(crate) const SIZE_LIMITS: (f64, f64) = (200.0, 8000.0);
/// Limits on the PNG resolution, in dots per inch.
pub(crate) const DPI_LIMITS: (u32, u32) = (48, 1200);
/// Limits on the base font size, in points.
pub(crate) const FONT_LIMITS: (f64, f64) = (4.0, 72.0);

/// A file format figures are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ImageFormat {
    /// Scalable vector graphics, text as outlines.
    Svg,
    /// A bitmap at the figure's DPI.
    Png,
    /// A one-page PDF, text as outlines.
    Pdf,
}

impl ImageFormat {
    /// The file extension.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
            ImageFormat::Pdf => "pdf",
        }
    }

    /// Every format, for recognising figure files.
    pub(crate) const ALL: [ImageFormat; 3] = [ImageFormat::Svg, ImageFormat::Png, ImageFormat::Pdf];
}

/// Which title a figure gets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Title {
    /// The figure's own.
    Own,
    /// None.
    Hidden,
    /// This text.
    Text(String),
}

/// The options of one figure, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FigureOptions {
    /// Width in CSS pixels.
    pub(crate) width: f64,
    /// Height in CSS pixels.
    pub(crate) height: f64,
    /// PNG resolution in dots per inch.
    pub(crate) dpi: u32,
    /// Base font size in points: tick labels and the legend.
    pub(crate) font_size: f64,
    /// The title.
    pub(crate) title: Title,
    /// Whether the footer line is drawn.
    pub(crate) footer: bool,
    /// Where the legend goes.
    pub(crate) legend: LegendPosition,
    /// What error bars show.
    pub(crate) error_bars: ErrorBars,
    /// The x axis title, instead of the figure's own.
    pub(crate) x_label: Option<String>,
    /// The y axis title, instead of the figure's own.
    pub(crate) y_label: Option<String>,
    /// The files written, in this order, without repeats.
    pub(crate) formats: Vec<ImageFormat>,
}

impl Default for FigureOptions {
    fn default() -> Self {
        FigureOptions::preset(FigurePreset::Screen)
    }
}

impl FigureOptions {
    /// The options a preset gives.
    pub(crate) fn preset(preset: FigurePreset) -> FigureOptions {
        let screen = FigureOptions {
            width: 1000.0,
            height: 640.0,
            dpi: 96,
            font_size: 11.0,
            title: Title::Own,
            footer: true,
            legend: LegendPosition::Best,
            error_bars: ErrorBars::Std,
            x_label: None,
            y_label: None,
            formats: vec![ImageFormat::Svg, ImageFormat::Png],
        };
        match preset {
            FigurePreset::Screen => screen,
            FigurePreset::Paper => FigureOptions {
                width: 3.3 * CSS_PX_PER_INCH,
                height: 2.2 * CSS_PX_PER_INCH,
                dpi: 300,
                font_size: 8.0,
                title: Title::Hidden,
                footer: false,
                formats: vec![ImageFormat::Pdf, ImageFormat::Svg],
                ..screen
            },
            FigurePreset::Slides => FigureOptions {
                width: 10.0 * CSS_PX_PER_INCH,
                height: 5.625 * CSS_PX_PER_INCH,
                dpi: 192,
                font_size: 16.0,
                footer: false,
                ..screen
            },
        }
    }

    /// These options with those `look` sets, checked; `at` is the key path of the mapping that
    /// holds them (`figures`, `figures.draw[2]`).
    pub(crate) fn with(mut self, look: &RawLook, at: &str) -> Result<FigureOptions, Invalid> {
        let key = |name: &str| format!("{at}.{name}");
        if let Some(width) = &look.width {
            self.width = length(width, &key("width"))?;
        }
        if let Some(height) = &look.height {
            self.height = length(height, &key("height"))?;
        }
        if let Some(dpi) = look.dpi {
            self.dpi = within(
                f64::from(dpi),
                DPI_LIMITS.0.into(),
                DPI_LIMITS.1.into(),
                "",
                &key("dpi"),
            )? as u32;
        }
        if let Some(size) = look.font_size {
            self.font_size = within(
                size,
                FONT_LIMITS.0,
                FONT_LIMITS.1,
                " points",
                &key("font_size"),
            )?;
        }
        if let Some(title) = &look.title {
            self.title = match title {
                RawTitle::Shown(true) => Title::Own,
                RawTitle::Shown(false) => Title::Hidden,
                RawTitle::Text(text) if text.trim().is_empty() => Title::Hidden,
                RawTitle::Text(text) => Title::Text(text.clone()),
            };
        }
        self.footer = look.footer.unwrap_or(self.footer);
        self.legend = look.legend.unwrap_or(self.legend);
        self.error_bars = look.error_bars.unwrap_or(self.error_bars);
        if look.x_label.is_some() {
            self.x_label.clone_from(&look.x_label);
        }
        if look.y_label.is_some() {
            self.y_label.clone_from(&look.y_label);
        }
        Ok(self)
    }

    /// How many PNG pixels one CSS pixel takes.
    pub(crate) fn png_scale(&self) -> f64 {
        f64::from(self.dpi) / CSS_PX_PER_INCH
    }

    /// The PNG's size in pixels.
    pub(crate) fn png_size(&self) -> (u32, u32) {
        let scale = self.png_scale();
        let pixels = |length: f64| (length * scale).round().max(1.0) as u32;
        (pixels(self.width), pixels(self.height))
    }
}

/// `value` if it is within `[low, high]`, else an error at `key`.
fn within(value: f64, low: f64, high: f64, unit: &str, key: &str) -> Result<f64, Invalid> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be between {low} and {high}{unit}, got {value}"),
        ))
    }
}

/// A length in CSS pixels, checked against [`SIZE_LIMITS`].
fn length(raw: &RawLength, key: &str) -> Result<f64, Invalid> {
    let pixels = match raw {
        RawLength::Pixels(pixels) => *pixels,
        RawLength::Text(text) => parse_length(text).ok_or_else(|| {
            Invalid::new(
                key,
                format!(
                    "`{text}` is not a length: write a number of CSS pixels (1/96 inch) or a \
                     number with its unit, such as `3.3in`, `8.4cm`, `84mm`, `240pt`, `640px`"
                ),
            )
        })?,
    };
    let (low, high) = SIZE_LIMITS;
    if (low..=high).contains(&pixels) {
        return Ok(pixels);
    }
    let inches = |px: f64| px / CSS_PX_PER_INCH;
    Err(Invalid::new(
        key,
        format!(
            "must be between {low} and {high} CSS pixels ({:.2} to {:.0} inches), got {} px",
            inches(low),
            inches(high),
            (pixels * 10.0).round() / 10.0
        ),
    ))
}

/// `3.3in`, `8.4cm`, `84mm`, `240pt`, `640px` or `640` in CSS pixels.
fn parse_length(text: &str) -> Option<f64> {
    let text = text.trim();
    let units: [(&str, f64); 5] = [
        ("in", CSS_PX_PER_INCH),
        ("cm", CSS_PX_PER_INCH / 2.54),
        ("mm", CSS_PX_PER_INCH / 25.4),
        ("pt", CSS_PX_PER_INCH / POINTS_PER_INCH),
        ("px", 1.0),
    ];
    let (number, factor) = units
        .iter()
        .find_map(|(unit, factor)| text.strip_suffix(unit).map(|n| (n, *factor)))
        .unwrap_or((text, 1.0));
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value > 0.0).then_some(value * factor)
}

/// The file formats asked for, without repeats; the reports show a PNG or an SVG, so one must be
/// there. `at` is the key of the list.
pub(crate) fn image_formats(
    formats: &[FigureFormat],
    at: &str,
) -> Result<Vec<ImageFormat>, Invalid> {
    let mut chosen: Vec<ImageFormat> = Vec::new();
    for format in formats {
        let format = match format {
            FigureFormat::Svg => ImageFormat::Svg,
            FigureFormat::Png => ImageFormat::Png,
            FigureFormat::Pdf => ImageFormat::Pdf,
        };
        if !chosen.contains(&format) {
            chosen.push(format);
        }
    }
    if !chosen.contains(&ImageFormat::Png) && !chosen.contains(&ImageFormat::Svg) {
        return Err(Invalid::new(
            at,
            "needs `png` or `svg` too: the reports show figures as one of them",
        ));
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_take_units() {
        assert_eq!(parse_length("3.3in"), Some(3.3 * 96.0));
        assert_eq!(parse_length(" 640 px"), Some(640.0));
        assert_eq!(parse_length("72pt"), Some(96.0));
        assert!((parse_length("2.54cm").unwrap() - 96.0).abs() < 1e-9);
        assert_eq!(parse_length("3.3 inch"), None);
        assert_eq!(parse_length("-3in"), None);
        let error = length(&RawLength::Text("1in".to_owned()), "figures.width").unwrap_err();
        assert!(error.message.contains("got 96 px"), "{}", error.message);
    }

    #[test]
    fn a_figure_overrides_the_section_which_overrides_the_preset() {
        let section = RawLook {
            font_size: Some(9.0),
            legend: Some(LegendPosition::Below),
            ..RawLook::default()
        };
        let entry = RawLook {
            title: Some(RawTitle::Text("Mine".to_owned())),
            width: Some(RawLength::Text("7in".to_owned())),
            ..RawLook::default()
        };
        let paper = FigureOptions::preset(FigurePreset::Paper);
        let defaults = paper.clone().with(&section, "figures").unwrap();
        let figure = defaults.clone().with(&entry, "figures.draw[0]").unwrap();
        assert_eq!(
            (figure.font_size, figure.legend),
            (9.0, LegendPosition::Below)
        );
        assert_eq!(figure.title, Title::Text("Mine".to_owned()));
        assert_eq!((figure.width, figure.height), (7.0 * 96.0, paper.height));
        assert_eq!(defaults.title, Title::Hidden);
        let error = paper
            .with(
                &RawLook {
                    font_size: Some(100.0),
                    ..RawLook::default()
                },
                "figures",
            )
            .unwrap_err();
        assert_eq!(error.key, "figures.font_size");
    }
}
