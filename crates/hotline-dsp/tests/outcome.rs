//! Call outcome detection on a corpus built here with `espeak-ng`: answering-machine detection
//! (short human answers, "hello?" and "喂？", against longer machine greetings, in several
//! voices and languages), and carrier announcements (空号 / 关机 / 停机) found by fingerprint.
//!
//! Each call is laid out as the line carries it: some silence before the answer, the speech,
//! then (for a person) the silence of someone waiting for a reply, all under low line noise and
//! through G.711 μ-law. The accuracy and the false positives (people taken for machines, which
//! Ofcom counts as abandoned calls) are printed; the book's DSP chapter gives them. Outside CI
//! the test is skipped when espeak-ng is missing.

mod common;

use std::path::PathBuf;

use common::Rng;
use hotline_dsp::g711::{linear_to_ulaw, ulaw_to_linear};
use hotline_dsp::outcome::{AmdParams, AmdResult, AnnouncementLibrary, detect_machine};

/// Short answers of a person picking up: (voice, text).
const HUMANS: &[(&str, &str)] = &[
    ("en-us", "Hello?"),
    ("en-us", "Hello, yes?"),
    ("en", "Yeah, hello?"),
    ("en", "Hi."),
    ("cmn", "喂？"),
    ("cmn", "喂，你好。"),
    ("cmn", "你好？"),
    ("yue", "喂？"),
    ("fr", "Allô ?"),
    ("fr", "Oui, allô ?"),
    ("de", "Hallo?"),
    ("de", "Ja, bitte?"),
    ("es", "¿Diga?"),
    ("es", "¿Bueno?"),
    // Added with the word-count span (issue 22): more Mandarin, Cantonese, English and Spanish.
    ("cmn", "喂，哪位？"),
    ("cmn", "你好，请讲。"),
    ("cmn", "喂，您好。"),
    ("yue", "喂，边位？"),
    ("yue", "你好？"),
    ("en-us", "Yes, hello?"),
    ("en", "Hello, who's this?"),
    ("es", "¿Sí, dígame?"),
    ("es-419", "¿Aló?"),
    ("es", "Hola, ¿quién es?"),
];

/// Machine greetings: (voice, text).
const MACHINES: &[(&str, &str)] = &[
    (
        "en-us",
        "Hi, you've reached John and Mary. We can't come to the phone right now, please leave a \
         message after the beep.",
    ),
    (
        "en",
        "Thank you for calling. The person you are trying to reach is not available. Please leave \
         your message after the tone.",
    ),
    ("en-us", "Hey, it's Sam. Leave a message."),
    ("cmn", "您好，我现在不方便接听电话，请在提示音后留言。"),
    ("cmn", "您好，这里是李先生的语音信箱，请留言。"),
    ("yue", "你好，我而家唔方便听电话，请留低口讯。"),
    (
        "fr",
        "Bonjour, vous êtes bien sur la messagerie de Pierre. Laissez-moi un message après le bip.",
    ),
    (
        "de",
        "Hallo, hier ist der Anrufbeantworter von Anna. Bitte hinterlassen Sie eine Nachricht nach \
         dem Signalton.",
    ),
    (
        "es",
        "Hola, has llamado a Carlos. No puedo atender ahora, deja tu mensaje después de la señal.",
    ),
    ("cmn", "你好，我是王小明，现在不在，有事请留言。"),
    ("yue", "你好，我係陳生，請留言。"),
    ("en-us", "You have reached the voicemail of Alex. Please leave a message."),
    ("es", "Hola, soy María. Deja tu mensaje y te llamo."),
];

/// Carrier announcements (China): (name, text).
const ANNOUNCEMENTS: &[(&str, &str)] = &[
    ("空号", "您拨打的电话是空号，请查证后再拨。"),
    ("关机", "您拨打的电话已关机，请稍后再拨。"),
    ("停机", "您拨打的电话已停机。"),
];

/// espeak-ng's rendering of `text`, at 8 kHz; `None` when espeak-ng is missing.
fn speak(voice: &str, text: &str, speed: u32, pitch: u32) -> Option<Vec<i16>> {
    let program = hotline_testkit::program("espeak-ng", "espeak-ng")?;
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path: PathBuf =
        std::env::temp_dir().join(format!("hotline-dsp-outcome-{}-{call}.wav", std::process::id()));
    common::espeak(&program, voice, speed, pitch, text, &path);
    let samples = common::read_8k(&path);
    std::fs::remove_file(&path).ok();
    // espeak-ng pads its output with silence; the layout below adds its own.
    let first = samples.iter().position(|s| s.unsigned_abs() > 100).unwrap_or(0);
    let last = samples.iter().rposition(|s| s.unsigned_abs() > 100).unwrap_or(samples.len());
    Some(samples[first..=last.min(samples.len() - 1).max(first)].to_vec())
}

