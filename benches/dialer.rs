//! hotline-dialer: pacing decisions per second (target: at least 1,000,000 a second), for each
//! pacer, over a cycle of 64 agent-and-call states of a 20-agent campaign (and of a 100-agent
//! one for the queueing model). No peer exists in Rust; the figure is a throughput on the machine
//! it ran on.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotline_dialer::jiff::Timestamp;
use hotline_dialer::{Pacer, PacerConfig, PacingView, VicidialMethod, WindowCounts};

/// 64 states of a campaign of `agents` agents: idle, talking, wrapping, ringing and waiting vary
/// as they do in a simulated day.
fn views(agents: u32) -> Vec<PacingView> {
    let now: Timestamp = "2026-03-02T15:00:00Z".parse().expect("a timestamp");
    let mut x = 0x9e37_79b9_u32;
    (0..64)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let idle = x % 3;
            let wrapping = (x >> 4) % 4;
            let talking = agents.saturating_sub(idle + wrapping);
            let ringing = (x >> 8) % (agents / 2 + 1);
            let waiting = u32::from(idle == 0 && (x >> 12).is_multiple_of(5));
            PacingView::new(now, idle, talking, wrapping, ringing, waiting)
                .with_window(WindowCounts::default())
        })
        .collect()
}

fn decide_all(p: &mut Pacer, vs: &[PacingView]) -> u32 {
    vs.iter().map(|v| p.decide(black_box(v), 1000).dials).sum()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("pacing_decision");
    for (name, cfg, agents) in [
        ("queue_model_20", PacerConfig::QueueModel { target: 0.03 }, 20),
        ("adaptive_20", PacerConfig::adaptive(), 20),
        ("vicidial_20", PacerConfig::vicidial(VicidialMethod::AdaptHardLimit), 20),
        ("queue_model_100", PacerConfig::QueueModel { target: 0.03 }, 100),
    ] {
        let vs = views(agents);
        let mut p = Pacer::new(&cfg);
        group.throughput(Throughput::Elements(vs.len() as u64));
        group.bench_function(name, |b| b.iter(|| decide_all(&mut p, &vs)));
    }
    group.finish();
}

criterion_group!(dialer, benches);
criterion_main!(dialer);
