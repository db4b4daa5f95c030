//! Adherence and conformance on timelines with known answers.

use std::time::Duration;

use hotline_wfm::{
    AgentTimeline, Observed, ObservedChange, OutOfAdherence, Planned, PlannedSpan, WfmError,
    adherence,
};

/// `h:mm` as a time of day 0.
fn hm(h: u64, m: u64) -> Duration {
    Duration::from_secs(h * 3600 + m * 60)
}

fn s(h: u64, m: u64) -> f64 {
    (h * 3600 + m * 60) as f64
}

/// An 08:00–16:00 shift with a 30-minute lunch at `lunch` (h, m).
fn shift(lunch: (u64, u64)) -> Vec<PlannedSpan> {
    let l = hm(lunch.0, lunch.1);
    vec![
        PlannedSpan { start: hm(8, 0), end: hm(16, 0), activity: Planned::Work },
        PlannedSpan { start: l, end: l + hm(0, 30), activity: Planned::Break },
    ]
}

fn seen(changes: &[((u64, u64), Observed)]) -> Vec<ObservedChange> {
    changes.iter().map(|&((h, m), state)| ObservedChange { at: hm(h, m), state }).collect()
}

use Observed::{Away, LoggedOut, Working};

fn agent(name: &str, planned: Vec<PlannedSpan>, observed: Vec<ObservedChange>) -> AgentTimeline {
    AgentTimeline { name: name.into(), planned, observed }
}

#[test]
fn a_lunch_taken_fifteen_minutes_late_is_out_of_adherence_twice_fifteen_minutes() {
    let late = agent(
        "ann",
        shift((12, 0)),
        seen(&[((8, 0), Working), ((12, 15), Away), ((12, 45), Working), ((16, 0), LoggedOut)]),
    );
    let r = adherence(&[late], hm(0, 0), hm(24, 0), hm(0, 15)).unwrap();
    let a = &r.agents[0];
    assert_eq!(a.total.scheduled_s, 8.0 * 3600.0);
    assert_eq!(a.total.out_of_adherence_s(), 2.0 * 900.0);
    assert_eq!(a.total.scheduled_work_s, 7.5 * 3600.0);
    assert_eq!(a.total.worked_s, 7.5 * 3600.0);
    assert_eq!(a.conformance, Some(1.0), "worked as long as planned");
    assert_eq!(a.adherence, Some(1.0 - 1800.0 / 28_800.0));
    assert_eq!(
        a.out_of_adherence,
        vec![
            OutOfAdherence {
                start_s: s(12, 0),
                end_s: s(12, 15),
                planned: Some(Planned::Break),
                observed: Working
            },
            OutOfAdherence {
                start_s: s(12, 30),
                end_s: s(12, 45),
                planned: Some(Planned::Work),
                observed: Away
            },
        ]
    );
    // Interval by interval: 96 quarter hours, out only at 12:00 and 12:30.
    assert_eq!(r.intervals.len(), 96);
    for (k, i) in r.intervals.iter().enumerate() {
        let expected = match k {
            0..32 | 64.. => None,
            48 | 50 => Some(0.0),
            _ => Some(1.0),
        };
        assert_eq!(i.adherence, expected, "interval {k}");
        assert_eq!(i.agents_out, usize::from(k == 48 || k == 50), "interval {k}");
        assert_eq!(i.start_s, k as f64 * 900.0);
    }
    assert_eq!(r.adherence, a.adherence);
}

#[test]
fn a_late_lunch_in_half_hours_is_half_out_in_two_intervals() {
    let late = agent(
        "ann",
        shift((12, 0)),
        seen(&[((8, 0), Working), ((12, 15), Away), ((12, 45), Working), ((16, 0), LoggedOut)]),
    );
    let r = adherence(&[late], hm(8, 0), hm(16, 0), hm(0, 30)).unwrap();
    assert_eq!(r.intervals.len(), 16);
    let a = &r.agents[0];
    // 12:00–12:30: half on the phones during lunch; 12:30–13:00: half away during work.
    assert_eq!(a.intervals[8].in_adherence_s, 900.0);
    assert_eq!(a.intervals[9].in_adherence_s, 900.0);
    assert_eq!(a.intervals[8].worked_s, 900.0);
    assert_eq!(a.intervals[8].scheduled_work_s, 0.0);
    assert_eq!(a.intervals[8].conformance(), None);
    assert_eq!(a.intervals[9].conformance(), Some(0.5));
    assert_eq!(r.intervals[8].adherence, Some(0.5));
    assert_eq!(r.intervals[7].adherence, Some(1.0));
}

