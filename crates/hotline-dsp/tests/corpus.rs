//! Talk-off: no DTMF digit and no call-progress tone on real recorded speech and music.
//!
//! The corpora, each read in place or generated into a temporary folder:
//!
//! * Debian's `asterisk-core-sounds-en-wav` (about 1,700 prompts of recorded American English,
//!   en_US_f_Allison), `asterisk-core-sounds-es-wav` (Mexican Spanish, es_MX_f_Allison) and
//!   `asterisk-core-sounds-fr-wav` (Canadian French, fr_CA_f_June), all 8 kHz;
//! * `asterisk-moh-opsound-wav` (music on hold, 8 kHz);
//! * synthetic speech from `espeak-ng` in Mandarin, English, French, German, Spanish, Russian,
//!   Arabic and Hindi (22.05 kHz, resampled to 8 kHz as the command line does).
//!
//! Each corpus is checked twice: file by file with a fresh detector, and as callers use the
//! detector, one detector across the whole corpus concatenated in path order (English then music,
//! as the held-back test set that found a 26 ms `C` at 1,172.8 s does). `scripts/test.sh` installs
//! the packages; outside CI the test is skipped when they are missing. The detections per hour
//! (Bellcore's talk-off figure of merit) are printed; the book's DSP chapter gives them.

mod common;

use std::path::{Path, PathBuf};

use hotline_dsp::dtmf::{DtmfDetector, DtmfEvent, DtmfGenerator, MIN_DURATION_MS};
use hotline_dsp::tone::{Plan, ToneDetector, ToneKind};

const SOUNDS: &str = "/usr/share/asterisk/sounds";
const MUSIC: &str = "/usr/share/asterisk/moh";

/// One corpus: its name and its files with their samples at 8 kHz.
struct Corpus {
    name: String,
    files: Vec<(PathBuf, Vec<i16>)>,
}

impl Corpus {
    fn minutes(&self) -> f64 {
        self.files.iter().map(|(_, s)| s.len()).sum::<usize>() as f64 / 8000.0 / 60.0
    }
}

fn read_all(paths: Vec<PathBuf>) -> Vec<(PathBuf, Vec<i16>)> {
    paths
        .into_iter()
        .map(|p| {
            let samples = common::read_8k(&p);
            (p, samples)
        })
        .collect()
}

/// A Debian prompt set, or `None` when the package is missing.
fn prompts(voice: &str, package: &str) -> Option<Corpus> {
    let dir = hotline_testkit::system_path(Path::new(SOUNDS).join(voice), package)?;
    let files = common::wav_files(&dir);
    assert!(files.len() > 500, "only {} files in {}", files.len(), dir.display());
    Some(Corpus { name: voice.to_owned(), files: read_all(files) })
}

fn music() -> Option<Corpus> {
    let dir = hotline_testkit::system_path(MUSIC, "asterisk-moh-opsound-wav")?;
    let files = common::wav_files(&dir);
    assert!(!files.is_empty(), "no music files");
    Some(Corpus { name: "music on hold".to_owned(), files: read_all(files) })
}

/// Sentences for the synthetic voices: everyday call-center phrases and numbers.
const SENTENCES: [(&str, &str); 8] = [
    (
        "cmn",
        "您好，欢迎致电市民服务热线。请说出您的问题，我们将为您转接人工服务。您的工单编号是三七五九二零一。\
         今天的天气晴朗，气温二十五度。请在听到提示音后留言，谢谢您的耐心等待。",
    ),
    (
        "en-us",
        "Thank you for calling. Your call is important to us. Please hold while we connect you to \
         the next available agent. Your reference number is four seven one, nine nine two, eight \
         zero three. Press one for billing, two for technical support, or stay on the line.",
    ),
    (
        "fr",
        "Bonjour et bienvenue. Toutes nos lignes sont occupées, veuillez patienter. Votre numéro \
         de dossier est le quatre cent soixante-douze, mille neuf cent quatre-vingt-dix-neuf. \
         Pour la facturation, tapez un; pour l'assistance technique, tapez deux.",
    ),
    (
        "de",
        "Guten Tag und herzlich willkommen. Alle Leitungen sind besetzt, bitte warten Sie. Ihre \
         Vorgangsnummer lautet siebenhundertdreiundvierzig, neunundneunzig, zwölf. Drücken Sie \
         die Eins für Rechnungen und die Zwei für den technischen Kundendienst.",
    ),
    (
        "es",
        "Gracias por llamar. Todas nuestras líneas están ocupadas, por favor espere. Su número de \
         referencia es cuatrocientos setenta y dos, mil novecientos noventa y nueve. Marque uno \
         para facturación o dos para soporte técnico.",
    ),
    (
        "ru",
        "Здравствуйте, спасибо за звонок. Все операторы заняты, пожалуйста, оставайтесь на \
         линии. Номер вашей заявки триста сорок пять, девятьсот девяносто девять, двенадцать.",
    ),
    (
        "ar",
        "مرحبا بكم وشكرا لاتصالكم. جميع الخطوط مشغولة حاليا، يرجى الانتظار. رقم طلبكم هو ثلاثمائة \
         وخمسة وأربعون.",
    ),
    (
        "hi",
        "नमस्ते, कॉल करने के लिए धन्यवाद। सभी लाइनें व्यस्त हैं, कृपया प्रतीक्षा करें। आपकी शिकायत \
         संख्या तीन सौ पैंतालीस है।",
    ),
];