/// `before` ms of silence, the speech at `gain`, `after` ms of silence, under white noise of
/// amplitude `noise` (standard deviation), through μ-law.
fn line(speech: &[i16], before: u32, after: u32, gain: f64, noise: f64, rng: &mut Rng) -> Vec<i16> {
    let mut x: Vec<f64> = vec![0.0; (before * 8) as usize];
    x.extend(speech.iter().map(|&s| f64::from(s) * gain));
    x.extend(vec![0.0; (after * 8) as usize]);
    common::add_noise(&mut x, noise * noise, rng);
    common::pcm(&x).into_iter().map(|s| ulaw_to_linear(linear_to_ulaw(s))).collect()
}

/// The AMD figures of one parameter set on the corpus: (people, false positives, people not
/// sure, machines, detected, machines not sure).
fn amd_on_corpus(params: AmdParams, label: &str) -> Option<[usize; 6]> {
    let mut rng = Rng::new(22);
    let (mut humans, mut human_fp, mut human_unsure) = (0usize, 0usize, 0usize);
    let (mut machines, mut machine_hits, mut machine_unsure) = (0usize, 0usize, 0usize);
    for &(speed, pitch) in &[(150u32, 35u32), (185, 55), (215, 75)] {
        for (voice, text) in HUMANS {
            let s = speak(voice, text, speed, pitch)?;
            let before = 300 + (rng.uniform() * 700.0) as u32;
            let audio = line(&s, before, 4000, 0.7 + 0.6 * rng.uniform(), 20.0, &mut rng);
            let v = detect_machine(&audio, params);
            humans += 1;
            match v.result {
                AmdResult::Machine => {
                    human_fp += 1;
                    println!("{label}: person {voice} {text:?} {speed}/{pitch}: {v}");
                }
                AmdResult::NotSure => human_unsure += 1,
                _ => {}
            }
        }
        for (voice, text) in MACHINES {
            let s = speak(voice, text, speed, pitch)?;
            let before = 200 + (rng.uniform() * 600.0) as u32;
            let audio = line(&s, before, 1000, 0.7 + 0.6 * rng.uniform(), 20.0, &mut rng);
            let v = detect_machine(&audio, params);
            machines += 1;
            match v.result {
                AmdResult::Machine => machine_hits += 1,
                AmdResult::NotSure => machine_unsure += 1,
                _ => println!("{label}: machine {voice} {text:?} {speed}/{pitch}: {v}"),
            }
        }
    }
    println!(
        "AMD on espeak-ng, {label}: {humans} people: {human_fp} taken for machines (false \
         positives, {:.1}%), {human_unsure} not sure; {machines} machines: {machine_hits} detected \
         ({:.1}%), {machine_unsure} not sure",
        100.0 * human_fp as f64 / humans as f64,
        100.0 * machine_hits as f64 / machines as f64
    );
    Some([humans, human_fp, human_unsure, machines, machine_hits, machine_unsure])
}

#[test]
fn answering_machine_detection_on_espeak_greetings() {
    // Asterisk's rule: the word count decides at the word that reaches it.
    let mut asterisk = AmdParams::default();
    asterisk.minimum_words_span = 0;
    let Some([humans, asterisk_fp, _, machines, hits, _]) =
        amd_on_corpus(asterisk, "Asterisk's rule (no span)")
    else {
        return;
    };
    // Measured (the book gives the figures): every greeting is detected, but the count of
    // voiced runs takes Mandarin answers of two to four syllables (喂，你好 / 你好，请讲) for
    // machines.
    assert!(hits * 10 >= machines * 9, "{hits} of {machines} machines");
    // Four words instead of three, still at once: fewer false positives, not none.
    let mut four = asterisk;
    four.maximum_number_of_words = 4;
    amd_on_corpus(four, "four words, no span");
    // The default: the count decides only while the voice goes on 1.5 s after the first word.
    let Some([humans_d, fp, _, machines_d, hits, _]) =
        amd_on_corpus(AmdParams::default(), "defaults (1.5 s span)")
    else {
        return;
    };
    assert_eq!((humans_d, machines_d), (humans, machines));
    assert!(hits * 10 >= machines * 9, "{hits} of {machines} machines");
    assert!(fp * 10 <= humans, "{fp} of {humans} people taken for machines");
    assert!(fp * 3 <= asterisk_fp, "{fp} false positives against {asterisk_fp} with no span");
}

