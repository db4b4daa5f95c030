//! Durations in configuration files: `250ms`, `20s`, `1.5m`, `8h`, or a bare number of seconds
//! (the same forms as the `hotline` command line).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Parses `250ms`, `20s`, `1.5m`, `8h` or a bare number of seconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "m" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown unit `{other}` in `{text}`: use ms, s, m or h")),
    };
    let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a duration"))?;
    Duration::try_from_secs_f64(value * scale).map_err(|_| format!("`{text}` is out of range"))
}

/// Formats a duration the way [`parse`] reads it back (`20s`, `1.5s`, `250ms`).
pub fn format(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_nanos() % 1_000_000 == 0 && d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Text(String),
    Int(u64),
    Float(f64),
}

fn from_raw<E: serde::de::Error>(raw: Raw) -> Result<Duration, E> {
    match raw {
        Raw::Text(t) => parse(&t).map_err(E::custom),
        Raw::Int(n) => Ok(Duration::from_secs(n)),
        Raw::Float(x) => Duration::try_from_secs_f64(x)
            .map_err(|_| E::custom(format!("{x} is not a valid number of seconds"))),
    }
}

/// serde `with` module for `Duration`.
pub mod text {
    use super::*;

    /// Serialises as text (`20s`).
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*d))
    }

    /// Deserialises from text or a number of seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        from_raw(Raw::deserialize(d)?)
    }
}

/// serde `with` module for `Option<Duration>`.
pub mod option {
    use super::*;

    /// Serialises as text (`20s`) or nothing.
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&format(*d)),
            None => s.serialize_none(),
        }
    }

    /// Deserialises from text or a number of seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<Raw>::deserialize(d)?.map(from_raw).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse("20").unwrap(), Duration::from_secs(20));
        assert_eq!(parse("20s").unwrap(), Duration::from_secs(20));
        assert_eq!(parse("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse("5d").is_err());
        assert!(parse("").is_err());
        assert!(parse("-1s").is_err());
        for d in [Duration::ZERO, Duration::from_millis(250), Duration::from_millis(1500)] {
            assert_eq!(parse(&format(d)).unwrap(), d);
        }
    }
}
