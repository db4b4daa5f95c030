//! The engine's behaviour through its public API: every mode, outcome, retry rule, the
//! 2-second rule, calling windows across a holiday and a time zone, refusal and do-not-call lists.

use std::time::Duration;

use hotline_calendar::Calendar;
use hotline_dialer::compliance::{AuditEvent, SkipReason};
use hotline_dialer::{
    Action, AgentId, Blend, CallId, Campaign, ComplianceReport, Dialer, DialerError, Disposition,
    InboundSignal, Mode, Outcome, PacerConfig, Profile, Record, RecordId,
};
use jiff::{SignedDuration, Timestamp};

/// Monday 2 March 2026, 10:00 in New York.
fn t0() -> Timestamp {
    "2026-03-02T15:00:00Z".parse().unwrap()
}

fn at(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap()
}

fn drain(d: &mut Dialer) -> Vec<Action> {
    std::iter::from_fn(|| d.poll_action()).collect()
}

fn dials(actions: &[Action]) -> Vec<(CallId, RecordId)> {
    actions
        .iter()
        .filter_map(|a| match *a {
            Action::Dial { call, record, .. } => Some((call, record)),
            _ => None,
        })
        .collect()
}

fn ny(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| Record::new(format!("k{i}"), format!("+1212555{i:04}"), "America/New_York"))
        .collect()
}

fn progressive() -> Dialer {
    Dialer::new(Campaign::new("p", Mode::Progressive { ratio: 1.0 }), None).unwrap()
}

