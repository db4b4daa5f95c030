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
    pub fn problem(&self) -> Option<String> {
        let bad = |x: f64| !x.is_finite() || x < 0.0;
        match self {
            Distribution::Exponential { mean } if bad(*mean) => Some(format!("mean {mean}")),
            Distribution::Lognormal { mean, sd } if bad(*mean) || bad(*sd) || *mean == 0.0 => {
                Some(format!("mean {mean}, sd {sd}"))
            }
            Distribution::Gamma { mean, shape } if bad(*mean) || bad(*shape) || *shape == 0.0 => {
                Some(format!("mean {mean}, shape {shape}"))
            }
            Distribution::Constant { value } if bad(*value) => Some(format!("value {value}")),
            Distribution::Empirical { values, .. } if values.is_empty() => {
                Some("no values".to_owned())
            }
            Distribution::Empirical { values, .. } if values.iter().any(|&v| bad(v)) => {
                Some("a value is negative or not a number".to_owned())
            }
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

/// Reads numbers from CSV text: the last field of each line that parses as a number (a header
/// or comment line is skipped). Returns `(line, message)` for a line with a bad number.
pub fn numbers_from_csv(text: &str) -> Result<Vec<f64>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = line.rsplit([',', ';', '\t']).next().unwrap_or("").trim();
        match field.parse::<f64>() {
            Ok(v) if v.is_finite() => out.push(v),
            Ok(_) => return Err((i + 1, format!("`{field}` is not finite"))),
            Err(_) if out.is_empty() && i == 0 => {} // a header
            Err(_) => return Err((i + 1, format!("`{field}` is not a number"))),
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
