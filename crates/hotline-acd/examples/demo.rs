//! Runs a short scripted morning through the ACD of `multiskill.toml` and prints every action
//! and the queue statistics.
//!
//! `cargo run -p hotline-acd --example demo`

use std::time::Duration;

use hotline_acd::{Acd, Action, CallEnd, CallId, Config, Event, NewCall, Requirement};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_toml_checked(include_str!("multiskill.toml"))?;
    let mut acd = Acd::new(&config)?;
    let t = Duration::from_secs;
    let billing = acd.queue_id("billing").ok_or("no billing queue")?;
    let tech = acd.queue_id("tech").ok_or("no tech queue")?;
    let billing_skill = acd.skill_id("billing").ok_or("no billing skill")?;
    let tech_skill = acd.skill_id("tech").ok_or("no tech skill")?;
    let german = acd.language_id("de").ok_or("no German")?;

    let mut events = vec![
        (
            t(0),
            Event::CallArrived(
                NewCall::new(CallId(1), billing).requirement(Requirement::skill(billing_skill, 7)),
            ),
        ),
        (
            t(5),
            Event::CallArrived(
                NewCall::new(CallId(2), tech)
                    .requirement(Requirement::skill(tech_skill, 5))
                    .language(german)
                    .priority(3),
            ),
        ),
        (
            t(8),
            Event::CallArrived(
                NewCall::new(CallId(3), billing)
                    .requirement(Requirement::skill(billing_skill, 8))
                    .caller("+49301234567"),
            ),
        ),
    ];
    events.reverse();

    let mut now = Duration::ZERO;
    let end = t(600);
    while now < end {
        let next_event = events.last().map(|(at, _)| *at);
        let next_timer = acd.poll_timeout();
        let Some(at) = [next_event, next_timer].into_iter().flatten().min() else { break };
        now = at;
        if next_event == Some(at) {
            if let Some((_, event)) = events.pop() {
                acd.handle_event(now, event)?;
            }
        } else {
            acd.handle_timeout(now);
        }
        while let Some(action) = acd.poll_action() {
            println!("{:>6.1}s  {action:?}", now.as_secs_f64());
            // Agents answer after 4 s and talk for 2 minutes.
            if let Action::Offer { call, agent, .. } = action {
                events.push((now + t(4), Event::OfferAccepted { call, agent }));
                events.push((
                    now + t(124),
                    Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO },
                ));
                events.sort_by_key(|e| std::cmp::Reverse(e.0));
            }
        }
    }

    for q in 0..acd.queue_count() {
        let stats = acd.queue_stats(hotline_acd::QueueId(q as u32)).ok_or("no queue")?;
        let c = &stats.counters;
        println!(
            "{:8} offered {} answered {} abandoned {} SL {:?} ASA {:?} AHT {:?}",
            stats.name,
            c.offered,
            c.answered,
            c.abandoned,
            c.service_level(),
            c.average_speed_of_answer(),
            c.average_handle_time()
        );
    }
    Ok(())
}
