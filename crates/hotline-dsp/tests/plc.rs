//! Packet-loss concealment on real recorded speech: 20 ms frames dropped by a Gilbert–Elliott
//! model at 3%, 10% and 20% average loss (bursts of 1 to 4 frames); the concealer's segmental SNR
//! must beat silence substitution and repetition of the last frame at every rate.

mod common;

use hotline_dsp::plc::{self, GilbertElliott};

const SPEECH: &str = "/usr/share/asterisk/sounds/en_US_f_Allison";

/// About three minutes of speech: the first 100 prompts of at least one second, concatenated.
pub fn speech() -> Option<Vec<i16>> {
    let dir = hotline_testkit::system_path(SPEECH, "asterisk-core-sounds-en-wav")?;
    let mut all = Vec::new();
    for path in common::wav_files(&dir).iter().filter(|p| p.parent() == Some(dir.as_path())) {
        let samples = common::read_8k(path);
        if samples.len() >= 8000 {
            all.extend(samples);
        }
        if all.len() >= 180 * 8000 {
            break;
        }
    }
    Some(all)
}

#[test]
fn concealment_beats_silence_and_repetition_at_every_rate() {
    let Some(speech) = speech() else { return };
    assert!(speech.len() >= 120 * 8000, "only {} s of speech", speech.len() / 8000);
    for rate in [0.03, 0.10, 0.20] {
        let frames = speech.len() / 160;
        let seeds = 3;
        for seed in 0..seeds {
            let lost = GilbertElliott::with_loss_rate(rate).pattern(frames, seed);
            let c = plc::compare(&speech, &lost, 160);
            assert!((c.loss_rate - rate).abs() < 0.02, "{c:?}");
            assert!(c.concealer > c.silence, "{c:?}");
            assert!(c.concealer > c.repetition, "{c:?}");
            // On the lost frames alone the margin is clear: silence is 0 dB by definition.
            assert!(c.lost_only[0] > c.lost_only[1] + 0.5, "{c:?}");
            assert!(c.lost_only[0] > c.lost_only[2] + 0.5, "{c:?}");
        }
    }
}
