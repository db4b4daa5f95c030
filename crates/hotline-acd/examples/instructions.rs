//! The routing benchmark's loops (`benches/acd.rs`) as a plain program, for counting instructions:
//! the machine's load changes a benchmark's time but not the instructions it runs, so two
//! versions of the engine are compared by running this under callgrind, measured function only:
//!
//! ```text
//! cargo build --release -p hotline-acd --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='*measured_cycles*' \
//!     target/release/examples/instructions cycle li 10000 4000
//! ```
//!
//! Arguments: `cycle` (arrival, offer, answer, end: `measured_cycles`) or `decision` (arrivals
//! in batches of 1,000, each offered, the agents released outside the measured function:
//! `measured_decisions`); `li` (longest idle, no skills) or `sbm` (skills best-match, 200 skills,
//! 5 per agent); the number of agents; the number of calls. The engine and the calls are the
//! benchmark's (the same seeds); the program prints the sum of the chosen agents' numbers, which
//! two versions must agree on. Instructions per call are callgrind's "Collected" divided by the
//! calls (book/src/acd.md, "Issue 18: the engine before and after").

use hotline_acd::{
    Acd, Action, CallEnd, CallId, Event, NewCall, PolicyName, QueueId, Requirement, SkillId,
};
use std::hint::black_box;
use std::time::Duration;

use rand_core::SeedableRng;
use rand_xoshiro::SplitMix64;

mod routing;
use routing::{below, engine};

#[inline(never)]
fn measured_cycles(acd: &mut Acd, now: &mut Duration, id: &mut u64, reqs: &[Requirement]) -> u64 {
    let mut sum = 0u64;
    for r in reqs {
        *id += 1;
        *now += Duration::from_micros(1);
        let call = CallId(*id);
        acd.handle_event(
            *now,
            Event::CallArrived(NewCall::new(call, QueueId(0)).requirement(r.clone())),
        )
        .expect("arrival");
        let Some(Action::Offer { agent, .. }) = acd.poll_action() else { panic!("offer") };
        acd.handle_event(*now, Event::OfferAccepted { call, agent }).expect("answer");
        acd.handle_event(
            *now,
            Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO },
        )
        .expect("end");
        while acd.poll_action().is_some() {}
        sum += u64::from(agent.0);
    }
    sum
}

#[inline(never)]
fn measured_decisions(
    acd: &mut Acd,
    now: &mut Duration,
    id: &mut u64,
    reqs: &[Requirement],
    offers: &mut Vec<(CallId, hotline_acd::AgentId)>,
) {
    for r in reqs {
        *id += 1;
        acd.handle_event(
            *now,
            Event::CallArrived(NewCall::new(CallId(*id), QueueId(0)).requirement(r.clone())),
        )
        .expect("arrival");
        if let Some(Action::Offer { call, agent, .. }) = acd.poll_action() {
            offers.push((call, agent));
        }
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let [mode, policy, agents, n] = &a[..] else {
        eprintln!("usage: instructions cycle|decision li|sbm AGENTS CALLS");
        std::process::exit(2);
    };
    let (mode, policy) = (mode.as_str(), policy.as_str());
    let (Ok(agents), Ok(n)) = (agents.parse::<usize>(), n.parse::<usize>()) else {
        eprintln!("AGENTS and CALLS are whole numbers");
        std::process::exit(2);
    };
    let (pol, skills) = match (mode, policy) {
        ("cycle" | "decision", "li") => (PolicyName::LongestIdle, 0),
        ("cycle" | "decision", "sbm") => (PolicyName::SkillsBestMatch, 200),
        _ => {
            eprintln!("usage: instructions cycle|decision li|sbm AGENTS CALLS");
            std::process::exit(2);
        }
    };
    let mut acd = engine(agents, pol, skills);
    let mut rng = SplitMix64::seed_from_u64(7);
    let mut req = || {
        if skills == 0 {
            Requirement::none()
        } else {
            Requirement::skill(SkillId(below(&mut rng, 200) as u32), 1)
        }
    };
    let (mut now, mut id) = (Duration::from_secs(1), 0u64);
    let mut total = 0u64;
    let mut done = 0;
    let mut offers = Vec::with_capacity(1000);
    while done < n {
        let k = 1000.min(n - done);
        let reqs: Vec<Requirement> = (0..k).map(|_| req()).collect();
        if mode == "cycle" {
            total += black_box(measured_cycles(&mut acd, &mut now, &mut id, &reqs));
        } else {
            now += Duration::from_micros(1);
            measured_decisions(&mut acd, &mut now, &mut id, &reqs, &mut offers);
            assert_eq!(offers.len(), k);
            for (call, agent) in offers.drain(..) {
                total += u64::from(agent.0);
                acd.handle_event(now, Event::OfferAccepted { call, agent }).expect("answer");
                acd.handle_event(
                    now,
                    Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO },
                )
                .expect("end");
            }
            while acd.poll_action().is_some() {}
        }
        done += k;
    }
    println!("{total}");
}
