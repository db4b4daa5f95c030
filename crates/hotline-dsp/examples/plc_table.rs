//! The packet-loss concealment evaluation of the book: real recorded speech (Debian's
//! `asterisk-core-sounds-en-wav`), 20 ms frames dropped by a Gilbert–Elliott model at 3%, 10% and
//! 20% average loss (bursts of 1 to 4 frames), segmental SNR of three ways to fill the gaps.
//!
//! ```sh
//! cargo run --release -p hotline-dsp --example plc_table [DIR]
//! ```

use std::path::{Path, PathBuf};

use hotline_dsp::plc::{self, GilbertElliott};
use hotline_dsp::{resample, wav};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/asterisk/sounds/en_US_f_Allison".to_owned());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    let mut speech = Vec::new();
    for path in &files {
        let samples = read(path)?;
        if samples.len() >= 8000 {
            speech.extend(samples);
        }
        if speech.len() >= 180 * 8000 {
            break;
        }
    }
    println!("{:.0} s of speech from {dir}\n", speech.len() as f64 / 8000.0);
    println!(
        "| loss | measured | concealer | silence | repetition | lost frames only: concealer / silence / repetition |"
    );
    println!("|---|---|---|---|---|---|");
    for rate in [0.03, 0.10, 0.20] {
        let mut sum = [0.0; 7];
        let seeds = 3u32;
        for seed in 0..seeds {
            let lost =
                GilbertElliott::with_loss_rate(rate).pattern(speech.len() / 160, seed.into());
            let c = plc::compare(&speech, &lost, 160);
            for (s, v) in sum.iter_mut().zip([
                c.loss_rate,
                c.concealer,
                c.silence,
                c.repetition,
                c.lost_only[0],
                c.lost_only[1],
                c.lost_only[2],
            ]) {
                *s += v / f64::from(seeds);
            }
        }
        println!(
            "| {:.0}% | {:.1}% | {:.2} dB | {:.2} dB | {:.2} dB | {:.2} / {:.2} / {:.2} dB |",
            rate * 100.0,
            sum[0] * 100.0,
            sum[1],
            sum[2],
            sum[3],
            sum[4],
            sum[5],
            sum[6]
        );
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<i16>, Box<dyn std::error::Error>> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let audio = wav::read(file)?;
    Ok(resample::to_8k_mono(&audio)?)
}
