//! Distributions of handle times, patience and retrial delays, in seconds.

use serde::{Deserialize, Serialize};

use crate::rng::Stream;

/// A distribution of non-negative durations in seconds, written in a scenario as
/// `{ dist = "exponential", mean = 180 }`, `{ dist = "lognormal", mean = 180, sd = 120 }`,
/// `{ dist = "gamma", mean = 180, shape = 2 }`, `{ dist = "constant", value = 30 }` or
/// `{ dist = "empirical", values = [..] }` / `{ dist = "empirical", csv = "file.csv" }` (one
/// value a line, the last number of each line; read relative to the scenario file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Distribution {
    /// Exponential with the given mean.
    Exponential {
        /// Mean in seconds.
        mean: f64,
    },
    /// Lognormal with the given mean and standard deviation (of the value, not of its log).
    Lognormal {
        /// Mean in seconds.
        mean: f64,
        /// Standard deviation in seconds.
        sd: f64,
    },
    /// Gamma with the given mean and shape (shape 1 is exponential).
    Gamma {
        /// Mean in seconds.
        mean: f64,
        /// Shape parameter k.
        shape: f64,
    },
    /// Always the same value.
    Constant {
        /// The value in seconds.
        value: f64,
    },
    /// Draws uniformly among observed values.
    Empirical {
        /// The observed values in seconds (filled from `csv` when loading a scenario).
        #[serde(default)]
        values: Vec<f64>,
        /// A CSV file to read the values from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        csv: Option<String>,
    },
}

impl Distribution {
    /// The mean, in seconds.
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Exponential { mean }
            | Distribution::Lognormal { mean, .. }
            | Distribution::Gamma { mean, .. } => *mean,
            Distribution::Constant { value } => *value,
            Distribution::Empirical { values, .. } => {
                values.iter().sum::<f64>() / values.len().max(1) as f64
            }
        }
    }

    /// Why the parameters are unusable, if they are.
    pub fn problem(&self) -> Option<DistributionError> {
        let bad = |x: f64| !x.is_finite() || x < 0.0;
        let param =
            |name: &'static str, value: f64| Some(DistributionError::BadParameter { name, value });
        match self {
            Distribution::Exponential { mean } if bad(*mean) => param("mean", *mean),
            Distribution::Lognormal { mean, .. } if bad(*mean) || *mean == 0.0 => {
                param("mean", *mean)
            }
            Distribution::Lognormal { sd, .. } if bad(*sd) => param("sd", *sd),
            Distribution::Gamma { mean, .. } if bad(*mean) => param("mean", *mean),
            Distribution::Gamma { shape, .. } if bad(*shape) || *shape == 0.0 => {
                param("shape", *shape)
            }
            Distribution::Constant { value } if bad(*value) => param("value", *value),
            Distribution::Empirical { values, .. } if values.is_empty() => {
                Some(DistributionError::NoValues)
            }
            Distribution::Empirical { values, .. } => values
                .iter()
                .position(|&v| bad(v))
                .map(|index| DistributionError::BadValue { index, value: values[index] }),
            _ => None,
        }
    }

    /// One draw, in seconds.
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match self {
            Distribution::Exponential { mean } => rng.exponential(*mean),
            Distribution::Lognormal { mean, sd } => {
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                let mu = mean.ln() - s2 / 2.0;
                (mu + s2.sqrt() * rng.normal()).exp()
            }
            Distribution::Gamma { mean, shape } => rng.gamma(*shape) * mean / shape,
            Distribution::Constant { value } => *value,
            Distribution::Empirical { values, .. } => {
                values.get(rng.index(values.len())).copied().unwrap_or(0.0)
            }
        }
    }
}

/// Why a distribution's parameters are unusable ([`Distribution::problem`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DistributionError {
    /// A parameter is negative, zero where it must be positive, or not a number.
    #[error("{name} {value} is out of range")]
    BadParameter {
        /// The parameter (`mean`, `sd`, `shape`, `value`).
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// An empirical distribution without values.
    #[error("no values")]
    NoValues,
    /// An empirical value is negative or not a number.
    #[error("value {index} ({value}) is negative or not a number")]
    BadValue {
        /// Its 0-based index.
        index: usize,
        /// The value.
        value: f64,
    },
}

/// A line of a CSV file of numbers that is not a number ([`numbers_from_csv`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The line's last field does not parse as a number.
    #[error("line {line}: `{field}` is not a number")]
    NotANumber {
        /// 1-based line.
        line: usize,
        /// The field.
        field: String,
    },
    /// The field is a number, but infinite or NaN.
    #[error("line {line}: `{field}` is not finite")]
    NotFinite {
        /// 1-based line.
        line: usize,
        /// The field.
        field: String,
    },
}

/// Reads numbers from CSV text: the last field of each line that parses as a number (a header
/// or comment line is skipped).
///
/// # Errors
///
/// [`CsvError`] naming the first line with a bad number.
pub fn numbers_from_csv(text: &str) -> Result<Vec<f64>, CsvError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = line.rsplit([',', ';', '\t']).next().unwrap_or("").trim();
        match field.parse::<f64>() {
            Ok(v) if v.is_finite() => out.push(v),
            Ok(_) => return Err(CsvError::NotFinite { line: i + 1, field: field.to_owned() }),
            Err(_) if out.is_empty() && i == 0 => {} // a header
            Err(_) => return Err(CsvError::NotANumber { line: i + 1, field: field.to_owned() }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    #[test]
    fn means_are_right() {
        let mut rng = Stream::new(3, 0, Purpose::Handle, 0);
        for d in [
            Distribution::Exponential { mean: 180.0 },
            Distribution::Lognormal { mean: 180.0, sd: 120.0 },
            Distribution::Gamma { mean: 180.0, shape: 2.0 },
            Distribution::Constant { value: 180.0 },
            Distribution::Empirical { values: vec![120.0, 240.0], csv: None },
        ] {
            let n = 100_000;
            let m = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!((m - 180.0).abs() < 3.0, "{d:?}: {m}");
            assert!(d.problem().is_none());
        }
        assert!(Distribution::Exponential { mean: -1.0 }.problem().is_some());
    }

    #[test]
    fn csv_numbers() {
        assert_eq!(numbers_from_csv("start,rate\n0,10\n900,12.5\n"), Ok(vec![10.0, 12.5]));
        assert_eq!(numbers_from_csv("3\n\n4\n"), Ok(vec![3.0, 4.0]));
        assert!(numbers_from_csv("1\nx\n").is_err());
    }
}
