//! hotline-dsp against spandsp 0.0.6: DTMF detection, G.711 encoding and decoding.
//!
//! ```sh
//! cargo bench -p hotline-benches --bench dsp                      # hotline-dsp alone
//! cargo bench -p hotline-benches --bench dsp --features spandsp   # with spandsp side by side
//! ```
//!
//! Each group reports samples per second (criterion's "elements"); the ratios against spandsp
//! measured in the same run are recorded in the book's DSP chapter.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotline_dsp::dtmf::{DtmfDetector, DtmfGenerator};
use hotline_dsp::g711::{self, Law};

#[cfg(feature = "spandsp")]
#[path = "peers/dsp_spandsp.rs"]
mod spandsp;

/// Ten seconds of test audio: digits (60 ms on, 60 ms off) alternating with 500 ms of quiet
/// noise-like speech stand-in, so that the detector sees tones, edges and non-tones.
fn dtmf_audio() -> Vec<i16> {
    let generator = DtmfGenerator::new().on_ms(60.0).off_ms(60.0).level_dbm0(-10.0);
    let mut audio = Vec::new();
    let mut state = 0x1234_5678u32;
    while audio.len() < 80_000 {
        generator.generate_into("1234567890*#ABCD", &mut audio).unwrap();
        for _ in 0..4000 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            audio.push(((state >> 16) as i16) / 16);
        }
    }
    audio.truncate(80_000);
    audio
}

/// One second of full-range linear samples.
fn pcm_audio() -> Vec<i16> {
    let mut state = 0x9e37_79b9u32;
    (0..8000)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let sine = 12_000.0 * (f64::from(i) * 0.3).sin();
            (sine as i16).wrapping_add(((state >> 16) as i16) / 8)
        })
        .collect()
}

fn dtmf(c: &mut Criterion) {
    let audio = dtmf_audio();
    let mut detector = DtmfDetector::new();
    let mut found = detector.process(&audio);
    found.extend(detector.finish());
    eprintln!("hotline-dsp finds {} digits", found.len());
    #[cfg(feature = "spandsp")]
    {
        let mut rx = spandsp::DtmfRx::new();
        rx.process(&audio);
        eprintln!("spandsp finds {} digits", rx.digits().len());
    }
    let mut group = c.benchmark_group("dtmf_detect");
    group.throughput(Throughput::Elements(audio.len() as u64));
    group.bench_function("hotline-dsp", |b| {
        b.iter(|| {
            let mut detector = DtmfDetector::new();
            let mut events = Vec::new();
            for frame in audio.chunks(160) {
                detector.process_into(black_box(frame), &mut events);
            }
            events.extend(detector.finish());
            events
        });
    });
    #[cfg(feature = "spandsp")]
    group.bench_function("spandsp", |b| {
        b.iter(|| {
            let mut rx = spandsp::DtmfRx::new();
            for frame in audio.chunks(160) {
                rx.process(black_box(frame));
            }
            rx.digits()
        });
    });
    group.finish();
}

/// The G.711 frame sizes both sides are measured at: one second in one call, and the 20 ms
/// (160-sample) frames of an RTP stream, one call a frame.
const G711_FRAMES: [usize; 2] = [8000, 160];

fn g711_encode(c: &mut Criterion) {
    let pcm = pcm_audio();
    for (law, name) in [(Law::U, "g711_encode_ulaw"), (Law::A, "g711_encode_alaw")] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(pcm.len() as u64));
        let mut codes = vec![0u8; pcm.len()];
        for frame in G711_FRAMES {
            group.bench_function(format!("hotline-dsp/{frame}"), |b| {
                b.iter(|| {
                    for (out, input) in codes.chunks_mut(frame).zip(pcm.chunks(frame)) {
                        black_box(g711::encode(law, black_box(input), black_box(out)).ok());
                    }
                });
            });
            #[cfg(feature = "spandsp")]
            {
                let mut peer = spandsp::G711::new(law == Law::U);
                group.bench_function(format!("spandsp/{frame}"), |b| {
                    b.iter(|| {
                        for (out, input) in codes.chunks_mut(frame).zip(pcm.chunks(frame)) {
                            peer.encode(black_box(out), black_box(input));
                        }
                    });
                });
            }
        }
        group.finish();
    }
}

