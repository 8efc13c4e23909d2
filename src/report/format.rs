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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_values_are_dashes() {
        assert_eq!(ratio(Some(4.214)), "4.21x");
        assert_eq!(percent(Some(0.98765)), "98.77%");
        assert_eq!(number(None, 1), "-");
    }
}
