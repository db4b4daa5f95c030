//! Talk-off: no DTMF digit and no call-progress tone on real recorded speech and music.
//!
//! The corpus is Debian's `asterisk-core-sounds-en-wav` (about 1,700 prompts of recorded American
//! English speech, 8 kHz) and `asterisk-moh-opsound-wav` (music on hold, 8 kHz), read in place.
//! `scripts/test.sh` installs both; outside CI the test is skipped when they are missing.

mod common;

use std::path::PathBuf;

use hotline_dsp::dtmf::{DtmfDetector, DtmfGenerator};
use hotline_dsp::tone::{Plan, ToneDetector, ToneKind};

const SPEECH: &str = "/usr/share/asterisk/sounds/en_US_f_Allison";
const MUSIC: &str = "/usr/share/asterisk/moh";

/// The corpus files with their samples at 8 kHz, or `None` when the packages are missing.
fn corpus() -> Option<Vec<(PathBuf, Vec<i16>)>> {
    let speech = hotline_testkit::system_path(SPEECH, "asterisk-core-sounds-en-wav")?;
    let music = hotline_testkit::system_path(MUSIC, "asterisk-moh-opsound-wav")?;
    let mut files = common::wav_files(&speech);
    let speech_files = files.len();
    files.extend(common::wav_files(&music));
    assert!(speech_files > 500, "only {speech_files} speech files");
    assert!(files.len() > speech_files, "no music files");
    Some(
        files
            .into_iter()
            .map(|p| {
                let samples = common::read_8k(&p);
                (p, samples)
            })
            .collect(),
    )
}

#[test]
fn no_digit_on_speech_or_music() {
    let Some(corpus) = corpus() else { return };
    let mut total = 0usize;
    let mut hits = Vec::new();
    for (path, samples) in &corpus {
        total += samples.len();
        let mut detector = DtmfDetector::new();
        let mut events = detector.process(samples);
        events.extend(detector.finish());
        for e in events {
            hits.push(format!("{}: {} at {:.0} ms", path.display(), e.digit, e.start_ms()));
        }
    }
    let minutes = total as f64 / 8000.0 / 60.0;
    eprintln!("talk-off: {} digits in {minutes:.1} minutes of speech and music", hits.len());
    assert!(minutes > 40.0, "only {minutes:.1} minutes of audio");
    assert!(hits.is_empty(), "talk-off in {minutes:.1} minutes:\n{}", hits.join("\n"));
}

#[test]
fn no_call_progress_tone_on_speech_or_music() {
    let Some(corpus) = corpus() else { return };
    let mut hits = Vec::new();
    for (path, samples) in &corpus {
        let mut detector = ToneDetector::new();
        let mut events = detector.process(samples);
        events.extend(detector.finish());
        for e in events {
            hits.push(format!("{}: {} at {:.0} ms", path.display(), e.tone, e.start_ms()));
        }
    }
    assert!(hits.is_empty(), "tones reported on speech and music:\n{}", hits.join("\n"));
}

#[test]
fn digits_and_tones_mixed_into_speech_are_found() {
    // The same test with a real signal mixed in must find it: proof that the corpus tests can fail.
    let Some(corpus) = corpus() else { return };
    let (path, speech) = corpus.iter().find(|(_, s)| s.len() > 24_000).unwrap();
    let digits =
        DtmfGenerator::new().on_ms(60.0).off_ms(60.0).level_dbm0(-6.0).generate("1590").unwrap();
    let mut mixed: Vec<i16> = speech.clone();
    for (m, d) in mixed.iter_mut().skip(4000).zip(&digits) {
        *m = m.saturating_add(*d);
    }
    let mut detector = DtmfDetector::new();
    let mut events = detector.process(&mixed);
    events.extend(detector.finish());
    let found: String = events.iter().map(|e| e.digit).collect();
    assert_eq!(found, "1590", "{}", path.display());

    let busy = Plan::Itu.tone(ToneKind::Busy).generate(4.0, -10.0, 1.0);
    let mut with_tone = speech.clone();
    with_tone.extend(&busy);
    let mut detector = ToneDetector::new();
    let mut events = detector.process(&with_tone);
    events.extend(detector.finish());
    assert_eq!(events.iter().map(|e| e.tone).collect::<Vec<_>>(), [ToneKind::Busy]);
}
