//! Every built-in routing policy, driven through event sequences.
#![allow(clippy::string_add)] // tests build TOML texts by concatenation

mod common;
use common::*;
use hotline_acd::*;

fn queue(policy: &str) -> String {
    format!("[[queues]]\nname = \"q\"\npolicy = \"{policy}\"\n\n")
}

/// Agents a0..a(n-1), logged out, members of q at positions 1..n.
fn logged_out(n: usize) -> String {
    agents_toml(n, "q").replace("ready = true\n", "")
}

#[test]
fn longest_idle_takes_the_agent_ready_longest() {
    let mut h = Harness::new(&(queue("longest-idle") + &logged_out(3)));
    h.ready(t(3), "a0");
    h.ready(t(1), "a1"); // time never goes back: counts as t(3), after a0
    h.ready(t(5), "a2");
    h.arrive(t(10), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("a0"));
    h.arrive(t(11), 2, "q");
    assert_eq!(h.offered_name(2).as_deref(), Some("a1"));
    h.serve(t(12), 1, 10); // a0 ready again at 22
    h.arrive(t(30), 3, "q");
    assert_eq!(h.offered_name(3).as_deref(), Some("a2"));
    h.arrive(t(31), 4, "q");
    assert_eq!(h.offered_name(4).as_deref(), Some("a0"));
}

#[test]
fn least_recent_prefers_agents_whose_last_call_ended_longest_ago() {
    let mut h = Harness::new(&(queue("least-recent") + &logged_out(3)));
    for a in ["a0", "a1", "a2"] {
        h.ready(t(1), a);
    }
    h.arrive(t(2), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("a0"));
    h.serve(t(2), 1, 5);
    h.arrive(t(10), 2, "q");
    assert_eq!(h.offered_name(2).as_deref(), Some("a1"), "agents without a call come first");
    h.serve(t(10), 2, 5);
    h.arrive(t(20), 3, "q");
    assert_eq!(h.offered_name(3).as_deref(), Some("a2"));
    h.serve(t(20), 3, 5);
    h.arrive(t(30), 4, "q");
    assert_eq!(h.offered_name(4).as_deref(), Some("a0"), "a0's call ended first");
}

#[test]
fn least_talk_time_and_fewest_calls_disagree_when_they_should() {
    for policy in ["least-talk-time", "fewest-calls"] {
        let mut h = Harness::new(&(queue(policy) + &logged_out(2)));
        h.ready(t(0), "a0");
        h.ready(t(1), "a1");
        h.arrive(t(2), 1, "q");
        h.arrive(t(3), 2, "q");
        assert_eq!(h.offered_name(1).as_deref(), Some("a0"));
        assert_eq!(h.offered_name(2).as_deref(), Some("a1"));
        h.accept(t(4), 1, "a0");
        h.accept(t(4), 2, "a1");
        h.end(t(9), 1); // a0: 5 s
        h.arrive(t(10), 3, "q");
        assert_eq!(h.offered_name(3).as_deref(), Some("a0"));
        h.accept(t(10), 3, "a0");
        h.end(t(15), 3); // a0: two calls, 10 s of talk
        h.end(t(104), 2); // a1: one call, 100 s of talk
        h.arrive(t(200), 4, "q");
        // a0 has less talk time; a1 has fewer calls.
        let expect = if policy == "least-talk-time" { "a0" } else { "a1" };
        assert_eq!(h.offered_name(4).as_deref(), Some(expect), "{policy}");
    }
}

#[test]
fn fewest_calls_counts_answered_calls() {
    let mut h = Harness::new(&(queue("fewest-calls") + &logged_out(2)));
    h.ready(t(0), "a0");
    h.ready(t(0), "a1");
    for (i, at) in [(1, 1), (2, 10), (3, 20)] {
        h.arrive(t(at), i, "q");
        h.serve(t(at), i, 1);
    }
    // a0, a1, then a0 again (a0 idle longer at equal counts): a0 has 2, a1 has 1.
    h.arrive(t(30), 4, "q");
    assert_eq!(h.offered_name(4).as_deref(), Some("a1"));
}

