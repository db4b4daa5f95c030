//! Signal helpers shared by the behaviour tests.
#![allow(dead_code, clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use std::f64::consts::PI;

use hotline_dsp::level;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng as _, SeedableRng};

/// The workspace's one seeded generator (xoshiro256++ through `rand_xoshiro`), so that noise is
/// the same on every run.
pub struct Rng(Xoshiro256PlusPlus);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

/// A sum of sines given as (frequency Hz, level dBm0), `samples` long, as f64.
pub fn tones(parts: &[(f64, f64)], samples: usize) -> Vec<f64> {
    (0..samples)
        .map(|n| {
            let t = n as f64 / 8000.0;
            parts.iter().map(|&(f, db)| level::amplitude(db) * (2.0 * PI * f * t).sin()).sum()
        })
        .collect()
}

/// Rounds and clips to 16 bits.
pub fn pcm(x: &[f64]) -> Vec<i16> {
    x.iter().map(|v| v.round().clamp(-32768.0, 32767.0) as i16).collect()
}

/// Silence of `ms` milliseconds.
pub fn silence(ms: f64) -> Vec<i16> {
    vec![0; (ms * 8.0).round() as usize]
}

/// Adds white Gaussian noise of the given power (mean square) to `x`.
pub fn add_noise(x: &mut [f64], power: f64, rng: &mut Rng) {
    let sigma = power.sqrt();
    for v in x {
        *v += sigma * rng.normal();
    }
}

/// Mean square of a signal.
pub fn power(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64
}

/// Reads a mono 8 kHz WAV file as samples (any format the crate reads, mixed to mono and
/// resampled to 8 kHz).
pub fn read_8k(path: &std::path::Path) -> Vec<i16> {
    let file = std::fs::File::open(path).unwrap();
    let wav = hotline_dsp::wav::read(std::io::BufReader::new(file)).unwrap();
    hotline_dsp::resample::to_8k_mono(&wav).unwrap()
}

/// Every `.wav` file under `dir`, sorted.
pub fn wav_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Speaks `text` with espeak-ng (`program`) in `voice` at `speed` words a minute and `pitch`
/// (0–99) into the WAV file `path`, failing the test when espeak-ng fails.
#[allow(dead_code)]
pub fn espeak(
    program: &std::path::Path,
    voice: &str,
    speed: u32,
    pitch: u32,
    text: &str,
    path: &std::path::Path,
) {
    let status = std::process::Command::new(program)
        .args(["-v", voice, "-s", &speed.to_string(), "-p", &pitch.to_string(), "-w"])
        .arg(path)
        .arg(text)
        .status()
        .unwrap();
    assert!(status.success(), "espeak-ng -v {voice} failed");
}
