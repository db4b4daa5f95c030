//! Queue membership changed while the engine runs: agents join and leave queues, and change
//! tier, position or weight (Asterisk's AddQueueMember / RemoveQueueMember, FreeSWITCH tiers).

#![allow(clippy::string_add)] // tests build TOML texts by concatenation

mod common;
use common::*;
use hotline_acd::*;

const TWO_QUEUES: &str = r#"
skills = ["billing", "tech"]
[[queues]]
name = "q"
policy = "skills-best-match"
wrap_up = "10s"
[[queues]]
name = "other"
[[agents]]
name = "ann"
ready = true
skills = { billing = 5 }
queues = [{ queue = "other" }]
[[agents]]
name = "bob"
skills = { billing = 9, tech = 3 }
queues = [{ queue = "q" }, { queue = "other" }]
"#;

fn join(h: &mut Harness, at: u64, agent: &str, queue: &str, tier: u32, position: u32) {
    let m = Membership { queue: h.queue(queue), agent: h.agent(agent), tier, position, weight: 1 };
    h.ok(t(at), Event::MemberJoined(m));
}

#[test]
fn a_ready_agent_who_joins_takes_a_waiting_call_at_once() {
    let mut h = Harness::new(TWO_QUEUES);
    let q = h.queue("q");
    let billing = h.skill("billing");
    h.arrive_call(t(0), NewCall::new(CallId(1), q).requirement(Requirement::skill(billing, 1)));
    assert_eq!(h.offered_to(1), None, "nobody ready in q");
    join(&mut h, 5, "ann", "q", 0, 1);
    assert_eq!(h.offered_name(1).as_deref(), Some("ann"));
    assert!(h.acd.memberships(h.agent("ann")).iter().any(|m| m.queue == q));
}

#[test]
fn a_joined_agent_is_indexed_by_skill_and_found_by_best_match() {
    let mut h = Harness::new(TWO_QUEUES);
    let q = h.queue("q");
    let billing = h.skill("billing");
    join(&mut h, 1, "ann", "q", 1, 1);
    assert_eq!(h.acd.ready_agents(q), vec![h.agent("ann")]);
    h.ready(t(2), "bob");
    // bob (billing 9) beats ann (billing 5) for a billing call although ann is idle longer.
    h.arrive_call(t(3), NewCall::new(CallId(1), q).requirement(Requirement::skill(billing, 1)));
    assert_eq!(h.offered_name(1).as_deref(), Some("bob"));
}

#[test]
fn a_ringing_agent_who_leaves_the_queue_has_the_offer_withdrawn_and_the_call_goes_on() {
    let mut h = Harness::new(TWO_QUEUES);
    let q = h.queue("q");
    h.ready(t(0), "bob");
    join(&mut h, 0, "ann", "q", 2, 2); // a higher tier than bob's 1: bob first
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("bob"));
    let bob = h.agent("bob");
    h.ok(t(2), Event::MemberLeft { agent: bob, queue: q });
    assert!(h.actions.iter().any(|(_, a)| matches!(
        a,
        Action::CancelOffer { call: CallId(1), agent, reason: CancelReason::AgentLeftQueue } if *agent == bob
    )));
    assert_eq!(h.offered_name(1).as_deref(), Some("ann"), "the call is routed again");
    // bob is ready again, for his other queue only, and was not charged a missed offer.
    assert_eq!(h.acd.agent_state(bob), Some(AgentState::Ready));
    assert!(!h.acd.ready_agents(q).contains(&bob));
    assert!(h.acd.ready_agents(h.queue("other")).contains(&bob));
    assert_eq!(h.acd.agent_stats(bob).unwrap().counters.missed_offers, 0);
    // An answer from bob now is refused; ann's is taken.
    assert!(h.send(t(3), Event::OfferAccepted { call: CallId(1), agent: bob }).is_err());
    h.accept(t(3), 1, "ann");
    assert_eq!(h.acd.connected_agent(CallId(1)), Some(h.agent("ann")));
}

