//! Any byte string as a sequence of events (some naming unknown agents, calls, queues and skills,
//! at any times, agents joining and leaving queues) against a small engine: never panic or hang,
//! and queue counters always add up.
#![no_main]

use std::time::Duration;

use hotline_acd::{
    Acd, AgentId, AgentRequest, CallEnd, CallId, Config, Event, Membership, NewCall, QueueId,
    Requirement, SkillId,
};
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = r#"
skills = ["a", "b"]
[[queues]]
name = "q0"
policy = "ring-progressively"
aging = "3s"
offer_timeout = "5s"
tier_wait = "4s"
max_wait = "60s"
max_wait_exit = { queue = "q1" }
resume_window = "30s"
announce = { first_after = "2s", every = "7s", method = "erlang-c" }
overflow = [{ after = "5s", then = "widen" }, { after = "9s", then = { add-queue = "q1" } }]
[[queues]]
name = "q1"
policy = "random"
max_length = 2
full_exit = "callback"
wrap_up = "3s"
[[agents]]
name = "x"
ready = true
skills = { a = 5 }
reject_delay = "2s"
queues = [{ queue = "q0", tier = 1 }, { queue = "q1", tier = 2 }]
[[agents]]
name = "y"
skills = { b = 9, a = 1 }
max_no_answer = 1
queues = [{ queue = "q0", tier = 2 }, { queue = "q1" }]
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = Config::from_toml_checked(CONFIG) else { return };
    let Ok(mut acd) = Acd::new(&config) else { return };
    let mut now = Duration::ZERO;
    for chunk in data.chunks(4) {
        let [op, a, b, dt] = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
            *chunk.get(3).unwrap_or(&0),
        ];
        now = if dt == 255 {
            Duration::MAX
        } else {
            now.saturating_add(Duration::from_millis(u64::from(dt) * 250))
        };
        let call = CallId(u64::from(a % 8));
        let agent = AgentId(u32::from(b % 3));
        let event = match op % 11 {
            0 => {
                let mut c =
                    NewCall::new(call, QueueId(u32::from(b % 3))).priority(i32::from(b) - 128);
                if b & 1 == 1 {
                    c.requirement = Requirement::skill(SkillId(u32::from(b % 3)), b % 12);
                }
                c.caller = Some(format!("{}", b % 4));
                Event::CallArrived(c)
            }
            1 => Event::CallerAbandoned { call },
            2 => Event::CallbackRequested { call },
            3 => Event::AgentState {
                agent,
                state: match a % 4 {
                    0 => AgentRequest::Ready,
                    1 => AgentRequest::NotReady(u32::from(a)),
                    2 => AgentRequest::LoggedOut,
                    _ => AgentRequest::Outbound,
                },
            },
            4 => Event::OfferAccepted { call, agent },
            5 => Event::OfferRejected { call, agent, busy: a & 1 == 1 },
            6 => Event::OfferTimedOut { call, agent },
            7 => Event::CallEnded {
                call,
                end: CallEnd::Transferred,
                hold: Duration::from_secs(u64::from(b)),
            },
            8 => Event::WrapUpEnded { agent },
            // Membership churn, including unknown queues (3) and agents (2 is known, 3 not).
            9 => Event::MemberJoined(Membership {
                queue: QueueId(u32::from(a % 4)),
                agent: AgentId(u32::from(b % 4)),
                tier: u32::from(a >> 4) % 3,
                position: u32::from(b >> 2),
                weight: u32::from(a >> 6),
            }),
            _ => Event::MemberLeft {
                agent: AgentId(u32::from(b % 4)),
                queue: QueueId(u32::from(a % 4)),
            },
        };
        let _ = acd.handle_event(now, event);
        while acd.poll_action().is_some() {}
        if let Some(q) = acd.queue_stats(QueueId(0)) {
            let c = q.counters;
            assert_eq!(
                c.offered,
                c.answered + c.abandoned + c.exited + c.overflowed_out + q.waiting as u64
            );
        }
    }
    let _ = acd.take_intervals();
});