/// The espeak-ng voices reading [`SENTENCES`] at several speeds and pitches, or `None` when
/// espeak-ng is missing.
fn espeak() -> Option<Corpus> {
    let program = hotline_testkit::program("espeak-ng", "espeak-ng")?;
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("hotline-dsp-talkoff-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::new();
    for (voice, text) in SENTENCES {
        for (speed, pitch) in [(140, 30), (175, 50), (210, 80)] {
            let path = dir.join(format!("{voice}-{speed}-{pitch}.wav"));
            common::espeak(&program, voice, speed, pitch, text, &path);
            paths.push(path);
        }
    }
    let files = read_all(paths);
    std::fs::remove_dir_all(&dir).ok();
    Some(Corpus { name: "espeak-ng (8 languages)".to_owned(), files })
}

/// Every corpus that is installed (in CI: all of them).
fn corpora() -> Vec<Corpus> {
    [
        prompts("en_US_f_Allison", "asterisk-core-sounds-en-wav"),
        prompts("es_MX_f_Allison", "asterisk-core-sounds-es-wav"),
        prompts("fr_CA_f_June", "asterisk-core-sounds-fr-wav"),
        music(),
        espeak(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn run(detector: &mut DtmfDetector, samples: &[i16], events: &mut Vec<DtmfEvent>) {
    detector.process_into(samples, events);
}

fn report<T>(name: &str, minutes: f64, hits: &[T]) {
    let per_hour = hits.len() as f64 / (minutes / 60.0);
    eprintln!(
        "talk-off {name}: {} digits in {minutes:.1} minutes ({per_hour:.1} per hour)",
        hits.len()
    );
}

#[test]
fn no_digit_on_speech_or_music_file_by_file() {
    let mut hits = Vec::new();
    for corpus in corpora() {
        let mut corpus_hits = Vec::new();
        for (path, samples) in &corpus.files {
            let mut detector = DtmfDetector::new();
            let mut events = Vec::new();
            run(&mut detector, samples, &mut events);
            events.extend(detector.finish());
            for e in events {
                corpus_hits.push(format!(
                    "{}: {} at {:.0} ms",
                    path.display(),
                    e.digit,
                    e.start_ms()
                ));
            }
        }
        report(&format!("{} (file by file)", corpus.name), corpus.minutes(), &corpus_hits);
        hits.extend(corpus_hits);
    }
    assert!(hits.is_empty(), "talk-off:\n{}", hits.join("\n"));
}

/// One detector across `files` concatenated, as a caller that never resets it; every reported
/// event is named with the file it starts in.
fn concatenated(files: &[&(PathBuf, Vec<i16>)]) -> (f64, Vec<String>) {
    let mut detector = DtmfDetector::new();
    let mut events = Vec::new();
    let mut starts = Vec::new();
    let mut total = 0u64;
    // Blocks of 160 samples (20 ms), as a media path feeds it.
    for (path, samples) in files {
        starts.push((total, path.clone()));
        for chunk in samples.chunks(160) {
            run(&mut detector, chunk, &mut events);
        }
        total += samples.len() as u64;
    }
    events.extend(detector.finish());
    let hits = events
        .iter()
        .map(|e| {
            let (start, path) = starts.iter().rev().find(|(s, _)| *s <= e.start_sample).unwrap();
            assert!(e.duration_ms() >= MIN_DURATION_MS, "{e:?}");
            format!(
                "{} at {:.3} s ({} + {:.0} ms), {:.0} ms, {:.1} dBm0",
                e.digit,
                e.start_ms() / 1000.0,
                path.display(),
                (e.start_sample - start) as f64 / 8.0,
                e.duration_ms(),
                e.level_dbm0
            )
        })
        .collect();
    (total as f64 / 8000.0 / 60.0, hits)
}

#[test]
fn no_digit_on_speech_or_music_through_one_detector() {
    let corpora = corpora();
    let mut hits = Vec::new();
    // The held-back set's file: English prompts then the music, one detector throughout.
    let english = corpora.iter().find(|c| c.name == "en_US_f_Allison");
    let music = corpora.iter().find(|c| c.name == "music on hold");
    if let (Some(english), Some(music)) = (english, music) {
        let files: Vec<_> = english.files.iter().chain(&music.files).collect();
        let (minutes, found) = concatenated(&files);
        report("en_US_f_Allison + music (one detector)", minutes, &found);
        assert!(minutes > 40.0, "only {minutes:.1} minutes");
        hits.extend(found);
    }
    for corpus in &corpora {
        let files: Vec<_> = corpus.files.iter().collect();
        let (minutes, found) = concatenated(&files);
        report(&format!("{} (one detector)", corpus.name), minutes, &found);
        hits.extend(found);
    }
    assert!(hits.is_empty(), "talk-off:\n{}", hits.join("\n"));
}

#[test]
fn no_call_progress_tone_on_speech_or_music() {
    let mut hits = Vec::new();
    for corpus in corpora() {
        for (path, samples) in &corpus.files {
            let mut detector = ToneDetector::new();
            let mut events = detector.process(samples);
            events.extend(detector.finish());
            for e in events {
                hits.push(format!("{}: {} at {:.0} ms", path.display(), e.tone, e.start_ms()));
            }
        }
    }
    assert!(hits.is_empty(), "tones reported on speech and music:\n{}", hits.join("\n"));
}

#[test]
fn digits_and_tones_mixed_into_speech_are_found() {
    // The same tests with a real signal mixed in must find it: proof that the corpus tests can fail.
    for corpus in corpora() {
        let (path, speech) = corpus.files.iter().find(|(_, s)| s.len() > 24_000).unwrap();
        let digits = DtmfGenerator::new()
            .on_ms(60.0)
            .off_ms(60.0)
            .level_dbm0(-6.0)
            .generate("1590")
            .unwrap();
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
}