#[test]
fn round_robin_remembers_where_it_stopped() {
    let mut h = Harness::new(&(queue("round-robin") + &agents_toml(3, "q")));
    let mut order = Vec::new();
    for i in 0..7 {
        h.arrive(t(10 * i), i, "q");
        order.push(h.offered_name(i).unwrap());
        h.serve(t(10 * i), i, 1);
    }
    assert_eq!(order, ["a0", "a1", "a2", "a0", "a1", "a2", "a0"]);
}

#[test]
fn round_robin_skips_busy_agents_and_wraps() {
    let mut h = Harness::new(&(queue("round-robin") + &agents_toml(3, "q")));
    h.arrive(t(1), 1, "q"); // a0, stays on the call
    h.accept(t(1), 1, "a0");
    h.arrive(t(2), 2, "q");
    assert_eq!(h.offered_name(2).as_deref(), Some("a1"));
    h.serve(t(2), 2, 1);
    h.arrive(t(5), 3, "q");
    assert_eq!(h.offered_name(3).as_deref(), Some("a2"));
    h.serve(t(5), 3, 1);
    h.arrive(t(8), 4, "q");
    assert_eq!(h.offered_name(4).as_deref(), Some("a1"), "a0 is busy: wrap to a1");
}

#[test]
fn linear_always_starts_from_the_top() {
    let mut h = Harness::new(&(queue("linear") + &agents_toml(3, "q")));
    for i in 0..3 {
        h.arrive(t(10 * i), i, "q");
        assert_eq!(h.offered_name(i).as_deref(), Some("a0"));
        h.serve(t(10 * i), i, 1);
    }
    h.arrive(t(40), 10, "q");
    h.arrive(t(40), 11, "q");
    assert_eq!(h.offered_name(11).as_deref(), Some("a1"));
}

#[test]
fn random_is_seeded_and_covers_every_agent() {
    let run = |seed: u64| {
        let text = format!("seed = {seed}\n") + &queue("random") + &agents_toml(4, "q");
        let mut h = Harness::new(&text);
        let mut picks = Vec::new();
        for i in 0..400 {
            h.arrive(t(10 * i), i, "q");
            picks.push(h.offered_to(i).unwrap().0);
            h.serve(t(10 * i), i, 1);
        }
        picks
    };
    let a = run(1);
    assert_eq!(a, run(1), "same seed, same picks");
    assert_ne!(a, run(2));
    for agent in 0..4 {
        let n = a.iter().filter(|&&x| x == agent).count();
        assert!((60..=140).contains(&n), "agent {agent} picked {n} of 400");
    }
}

#[test]
fn weighted_random_follows_the_weights() {
    let text = queue("weighted-random")
        + "[[agents]]\nname = \"light\"\nready = true\nqueues = [{ queue = \"q\", weight = 1 }]\n"
        + "[[agents]]\nname = \"heavy\"\nready = true\nqueues = [{ queue = \"q\", weight = 9 }]\n";
    let mut h = Harness::new(&text);
    let heavy = h.agent("heavy");
    let mut n = 0;
    for i in 0..1000 {
        h.arrive(t(10 * i), i, "q");
        if h.offered_to(i) == Some(heavy) {
            n += 1;
        }
        h.serve(t(10 * i), i, 1);
    }
    assert!((850..=950).contains(&n), "heavy picked {n} of 1000");
}

#[test]
fn random_respects_skills() {
    let text = "skills = [\"x\"]\n".to_owned()
        + &queue("random")
        + &agents_toml(6, "q").replacen("ready = true\n", "ready = true\nskills = { x = 5 }\n", 1);
    let mut h = Harness::new(&text);
    let x = h.skill("x");
    let q = h.queue("q");
    for i in 0..20 {
        h.arrive_call(t(i), NewCall::new(CallId(i), q).requirement(Requirement::skill(x, 1)));
        assert_eq!(h.offered_name(i).as_deref(), Some("a0"));
        h.serve(t(i), i, 0);
    }
}

