//! Range checks of single values, and rejections of options that do not apply, each naming its
//! key.

use super::Checked;
use crate::spec::error::Invalid;

pub(crate) fn at_least<T: PartialOrd + std::fmt::Display>(
    key: &str,
    value: T,
    minimum: T,
) -> Checked<T> {
    if value < minimum {
        Err(Invalid::new(
            key,
            format!("must be at least {minimum}, got {value}"),
        ))
    } else {
        Ok(value)
    }
}

pub(crate) fn non_negative(key: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be a finite number >= 0, got {value}"),
        ))
    }
}

pub(crate) fn positive(key: &str, value: f64) -> Checked<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Invalid::new(
            key,
            format!("must be a finite number > 0, got {value}"),
        ))
    }
}

pub(super) fn fraction(key: &str, value: f64, one_allowed: bool) -> Checked<f64> {
    let upper_ok = if one_allowed {
        value <= 1.0
    } else {
        value < 1.0
    };
    if value > 0.0 && upper_ok {
        Ok(value)
    } else {
        let range = if one_allowed { "(0, 1]" } else { "(0, 1)" };
        Err(Invalid::new(
            key,
            format!("must be in {range}, got {value}"),
        ))
    }
}

pub(super) fn reject_option(key: &str, given: bool, applies_to: &str) -> Checked<()> {
    reject(key, given, &format!("applies only to {applies_to}"))
}

/// An option given for a format it does not apply to (`applies_to` lists the formats it does).
pub(super) fn reject_format(key: &str, given: bool, applies_to: &str, format: &str) -> Checked<()> {
    reject(
        key,
        given,
        &format!("applies only to `format:` {applies_to}, not `{format}`"),
    )
}

/// An option that must not be given here, and why.
pub(super) fn reject(key: &str, given: bool, message: &str) -> Checked<()> {
    if given {
        Err(Invalid::new(key, message))
    } else {
        Ok(())
    }
}
