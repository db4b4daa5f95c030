//! hotline-dialer: pacing decisions per second (target: at least 1,000,000 a second), for each
//! pacer, over a cycle of 64 agent-and-call states of a 20-agent campaign (and of a 100-agent
//! one for the queueing model). The conditioning pacers (the default) see every agent's and
//! call's elapsed time and have learned their distributions from 2,000 calls first; the
//! memoryless ones see the counts only. No peer exists in Rust; the figure is a throughput on
//! the machine it ran on.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotline_dialer::jiff::Timestamp;
use hotline_dialer::{Pacer, PacerConfig, PacingView, VicidialMethod};

/// A xorshift step, uniform in [0, 1).
fn uniform(x: &mut u64) -> f64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    (*x >> 11) as f64 / (1u64 << 53) as f64
}

/// One state of a campaign: counts and elapsed times.
struct State {
    idle: u32,
    waiting: u32,
    talk: Vec<f64>,
    wrap: Vec<f64>,
    ring: Vec<f64>,
}

/// 64 states of a campaign of `agents` agents: idle, talking, wrapping, ringing and waiting vary
/// as they do in a simulated day.
fn states(agents: u32) -> Vec<State> {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    (0..64)
        .map(|_| {
            let idle = (uniform(&mut x) * 3.0) as u32;
            let wrapping = (uniform(&mut x) * 4.0) as u32;
            let talking = agents.saturating_sub(idle + wrapping);
            let ringing = (uniform(&mut x) * f64::from(agents / 2 + 1)) as u32;
            let waiting = u32::from(idle == 0 && uniform(&mut x) < 0.2);
            State {
                idle,
                waiting,
                talk: (0..talking).map(|_| uniform(&mut x) * 400.0).collect(),
                wrap: (0..wrapping).map(|_| uniform(&mut x) * 20.0).collect(),
                ring: (0..ringing).map(|_| uniform(&mut x) * 20.0).collect(),
            }
        })
        .collect()
}

fn views(states: &[State], elapsed: bool) -> Vec<PacingView<'_>> {
    let now: Timestamp = "2026-03-02T15:00:00Z".parse().expect("a timestamp");
    states
        .iter()
        .map(|s| {
            let v = PacingView::new(
                now,
                s.idle,
                s.talk.len() as u32,
                s.wrap.len() as u32,
                s.ring.len() as u32,
                s.waiting,
            );
            if elapsed { v.with_elapsed(&s.talk, &s.wrap, &s.ring) } else { v }
        })
        .collect()
}

/// A pacer that has learned from 2,000 calls (lognormal-like talk, 15 s wrap-up, 25% live).
fn trained(cfg: &PacerConfig) -> Pacer {
    let mut p = Pacer::new(cfg);
    let mut x = 7u64;
    for _ in 0..2000 {
        let talk = 180.0 * (0.4 + 1.2 * uniform(&mut x));
        p.on_talk_time(talk);
        p.on_wrap_time(10.0 + 10.0 * uniform(&mut x));
        let u = uniform(&mut x);
        if u < 0.25 {
            p.on_ring_outcome(3.0 - 4.0 * (1.0 - uniform(&mut x)).ln(), true);
        } else if u < 0.5 {
            p.on_ring_outcome(2.0 + 8.0 * uniform(&mut x), false);
        } else {
            p.on_ring_outcome(20.0, false);
        }
    }
    p
}

fn decide_all(p: &mut Pacer, vs: &[PacingView<'_>]) -> u32 {
    vs.iter().map(|v| p.decide(black_box(v), 1000).dials).sum()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("pacing_decision");
    let s20 = states(20);
    let s100 = states(100);
    for (name, cfg, st) in [
        ("queue_model_20", PacerConfig::queue_model(0.03), &s20),
        ("queue_model_memoryless_20", PacerConfig::queue_model(0.03).memoryless(), &s20),
        ("adaptive_20", PacerConfig::adaptive(), &s20),
        ("adaptive_memoryless_20", PacerConfig::adaptive().memoryless(), &s20),
        ("vicidial_20", PacerConfig::vicidial(VicidialMethod::AdaptHardLimit), &s20),
        ("queue_model_100", PacerConfig::queue_model(0.03), &s100),
        ("queue_model_memoryless_100", PacerConfig::queue_model(0.03).memoryless(), &s100),
    ] {
        let mut p = trained(&cfg);
        let vs = views(st, p.conditions_on_elapsed());
        group.throughput(Throughput::Elements(vs.len() as u64));
        group.bench_function(name, |b| b.iter(|| decide_all(&mut p, &vs)));
    }
    group.finish();
}

criterion_group!(dialer, benches);
criterion_main!(dialer);
