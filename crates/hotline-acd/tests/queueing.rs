//! Overflow steps, tiers, exits, callback in queue, announcements and statistics.
#![allow(clippy::string_add)] // tests build TOML texts by concatenation

mod common;
use common::*;
use hotline_acd::*;

const SKILLED: &str = r#"
skills = ["billing", "tech"]
languages = ["de", "en"]
[[queues]]
name = "q"
{Q}
[[queues]]
name = "general"
[[agents]]
name = "biller"
queues = [{ queue = "q" }]
skills = { billing = 4 }
languages = ["en"]
[[agents]]
name = "techie"
queues = [{ queue = "q" }]
skills = { tech = 8 }
languages = ["de"]
[[agents]]
name = "generalist"
queues = [{ queue = "general" }]
"#;

fn skilled(queue_extra: &str) -> Harness {
    let mut h = Harness::new(SKILLED.replace("{Q}", queue_extra));
    for a in ["biller", "techie", "generalist"] {
        h.not_ready(t(0), a);
    }
    h
}

fn both(h: &Harness) -> Requirement {
    Requirement {
        all_of: vec![
            SkillNeed { skill: h.skill("billing"), min: 6 },
            SkillNeed { skill: h.skill("tech"), min: 1 },
        ],
        any_of: vec![],
    }
}

#[test]
fn overflow_widens_the_requirement() {
    let mut h = skilled("[[queues.overflow]]\nafter = \"30s\"\nthen = \"widen\"");
    let q = h.queue("q");
    h.ready(t(0), "techie");
    let req = both(&h);
    h.arrive_call(t(1), NewCall::new(CallId(1), q).requirement(req));
    assert_eq!(h.offered_to(1), None, "nobody has billing 6 and tech");
    h.run_until(t(31));
    assert_eq!(h.offered_name(1).as_deref(), Some("techie"), "any-of after 30 s");
    assert!(h.actions.iter().any(|(_, a)| matches!(
        a,
        Action::Overflow { change: OverflowChange::Widened, step: 0, .. }
    )));
}

#[test]
fn overflow_lowers_proficiency_then_drops_a_skill() {
    let mut h = skilled(
        "[[queues.overflow]]\nafter = \"20s\"\nthen = { lower-proficiency = 2 }\n\
         [[queues.overflow]]\nafter = \"40s\"\nthen = { drop-skill = \"tech\" }",
    );
    let q = h.queue("q");
    h.ready(t(0), "biller");
    let req = both(&h);
    h.arrive_call(t(0), NewCall::new(CallId(1), q).requirement(req));
    h.run_until(t(21));
    assert_eq!(h.offered_to(1), None, "billing 4 >= 6-2, but no tech");
    h.run_until(t(40));
    assert_eq!(h.offered_name(1).as_deref(), Some("biller"));
}

#[test]
fn overflow_adds_a_queue_then_moves_the_call() {
    let mut h = skilled(
        "[[queues.overflow]]\nafter = \"10s\"\nthen = { add-queue = \"general\" }\n\
         [[queues.overflow]]\nafter = \"20s\"\nthen = { move-to = \"general\" }",
    );
    let (q, general) = (h.queue("q"), h.queue("general"));
    h.arrive(t(0), 1, "q");
    h.run_until(t(10));
    assert!(h.acd.waiting_calls(general).contains(&CallId(1)), "waits in both");
    assert!(h.acd.waiting_calls(q).contains(&CallId(1)));
    assert_eq!(h.acd.call_queue(CallId(1)), Some(q));
    h.run_until(t(20));
    assert_eq!(h.acd.call_queue(CallId(1)), Some(general));
    assert!(!h.acd.waiting_calls(q).contains(&CallId(1)));
    let qs = h.acd.queue_stats(q).unwrap().counters;
    assert_eq!((qs.offered, qs.overflowed_out), (1, 1));
    h.ready(t(25), "generalist");
    assert_eq!(h.offered_name(1).as_deref(), Some("generalist"));
    h.accept(t(26), 1, "generalist");
    let gs = h.acd.queue_stats(general).unwrap().counters;
    assert_eq!((gs.offered, gs.answered), (1, 1));
    assert_eq!(gs.answered_wait, t(26), "the wait counts from the first arrival");
}

#[test]
fn added_queue_agents_take_the_call() {
    let mut h = skilled("[[queues.overflow]]\nafter = \"10s\"\nthen = { add-queue = \"general\" }");
    h.ready(t(0), "generalist");
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offered_to(1), None);
    h.run_until(t(11));
    assert_eq!(h.offered_name(1).as_deref(), Some("generalist"));
}

#[test]
fn language_is_a_requirement() {
    let mut h = skilled("");
    let q = h.queue("q");
    h.ready(t(0), "biller");
    h.ready(t(0), "techie");
    let de = h.acd.language_id("de").unwrap();
    h.arrive_call(t(1), NewCall::new(CallId(1), q).language(de));
    assert_eq!(h.offered_name(1).as_deref(), Some("techie"));
}