#[test]
fn ring_all_rings_everyone_and_the_first_answer_wins() {
    let mut h = Harness::new(&(queue("ring-all") + &agents_toml(3, "q")));
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offers_of(1).len(), 3);
    assert_eq!(h.acd.ringing_agents(CallId(1)).len(), 3);
    h.accept(t(3), 1, "a1");
    let cancels: Vec<_> = h
        .actions
        .iter()
        .filter(|(_, a)| {
            matches!(a, Action::CancelOffer { reason: CancelReason::AnsweredElsewhere, .. })
        })
        .collect();
    assert_eq!(cancels.len(), 2);
    assert_eq!(h.acd.agent_state(h.agent("a0")), Some(AgentState::Ready));
    assert_eq!(h.acd.agent_state(h.agent("a1")), Some(AgentState::OnCall(CallId(1))));
    // A second call rings the two others only.
    h.arrive(t(4), 2, "q");
    assert_eq!(h.offers_of(2).len(), 2);
    // The late answer of a withdrawn offer is refused.
    let a0 = h.agent("a0");
    h.accept(t(5), 2, "a2");
    assert!(h.send(t(5), Event::OfferAccepted { call: CallId(2), agent: a0 }).is_err());
}

#[test]
fn ring_progressively_adds_an_agent_every_interval() {
    let text = "[[queues]]\nname = \"q\"\npolicy = \"ring-progressively\"\nring_every = \"5s\"\n"
        .to_owned()
        + &agents_toml(3, "q");
    let mut h = Harness::new(&text);
    h.arrive(t(0), 1, "q");
    assert_eq!(h.offers_of(1).len(), 1);
    h.run_until(t(5));
    assert_eq!(h.offers_of(1).len(), 2);
    assert_eq!(h.acd.ringing_agents(CallId(1)).len(), 2, "the first keeps ringing");
    h.run_until(t(10));
    assert_eq!(h.offers_of(1).len(), 3);
    let names: Vec<_> = h.offers_of(1).iter().map(|a| a.0).collect();
    assert_eq!(names, [0, 1, 2], "in position order");
    h.accept(t(11), 1, "a2");
    h.run_until(t(30));
    assert_eq!(h.offers_of(1).len(), 3);
    assert_eq!(h.acd.ringing_agents(CallId(1)).len(), 0);
}

#[test]
fn skills_best_match_takes_the_highest_proficiency_then_longest_idle() {
    let text = r#"
skills = ["billing", "tech"]
[[queues]]
name = "q"
policy = "skills-best-match"
[[agents]]
name = "novice"
queues = [{ queue = "q" }]
skills = { billing = 3 }
[[agents]]
name = "expert1"
queues = [{ queue = "q" }]
skills = { billing = 9, tech = 2 }
[[agents]]
name = "expert2"
queues = [{ queue = "q" }]
skills = { billing = 9 }
[[agents]]
name = "techie"
queues = [{ queue = "q" }]
skills = { tech = 10 }
"#;
    let mut h = Harness::new(text);
    h.ready(t(1), "novice");
    h.ready(t(2), "expert2");
    h.ready(t(3), "expert1");
    h.ready(t(4), "techie");
    let q = h.queue("q");
    let billing = h.skill("billing");
    let tech = h.skill("tech");
    h.arrive_call(t(10), NewCall::new(CallId(1), q).requirement(Requirement::skill(billing, 1)));
    assert_eq!(h.offered_name(1).as_deref(), Some("expert2"), "9 beats 3; expert2 idle longer");
    h.arrive_call(t(10), NewCall::new(CallId(2), q).requirement(Requirement::skill(billing, 1)));
    assert_eq!(h.offered_name(2).as_deref(), Some("expert1"));
    h.arrive_call(t(10), NewCall::new(CallId(3), q).requirement(Requirement::skill(billing, 5)));
    assert_eq!(h.offered_to(3), None, "the novice is below the minimum");
    h.arrive_call(
        t(10),
        NewCall::new(CallId(4), q).requirement(Requirement {
            all_of: vec![],
            any_of: vec![SkillNeed { skill: tech, min: 1 }, SkillNeed { skill: billing, min: 1 }],
        }),
    );
    assert_eq!(h.offered_name(4).as_deref(), Some("techie"));
}

#[test]
fn fastest_agent_first_prefers_short_handle_times() {
    let mut h = Harness::new(&(queue("fastest-agent") + &logged_out(2)));
    h.ready(t(0), "a0");
    h.ready(t(0), "a1");
    h.arrive(t(1), 1, "q");
    h.arrive(t(1), 2, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("a0"));
    h.serve(t(1), 1, 300);
    h.serve(t(1), 2, 60);
    h.arrive(t(400), 3, "q");
    assert_eq!(h.offered_name(3).as_deref(), Some("a1"));
}

