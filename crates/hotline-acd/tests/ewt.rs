//! The delay history the engine keeps for the wait estimators (issue 19 §2), through the public
//! API: the wait of the last call to enter service, the recent mean, the head of the line, the
//! abandonment rate, and an announcement by a history method.

use std::time::Duration;

use hotline_acd::{
    Acd, Action, CallEnd, CallId, Config, Event, EwtMethod, LastToEnterServiceEstimator, NewCall,
    QlAbandonmentEstimator, QlEstimator, QueueLoad, WaitEstimator,
};
use proptest::prelude::*;

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

fn any_load() -> impl Strategy<Value = QueueLoad> {
    let secs = || proptest::option::of((0u64..100_000).prop_map(Duration::from_millis));
    (
        (1usize..5000, 0usize..5000, 0usize..500, 0usize..50),
        (secs(), secs(), secs(), secs(), secs()),
        (proptest::option::of(0.0f64..1.0), proptest::option::of(0.0f64..10.0)),
        (0u64..200_000).prop_map(Duration::from_millis),
    )
        .prop_map(
            |(
                (position, waiting, serving, ready),
                (h, mh, les, recent, head),
                (rate, theta),
                elapsed,
            )| {
                QueueLoad {
                    position,
                    waiting,
                    serving,
                    ready,
                    recent_handle_time: h,
                    arrival_rate: rate,
                    elapsed,
                    mean_handle_time: mh,
                    abandonment_rate: theta,
                    last_entered_wait: les,
                    recent_wait: recent,
                    head_wait: head,
                }
            },
        )
}

proptest! {
    /// Every method answers any load without panicking; QL_m never exceeds QL (abandonment only
    /// shortens the wait), and both grow with the position.
    #[test]
    fn estimates_are_total_and_ordered(load in any_load()) {
        for m in EwtMethod::ESTIMATING {
            let _ = m.estimator().unwrap().estimate(&load);
        }
        let ql = QlEstimator.estimate(&load);
        let qlm = QlAbandonmentEstimator.estimate(&load);
        prop_assert_eq!(ql.is_some(), qlm.is_some());
        if let (Some(ql), Some(qlm)) = (ql, qlm) {
            prop_assert!(qlm <= ql + Duration::from_nanos(1), "{:?} > {:?}", qlm, ql);
            let next = QueueLoad { position: load.position + 1, ..load };
            let (ql2, qlm2) = (QlEstimator.estimate(&next).unwrap(), QlAbandonmentEstimator.estimate(&next).unwrap());
            prop_assert!(ql2 >= ql && qlm2 + Duration::from_nanos(1) >= qlm);
        }
    }
}

/// `Acd::keep_wait_history(false)` spares the waits of a queue whose estimator does not read
/// them (queue-state), and a queue whose estimator does (LES) keeps them regardless.
#[test]
fn waits_history_is_kept_only_where_something_reads_it() {
    for (method, kept) in [("queue-state", false), ("les", true)] {
        let mut acd = engine(method);
        acd.keep_wait_history(false);
        let q = acd.queue_id("q").unwrap();
        for (id, at) in [(1, 0), (2, 10)] {
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
        assert_eq!(l.last_entered_wait.is_some(), kept, "{method}: {l:?}");
        // The head of the line is read from the queue itself, not the history: always there.
        assert_eq!(l.head_wait, Some(t(20)), "{method}");
        // Turned back on, the history records from then on.
        acd.keep_wait_history(true);
        acd.handle_event(t(40), Event::CallerAbandoned { call: CallId(2) }).unwrap();
        assert!(load(&acd).abandonment_rate.is_some(), "{method}");
    }
}