#[test]
fn a_ringing_agent_who_leaves_with_nobody_else_leaves_the_call_waiting() {
    let mut h = Harness::new(TWO_QUEUES);
    let q = h.queue("q");
    h.ready(t(0), "bob");
    h.arrive(t(1), 1, "q");
    let bob = h.agent("bob");
    h.ok(t(2), Event::MemberLeft { agent: bob, queue: q });
    assert_eq!(h.acd.waiting_calls(q), vec![CallId(1)]);
    assert_eq!(h.acd.position(CallId(1)), Some(1));
    // Joining again brings it straight back.
    join(&mut h, 3, "bob", "q", 0, 1);
    assert_eq!(h.offers_of(1), vec![bob, bob]);
}

#[test]
fn an_agent_who_leaves_during_a_call_finishes_it_with_wrap_up() {
    let mut h = Harness::new(TWO_QUEUES);
    let q = h.queue("q");
    h.ready(t(0), "bob");
    h.arrive(t(1), 1, "q");
    h.accept(t(2), 1, "bob");
    let bob = h.agent("bob");
    h.ok(t(3), Event::MemberLeft { agent: bob, queue: q });
    assert_eq!(h.acd.connected_agent(CallId(1)), Some(bob));
    h.end(t(30), 1);
    assert_eq!(h.acd.agent_state(bob), Some(AgentState::WrapUp), "q's wrap-up applies");
    h.run_until(t(40));
    assert_eq!(h.acd.agent_state(bob), Some(AgentState::Ready));
    h.arrive(t(41), 2, "q");
    assert_eq!(h.offered_to(2), None, "bob is no longer a member");
    assert_eq!(h.acd.queue_stats(q).unwrap().counters.answered, 1);
}

#[test]
fn changing_a_members_tier_reorders_who_is_offered_first() {
    let mut h = Harness::new(
        "[[queues]]\nname = \"q\"\npolicy = \"linear\"\n".to_owned() + &agents_toml(3, "q"),
    );
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offered_name(1).as_deref(), Some("a0"));
    // a0 moves to tier 5 (Asterisk: a higher penalty), a2 to position 0.
    join(&mut h, 2, "a0", "q", 5, 1);
    join(&mut h, 2, "a2", "q", 1, 0);
    h.accept(t(3), 1, "a0");
    h.arrive(t(4), 2, "q");
    assert_eq!(h.offered_name(2).as_deref(), Some("a2"));
    h.arrive(t(5), 3, "q");
    assert_eq!(h.offered_name(3).as_deref(), Some("a1"));
    let a0 = h.agent("a0");
    assert_eq!(h.acd.memberships(a0).len(), 1, "an update, not a second membership");
    assert_eq!(h.acd.memberships(a0)[0].tier, 5);
}

#[test]
fn membership_events_name_what_is_wrong() {
    let mut h = Harness::new(TWO_QUEUES);
    let (q, ann) = (h.queue("q"), h.agent("ann"));
    assert_eq!(
        h.send(t(0), Event::MemberLeft { agent: ann, queue: q }),
        Err(AcdError::NotAMember { agent: ann, queue: q })
    );
    assert_eq!(
        h.send(t(0), Event::MemberLeft { agent: AgentId(99), queue: q }),
        Err(AcdError::UnknownAgent(AgentId(99)))
    );
    let m = Membership { queue: QueueId(9), agent: ann, tier: 0, position: 0, weight: 1 };
    assert_eq!(h.send(t(0), Event::MemberJoined(m)), Err(AcdError::UnknownQueue(QueueId(9))));
    let m = Membership { queue: q, agent: AgentId(99), tier: 0, position: 0, weight: 1 };
    assert_eq!(h.send(t(0), Event::MemberJoined(m)), Err(AcdError::UnknownAgent(AgentId(99))));
}

#[test]
fn weighted_random_draws_only_current_members() {
    let mut h = Harness::new(
        "[[queues]]\nname = \"q\"\npolicy = \"weighted-random\"\n".to_owned()
            + &agents_toml(3, "q"),
    );
    let q = h.queue("q");
    let a1 = h.agent("a1");
    h.ok(t(0), Event::MemberLeft { agent: h.agent("a0"), queue: q });
    h.ok(t(0), Event::MemberLeft { agent: h.agent("a2"), queue: q });
    for id in 1..=5 {
        h.arrive(t(id), id, "q");
        assert_eq!(h.offered_to(id), Some(a1));
        h.serve(t(id), id, 0);
    }
}
