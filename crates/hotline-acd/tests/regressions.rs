//! Named regression tests for interactions that have bitten Asterisk app_queue and FreeSWITCH
//! mod_callcenter users.
#![allow(clippy::string_add)] // tests build TOML texts by concatenation

mod common;
use common::*;
use hotline_acd::*;

/// Asterisk: an agent in two queues with different weights and penalties must take the call of
/// the higher-weight queue, whatever its penalty there (as long as the penalty is reachable).
#[test]
fn agent_in_two_queues_gets_the_call_of_the_higher_weight_queue() {
    let mut h = Harness::new(
        r#"
[[queues]]
name = "low"
weight = 1
[[queues]]
name = "high"
weight = 10
[[agents]]
name = "x"
queues = [{ queue = "low", tier = 1 }, { queue = "high", tier = 5 }]
[[agents]]
name = "other"
queues = [{ queue = "low", tier = 1 }, { queue = "high", tier = 1 }]
"#,
    );
    // Calls wait in both queues; the one in "low" is older and has a higher priority.
    let (low, high) = (h.queue("low"), h.queue("high"));
    h.arrive_call(t(0), NewCall::new(CallId(1), low).priority(9));
    h.arrive_call(t(5), NewCall::new(CallId(2), high));
    h.ready(t(10), "x");
    assert_eq!(h.offered_name(2).as_deref(), Some("x"), "higher weight wins");
    assert_eq!(h.offered_to(1), None);
    // And the call of the lower-weight queue goes next.
    h.ready(t(11), "other");
    assert_eq!(h.offered_name(1).as_deref(), Some("other"));
}

/// Asterisk: wrapuptime was not applied when the agent transferred the call.
#[test]
fn wrap_up_applies_after_a_transferred_call() {
    let mut h = Harness::new(
        "[[queues]]\nname = \"q\"\nwrap_up = \"30s\"\n".to_owned() + &agents_toml(1, "q"),
    );
    h.arrive(t(0), 1, "q");
    h.accept(t(1), 1, "a0");
    h.ok(t(60), Event::CallEnded { call: CallId(1), end: CallEnd::Transferred, hold: t(0) });
    let a0 = h.agent("a0");
    assert_eq!(h.acd.agent_state(a0), Some(AgentState::WrapUp));
    h.arrive(t(61), 2, "q");
    assert_eq!(h.offered_to(2), None, "no offer during wrap-up");
    h.run_until(t(89));
    assert_eq!(h.offered_to(2), None);
    h.run_until(t(90));
    assert_eq!(h.offered_to(2), Some(a0), "offered when wrap-up ends");
}

/// FreeSWITCH: top-down stopped distributing when the last agent in the order was
/// unavailable.
#[test]
fn top_down_keeps_distributing_when_the_last_agent_in_the_order_is_unavailable() {
    let mut h = Harness::new(
        "[[queues]]\nname = \"q\"\npolicy = \"top-down\"\n".to_owned() + &agents_toml(3, "q"),
    );
    h.not_ready(t(0), "a2");
    for i in 0..6 {
        h.arrive(t(10 * i), i, "q");
        assert_eq!(h.offered_name(i).as_deref(), Some("a0"));
        h.serve(t(10 * i), i, 1);
    }
    // With a0 busy the next goes to a1, and with both busy the call waits for the first free.
    h.arrive(t(100), 10, "q");
    h.accept(t(100), 10, "a0");
    h.arrive(t(101), 11, "q");
    assert_eq!(h.offered_name(11).as_deref(), Some("a1"));
    h.accept(t(101), 11, "a1");
    h.arrive(t(102), 12, "q");
    assert_eq!(h.offered_to(12), None);
    h.end(t(110), 11);
    assert_eq!(h.offered_name(12).as_deref(), Some("a1"));
}

