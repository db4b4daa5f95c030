//! Agent-state transitions: log-in, not ready with a reason, wrap-up, pending states,
//! max-no-answer, reject, busy and no-answer delays, outbound, time in state.
#![allow(clippy::string_add)] // tests build TOML texts by concatenation

mod common;
use common::*;
use hotline_acd::*;

fn setup(agent_extra: &str, queue_extra: &str) -> Harness {
    Harness::new(format!(
        "[[queues]]\nname = \"q\"\n{queue_extra}\n[[agents]]\nname = \"a\"\nqueues = [{{ queue = \"q\" }}]\n{agent_extra}\n\
         [[agents]]\nname = \"b\"\nqueues = [{{ queue = \"q\" }}]\n"
    ))
}

#[test]
fn logged_out_and_not_ready_agents_get_no_calls() {
    let mut h = setup("", "");
    h.arrive(t(1), 1, "q");
    assert_eq!(h.offered_to(1), None);
    let a = h.agent("a");
    h.ok(t(2), Event::AgentState { agent: a, state: AgentRequest::NotReady(42) });
    assert_eq!(h.acd.agent_state(a), Some(AgentState::NotReady(NotReadyReason::Code(42))));
    assert_eq!(h.offered_to(1), None);
    h.ready(t(3), "a");
    assert_eq!(h.offered_to(1), Some(a));
}

#[test]
fn going_not_ready_removes_the_agent_from_routing() {
    let mut h = setup("", "");
    h.ready(t(0), "a");
    h.not_ready(t(1), "a");
    h.arrive(t(2), 1, "q");
    assert_eq!(h.offered_to(1), None);
    assert!(h.acd.ready_agents(h.queue("q")).is_empty());
}

#[test]
fn wrap_up_timer_and_early_end() {
    let mut h = setup("", "wrap_up = \"20s\"");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(1), 1, "q");
    h.accept(t(2), 1, "a");
    h.end(t(10), 1);
    assert_eq!(h.acd.agent_state(a), Some(AgentState::WrapUp));
    assert_eq!(h.acd.poll_timeout().map(|d| d >= t(30)), Some(true));
    h.run_until(t(30));
    assert_eq!(h.acd.agent_state(a), Some(AgentState::Ready));
    assert!(
        h.actions
            .iter()
            .any(|(_, x)| *x == Action::AgentStateChanged { agent: a, state: AgentState::Ready })
    );
    // The agent ends the next wrap-up early.
    h.arrive(t(40), 2, "q");
    h.accept(t(40), 2, "a");
    h.end(t(50), 2);
    h.ok(t(55), Event::WrapUpEnded { agent: a });
    assert_eq!(h.acd.agent_state(a), Some(AgentState::Ready));
    let wrap = h.acd.agent_stats(a).unwrap().counters.wrap_up_time;
    assert_eq!(wrap, t(25));
    // A stale wrap-up end is refused.
    assert_eq!(h.send(t(56), Event::WrapUpEnded { agent: a }), Err(AcdError::NotWrappingUp(a)));
    // And the old timer of the ended wrap-up does nothing.
    h.run_until(t(75));
    assert_eq!(h.acd.agent_state(a), Some(AgentState::Ready));
}

#[test]
fn agent_wrap_up_overrides_the_queue() {
    let mut h = setup("wrap_up = \"5s\"", "wrap_up = \"60s\"");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(1), 1, "q");
    h.accept(t(1), 1, "a");
    h.end(t(2), 1);
    h.run_until(t(7));
    assert_eq!(h.acd.agent_state(a), Some(AgentState::Ready));
}

#[test]
fn not_ready_asked_on_a_call_applies_after_wrap_up() {
    let mut h = setup("", "wrap_up = \"10s\"");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(1), 1, "q");
    h.accept(t(1), 1, "a");
    h.ok(t(5), Event::AgentState { agent: a, state: AgentRequest::NotReady(7) });
    assert_eq!(h.acd.agent_state(a), Some(AgentState::OnCall(CallId(1))));
    h.end(t(20), 1);
    assert_eq!(h.acd.agent_state(a), Some(AgentState::WrapUp));
    h.run_until(t(30));
    let state = AgentState::NotReady(NotReadyReason::Code(7));
    assert_eq!(h.acd.agent_state(a), Some(state));
    assert!(h.actions.iter().any(|(_, x)| *x == Action::AgentStateChanged { agent: a, state }));
}

#[test]
fn log_out_asked_while_ringing_applies_when_the_offer_ends() {
    let mut h = setup("", "");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(1), 1, "q");
    h.ok(t(2), Event::AgentState { agent: a, state: AgentRequest::LoggedOut });
    h.ok(t(3), Event::OfferRejected { call: CallId(1), agent: a, busy: false });
    assert_eq!(h.acd.agent_state(a), Some(AgentState::LoggedOut));
    assert_eq!(h.acd.waiting_calls(h.queue("q")), [CallId(1)]);
}