#[test]
fn custom_policy_through_the_trait() {
    /// Picks the last eligible agent in the order (a deliberately odd policy).
    #[derive(Debug)]
    struct Last;
    impl RoutingPolicy for Last {
        fn name(&self) -> &str {
            "last"
        }
        fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
            candidates.iter().last().map_or(Selection::None, Selection::One)
        }
    }
    let mut h = Harness::new(&(queue("linear") + &agents_toml(3, "q")));
    let q = h.queue("q");
    h.acd.set_policy(q, Box::new(Last)).unwrap();
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("a2"));
}

#[test]
fn a_policy_returning_an_unavailable_agent_is_ignored() {
    #[derive(Debug)]
    struct Liar;
    impl RoutingPolicy for Liar {
        fn name(&self) -> &str {
            "liar"
        }
        fn select(&mut self, _: &mut Candidates<'_>) -> Selection {
            Selection::One(AgentId(12345))
        }
    }
    let mut h = Harness::new(&(queue("linear") + &agents_toml(1, "q")));
    let q = h.queue("q");
    h.acd.set_policy(q, Box::new(Liar)).unwrap();
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offered_to(1), None);
    assert_eq!(h.acd.waiting_calls(q), [CallId(1)]);
}

fn two_queues(selection: &str) -> String {
    format!(
        r#"queue_selection = "{selection}"
[[queues]]
name = "a"
aging = "1s"
share = 3
[[queues]]
name = "b"
aging = "1s"
share = 1
[[agents]]
name = "x"
queues = [{{ queue = "a" }}, {{ queue = "b" }}]
"#
    )
}

#[test]
fn queue_selection_oldest_call_first() {
    let mut h = Harness::new(two_queues("oldest-call"));
    let (qa, qb) = (h.queue("a"), h.queue("b"));
    h.arrive_call(t(1), NewCall::new(CallId(1), qb));
    h.arrive_call(t(2), NewCall::new(CallId(2), qa).priority(50));
    h.ready(t(5), "x");
    assert_eq!(h.offered_to(1), Some(h.agent("x")), "call 1 arrived first, despite priority");
}

#[test]
fn queue_selection_highest_priority_first() {
    let mut h = Harness::new(two_queues("highest-priority"));
    let (qa, qb) = (h.queue("a"), h.queue("b"));
    h.arrive_call(t(1), NewCall::new(CallId(1), qa).priority(1));
    h.arrive_call(t(2), NewCall::new(CallId(2), qb).priority(5));
    h.ready(t(3), "x");
    assert_eq!(h.offered_to(2), Some(h.agent("x")));
    // With aging (1 point a second), an old low-priority call overtakes.
    let mut h = Harness::new(two_queues("highest-priority"));
    h.arrive_call(t(0), NewCall::new(CallId(1), qa).priority(1));
    h.arrive_call(t(10), NewCall::new(CallId(2), qb).priority(5));
    h.ready(t(100), "x");
    assert_eq!(h.offered_to(1), Some(h.agent("x")), "1 + 100 beats 5 + 90");
}

#[test]
fn queue_selection_fixed_ratio_shares_calls() {
    let mut h = Harness::new(two_queues("fixed-ratio"));
    let (qa, qb) = (h.queue("a"), h.queue("b"));
    for i in 0..40 {
        h.arrive_call(t(0), NewCall::new(CallId(i), qa));
        h.arrive_call(t(0), NewCall::new(CallId(100 + i), qb));
    }
    h.ready(t(1), "x");
    let x = h.agent("x");
    let mut served = Vec::new();
    let mut at = 1;
    for _ in 0..20 {
        let call = h
            .actions
            .iter()
            .rev()
            .find_map(|(_, a)| match a {
                Action::Offer { call, agent, .. } if *agent == x => Some(*call),
                _ => None,
            })
            .unwrap();
        served.push(h.acd.call_queue(call).unwrap());
        h.ok(t(at), Event::OfferAccepted { call, agent: x });
        at += 1;
        h.ok(
            t(at),
            Event::CallEnded { call, end: CallEnd::HungUp, hold: std::time::Duration::ZERO },
        );
    }
    let from_a = served.iter().filter(|&&q| q == qa).count();
    assert_eq!(from_a, 15, "shares 3:1 give 15 of 20 to queue a: {served:?}");
}