#[test]
fn tiers_wait_before_taking_calls() {
    let mut h = Harness::new(
        r#"
[[queues]]
name = "q"
tier_wait = "15s"
[[agents]]
name = "first"
queues = [{ queue = "q", tier = 1 }]
[[agents]]
name = "backup"
ready = true
queues = [{ queue = "q", tier = 2 }]
"#,
    );
    h.arrive(t(0), 1, "q");
    assert_eq!(h.offered_to(1), None, "tier 2 waits 15 s");
    h.run_until(t(14));
    assert_eq!(h.offered_to(1), None);
    h.run_until(t(15));
    assert_eq!(h.offered_name(1).as_deref(), Some("backup"));
    // Tier 1 is offered at once; without tier_wait a higher tier (penalty) is used at once.
    h.ready(t(20), "first");
    h.arrive(t(21), 2, "q");
    assert_eq!(h.offered_name(2).as_deref(), Some("first"));
}

#[test]
fn penalties_prefer_the_lower_tier() {
    let mut h = Harness::new(
        r#"
[[queues]]
name = "q"
[[agents]]
name = "high"
ready = true
queues = [{ queue = "q", tier = 3 }]
[[agents]]
name = "low"
ready = true
queues = [{ queue = "q", tier = 1 }]
"#,
    );
    h.arrive(t(0), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("low"));
    h.arrive(t(0), 2, "q");
    assert_eq!(h.offered_name(2).as_deref(), Some("high"), "no tier wait: used when low is busy");
}

#[test]
fn max_wait_exits() {
    for (exit, target) in [
        ("\"voicemail\"", ExitTarget::Voicemail),
        ("\"busy\"", ExitTarget::Busy),
        ("\"callback\"", ExitTarget::Callback),
        ("{ queue = \"general\" }", ExitTarget::Queue(QueueId(1))),
    ] {
        let mut h = skilled(&format!("max_wait = \"60s\"\nmax_wait_exit = {exit}"));
        let q = h.queue("q");
        h.arrive(t(0), 1, "q");
        h.run_until(t(60));
        assert!(
            h.actions.iter().any(|(_, a)| *a
                == Action::Exit { call: CallId(1), queue: q, reason: ExitReason::MaxWait, target }),
            "{exit}: {:?}",
            h.actions
        );
        let c = h.acd.queue_stats(q).unwrap().counters;
        match target {
            ExitTarget::Callback => {
                assert_eq!(h.acd.is_callback(CallId(1)), Some(true));
                assert_eq!(h.acd.waiting_calls(q), [CallId(1)], "keeps its place");
                assert_eq!(c.exited, 0);
            }
            ExitTarget::Queue(g) => {
                assert_eq!(h.acd.call_queue(CallId(1)), Some(g));
                assert_eq!(c.exited, 1);
            }
            _ => {
                assert_eq!(h.acd.call_count(), 0);
                assert_eq!(c.exited, 1);
            }
        }
    }
}

#[test]
fn max_wait_withdraws_a_ringing_offer() {
    let mut h = skilled("max_wait = \"60s\"");
    h.ready(t(0), "biller");
    h.arrive(t(30), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("biller"));
    h.run_until(t(90));
    assert!(
        h.actions
            .iter()
            .any(|(_, a)| matches!(a, Action::CancelOffer { reason: CancelReason::CallLeft, .. }))
    );
    assert_eq!(h.acd.agent_state(h.agent("biller")), Some(AgentState::Ready));
    assert_eq!(h.acd.call_count(), 0);
}

#[test]
fn a_full_queue_sends_arrivals_to_its_exit() {
    let mut h = skilled("max_length = 2\nfull_exit = { queue = \"general\" }");
    let (q, general) = (h.queue("q"), h.queue("general"));
    for i in 1..=3 {
        h.arrive(t(i), i, "q");
    }
    assert_eq!(h.acd.waiting_calls(q), [CallId(1), CallId(2)]);
    assert_eq!(h.acd.waiting_calls(general), [CallId(3)]);
    assert!(
        h.actions
            .iter()
            .any(|(_, a)| matches!(a, Action::Exit { reason: ExitReason::QueueFull, .. }))
    );
    let c = h.acd.queue_stats(q).unwrap().counters;
    assert_eq!((c.offered, c.exited), (3, 1));
}

#[test]
fn callback_in_queue_keeps_the_place_and_is_offered_as_callback() {
    let mut h = skilled("");
    let q = h.queue("q");
    h.arrive(t(0), 1, "q");
    h.arrive(t(1), 2, "q");
    h.ok(t(5), Event::CallbackRequested { call: CallId(1) });
    assert_eq!(h.acd.waiting_calls(q), [CallId(1), CallId(2)]);
    h.ready(t(50), "biller");
    assert!(
        h.actions
            .iter()
            .any(|(_, a)| matches!(a, Action::Offer { call: CallId(1), callback: true, .. }))
    );
}