#[test]
fn max_no_answer_makes_the_agent_not_ready() {
    let mut h = setup("max_no_answer = 2", "offer_timeout = \"15s\"");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(1), 1, "q");
    h.run_until(t(16));
    assert!(
        h.actions
            .iter()
            .any(|(_, x)| matches!(x, Action::CancelOffer { reason: CancelReason::NoAnswer, .. }))
    );
    // Re-offered (the only agent), rings out again: not ready.
    assert_eq!(h.offers_of(1), [a, a]);
    h.run_until(t(31));
    let state = AgentState::NotReady(NotReadyReason::MaxNoAnswer);
    assert_eq!(h.acd.agent_state(a), Some(state));
    assert!(h.actions.iter().any(|(_, x)| *x == Action::AgentStateChanged { agent: a, state }));
    assert_eq!(h.acd.agent_stats(a).unwrap().counters.missed_offers, 2);
    // Another agent takes the call when it logs in.
    h.ready(t(40), "b");
    assert_eq!(h.offered_name(1).as_deref(), Some("b"));
}

#[test]
fn an_answer_resets_the_no_answer_streak() {
    let mut h = setup("max_no_answer = 2", "");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(1), 1, "q");
    h.ok(t(2), Event::OfferTimedOut { call: CallId(1), agent: a });
    h.accept(t(3), 1, "a");
    h.end(t(4), 1);
    h.arrive(t(5), 2, "q");
    h.ok(t(6), Event::OfferTimedOut { call: CallId(2), agent: a });
    assert_eq!(h.acd.agent_state(a), Some(AgentState::Offered(CallId(2))), "streak is 1, not 2");
}

#[test]
fn reject_busy_and_no_answer_delays() {
    for (event, delay) in [("reject", 10), ("busy", 20), ("no-answer", 30)] {
        let mut h = setup(
            "reject_delay = \"10s\"\nbusy_delay = \"20s\"\nno_answer_delay = \"30s\"\nmax_no_answer = 0",
            "",
        );
        let a = h.agent("a");
        h.ready(t(0), "a");
        h.arrive(t(100), 1, "q");
        let ev = match event {
            "reject" => Event::OfferRejected { call: CallId(1), agent: a, busy: false },
            "busy" => Event::OfferRejected { call: CallId(1), agent: a, busy: true },
            _ => Event::OfferTimedOut { call: CallId(1), agent: a },
        };
        h.ok(t(101), ev);
        assert_eq!(h.acd.agent_state(a), Some(AgentState::Ready), "{event}");
        h.run_until(t(100 + delay));
        assert_eq!(h.offers_of(1).len(), 1, "{event}: held back until 101 + {delay}");
        h.run_until(t(101 + delay));
        assert_eq!(h.offers_of(1).len(), 2, "{event}: offered again after the delay");
    }
}

#[test]
fn outbound_agents_are_busy() {
    let mut h = setup("", "");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.ok(t(1), Event::AgentState { agent: a, state: AgentRequest::Outbound });
    h.arrive(t(2), 1, "q");
    assert_eq!(h.offered_to(1), None);
    assert_eq!(h.acd.agent_state(a), Some(AgentState::Outbound));
    h.ready(t(60), "a");
    assert_eq!(h.offered_to(1), Some(a));
    let c = h.acd.agent_stats(a).unwrap().counters;
    assert_eq!(c.time_in(StateKind::Outbound), t(59));
}

#[test]
fn time_in_each_state_adds_up() {
    let mut h = setup("", "wrap_up = \"10s\"");
    let a = h.agent("a");
    h.ready(t(0), "a");
    h.arrive(t(5), 1, "q"); // ready 0..5
    h.accept(t(8), 1, "a"); // offered 5..8
    h.end(t(68), 1); // on call 8..68
    h.run_until(t(78)); // wrap-up 68..78
    h.not_ready(t(100), "a"); // ready 78..100
    h.run_until(t(130));
    let s = h.acd.agent_stats(a).unwrap();
    let c = s.counters;
    assert_eq!(c.time_in(StateKind::Ready), t(27));
    assert_eq!(c.time_in(StateKind::Offered), t(3));
    assert_eq!(c.time_in(StateKind::OnCall), t(60));
    assert_eq!(c.time_in(StateKind::WrapUp), t(10));
    assert_eq!(c.time_in(StateKind::NotReady), t(30));
    assert_eq!(c.logged_in(), t(130));
    assert_eq!(c.calls, 1);
    assert_eq!(c.talk_time, t(60));
    let occupancy = c.occupancy().unwrap();
    assert!((occupancy - 70.0 / 100.0).abs() < 1e-12, "{occupancy}");
    let utilisation = c.utilisation().unwrap();
    assert!((utilisation - 70.0 / 130.0).abs() < 1e-12, "{utilisation}");
    assert_eq!(s.in_state_for, t(30));
}