#[test]
fn an_agent_who_keeps_the_schedule_adheres_and_conforms_exactly() {
    let kept = agent(
        "bo",
        shift((12, 0)),
        seen(&[((8, 0), Working), ((12, 0), Away), ((12, 30), Working), ((16, 0), LoggedOut)]),
    );
    let r = adherence(&[kept], hm(0, 0), hm(24, 0), hm(0, 30)).unwrap();
    assert_eq!((r.adherence, r.conformance), (Some(1.0), Some(1.0)));
    assert!(r.agents[0].out_of_adherence.is_empty());
    assert_eq!(r.total.unscheduled_s, 0.0);
}

#[test]
fn late_log_in_early_log_out_and_working_through_lunch() {
    // Logs in 10 minutes late, works through lunch, leaves 5 minutes early.
    let a = agent("cy", shift((12, 0)), seen(&[((8, 10), Working), ((15, 55), LoggedOut)]));
    let r = adherence(&[a], hm(0, 0), hm(24, 0), hm(1, 0)).unwrap();
    let a = &r.agents[0];
    assert_eq!(a.total.out_of_adherence_s(), 600.0 + 1800.0 + 300.0);
    assert_eq!(a.total.worked_s, 8.0 * 3600.0 - 900.0);
    assert_eq!(a.conformance, Some((8.0 * 3600.0 - 900.0) / (7.5 * 3600.0)));
    let kinds: Vec<_> =
        a.out_of_adherence.iter().map(|o| (o.start_s, o.end_s, o.planned, o.observed)).collect();
    assert_eq!(
        kinds,
        vec![
            (s(8, 0), s(8, 10), Some(Planned::Work), LoggedOut),
            (s(12, 0), s(12, 30), Some(Planned::Break), Working),
            (s(15, 55), s(16, 0), Some(Planned::Work), LoggedOut),
        ]
    );
}

#[test]
fn time_logged_in_outside_the_shift_is_unscheduled_not_out_of_adherence_time() {
    // Stays 20 minutes after the shift, then 10 minutes not ready, then logs out.
    let a = agent(
        "di",
        shift((12, 0)),
        seen(&[
            ((8, 0), Working),
            ((12, 0), LoggedOut),
            ((12, 30), Working),
            ((16, 20), Away),
            ((16, 30), LoggedOut),
        ]),
    );
    let r = adherence(&[a], hm(0, 0), hm(24, 0), hm(0, 15)).unwrap();
    let a = &r.agents[0];
    assert_eq!(a.adherence, Some(1.0), "a lunch logged out is kept");
    assert_eq!(a.total.unscheduled_s, 1800.0);
    assert_eq!(a.conformance, Some((7.5 * 3600.0 + 1200.0) / (7.5 * 3600.0)));
    assert_eq!(a.out_of_adherence.len(), 2);
    assert_eq!(a.out_of_adherence[0].planned, None);
    assert_eq!((a.out_of_adherence[0].start_s, a.out_of_adherence[0].end_s), (s(16, 0), s(16, 20)));
    assert_eq!(a.out_of_adherence[1].observed, Away);
    // No one is scheduled after 16:00: the interval has no adherence, but unscheduled time.
    assert_eq!(r.intervals[64].adherence, None);
    assert_eq!(r.intervals[64].total.unscheduled_s, 900.0);
    assert_eq!(r.intervals[64].agents_scheduled, 0);
}

