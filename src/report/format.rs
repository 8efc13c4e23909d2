//! How numbers are written in terminal tables and reports.

/// A number with `decimals` decimals, or `-`.
pub fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// A ratio such as `4.21x`, or `-`.
pub fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}x"))
}

/// A fraction as a percentage such as `97.25%`, or `-`.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.2}%", v * 100.0))
}

/// A percentage with its spread, such as `97.25% ± 0.31`, or `-`; the spread is in percentage
/// points and left out when unknown.
pub fn percent_spread(value: Option<f64>, spread: Option<f64>) -> String {
    match (value, spread) {
        (Some(v), Some(s)) => format!("{:.2}% ± {:.2}", v * 100.0, s * 100.0),
        _ => percent(value),
    }
}

/// A ratio with its spread, such as `4.21x ± 0.12`, or `-`.
pub fn ratio_spread(value: Option<f64>, spread: Option<f64>) -> String {
    match (value, spread) {
        (Some(v), Some(s)) => format!("{v:.2}x ± {s:.2}"),
        _ => ratio(value),
    }
}

/// A signed difference of fractions in percentage points, such as `-0.66`.
pub fn points_change(value: f64) -> String {
    let points = value * 100.0;
    if points.abs() < 0.005 {
        "0.00".to_owned()
    } else {
        format!("{points:+.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_values_are_dashes() {
        assert_eq!(ratio(Some(4.214)), "4.21x");
        assert_eq!(percent(Some(0.98765)), "98.77%");
        assert_eq!(number(None, 1), "-");
        assert_eq!(percent_spread(Some(0.9862), Some(0.0012)), "98.62% ± 0.12");
        assert_eq!(ratio_spread(Some(10.0), None), "10.00x");
        assert_eq!(points_change(-0.0066), "-0.66");
        assert_eq!(points_change(0.00001), "0.00");
    }
}
