//! Signal levels in dBm0 with the G.711 convention.
//!
//! A sine wave of 0 dBm0 has a peak of 22,770 in 16-bit linear PCM, 3.14 dB below full scale
//! (G.711's A-law and μ-law digital milliwatt). A sine of amplitude `a` therefore has the level
//! `20·log10(a / 22,770)` dBm0, and a signal of mean power `p` (mean of the squared samples) has
//! `10·log10(2·p / 22,770²)` dBm0.
//!
//! ```
//! use hotline_dsp::level;
//! assert_eq!(level::amplitude(0.0), 22_770.0);
//! assert!((level::amplitude(-20.0) - 2_277.0).abs() < 1e-9);
//! assert!((level::dbm0_of_power(22_770.0 * 22_770.0 / 2.0)).abs() < 1e-12);
//! ```

/// The peak amplitude of a 0 dBm0 sine in 16-bit linear PCM.
pub const DBM0_PEAK: f64 = 22_770.0;

/// The peak amplitude of a sine of `dbm0` dBm0.
pub fn amplitude(dbm0: f64) -> f64 {
    DBM0_PEAK * 10f64.powf(dbm0 / 20.0)
}

/// The level in dBm0 of a sine of peak amplitude `amplitude` (−∞ for zero).
pub fn dbm0_of_amplitude(amplitude: f64) -> f64 {
    20.0 * (amplitude / DBM0_PEAK).log10()
}

/// The level in dBm0 of a signal whose mean squared sample value is `power` (−∞ for zero).
pub fn dbm0_of_power(power: f64) -> f64 {
    10.0 * (2.0 * power / (DBM0_PEAK * DBM0_PEAK)).log10()
}

/// The level in dBm0 of a block of samples (its mean power); −∞ for silence or an empty block.
pub fn dbm0_of_samples(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    let energy: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    #[allow(clippy::cast_precision_loss)]
    let power = energy / samples.len() as f64;
    dbm0_of_power(power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_level_round_trips() {
        for db in [-40.0, -10.0, 0.0, 3.0] {
            assert!((dbm0_of_amplitude(amplitude(db)) - db).abs() < 1e-9);
        }
    }

    #[test]
    fn measured_sine_is_its_level() {
        let a = amplitude(-10.0);
        let tone: Vec<i16> = (0..8000)
            .map(|n| {
                let t = f64::from(n) / 8000.0;
                #[allow(clippy::cast_possible_truncation)]
                let x = (a * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()).round() as i16;
                x
            })
            .collect();
        assert!((dbm0_of_samples(&tone) + 10.0).abs() < 0.01);
        assert_eq!(dbm0_of_samples(&[]), f64::NEG_INFINITY);
    }
}