#[test]
fn unknown_ids_are_errors_not_panics() {
    let mut h = setup("", "");
    assert_eq!(
        h.send(t(0), Event::AgentState { agent: AgentId(99), state: AgentRequest::Ready }),
        Err(AcdError::UnknownAgent(AgentId(99)))
    );
    assert_eq!(
        h.send(t(0), Event::CallArrived(NewCall::new(CallId(1), QueueId(9)))),
        Err(AcdError::UnknownQueue(QueueId(9)))
    );
    assert_eq!(
        h.send(t(0), Event::CallerAbandoned { call: CallId(5) }),
        Err(AcdError::UnknownCall(CallId(5)))
    );
    let q = h.queue("q");
    let bad = NewCall::new(CallId(2), q).requirement(Requirement::skill(SkillId(77), 1));
    assert_eq!(h.send(t(0), Event::CallArrived(bad)), Err(AcdError::UnknownSkill(SkillId(77))));
    h.arrive(t(1), 3, "q");
    assert_eq!(
        h.send(t(1), Event::CallArrived(NewCall::new(CallId(3), q))),
        Err(AcdError::DuplicateCall(CallId(3)))
    );
    assert_eq!(
        h.send(t(1), Event::CallEnded { call: CallId(3), end: CallEnd::HungUp, hold: t(0) }),
        Err(AcdError::NotAnswered(CallId(3)))
    );
}

#[test]
fn extreme_times_do_not_panic() {
    let mut h = setup(
        "reject_delay = \"10s\"",
        "wrap_up = \"1h\"\noffer_timeout = \"20s\"\nmax_wait = \"1h\"\nresume_window = \"1h\"\naging = \"1s\"\nannounce = { first_after = \"1s\", every = \"1s\" }",
    );
    let q = h.queue("q");
    let a = h.agent("a");
    let max = std::time::Duration::MAX;
    h.ready(t(0), "a");
    h.arrive_call(max, NewCall::new(CallId(1), q).priority(i32::MAX).caller("x"));
    h.arrive_call(max, NewCall::new(CallId(2), q).priority(i32::MIN).vip());
    h.ok(max, Event::OfferRejected { call: CallId(1), agent: a, busy: false });
    h.ok(max, Event::CallerAbandoned { call: CallId(2) });
    h.run_until(max);
    h.ready(max, "b");
    let _ = h.send(max, Event::OfferAccepted { call: CallId(1), agent: h.agent("b") });
    let _ = h.send(max, Event::CallEnded { call: CallId(1), end: CallEnd::HungUp, hold: max });
    h.run_until(max);
    let s = h.acd.agent_stats(a).unwrap();
    let _ = (s.counters.occupancy(), s.counters.utilisation(), s.counters.logged_in());
    let qs = h.acd.queue_stats(q).unwrap();
    let _ = (qs.counters.average_handle_time(), qs.counters.average_speed_of_answer());
    let _ = h.acd.take_intervals();
}

/// Every change of state, whoever makes it, comes out of the state log in order with its time;
/// turning the log on starts with every agent's current state; off, nothing is kept.
#[test]
fn the_state_log_records_every_change_with_its_time() {
    let mut h = setup("", "wrap_up = \"20s\"");
    let (a, b) = (h.agent("a"), h.agent("b"));
    h.ready(t(0), "a");
    assert_eq!(h.acd.poll_agent_state(), None, "off by default");
    h.acd.record_agent_states(true);
    h.arrive(t(1), 1, "q");
    h.accept(t(2), 1, "a");
    // Turned on again while on: nothing not yet taken is lost.
    h.acd.record_agent_states(true);
    h.ok(t(5), Event::AgentState { agent: a, state: AgentRequest::NotReady(7) });
    h.end(t(10), 1);
    h.run_until(t(30));
    h.ok(t(40), Event::AgentState { agent: a, state: AgentRequest::LoggedOut });
    let mut log = Vec::new();
    while let Some(c) = h.acd.poll_agent_state() {
        log.push((c.at, c.agent, c.state));
    }
    let call = CallId(1);
    assert_eq!(
        log,
        vec![
            (t(0), a, AgentState::Ready),
            (t(0), b, AgentState::LoggedOut),
            (t(1), a, AgentState::Offered(call)),
            (t(2), a, AgentState::OnCall(call)),
            (t(10), a, AgentState::WrapUp),
            (t(30), a, AgentState::NotReady(NotReadyReason::Code(7))),
            (t(40), a, AgentState::LoggedOut),
        ]
    );
    h.acd.record_agent_states(false);
    h.ready(t(50), "a");
    assert_eq!(h.acd.poll_agent_state(), None);
}