#[test]
fn progressive_dials_one_per_idle_agent_and_connects() {
    let mut d = progressive();
    d.add_records("l", ny(5)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    d.handle_agent_available(t0(), AgentId(2)).unwrap();
    let a = drain(&mut d);
    let ds = dials(&a);
    assert_eq!(ds.len(), 2, "{a:?}");
    for a in &a {
        if let Action::Dial { ring_timeout, agent, .. } = a {
            assert_eq!(*ring_timeout, Duration::from_secs(20));
            assert_eq!(*agent, None);
        }
    }
    let t = at(t0(), 8);
    d.handle_call_outcome(t, ds[0].0, Outcome::Human).unwrap();
    assert_eq!(
        drain(&mut d),
        vec![Action::Connect { call: ds[0].0, agent: AgentId(1) }],
        "longest idle first"
    );
    // The other call is still ringing for the one idle agent: no new dial.
    assert_eq!(d.ringing(), 1);
    d.handle_call_outcome(t, ds[1].0, Outcome::Busy).unwrap();
    let again = dials(&drain(&mut d));
    assert_eq!(again.len(), 1, "the busy line freed the agent's line: one new dial");
    assert_ne!(again[0].1, ds[1].1, "the busy record waits for its retry");
}

#[test]
fn progressive_ratio_two_dials_two_lines_per_agent() {
    let mut d = Dialer::new(Campaign::new("p", Mode::Progressive { ratio: 2.0 }), None).unwrap();
    d.add_records("l", ny(10)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    assert_eq!(dials(&drain(&mut d)).len(), 2);
}

#[test]
fn two_second_rule_abandons_and_plays_the_message() {
    let mut d = Dialer::new(Campaign::new("p", Mode::Progressive { ratio: 2.0 }), None).unwrap();
    d.add_records("l", ny(10)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    let t = at(t0(), 5);
    d.handle_call_outcome(t, ds[0].0, Outcome::Human).unwrap();
    d.handle_call_outcome(t, ds[1].0, Outcome::Human).unwrap();
    let a = drain(&mut d);
    assert_eq!(a, vec![Action::Connect { call: ds[0].0, agent: AgentId(1) }]);
    assert_eq!(d.poll_timeout(), Some(at(t, 2)), "the connect deadline is 2 s after the answer");
    d.handle_timeout(at(t, 1));
    assert!(drain(&mut d).is_empty());
    d.handle_timeout(at(t, 2));
    assert_eq!(drain(&mut d), vec![Action::PlayAbandonMessage { call: ds[1].0 }]);
    assert_eq!(d.window().abandoned, 1.0);
    assert_eq!(d.window().live, 2.0);
    // The audit record has it, and the report counts it.
    let mut report = ComplianceReport::new(Profile::us(), t0(), None);
    let mut abandoned = 0;
    while let Some(r) = d.poll_audit() {
        if let AuditEvent::Abandoned { wait, message_played, .. } = r.event {
            assert_eq!((wait, message_played), (Duration::from_secs(2), true));
            abandoned += 1;
        }
        report.push(&r);
    }
    assert_eq!(abandoned, 1);
    assert_eq!(report.windows[0].abandoned, 1);
    assert!(report.windows[0].breach, "1 of 2 is over 3%");
    assert_eq!(report.windows[0].late_connections, 0);
}

#[test]
fn an_agent_freed_within_the_limit_takes_the_waiting_call() {
    let mut d = Dialer::new(Campaign::new("p", Mode::Progressive { ratio: 2.0 }), None).unwrap();
    d.add_records("l", ny(10)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    d.handle_agent_available(t0(), AgentId(2)).unwrap();
    let ds = dials(&drain(&mut d));
    assert_eq!(ds.len(), 4);
    let t = at(t0(), 5);
    for (c, _) in &ds[..3] {
        d.handle_call_outcome(t, *c, Outcome::Human).unwrap();
    }
    drain(&mut d);
    d.handle_agent_wrap_up(at(t, 1), AgentId(1)).unwrap();
    d.handle_agent_available(at(t, 1), AgentId(1)).unwrap();
    assert_eq!(drain(&mut d)[0], Action::Connect { call: ds[2].0, agent: AgentId(1) });
    // A waiting caller who hangs up is abandoned, reported by the host.
    let mut d2 = Dialer::new(Campaign::new("p", Mode::Progressive { ratio: 2.0 }), None).unwrap();
    d2.add_records("l", ny(4)).unwrap();
    d2.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d2));
    d2.handle_call_outcome(t, ds[0].0, Outcome::Human).unwrap();
    d2.handle_call_outcome(t, ds[1].0, Outcome::Human).unwrap();
    d2.handle_call_outcome(at(t, 1), ds[1].0, Outcome::Abandoned).unwrap();
    assert_eq!(d2.window().abandoned, 1.0);
    d2.handle_timeout(at(t, 3));
    assert!(!drain(&mut d2).iter().any(|a| matches!(a, Action::PlayAbandonMessage { .. })));
}

#[test]
fn outcomes_that_do_not_apply_are_errors() {
    let mut d = progressive();
    d.add_records("l", ny(2)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    let c = ds[0].0;
    assert!(matches!(
        d.handle_call_outcome(t0(), c, Outcome::Abandoned),
        Err(DialerError::CallState { .. })
    ));
    d.handle_call_outcome(t0(), c, Outcome::Human).unwrap();
    assert!(matches!(
        d.handle_call_outcome(t0(), c, Outcome::Busy),
        Err(DialerError::CallState { .. })
    ));
    assert_eq!(
        d.handle_call_outcome(t0(), CallId(999), Outcome::Busy),
        Err(DialerError::UnknownCall(CallId(999)))
    );
    assert!(matches!(
        d.handle_agent_available(t0(), AgentId(1)),
        Err(DialerError::AgentState { .. })
    ));
    assert!(matches!(d.handle_agent_wrap_up(t0(), AgentId(2)), Err(DialerError::UnknownAgent(_))));
    assert!(matches!(
        d.handle_agent_logged_out(t0(), AgentId(1)),
        Err(DialerError::AgentState { .. })
    ));
    assert!(matches!(
        d.handle_disposition(t0(), ds[0].1, Disposition::Completed),
        Err(DialerError::NoDispositionDue { .. })
    ));
    assert!(matches!(
        d.handle_agent_available(at(t0(), -5), AgentId(3)),
        Err(DialerError::TimeWentBackwards { .. })
    ));
    assert!(matches!(
        d.handle_inbound(t0(), InboundSignal::new(1.5, 0)),
        Err(DialerError::Invalid { .. })
    ));
}

fn talk_and_dispose(
    d: &mut Dialer,
    t: Timestamp,
    call: CallId,
    record: RecordId,
    agent: AgentId,
    disp: Disposition,
) {
    d.handle_call_outcome(t, call, Outcome::Human).unwrap();
    assert_eq!(drain(d), vec![Action::Connect { call, agent }]);
    d.handle_agent_wrap_up(at(t, 60), agent).unwrap();
    d.handle_disposition(at(t, 70), record, disp).unwrap();
}

#[test]
fn refusals_are_never_dialled_again_and_dnc_is_honoured() {
    let mut d = progressive();
    let mut recs = ny(2);
    // The second record has the same number as the first under another key.
    recs[1].phone = recs[0].phone.clone();
    d.add_records("l", recs).unwrap();
    d.add_records("l", vec![Record::new("dnc", "+12125559999", "America/New_York")]).unwrap();
    d.add_do_not_call(["+12125559999"]);
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    assert_eq!(ds.len(), 1);
    talk_and_dispose(&mut d, at(t0(), 5), ds[0].0, ds[0].1, AgentId(1), Disposition::Refused);
    d.handle_agent_available(at(t0(), 100), AgentId(1)).unwrap();
    assert!(
        dials(&drain(&mut d)).is_empty(),
        "the same number under another record is refused too"
    );
    assert_eq!(d.refusals().collect::<Vec<_>>(), vec!["+12125550000"]);
    let skipped: Vec<SkipReason> = std::iter::from_fn(|| d.poll_audit())
        .filter_map(|r| match r.event {
            AuditEvent::Skipped { reason } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(skipped.len(), 2);
    assert!(skipped.contains(&SkipReason::Refused) && skipped.contains(&SkipReason::DoNotCall));
    let p = d.progress()[0].1;
    assert_eq!((p.total, p.refused, p.do_not_call, p.pending), (3, 2, 1, 0));
}

#[test]
fn retry_rules_by_outcome_and_max_attempts() {
    let mut c = Campaign::new("p", Mode::Progressive { ratio: 1.0 });
    c.retry.busy = Duration::from_secs(300);
    c.retry.no_answer = Duration::from_secs(3600);
    c.retry.max_attempts = 2;
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records("l", ny(1)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    d.handle_call_outcome(at(t0(), 20), ds[0].0, Outcome::Busy).unwrap();
    assert!(drain(&mut d).is_empty());
    assert_eq!(d.poll_timeout(), Some(at(t0(), 320)), "busy: again after 5 minutes");
    d.handle_timeout(at(t0(), 319));
    assert!(drain(&mut d).is_empty(), "not a second early");
    d.handle_timeout(at(t0(), 320));
    let ds = dials(&drain(&mut d));
    assert_eq!(ds.len(), 1);
    assert_eq!(d.attempts(ds[0].1), Some(2));
    d.handle_call_outcome(at(t0(), 340), ds[0].0, Outcome::NoAnswer).unwrap();
    assert_eq!(d.poll_timeout(), None, "two attempts made: the record is done");
    assert_eq!(d.progress()[0].1.max_attempts, 1);
}

#[test]
fn invalid_numbers_and_machines() {
    let mut c = Campaign::new("p", Mode::Progressive { ratio: 2.0 });
    c.retry.machine = Duration::from_secs(7200);
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records("l", ny(2)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    d.handle_call_outcome(at(t0(), 1), ds[0].0, Outcome::InvalidNumber).unwrap();
    d.handle_call_outcome(at(t0(), 9), ds[1].0, Outcome::Machine).unwrap();
    assert_eq!(drain(&mut d), vec![Action::Drop { call: ds[1].0 }]);
    assert_eq!(d.poll_timeout(), Some(at(t0(), 9 + 7200)));
    let p = d.progress()[0].1;
    assert_eq!((p.invalid, p.pending), (1, 1));
}

#[test]
fn rejected_is_retried_by_its_rule() {
    let mut c = Campaign::new("p", Mode::Progressive { ratio: 1.0 });
    c.retry.rejected = Duration::from_secs(900);
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records("l", ny(1)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    d.handle_call_outcome(at(t0(), 3), ds[0].0, Outcome::Rejected).unwrap();
    assert_eq!(d.poll_timeout(), Some(at(t0(), 903)));
}

#[test]
fn calling_hours_are_in_the_callee_zone() {
    // 15:00 UTC is 10:00 in New York but 07:00 in Los Angeles (before 8:00) and 00:00 in Tokyo.
    let mut d = progressive();
    d.add_records(
        "l",
        vec![
            Record::new("la", "+13105550100", "America/Los_Angeles"),
            Record::new("tokyo", "+81355550100", "Asia/Tokyo"),
        ],
    )
    .unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    assert!(dials(&drain(&mut d)).is_empty());
    // Los Angeles opens at 08:00 PST = 16:00 UTC; Tokyo at 08:00 JST = 23:00 UTC.
    assert_eq!(d.poll_timeout(), Some("2026-03-02T16:00:00Z".parse().unwrap()));
    let la_open: Timestamp = "2026-03-02T16:00:00Z".parse().unwrap();
    d.handle_timeout(la_open);
    let ds = dials(&drain(&mut d));
    assert_eq!(ds.len(), 1);
    assert_eq!(d.record(ds[0].1).unwrap().key, "la");
    let local = std::iter::from_fn(|| d.poll_audit()).find_map(|r| match r.event {
        AuditEvent::Dialed { local_time, .. } => Some(local_time),
        _ => None,
    });
    assert_eq!(local.unwrap().to_string(), "2026-03-02T08:00:00");
}

#[test]
fn cn_profile_skips_holidays_calls_make_up_days_and_needs_consent() {
    // Saturday 14 February 2026 is a make-up working day (调休上班) before the Spring Festival
    // holiday 15–23 February.
    let cal = Calendar::china();
    let mut c = Campaign::new("cn", Mode::Progressive { ratio: 1.0 }).with_profile(Profile::cn());
    c.retry.max_attempts = 9;
    let mut d = Dialer::new(c, Some(cal)).unwrap();
    d.add_records(
        "l",
        vec![
            Record::new("ok", "+8613800000001", "Asia/Shanghai"),
            Record::new("no-consent", "+8613800000002", "Asia/Shanghai").with_consent(false),
        ],
    )
    .unwrap();
    // Friday 13 February, 20:30 Beijing: after the 20:00 end of the calling period.
    let fri: Timestamp = "2026-02-13T12:30:00Z".parse().unwrap();
    d.handle_agent_available(fri, AgentId(1)).unwrap();
    assert!(dials(&drain(&mut d)).is_empty());
    // Next allowed: the make-up Saturday 14 February at 09:00 Beijing (01:00 UTC).
    assert_eq!(d.poll_timeout(), Some("2026-02-14T01:00:00Z".parse().unwrap()));
    let sat: Timestamp = "2026-02-14T01:00:00Z".parse().unwrap();
    d.handle_timeout(sat);
    let ds = dials(&drain(&mut d));
    assert_eq!(ds.len(), 1);
    assert_eq!(d.record(ds[0].1).unwrap().key, "ok");
    // No answer each time, retried after 2 hours: inside 09:00–12:00, then the 13:00 retry
    // waits for 14:00 (the lunch break), ... and after 20:00 Saturday the Spring Festival closes
    // every day to Monday 23 February: Tuesday 24 February 09:00 is next.
    let mut call = ds[0].0;
    let mut t = sat;
    let mut times = vec![t];
    for _ in 0..5 {
        d.handle_call_outcome(at(t, 20), call, Outcome::NoAnswer).unwrap();
        loop {
            t = d.poll_timeout().unwrap();
            d.handle_timeout(t);
            if let Some(&(c, _)) = dials(&drain(&mut d)).first() {
                call = c;
                times.push(t);
                break;
            }
        }
    }
    let want: Vec<Timestamp> = [
        "2026-02-14T01:00:00Z",
        "2026-02-14T03:00:20Z",
        "2026-02-14T06:00:00Z",
        "2026-02-14T08:00:20Z",
        "2026-02-14T10:00:40Z",
        "2026-02-24T01:00:00Z",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert_eq!(times, want);
    let p = d.progress()[0].1;
    assert_eq!(p.no_consent, 1);
}

#[test]
fn appointments_are_dialled_exactly_on_time_with_an_agent() {
    let appt: Timestamp = "2026-03-03T19:00:00Z".parse().unwrap(); // Tuesday 14:00 New York
    let mut d = Dialer::new(
        Campaign::new("p", Mode::Predictive { pacer: PacerConfig::queue_model(0.0) }),
        None,
    )
    .unwrap();
    d.add_records(
        "l",
        vec![Record::new("appt", "+12125550100", "America/New_York").with_callback(appt)],
    )
    .unwrap();
    d.handle_agent_available(t0(), AgentId(4)).unwrap();
    assert!(drain(&mut d).is_empty(), "not before");
    assert_eq!(d.poll_timeout(), Some(appt));
    d.handle_timeout(appt);
    let a = drain(&mut d);
    assert!(matches!(a[..], [Action::Dial { agent: Some(AgentId(4)), .. }]), "{a:?}");
    let (call, record) = dials(&a)[0];
    // A callback disposition after the talk: again at exactly that time.
    let again: Timestamp = "2026-03-05T14:30:00Z".parse().unwrap();
    talk_and_dispose(
        &mut d,
        at(appt, 10),
        call,
        record,
        AgentId(4),
        Disposition::Callback { at: again },
    );
    d.handle_agent_available(at(appt, 200), AgentId(4)).unwrap();
    assert!(drain(&mut d).is_empty());
    assert_eq!(d.poll_timeout(), Some(again));
    d.handle_timeout(again);
    assert_eq!(dials(&drain(&mut d)).len(), 1);
}

#[test]
fn preview_mode_shows_first_and_dials_on_timeout() {
    let mut d =
        Dialer::new(Campaign::new("p", Mode::Preview { timeout: Duration::from_secs(30) }), None)
            .unwrap();
    d.add_records("l", ny(3)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let a = drain(&mut d);
    let Action::Preview { agent, record, deadline } = a[0] else { panic!("{a:?}") };
    assert_eq!((agent, deadline), (AgentId(1), at(t0(), 30)));
    // The agent skips: next record.
    d.handle_preview_skip(at(t0(), 5), AgentId(1)).unwrap();
    let Action::Preview { record: r2, .. } = drain(&mut d)[0] else { panic!() };
    assert_ne!(r2, record);
    // The agent dials.
    d.handle_preview_dial(at(t0(), 10), AgentId(1)).unwrap();
    let a = drain(&mut d);
    assert!(matches!(a[..], [Action::Dial { agent: Some(AgentId(1)), .. }]));
    let (call, _) = dials(&a)[0];
    d.handle_call_outcome(at(t0(), 12), call, Outcome::NoAnswer).unwrap();
    // Back to idle: the next preview, and this time the timeout dials it.
    let Action::Preview { deadline, .. } = drain(&mut d)[0] else { panic!() };
    d.handle_timeout(deadline);
    let a = drain(&mut d);
    assert!(matches!(a[..], [Action::Dial { agent: Some(AgentId(1)), .. }]), "{a:?}");
    let (call, _) = dials(&a)[0];
    d.handle_call_outcome(at(deadline, 5), call, Outcome::Human).unwrap();
    assert_eq!(drain(&mut d), vec![Action::Connect { call, agent: AgentId(1) }]);
    assert!(matches!(
        d.handle_preview_dial(at(deadline, 6), AgentId(1)),
        Err(DialerError::AgentState { .. })
    ));
}

/// Regression (found by the `dialling_invariants_hold` property): a preview shown just before the
/// calling hours close was dialled after they closed, by the agent or by the preview timeout.
#[test]
fn a_preview_that_outlasts_the_calling_hours_is_not_dialled() {
    // 20:59:50 in New York on Monday 2 March 2026 (EST, UTC-5): ten seconds before 21:00.
    let late: Timestamp = "2026-03-03T01:59:50Z".parse().unwrap();
    let mut d =
        Dialer::new(Campaign::new("p", Mode::Preview { timeout: Duration::from_secs(30) }), None)
            .unwrap();
    d.add_records("l", ny(2)).unwrap();
    d.handle_agent_available(late, AgentId(1)).unwrap();
    let a = drain(&mut d);
    let Action::Preview { record, deadline, .. } = a[0] else { panic!("{a:?}") };
    // The agent presses dial at 21:00:05: refused, nothing dialled, the agent is free again.
    let err = d.handle_preview_dial(at(late, 15), AgentId(1)).unwrap_err();
    assert!(matches!(err, DialerError::NotDialled { record: r, .. } if r == record));
    assert!(dials(&drain(&mut d)).is_empty());
    // Nothing is dialled by the preview timeout either, nor by any timer until the morning.
    d.handle_timeout(deadline);
    let mut now = deadline;
    while let Some(t) = d.poll_timeout().filter(|&t| t < at(late, 11 * 3600 + 10)) {
        now = t.max(now);
        d.handle_timeout(now);
        for a in drain(&mut d) {
            assert!(!matches!(a, Action::Dial { .. }), "dialled at {now}: {a:?}");
        }
    }
    // At 08:00 the next morning the record is previewed again and may be dialled.
    let morning = at(late, 11 * 3600 + 10);
    d.handle_timeout(morning);
    let shown: Vec<_> = drain(&mut d)
        .into_iter()
        .filter_map(|a| match a {
            Action::Preview { record, .. } => Some(record),
            _ => None,
        })
        .collect();
    assert!(!shown.is_empty(), "a record is previewed when the calling hours open");
    d.handle_preview_dial(at(morning, 5), AgentId(1)).unwrap();
    assert_eq!(dials(&drain(&mut d)).len(), 1);
}

#[test]
fn blended_dials_only_while_inbound_allows() {
    let mut c = Campaign::new("b", Mode::Progressive { ratio: 1.0 });
    c.blend = Some(Blend::new(0.8, 0));
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records("l", ny(5)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    assert!(drain(&mut d).is_empty(), "no signal yet: inbound first");
    d.handle_inbound(t0(), InboundSignal::new(0.7, 0)).unwrap();
    assert!(drain(&mut d).is_empty(), "service level below 80%");
    d.handle_inbound(t0(), InboundSignal::new(0.9, 2)).unwrap();
    assert!(drain(&mut d).is_empty(), "inbound calls waiting");
    d.handle_inbound(t0(), InboundSignal::new(0.9, 0)).unwrap();
    assert_eq!(dials(&drain(&mut d)).len(), 1);
    // The agent takes an inbound call: busy elsewhere, no new dial for it.
    let mut d = progressive();
    d.add_records("l", ny(5)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    d.handle_agent_busy(t0(), AgentId(2)).unwrap();
    assert_eq!(dials(&drain(&mut d)).len(), 1);
}

#[test]
fn uk_profile_bans_redial_for_72_hours_after_an_abandon() {
    let mut c =
        Campaign::new("uk", Mode::Progressive { ratio: 2.0 }).with_profile(Profile::uk(0.0));
    c.retry.abandoned = Duration::from_secs(3600);
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records(
        "l",
        vec![
            Record::new("a", "+442071230001", "Europe/London"),
            Record::new("b", "+442071230002", "Europe/London"),
        ],
    )
    .unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap(); // 15:00 London
    let ds = dials(&drain(&mut d));
    d.handle_call_outcome(at(t0(), 5), ds[0].0, Outcome::Human).unwrap();
    d.handle_call_outcome(at(t0(), 5), ds[1].0, Outcome::Human).unwrap();
    d.handle_timeout(at(t0(), 7));
    assert!(drain(&mut d).contains(&Action::PlayAbandonMessage { call: ds[1].0 }));
    assert_eq!(d.poll_timeout(), Some(at(t0(), 5 + 2 + 72 * 3600)), "not after 1 hour: after 72");
}

#[test]
fn machine_outcomes_count_the_amd_false_positive_estimate() {
    let c = Campaign::new("uk", Mode::Progressive { ratio: 1.0 }).with_profile(Profile::uk(0.1));
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records("l", vec![Record::new("a", "+442071230001", "Europe/London")]).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    d.handle_call_outcome(at(t0(), 5), ds[0].0, Outcome::Machine).unwrap();
    let w = d.window();
    assert!((w.live - 0.1).abs() < 1e-12 && (w.abandoned - 0.1).abs() < 1e-12);
}

#[test]
fn predictive_dials_ahead_of_agents_and_never_without_agents() {
    let mut d = Dialer::new(
        Campaign::new("p", Mode::Predictive { pacer: PacerConfig::queue_model(0.03) }),
        None,
    )
    .unwrap();
    d.add_records("l", ny(200)).unwrap();
    d.handle_inbound(t0(), InboundSignal::new(1.0, 0)).unwrap();
    assert!(drain(&mut d).is_empty(), "nobody logged in");
    for a in 0..10 {
        d.handle_agent_available(t0(), AgentId(a)).unwrap();
    }
    let n = dials(&drain(&mut d)).len();
    assert!(n > 10, "with p = 0.25 it dials ahead of 10 idle agents: {n}");
    assert!(d.decisions() > 0);
}

#[test]
fn max_lines_caps_calls_in_progress() {
    let mut c = Campaign::new("p", Mode::Progressive { ratio: 3.0 });
    c.max_lines = 4;
    let mut d = Dialer::new(c, None).unwrap();
    d.add_records("l", ny(50)).unwrap();
    for a in 0..5 {
        d.handle_agent_available(t0(), AgentId(a)).unwrap();
    }
    assert_eq!(dials(&drain(&mut d)).len(), 4);
}

#[test]
fn a_ring_timeout_below_the_minimum_ring_is_refused() {
    let mut c = Campaign::new("p", Mode::Progressive { ratio: 1.0 });
    c.ring_timeout = Duration::from_secs(10);
    let e = Dialer::new(c, None).unwrap_err();
    assert_eq!(e.problems()[0].field.as_deref(), Some("ring_timeout"));
}

/// Regression (found by the property test): two records with one number, previewed by two
/// agents, were both dialled when the previews timed out.
#[test]
fn a_previewed_number_is_not_previewed_twice() {
    let mut d =
        Dialer::new(Campaign::new("p", Mode::Preview { timeout: Duration::from_secs(20) }), None)
            .unwrap();
    let mut recs = ny(2);
    recs[1].phone = recs[0].phone.clone();
    d.add_records("l", recs).unwrap();
    d.handle_agent_available(t0(), AgentId(0)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let previews = drain(&mut d).iter().filter(|a| matches!(a, Action::Preview { .. })).count();
    assert_eq!(previews, 1);
    d.handle_timeout(at(t0(), 20));
    assert_eq!(dials(&drain(&mut d)).len(), 1);
}

/// A progressive 2:1 campaign with one agent under a one-hour window: one live answer connected
/// and one abandoned at `t`.
fn one_abandon(rolling: bool, t: Timestamp) -> (Dialer, Vec<hotline_dialer::AuditRecord>) {
    let mut profile = Profile::us();
    profile.window = Duration::from_secs(3600);
    profile.rolling = rolling;
    let mut d = Dialer::new(
        Campaign::new("p", Mode::Progressive { ratio: 2.0 }).with_profile(profile),
        None,
    )
    .unwrap();
    d.add_records("l", ny(10)).unwrap();
    d.handle_agent_available(t0(), AgentId(1)).unwrap();
    let ds = dials(&drain(&mut d));
    d.handle_call_outcome(t, ds[0].0, Outcome::Human).unwrap();
    d.handle_call_outcome(t, ds[1].0, Outcome::Human).unwrap();
    d.handle_timeout(at(t, 2));
    drain(&mut d);
    let audit = std::iter::from_fn(|| d.poll_audit()).collect();
    (d, audit)
}

#[test]
fn a_rolling_window_keeps_what_happened_within_a_window_and_a_fixed_one_resets() {
    // 10:59:50 New York: the fixed hour ends ten seconds later.
    let t = at(t0(), 3590);
    let (mut rolling, _) = one_abandon(true, t);
    let (mut fixed, _) = one_abandon(false, t);
    for d in [&mut rolling, &mut fixed] {
        assert_eq!((d.window().live, d.window().abandoned), (2.0, 1.0));
    }
    // Twenty seconds later, in the next fixed hour: the fixed window starts afresh, the
    // trailing one still holds the abandonment (a 50% rate the pacer must work off).
    rolling.handle_timeout(at(t, 20));
    fixed.handle_timeout(at(t, 20));
    assert_eq!((fixed.window().live, fixed.window().abandoned), (0.0, 0.0));
    assert_eq!((rolling.window().live, rolling.window().abandoned), (2.0, 1.0));
    // An hour after them, the answers leave the trailing window, then the abandonment (2 s
    // after them).
    rolling.handle_timeout(at(t, 3601));
    assert_eq!((rolling.window().live, rolling.window().abandoned), (0.0, 1.0));
    rolling.handle_timeout(at(t, 3602));
    assert_eq!((rolling.window().live, rolling.window().abandoned), (0.0, 0.0));
}

#[test]
fn the_report_checks_trailing_windows_of_a_rolling_profile() {
    let t = at(t0(), 3590);
    let (_, audit) = one_abandon(true, t);
    let mut profile = Profile::us();
    profile.window = Duration::from_secs(3600);
    let mut report = ComplianceReport::new(profile.clone(), t0(), None);
    for r in &audit {
        report.push(r);
    }
    // Nothing is checked before a whole window has passed since the first record.
    assert_eq!(report.rolling.as_ref().map(|r| r.checked), Some(0));
    // A dial two hours later closes the trailing windows in between: those ending within an
    // hour of the abandonment (every 150 s) breach, the later ones do not.
    let (_, later) = one_abandon(true, at(t0(), 2 * 3600 + 3590));
    for r in later.iter().filter(|r| r.at > at(t0(), 7000)) {
        report.push(r);
    }
    let r = report.rolling.clone().unwrap();
    assert!(r.checked >= 40, "{r:?}");
    assert!(r.breaches >= 20 && r.breaches < r.checked, "{r:?}");
    assert!((r.worst_rate - 0.5).abs() < 1e-9, "{r:?}");
    assert!(report.to_text().contains("rolling:"), "{}", report.to_text());
    // A fixed profile has no rolling check.
    profile.rolling = false;
    assert!(ComplianceReport::new(profile, t0(), None).rolling.is_none());
}
