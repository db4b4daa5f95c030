//! The resampler's passband ripple and stopband attenuation, measured with sines at every common
//! input rate.

use std::f64::consts::PI;

use hotline_dsp::resample::Resampler;

/// Amplitude of the component at `f` Hz in `x` (sampled at `rate`), by least-squares correlation
/// over the middle of the signal (away from the edges).
fn amplitude_at(x: &[f64], f: f64, rate: f64) -> f64 {
    let skip = x.len() / 5;
    let body = &x[skip..x.len() - skip];
    let (mut re, mut im) = (0.0, 0.0);
    for (n, v) in body.iter().enumerate() {
        let phase = 2.0 * PI * f * (n + skip) as f64 / rate;
        re += v * phase.cos();
        im += v * phase.sin();
    }
    2.0 * (re * re + im * im).sqrt() / body.len() as f64
}

fn rms_middle(x: &[f64]) -> f64 {
    let skip = x.len() / 5;
    let body = &x[skip..x.len() - skip];
    (body.iter().map(|v| v * v).sum::<f64>() / body.len() as f64).sqrt()
}

fn sine(f: f64, rate: u32, seconds: f64) -> Vec<f64> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n).map(|i| 10_000.0 * (2.0 * PI * f * i as f64 / f64::from(rate)).sin()).collect()
}

const RATES: [u32; 8] = [11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

#[test]
fn passband_ripple_under_a_tenth_of_a_db_to_3400_hz() {
    for rate in RATES {
        let r = Resampler::new(rate, 8000).unwrap();
        let mut gains = Vec::new();
        let mut f = 50.0;
        while f <= 3400.0 {
            let out = r.process_f64(&sine(f, rate, 0.25));
            gains.push(20.0 * (amplitude_at(&out, f, 8000.0) / 10_000.0).log10());
            f += 50.0;
        }
        let max = gains.iter().copied().fold(f64::MIN, f64::max);
        let min = gains.iter().copied().fold(f64::MAX, f64::min);
        assert!(max - min < 0.1, "{rate} Hz: ripple {} dB", max - min);
        assert!(max.abs() < 0.05 && min.abs() < 0.05, "{rate} Hz: gain {min}..{max} dB");
    }
}

#[test]
fn stopband_at_least_60_db_from_4_khz() {
    for rate in RATES {
        let r = Resampler::new(rate, 8000).unwrap();
        let nyquist = f64::from(rate) / 2.0;
        let mut f = 4000.0;
        while f < nyquist {
            let out = r.process_f64(&sine(f, rate, 0.25));
            // Whatever lands in the output (aliased anywhere in 0–4 kHz) is the leak.
            let leak = rms_middle(&out) * 2f64.sqrt();
            let db = 20.0 * (leak / 10_000.0).log10();
            assert!(db <= -60.0, "{rate} Hz: a {f} Hz sine leaks at {db:.1} dB");
            f += if f < 5000.0 { 50.0 } else { 450.0 };
        }
    }
}

#[test]
fn upsampling_keeps_the_band() {
    let r = Resampler::new(8000, 16_000).unwrap();
    let out = r.process_f64(&sine(1000.0, 8000, 0.25));
    let gain = amplitude_at(&out, 1000.0, 16_000.0) / 10_000.0;
    assert!((20.0 * gain.log10()).abs() < 0.05);
}
