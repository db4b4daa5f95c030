//! The delay history the engine keeps for the wait estimators (issue 19 §2), through the public
//! API: the wait of the last call to enter service, the recent mean, the head of the line, the
//! abandonment rate, and an announcement by a history method.

use std::time::Duration;

use hotline_acd::{
    Acd, Action, CallEnd, CallId, Config, Event, LastToEnterServiceEstimator, NewCall, QueueLoad,
    WaitEstimator,
};

fn t(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn engine(method: &str) -> Acd {
    let config = Config::from_toml_checked(&format!(
        r#"
        [[queues]]
        name = "q"
        announce = {{ first_after = "5s", every = "10s", method = "{method}" }}
        [[agents]]
        name = "ann"
        ready = true
        queues = [{{ queue = "q" }}]
        "#
    ))
    .unwrap();
    Acd::new(&config).unwrap()
}

fn drain(acd: &mut Acd) -> Vec<Action> {
    std::iter::from_fn(|| acd.poll_action()).collect()
}

fn load(acd: &Acd) -> QueueLoad {
    acd.queue_load(acd.queue_id("q").unwrap(), 2).unwrap()
}

#[test]
fn the_engine_records_waits_for_the_history_estimators() {
    let mut acd = engine("les");
    let q = acd.queue_id("q").unwrap();
    let empty = load(&acd);
    assert_eq!(
        (empty.last_entered_wait, empty.recent_wait, empty.head_wait, empty.abandonment_rate),
        (None, None, None, None)
    );
    // Call 1 is offered at once; calls 2 and 3 wait behind it.
    for (id, at) in [(1, 0), (2, 10), (3, 20)] {
        acd.handle_event(t(at), Event::CallArrived(NewCall::new(CallId(id), q))).unwrap();
    }
    let agent = drain(&mut acd)
        .iter()
        .find_map(|a| match a {
            Action::Offer { call: CallId(1), agent, .. } => Some(*agent),
            _ => None,
        })
        .unwrap();
    acd.handle_event(t(30), Event::OfferAccepted { call: CallId(1), agent }).unwrap();
    let l = load(&acd);
    assert_eq!(l.last_entered_wait, Some(t(30)));
    assert_eq!(l.head_wait, Some(t(20)), "call 2 has waited since 10 s");
    // Call 3 gives up after 40 s: one abandonment in 30 + 40 s of waiting.
    acd.handle_event(t(60), Event::CallerAbandoned { call: CallId(3) }).unwrap();
    let rate = load(&acd).abandonment_rate.unwrap();
    assert!((rate - 1.0 / 70.0).abs() < 1e-12, "{rate}");
    // Call 1 ends; call 2 (waited 10 → 70 s) is offered and answered at 80 s.
    acd.handle_event(
        t(70),
        Event::CallEnded { call: CallId(1), end: CallEnd::HungUp, hold: Duration::ZERO },
    )
    .unwrap();
    drain(&mut acd);
    acd.handle_timeout(t(70));
    drain(&mut acd);
    acd.handle_event(t(80), Event::OfferAccepted { call: CallId(2), agent }).unwrap();
    let l = load(&acd);
    assert_eq!(l.last_entered_wait, Some(t(70)));
    assert_eq!(l.recent_wait, Some(t(50)), "mean of 30 and 70 s");
    assert_eq!(l.head_wait, None, "nobody waits");
    assert_eq!(l.mean_handle_time, Some(t(40)), "call 1 talked from 30 to 70 s, no wrap-up");
}

#[test]
fn a_history_method_announces_the_last_wait_less_the_callers_own() {
    let mut acd = engine("les");
    let q = acd.queue_id("q").unwrap();
    acd.handle_event(t(0), Event::CallArrived(NewCall::new(CallId(1), q))).unwrap();
    acd.handle_event(t(0), Event::CallArrived(NewCall::new(CallId(2), q))).unwrap();
    let agent = drain(&mut acd)
        .iter()
        .find_map(|a| match a {
            Action::Offer { agent, .. } => Some(*agent),
            _ => None,
        })
        .unwrap();
    acd.handle_event(t(1), Event::OfferAccepted { call: CallId(1), agent }).unwrap();
    acd.handle_event(t(50), Event::CallArrived(NewCall::new(CallId(3), q))).unwrap();
    acd.handle_event(
        t(100),
        Event::CallEnded { call: CallId(1), end: CallEnd::HungUp, hold: Duration::ZERO },
    )
    .unwrap();
    acd.handle_timeout(t(100));
    drain(&mut acd);
    acd.handle_event(t(100), Event::OfferAccepted { call: CallId(2), agent }).unwrap();
    drain(&mut acd);
    // Call 2 waited 100 s; call 3, waiting since 50 s, hears 100 − 55 = 45 s at 105 s.
    acd.handle_timeout(t(110));
    let announced: Vec<Option<Duration>> = drain(&mut acd)
        .iter()
        .filter_map(|a| match a {
            Action::Announce { call: CallId(3), estimated_wait, .. } => Some(*estimated_wait),
            _ => None,
        })
        .collect();
    assert_eq!(announced.last(), Some(&Some(t(45))), "{announced:?}");
    assert_eq!(acd.estimated_wait(CallId(3)), Some(t(40)));
    let at_arrival = load(&acd);
    assert_eq!(LastToEnterServiceEstimator.estimate(&at_arrival), Some(t(100)));
}
