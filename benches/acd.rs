//! hotline-acd routing throughput. No peer ACD engine exists to measure side by side, so this
//! reports decisions per second; the book records the machine.
//!
//! Times are the benchmark thread's CPU time (`cpu_time::ThreadTime`), not wall time: the
//! machines these run on are shared, and wall time would count other processes' turns.
//!
//! Two measures, both through the public sans-IO API:
//!
//! * `decision`: a call arrives and is offered to the selected agent (`handle(CallArrived)` and
//!   `poll_action()` returning the `Offer`). Calls are timed in batches of 1,000 arrivals; between
//!   batches (untimed) the 1,000 agents answer, end their calls and go back into the ready
//!   indexes. So each decision selects among at least N − 1,000 ready agents.
//! * `cycle`: the whole life of a call: the decision, the answer, the end of the call, and the
//!   agent's return into every ready index it belongs to (one per queue and one per skill).

use std::hint::black_box;
use std::time::Duration;

use cpu_time::ThreadTime;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hotline_acd::{
    Acd, Action, CallEnd, CallId, Event, NewCall, PolicyName, QueueId, Requirement, SkillId,
};
use rand_core::SeedableRng;
use rand_xoshiro::SplitMix64;

// The engine and the draws, shared with hotline-acd's `instructions` example.
#[path = "../crates/hotline-acd/examples/routing/mod.rs"]
mod routing;
use routing::{below, engine};

/// One routing decision and the rest of the call's life; returns the chosen agent.
fn cycle(acd: &mut Acd, now: &mut Duration, id: &mut u64, requirement: Requirement) -> u32 {
    *id += 1;
    *now += Duration::from_micros(1);
    let call = CallId(*id);
    acd.handle_event(
        *now,
        Event::CallArrived(NewCall::new(call, QueueId(0)).requirement(requirement)),
    )
    .expect("arrival");
    let Some(Action::Offer { agent, .. }) = acd.poll_action() else {
        panic!("every call finds a ready agent")
    };
    acd.handle_event(*now, Event::OfferAccepted { call, agent }).expect("answer");
    acd.handle_event(*now, Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO })
        .expect("end");
    while acd.poll_action().is_some() {}
    agent.0
}

const BATCH: u64 = 1_000;

/// Times `iters` decisions in batches; the agents are released, untimed, after each batch.
fn decisions(
    acd: &mut Acd,
    now: &mut Duration,
    id: &mut u64,
    iters: u64,
    mut requirement: impl FnMut() -> Requirement,
) -> Duration {
    let mut timed = Duration::ZERO;
    let mut done = 0;
    let mut offers = Vec::with_capacity(BATCH as usize);
    while done < iters {
        let n = BATCH.min(iters - done);
        let requirements: Vec<Requirement> = (0..n).map(|_| requirement()).collect();
        *now += Duration::from_micros(1);
        let first = *id + 1;
        let start = ThreadTime::now();
        for r in requirements {
            *id += 1;
            acd.handle_event(
                *now,
                Event::CallArrived(NewCall::new(CallId(*id), QueueId(0)).requirement(r)),
            )
            .expect("arrival");
            if let Some(Action::Offer { call, agent, .. }) = acd.poll_action() {
                offers.push((call, agent));
            }
        }
        timed += start.elapsed();
        assert_eq!(offers.len() as u64, n, "every call finds a ready agent");
        assert_eq!(offers[0].0, CallId(first));
        for (call, agent) in offers.drain(..) {
            acd.handle_event(*now, Event::OfferAccepted { call, agent }).expect("answer");
            acd.handle_event(
                *now,
                Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO },
            )
            .expect("end");
        }
        while acd.poll_action().is_some() {}
        done += n;
    }
    timed
}

fn longest_idle(c: &mut Criterion) {
    let mut group = c.benchmark_group("acd/longest-idle");
    group.throughput(Throughput::Elements(1));
    for agents in [10_000usize, 100_000] {
        let mut acd = engine(agents, PolicyName::LongestIdle, 0);
        let (mut now, mut id) = (Duration::from_secs(1), 0u64);
        group.bench_with_input(BenchmarkId::new("decision", agents), &agents, |b, _| {
            b.iter_custom(|iters| decisions(&mut acd, &mut now, &mut id, iters, Requirement::none))
        });
        group.bench_with_input(BenchmarkId::new("cycle", agents), &agents, |b, _| {
            b.iter_custom(|iters| {
                let start = ThreadTime::now();
                for _ in 0..iters {
                    black_box(cycle(&mut acd, &mut now, &mut id, Requirement::none()));
                }
                start.elapsed()
            })
        });
    }
    group.finish();
}

fn skills_best_match(c: &mut Criterion) {
    let mut group = c.benchmark_group("acd/skills-best-match-200-skills");
    group.throughput(Throughput::Elements(1));
    for agents in [10_000usize, 100_000] {
        let mut acd = engine(agents, PolicyName::SkillsBestMatch, 200);
        let (mut now, mut id) = (Duration::from_secs(1), 0u64);
        let mut rng = SplitMix64::seed_from_u64(7);
        let mut rng2 = SplitMix64::seed_from_u64(8);
        group.bench_with_input(BenchmarkId::new("decision", agents), &agents, |b, _| {
            b.iter_custom(|iters| {
                decisions(&mut acd, &mut now, &mut id, iters, || {
                    Requirement::skill(SkillId(below(&mut rng2, 200) as u32), 1)
                })
            })
        });
        group.bench_with_input(BenchmarkId::new("cycle", agents), &agents, |b, _| {
            b.iter_custom(|iters| {
                let start = ThreadTime::now();
                for _ in 0..iters {
                    let skill = SkillId(below(&mut rng, 200) as u32);
                    black_box(cycle(&mut acd, &mut now, &mut id, Requirement::skill(skill, 1)));
                }
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, longest_idle, skills_best_match);
criterion_main!(benches);