#[test]
fn carrier_announcements_are_recognised_by_fingerprint() {
    let mut rng = Rng::new(7);
    let mut lib = AnnouncementLibrary::new();
    let mut recordings = Vec::new();
    for (name, text) in ANNOUNCEMENTS {
        let Some(s) = speak("cmn", text, 175, 50) else { return };
        lib.add(*name, &s);
        recordings.push((*name, s));
    }
    // The network plays the recording in a loop; the early media captured starts anywhere in
    // it, at another level, under noise, through μ-law.
    let mut found = 0;
    let mut trials = 0;
    let mut worst: f64 = 0.0;
    for (name, s) in &recordings {
        let mut looped = s.clone();
        looped.extend(vec![0i16; 4000]);
        looped.extend(s.iter());
        for k in 0..6 {
            // From the beginning (cut up to 15% in) or, looped, from late in the first play
            // (after the words all three share).
            let at = if k % 2 == 0 { 0.15 * rng.uniform() } else { 0.6 + 0.3 * rng.uniform() };
            let start = (at * s.len() as f64) as usize;
            let take = (s.len() + 4000).min(looped.len() - start);
            let clip = &looped[start..start + take];
            let audio = line(clip, 100 * k, 200, 0.4 + 0.8 * rng.uniform(), 30.0, &mut rng);
            trials += 1;
            match lib.find(&audio) {
                Some(m) if m.name == *name => {
                    found += 1;
                    worst = worst.max(m.bit_error_rate);
                }
                other => println!("{name} from {start}: {other:?}"),
            }
        }
    }
    println!(
        "announcements: {found} of {trials} clips recognised (worst bit error rate {worst:.3})"
    );
    assert_eq!(found, trials);
    // Nothing else is taken for an announcement: answers, greetings, and the same words in
    // another voice (another recording).
    let mut false_matches = Vec::new();
    let mut others = 0;
    for (voice, text) in HUMANS.iter().chain(MACHINES) {
        let Some(s) = speak(voice, text, 175, 50) else { return };
        let audio = line(&s, 300, 1500, 1.0, 20.0, &mut rng);
        others += 1;
        if let Some(m) = lib.find(&audio) {
            false_matches.push(format!("{voice} {text:?}: {m:?}"));
        }
    }
    for (name, text) in ANNOUNCEMENTS {
        let Some(s) = speak("cmn", text, 150, 80) else { return };
        let audio = line(&s, 300, 500, 1.0, 20.0, &mut rng);
        if let Some(m) = lib.find(&audio) {
            println!("{name} in another voice: matched {} at {:.3}", m.name, m.bit_error_rate);
        }
    }
    println!("{} of {others} answers and greetings taken for an announcement", false_matches.len());
    assert!(false_matches.is_empty(), "{false_matches:#?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any audio, in any blocks, gives a verdict within the analysis time, SIT events inside the
    /// audio, and a fingerprint search that ends: never a panic.
    #[test]
    fn any_audio_is_analysed_without_panic(
        samples in proptest::collection::vec(proptest::num::i16::ANY, 0..24_000),
        block in 1usize..2000,
        threshold in 0u32..40_000,
    ) {
        let mut params = AmdParams::default();
        params.silence_threshold = threshold;
        let mut amd = hotline_dsp::outcome::AmdDetector::new(params);
        let v = samples.chunks(block).find_map(|c| amd.process(c)).unwrap_or_else(|| amd.finish());
        proptest::prop_assert!(v.at_ms <= params.total_analysis_time);
        let mut sit = hotline_dsp::outcome::SitDetector::new();
        let mut events = Vec::new();
        for c in samples.chunks(block) {
            events.extend(sit.process(c));
        }
        events.extend(sit.finish());
        for e in &events {
            proptest::prop_assert!(u64::from(e.start_ms) * 8 <= samples.len() as u64);
        }
        let mut lib = AnnouncementLibrary::new();
        lib.add("self", &samples);
        let _ = lib.find(&samples[samples.len() / 2..]);
    }
}
