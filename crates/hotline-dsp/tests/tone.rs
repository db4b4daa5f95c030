//! The call-progress tone matrix: every tone of every plan, cadences stretched and shrunk by 10%,
//! white noise at 20 dB S/N, levels from −30 to −5 dBm0.

mod common;

use common::{Rng, add_noise, pcm, power};
use hotline_dsp::tone::{Plan, ToneDetector, ToneEvent, ToneKind};

fn detect(audio: &[i16]) -> Vec<ToneEvent> {
    let mut detector = ToneDetector::new();
    let mut events = Vec::new();
    for block in audio.chunks(333) {
        events.extend(detector.process(block));
    }
    events.extend(detector.finish());
    events
}

/// `seconds` of a tone with noise `snr_db` below the tone's on-power (`None`: clean).
fn signal(
    plan: Plan,
    kind: ToneKind,
    level: f64,
    stretch: f64,
    snr_db: Option<f64>,
    seed: u64,
) -> Vec<i16> {
    let clean = plan.tone(kind).generate(12.0, level, stretch);
    let mut x: Vec<f64> = clean.iter().map(|&v| f64::from(v)).collect();
    if let Some(snr) = snr_db {
        let on: Vec<f64> = x.iter().copied().filter(|v| v.abs() > 0.0).collect();
        let mut rng = Rng::new(seed);
        add_noise(&mut x, power(&on) / 10f64.powf(snr / 10.0), &mut rng);
    }
    pcm(&x)
}

#[test]
fn every_tone_of_every_plan_is_classified() {
    let mut seed = 0;
    let mut failures = Vec::new();
    for plan in Plan::ALL {
        for kind in ToneKind::ALL {
            for stretch in [0.9, 1.0, 1.1] {
                for level in [-30.0, -20.0, -12.0, -5.0] {
                    for snr in [None, Some(20.0)] {
                        seed += 1;
                        let audio = signal(plan, kind, level, stretch, snr, seed);
                        let found = detect(&audio);
                        let ok =
                            found.len() == 1 && found[0].tone == kind && found[0].start_ms() < 60.0;
                        if !ok {
                            failures.push(format!(
                                "{plan} {kind} x{stretch} {level} dBm0 {snr:?}: {found:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn durations_are_measured() {
    let mut audio = vec![0i16; 1000];
    audio.extend(Plan::Cn.tone(ToneKind::Busy).generate(2.1, -10.0, 1.0));
    let found = detect(&audio);
    assert_eq!(found.len(), 1, "{found:?}");
    // Three bursts of 350 ms with two gaps: 1.75 s.
    assert!(found[0].start_sample.abs_diff(1000) < 25, "{found:?}");
    assert!((found[0].duration_ms() - 1750.0).abs() < 5.0, "{found:?}");
    let mut dial = vec![0i16; 800];
    dial.extend(Plan::Itu.tone(ToneKind::Dial).generate(2.5, -10.0, 1.0));
    dial.extend(vec![0i16; 800]);
    let found = detect(&dial);
    assert_eq!(found.len(), 1);
    assert!((found[0].duration_ms() - 2500.0).abs() < 25.0, "{found:?}");
}

#[test]
fn names_parse() {
    assert_eq!("cn".parse::<Plan>().unwrap(), Plan::Cn);
    assert_eq!("reorder".parse::<ToneKind>().unwrap(), ToneKind::Congestion);
    assert!("xx".parse::<Plan>().is_err());
}

#[test]
fn silence_noise_and_short_beeps_are_not_tones() {
    let mut rng = Rng::new(7);
    let mut x = vec![0.0; 80_000];
    add_noise(&mut x, 1e5, &mut rng);
    assert!(detect(&pcm(&x)).is_empty());
    assert!(detect(&vec![0; 80_000]).is_empty());
    // A single 425 Hz burst of 300 ms is no cadence.
    let mut beep = Plan::Itu.tone(ToneKind::Busy).generate(0.3, -10.0, 1.0);
    beep.extend(vec![0; 40_000]);
    assert!(detect(&beep).is_empty());
}