#[test]
fn agents_add_up_per_interval_and_the_window_clips() {
    let on_time = agent(
        "a",
        shift((12, 0)),
        seen(&[((8, 0), Working), ((12, 0), Away), ((12, 30), Working), ((16, 0), LoggedOut)]),
    );
    let late = agent(
        "b",
        shift((12, 0)),
        seen(&[((8, 0), Working), ((12, 15), Away), ((12, 45), Working), ((16, 0), LoggedOut)]),
    );
    // 12:00–13:00 only, in 30 minutes.
    let r = adherence(&[on_time, late], hm(12, 0), hm(13, 0), hm(0, 30)).unwrap();
    assert_eq!(r.intervals.len(), 2);
    assert_eq!(r.intervals[0].total.scheduled_s, 3600.0);
    assert_eq!(r.intervals[0].total.in_adherence_s, 2700.0);
    assert_eq!((r.intervals[0].agents_scheduled, r.intervals[0].agents_out), (2, 1));
    assert_eq!(r.total.scheduled_s, 7200.0);
    assert_eq!(r.adherence, Some(5400.0 / 7200.0));
    // An interval that does not divide the window: the last one is shorter.
    let r = adherence(&r_agents(), hm(8, 0), hm(9, 10), hm(0, 30)).unwrap();
    assert_eq!(r.intervals.len(), 3);
    assert_eq!(r.intervals[2].total.scheduled_s, 600.0);
}

fn r_agents() -> Vec<AgentTimeline> {
    vec![agent("e", shift((12, 0)), seen(&[((8, 0), Working)]))]
}

#[test]
fn equal_times_keep_the_last_state_and_overlapping_spans_are_one() {
    // Two shifts overlapping (08–12 and 10–16) are one stretch of work; a change to Away and
    // back at the same instant leaves nothing.
    let a = agent(
        "f",
        vec![
            PlannedSpan { start: hm(8, 0), end: hm(12, 0), activity: Planned::Work },
            PlannedSpan { start: hm(10, 0), end: hm(16, 0), activity: Planned::Work },
        ],
        seen(&[((8, 0), Working), ((9, 0), Away), ((9, 0), Working), ((16, 0), LoggedOut)]),
    );
    let r = adherence(&[a], hm(0, 0), hm(24, 0), hm(1, 0)).unwrap();
    assert_eq!(r.total.scheduled_s, 8.0 * 3600.0);
    assert_eq!(r.adherence, Some(1.0));
}

#[test]
fn bad_inputs_are_errors_naming_the_field() {
    let ok = r_agents();
    let e = adherence(&ok, hm(0, 0), hm(1, 0), Duration::ZERO).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "interval"), "{e}");
    let e = adherence(&ok, hm(2, 0), hm(1, 0), hm(0, 15)).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "to"), "{e}");
    let e = adherence(&ok, hm(0, 0), hm(24 * 365, 0), Duration::from_secs(1)).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "interval"), "{e}");
    let back = agent(
        "g",
        vec![PlannedSpan { start: hm(9, 0), end: hm(8, 0), activity: Planned::Work }],
        vec![],
    );
    let e = adherence(&[back], hm(0, 0), hm(24, 0), hm(0, 15)).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "g.planned[0]"), "{e}");
    let unordered = agent("h", shift((12, 0)), seen(&[((9, 0), Working), ((8, 0), Away)]));
    let e = adherence(&[unordered], hm(0, 0), hm(24, 0), hm(0, 15)).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "h.observed[1]"), "{e}");
    let many = vec![r_agents()[0].clone(); 30_000];
    let e = adherence(&many, hm(0, 0), hm(24, 0), hm(0, 15)).unwrap_err();
    assert!(matches!(e, WfmError::TooLarge { .. }), "{e}");
    // Extreme times do not overflow.
    let far = agent(
        "i",
        vec![PlannedSpan { start: Duration::MAX, end: Duration::MAX, activity: Planned::Break }],
        vec![ObservedChange { at: Duration::MAX, state: Working }],
    );
    let r = adherence(&[far], Duration::ZERO, Duration::MAX, Duration::MAX).unwrap();
    assert_eq!(r.intervals.len(), 1);
}

/// Totals over the longest window a `Duration` holds, for several agents, saturate instead of
/// overflowing (a panic in a debug build, a wrong total in release).
#[test]
fn the_longest_window_over_several_agents_does_not_overflow() {
    let whole =
        || vec![PlannedSpan { start: Duration::ZERO, end: Duration::MAX, activity: Planned::Work }];
    let agents: Vec<AgentTimeline> = (0..3)
        .map(|i| {
            let observed = vec![ObservedChange { at: Duration::ZERO, state: Working }];
            agent(&format!("a{i}"), whole(), observed)
        })
        .collect();
    let r = adherence(&agents, Duration::ZERO, Duration::MAX, Duration::MAX).unwrap();
    assert!(r.total.scheduled_s > 0.0 && r.total.scheduled_s.is_finite(), "{:?}", r.total);
}
