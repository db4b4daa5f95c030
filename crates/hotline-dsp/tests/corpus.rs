//! Talk-off: no DTMF digit and no call-progress tone on real recorded speech and music.
//!
//! The corpus is Debian's `asterisk-core-sounds-en-wav` (about 1,700 prompts of recorded American
//! English speech, 8 kHz) and `asterisk-moh-opsound-wav` (music on hold, 8 kHz), read in place.
//! `scripts/test.sh` installs both; outside CI the test is skipped when they are missing.

mod common;

use std::path::PathBuf;

use hotline_dsp::dtmf::DtmfDetector;

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
