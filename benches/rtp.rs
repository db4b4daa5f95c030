//! hotline-rtp benchmarks: RTP parsing and the jitter buffer; with `--features speexdsp`, the
//! jitter-buffer evaluation against speexdsp's on the five network profiles (printed as the table
//! in the book's RTP chapter) and push/pop throughput against it.
//!
//! `cargo bench -p hotline-benches --bench rtp --features speexdsp -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use hotline_rtp::eval::{OurBuffer, PlayoutBuffer, evaluate};
use hotline_rtp::jitter::JitterConfig;
use hotline_rtp::network::Profile;
use hotline_rtp::packet::{RtpBuilder, RtpPacket};

#[cfg(feature = "speexdsp")]
#[path = "peers/rtp_speexdsp.rs"]
mod rtp_speexdsp;

fn parse(c: &mut Criterion) {
    let payload = [0xd5u8; 160];
    let ext = [0x10, 0xaa, 0x21, 1, 2, 0, 0, 0];
    let packet = RtpBuilder::new(8, 1234, 5678, 0xdead_beef)
        .csrcs(&[1, 2])
        .extension(0xbede, &ext)
        .payload(&payload)
        .to_vec()
        .unwrap();
    c.bench_function("rtp/parse", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&packet)).unwrap();
            black_box((p.sequence_number(), p.payload().len()))
        })
    });
    let mut out = [0u8; 256];
    c.bench_function("rtp/build", |b| {
        b.iter(|| {
            RtpBuilder::new(8, 1234, 5678, 0xdead_beef)
                .payload(black_box(&payload))
                .write(&mut out)
                .unwrap()
        })
    });
}

/// Drives a buffer through a whole trace, counting frames played.
fn drive(trace: &hotline_rtp::network::Trace, buffer: &mut impl PlayoutBuffer) -> usize {
    evaluate(trace, buffer).sent
}

fn jitter(c: &mut Criterion) {
    let trace = Profile::named("internet").unwrap().trace(Duration::from_secs(20), 1);
    c.bench_function("jitter/hotline/internet-20s", |b| {
        b.iter(|| {
            drive(&trace, &mut OurBuffer::new(JitterConfig::default()).expect("valid default"))
        })
    });
    #[cfg(feature = "speexdsp")]
    c.bench_function("jitter/speexdsp/internet-20s", |b| {
        b.iter(|| drive(&trace, &mut rtp_speexdsp::SpeexJitter::new(160)))
    });
}

/// Evaluates both buffers on every profile, prints the table and checks the goal of issue 5: a
/// strictly lower score on every profile, and never worse on both late loss and delay at once.
///
/// Each trace is played at the [`phases`] of the receiver's pop clock, the same for both buffers;
/// the table gives the means over all traces and phases.
#[cfg(feature = "speexdsp")]
fn compare() {
    use hotline_rtp::eval::{evaluate_phases, summarize};
    const SEEDS: u64 = 8;
    println!(
        "| profile | buffer | late loss % | mean delay ms | p95 delay ms | score | floor ms |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    for profile in Profile::all() {
        let (mut ours, mut speex) = (Vec::new(), Vec::new());
        for seed in 0..SEEDS {
            let trace = profile.trace(Duration::from_secs(60), seed);
            ours.extend(evaluate_phases(&trace, seed, || {
                OurBuffer::new(JitterConfig::default()).expect("valid default")
            }));
            speex.extend(evaluate_phases(&trace, seed, || rtp_speexdsp::SpeexJitter::new(160)));
        }
        let (o, s) = (summarize(&profile.name, &ours), summarize(&profile.name, &speex));
        for (name, r) in [("hotline", &o), ("speexdsp", &s)] {
            println!(
                "| {} | {name} | {:.3} | {:.2} | {:.1} | {:.2} | {:.2} |",
                r.profile,
                r.late_loss_percent,
                r.mean_delay_ms,
                r.p95_delay_ms,
                r.score,
                r.floor_delay_ms
            );
        }
        if o.score >= s.score {
            failures.push(format!(
                "{}: score {:.2} not below speexdsp's {:.2}",
                o.profile, o.score, s.score
            ));
        }
        if o.late_loss_percent > s.late_loss_percent && o.mean_delay_ms > s.mean_delay_ms {
            failures.push(format!("{}: worse on both late loss and delay", o.profile));
        }
    }
    assert!(failures.is_empty(), "goal not met: {failures:?}");
}

criterion_group!(benches, parse, jitter);

fn main() {
    #[cfg(feature = "speexdsp")]
    compare();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