#[test]
fn announcements_give_position_and_estimated_wait() {
    let mut h = Harness::new(
        r#"
[[queues]]
name = "q"
announce = { first_after = "10s", every = "30s" }
[[agents]]
name = "a"
ready = true
queues = [{ queue = "q" }]
[[agents]]
name = "b"
ready = true
queues = [{ queue = "q" }]
"#,
    );
    // Build a handle-time history of 100 s.
    h.arrive(t(0), 1, "q");
    h.arrive(t(0), 2, "q");
    h.serve(t(0), 1, 100);
    h.serve(t(100), 2, 100);
    // Both busy, three waiting.
    for i in 3..=7 {
        h.arrive(t(300), i, "q");
    }
    h.accept(t(300), 3, "a");
    h.accept(t(300), 4, "b");
    h.run_until(t(310));
    let announce = |h: &Harness, id: u64| {
        h.actions.iter().find_map(|(_, a)| match a {
            Action::Announce { call, position, estimated_wait, .. } if *call == CallId(id) => {
                Some((*position, *estimated_wait))
            }
            _ => None,
        })
    };
    // Position 3 of 3 behind two busy agents: 3 departures at 2 per 100 s = 150 s.
    assert_eq!(announce(&h, 7), Some((3, Some(t(150)))));
    assert_eq!(announce(&h, 5), Some((1, Some(t(50)))));
    assert_eq!(h.acd.estimated_wait(CallId(6)), Some(t(100)));
    let count = |h: &Harness| {
        h.actions.iter().filter(|(_, a)| matches!(a, Action::Announce { .. })).count()
    };
    assert_eq!(count(&h), 3);
    h.run_until(t(340));
    assert_eq!(count(&h), 6, "again every 30 s");
}

#[test]
fn service_level_in_both_conventions_and_intervals() {
    let mut h = Harness::new(
        "interval = \"15m\"\n[[queues]]\nname = \"q\"\nservice_level = \"20s\"\n".to_owned()
            + &agents_toml(1, "q").replace("ready = true\n", ""),
    );
    let q = h.queue("q");
    h.arrive(t(0), 1, "q"); // answered after 10 s: within
    h.arrive(t(0), 2, "q"); // abandoned after 5 s: within
    h.arrive(t(0), 3, "q"); // abandoned after 40 s: not within
    h.arrive(t(0), 4, "q"); // answered after 100 s: not within
    h.ready(t(10), "a0");
    h.ok(t(5), Event::CallerAbandoned { call: CallId(2) }); // (time is 10 by now)
    h.accept(t(10), 1, "a0");
    h.ok(t(40), Event::CallerAbandoned { call: CallId(3) });
    h.end(t(50), 1);
    h.accept(t(100), 4, "a0");
    let c = h.acd.queue_stats(q).unwrap().counters;
    assert_eq!((c.offered, c.answered, c.abandoned), (4, 2, 2));
    assert_eq!(c.service_level(), Some(0.5));
    assert_eq!(c.service_level_with_abandoned(), Some(0.5));
    assert_eq!(c.average_speed_of_answer(), Some(t(55)));
    assert_eq!(c.average_abandon_wait(), Some(t(25)));
    let stats = h.acd.queue_stats(q).unwrap();
    assert_eq!(stats.waiting, 0);
    h.end(t(1000), 4);
    h.run_until(t(1800));
    let reports = h.acd.take_intervals();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].start, t(0));
    assert_eq!(reports[0].end, t(900));
    assert_eq!(reports[0].queues[0].offered, 4);
    assert_eq!(reports[0].queues[0].handled, 1);
    assert_eq!(reports[1].queues[0].handled, 1);
    let a = &reports[0].agents[0];
    assert_eq!(a.time_in(StateKind::OnCall), t(40 + 800));
    assert_eq!(reports[1].agents[0].time_in(StateKind::OnCall), t(100));
    assert_eq!(reports[1].agents[0].time_in(StateKind::Ready), t(800));
}

#[test]
fn longest_wait_is_the_oldest_waiting_call() {
    let mut h = skilled("aging = \"1s\"");
    let q = h.queue("q");
    h.arrive(t(0), 1, "q");
    h.arrive_call(t(10), NewCall::new(CallId(2), q).priority(100));
    h.run_until(t(30));
    let s = h.acd.queue_stats(q).unwrap();
    assert_eq!(s.longest_wait, Some(t(30)));
    assert_eq!(s.waiting, 2);
}

#[test]
fn caller_data_stays_with_the_call() {
    let mut h = skilled("");
    let q = h.queue("q");
    let mut call = NewCall::new(CallId(1), q);
    call.data.insert("account".to_owned(), "12345".to_owned());
    call.data.insert("ivr".to_owned(), "2,1".to_owned());
    h.arrive_call(t(0), call);
    h.ready(t(5), "biller");
    assert_eq!(h.offered_name(1).as_deref(), Some("biller"));
    let data = h.acd.call_data(CallId(1)).unwrap();
    assert_eq!(data.get("account").map(String::as_str), Some("12345"));
    assert_eq!(data.len(), 2);
}