/// Callers are served in order of priority plus aging, never by arrival alone nor by static
/// priority alone.
#[test]
fn callers_are_always_served_in_effective_priority_order() {
    // Aging: one point per 10 s.
    let mut h = Harness::new(
        "[[queues]]\nname = \"q\"\naging = \"10s\"\n".to_owned()
            + &agents_toml(1, "q").replace("ready = true\n", ""),
    );
    let q = h.queue("q");
    // Effective priority at t = 100: call 1: 0 + 10 = 10; call 2: 5 + 6 = 11; call 3: 8 + 2 = 10
    // (arrived later than call 1); call 4: VIP, first whatever its priority.
    h.arrive_call(t(0), NewCall::new(CallId(1), q));
    h.arrive_call(t(40), NewCall::new(CallId(2), q).priority(5));
    h.arrive_call(t(80), NewCall::new(CallId(3), q).priority(8));
    h.arrive_call(t(90), NewCall::new(CallId(4), q).priority(-100).vip());
    assert_eq!(h.acd.waiting_calls(q), [CallId(4), CallId(2), CallId(1), CallId(3)]);
    h.ready(t(100), "a0");
    let mut served = Vec::new();
    for at in [100, 110, 120, 130] {
        let (_, Action::Offer { call, .. }) = h.actions.last().cloned().unwrap() else {
            panic!("the freed agent was offered the next call")
        };
        assert_eq!(h.acd.waiting_calls(q).len(), 3 - served.len());
        served.push(call);
        h.serve(t(at), call.0, 5);
    }
    assert_eq!(served, [CallId(4), CallId(2), CallId(1), CallId(3)]);
}

/// Asterisk leastrecent: an agent who just finished a call (in another queue) must not be
/// offered the next call while another member has been idle longer.
#[test]
fn least_recent_never_reoffers_to_the_same_agent_while_another_has_been_idle_longer() {
    let mut h = Harness::new(
        r#"
[[queues]]
name = "a"
policy = "least-recent"
[[queues]]
name = "b"
policy = "least-recent"
[[agents]]
name = "busy"
queues = [{ queue = "a" }, { queue = "b" }]
[[agents]]
name = "idle"
queues = [{ queue = "b" }]
"#,
    );
    h.ready(t(0), "busy");
    h.ready(t(1), "idle");
    // "idle" had a call long ago; "busy" has one now in queue a.
    h.arrive(t(2), 1, "b");
    assert_eq!(h.offered_name(1).as_deref(), Some("busy"));
    h.serve(t(2), 1, 3); // busy's last call ended at 5
    h.arrive(t(6), 2, "b");
    assert_eq!(h.offered_name(2).as_deref(), Some("idle"));
    h.serve(t(6), 2, 4); // idle's last call ended at 10
    h.arrive(t(20), 3, "a");
    assert_eq!(h.offered_name(3).as_deref(), Some("busy"));
    h.serve(t(20), 3, 10); // busy's last call (queue a) ended at 30
    h.arrive(t(40), 4, "b");
    assert_eq!(h.offered_name(4).as_deref(), Some("idle"), "idle since 10 beats busy since 30");
    // A declined offer does not make the decliner "less recent" than the others either.
    h.ok(t(41), Event::OfferRejected { call: CallId(4), agent: h.agent("idle"), busy: false });
    assert_eq!(h.offered_name(4).as_deref(), Some("busy"));
}

/// An abandoned caller who calls again within the resume window gets its old place back.
#[test]
fn abandoned_caller_who_calls_back_within_the_window_resumes_its_place() {
    let mut h = Harness::new(
        "[[queues]]\nname = \"q\"\nresume_window = \"2m\"\n".to_owned()
            + &agents_toml(1, "q").replace("ready = true\n", ""),
    );
    let q = h.queue("q");
    h.arrive_call(t(0), NewCall::new(CallId(1), q).caller("+4930123"));
    h.arrive_call(t(10), NewCall::new(CallId(2), q).caller("+4930999"));
    h.arrive_call(t(20), NewCall::new(CallId(3), q).caller("+4930555"));
    h.ok(t(30), Event::CallerAbandoned { call: CallId(1) });
    assert_eq!(h.acd.waiting_calls(q), [CallId(2), CallId(3)]);
    // Calls back within the window: ahead of 2 and 3 again.
    h.arrive_call(t(60), NewCall::new(CallId(4), q).caller("+4930123"));
    assert_eq!(h.acd.waiting_calls(q), [CallId(4), CallId(2), CallId(3)]);
    assert_eq!(h.acd.position(CallId(4)), Some(1));
    // Outside the window, a new caller takes the back of the line.
    h.ok(t(70), Event::CallerAbandoned { call: CallId(2) });
    h.arrive_call(t(200), NewCall::new(CallId(5), q).caller("+4930999"));
    assert_eq!(h.acd.waiting_calls(q), [CallId(4), CallId(3), CallId(5)]);
    // The counters see two abandoned attempts and five offered.
    let c = h.acd.queue_stats(q).unwrap().counters;
    assert_eq!((c.offered, c.abandoned), (5, 2));
}
