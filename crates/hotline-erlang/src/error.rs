//! The one error type of this crate.

/// Why an input was rejected or a target could not be met.
///
/// Every variant names the input that went wrong (`"load"`, `"agents"`, `"aht"`, `"patience"`,
/// `"target"`, `"service level"`, `"shrinkage"`, ...) and, for a file, the line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErlangError {
    /// The input must be a finite number greater than zero (a rate, a load, a duration).
    #[error("{name} must be a finite number greater than 0, got {value}")]
    NotPositive {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The input must be a finite number of at least zero (an agent count, a target time).
    #[error("{name} must be a finite number of at least 0, got {value}")]
    Negative {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The input must be a fraction strictly between 0 and 1 (a service level, a probability).
    #[error("{name} must lie strictly between 0 and 1, got {value}")]
    NotAFraction {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The input must be a fraction from 0 up to, but not including, 1 (shrinkage).
    #[error("{name} must be at least 0 and less than 1, got {value}")]
    NotBelowOne {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The input is too large for the computation to be meaningful.
    #[error("{name} is too large: {value} (at most {max})")]
    TooLarge {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The largest value accepted.
        max: f64,
    },
    /// A staffing target cannot be met within the search range.
    #[error("the target cannot be met: {reason}")]
    Unreachable {
        /// Which target could not be met, and by how much.
        reason: String,
    },
    /// A staffing problem without any target to meet.
    #[error(
        "no staffing target given: set a service level, a maximum ASA, a maximum abandonment or a maximum occupancy"
    )]
    NoTarget,
    /// One interval of an intraday plan failed.
    #[error("interval {start}: {error}")]
    Interval {
        /// The interval's start time.
        start: String,
        /// What went wrong there.
        error: Box<ErlangError>,
    },
    /// A forecast file is malformed.
    #[error("forecast line {line}: {message}")]
    Forecast {
        /// The 1-based line number in the file.
        line: usize,
        /// What is wrong on that line.
        message: String,
    },
}

/// Checks that `value` is finite and greater than zero.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, ErlangError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ErlangError::NotPositive { name, value })
    }
}

/// Checks that `value` is finite and at least zero.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64, ErlangError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ErlangError::Negative { name, value })
    }
}

/// Checks that `value` lies strictly between 0 and 1.
pub(crate) fn fraction(name: &'static str, value: f64) -> Result<f64, ErlangError> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(ErlangError::NotAFraction { name, value })
    }
}

/// Checks that `value` lies in `[0, 1)`.
pub(crate) fn below_one(name: &'static str, value: f64) -> Result<f64, ErlangError> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(ErlangError::NotBelowOne { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_input() {
        let err = positive("aht", 0.0).unwrap_err();
        assert_eq!(err.to_string(), "aht must be a finite number greater than 0, got 0");
        assert!(positive("load", f64::NAN).unwrap_err().to_string().starts_with("load "));
        assert!(non_negative("agents", -1.0).unwrap_err().to_string().starts_with("agents "));
        assert!(fraction("service level", 1.0).is_err());
        assert!(fraction("service level", f64::NAN).is_err());
        assert!(below_one("shrinkage", 1.0).is_err());
        assert_eq!(below_one("shrinkage", 0.0), Ok(0.0));
    }
}