fn g711_decode(c: &mut Criterion) {
    for (law, name) in [(Law::U, "g711_decode_ulaw"), (Law::A, "g711_decode_alaw")] {
        let codes: Vec<u8> = g711::encode_to_vec(law, &pcm_audio());
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(codes.len() as u64));
        let mut pcm = vec![0i16; codes.len()];
        group.bench_function("hotline-dsp", |b| {
            b.iter(|| g711::decode(law, black_box(&codes), black_box(&mut pcm)));
        });
        #[cfg(feature = "spandsp")]
        {
            let mut peer = spandsp::G711::new(law == Law::U);
            group.bench_function("spandsp", |b| {
                b.iter(|| peer.decode(black_box(&mut pcm), black_box(&codes)));
            });
        }
        group.finish();
    }
}

/// On a shared machine the two sides of a criterion group run minutes apart under different loads.
/// This runs them alternately, many times, and compares their best times: a load burst can only
/// slow a run down, so the minimum of each is the fairest single figure.
#[cfg(feature = "spandsp")]
fn interleaved_ratios(_c: &mut Criterion) {
    use std::time::{Duration, Instant};
    fn best(
        rounds: usize,
        mut ours: impl FnMut(),
        mut theirs: impl FnMut(),
    ) -> (Duration, Duration) {
        let (mut a, mut b) = (Duration::MAX, Duration::MAX);
        for _ in 0..rounds {
            let t = Instant::now();
            ours();
            a = a.min(t.elapsed());
            let t = Instant::now();
            theirs();
            b = b.min(t.elapsed());
        }
        (a, b)
    }
    let report = |name: &str, samples: usize, (a, b): (Duration, Duration)| {
        let ours = samples as f64 / a.as_secs_f64();
        let theirs = samples as f64 / b.as_secs_f64();
        eprintln!(
            "interleaved best-of: {name}: hotline-dsp {:.1} M samples/s, spandsp {:.1} M samples/s, ratio {:.2}",
            ours / 1e6,
            theirs / 1e6,
            ours / theirs
        );
    };
    let audio = dtmf_audio();
    let times = best(
        200,
        || {
            let mut detector = DtmfDetector::new();
            let mut events = Vec::new();
            for frame in audio.chunks(160) {
                detector.process_into(black_box(frame), &mut events);
            }
            black_box(events);
        },
        || {
            let mut rx = spandsp::DtmfRx::new();
            for frame in audio.chunks(160) {
                rx.process(black_box(frame));
            }
            black_box(rx.digits());
        },
    );
    report("dtmf_detect", audio.len(), times);
    // G.711: both sides get the same input and the same frame size, and write to buffers of their
    // own; the outputs are compared first (spandsp's μ-law encoder differs from G.191 on 127 of the
    // 65,536 inputs, so a few codes may differ there).
    let pcm = pcm_audio();
    for law in [Law::U, Law::A] {
        let mut peer = spandsp::G711::new(law == Law::U);
        let mut codes = vec![0u8; pcm.len()];
        let mut theirs = vec![0u8; pcm.len()];
        g711::encode(law, &pcm, &mut codes).expect("equal lengths");
        peer.encode(&mut theirs, &pcm);
        let differ = codes.iter().zip(&theirs).filter(|(a, b)| a != b).count();
        eprintln!("g711_encode {law}: {differ} of {} codes differ from spandsp's", pcm.len());
        for frame in G711_FRAMES {
            let times = best(
                3000,
                || {
                    for (out, input) in codes.chunks_mut(frame).zip(pcm.chunks(frame)) {
                        black_box(g711::encode(law, black_box(input), black_box(out)).ok());
                    }
                },
                || {
                    for (out, input) in theirs.chunks_mut(frame).zip(pcm.chunks(frame)) {
                        peer.encode(black_box(out), black_box(input));
                    }
                },
            );
            report(&format!("g711_encode {law} ({frame}-sample frames)"), pcm.len(), times);
        }
        let mut out = vec![0i16; pcm.len()];
        let mut out2 = vec![0i16; pcm.len()];
        let times = best(
            3000,
            || {
                black_box(g711::decode(law, black_box(&codes), black_box(&mut out)).ok());
            },
            || peer.decode(black_box(&mut out2), black_box(&codes)),
        );
        assert_eq!(out, out2, "the decoders disagree");
        report(&format!("g711_decode {law}"), pcm.len(), times);
    }
}

#[cfg(not(feature = "spandsp"))]
criterion_group!(benches, dtmf, g711_encode, g711_decode);
#[cfg(feature = "spandsp")]
criterion_group!(benches, interleaved_ratios, dtmf, g711_encode, g711_decode);
criterion_main!(benches);
