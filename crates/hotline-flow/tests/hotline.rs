//! One 12345 work order through its whole life, and every hotline command, on every store
//! (memory, SQLite, PostgreSQL).

mod common;

use common::{every_store, tick};
use hotline_flow::store::Store;
use hotline_flow::{Ack, Act, Calendars, Command, Engine, FlowError, Vars, WorkOrder};
use jiff::Timestamp;
use serde_json::json;

const DEF: &str = include_str!("../definitions/hotline-12345.toml");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn engine<S: Store>(store: S) -> Engine<S> {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    e
}

fn vars(v: serde_json::Value) -> Vars {
    v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn start<S: Store>(e: &mut Engine<S>, category: &str, at: &str) -> String {
    let ack = e
        .handle_start(
            t(at),
            "hotline-12345",
            None,
            vars(json!({"category": category, "caller": "138..."})),
            "agent-1",
            None,
        )
        .unwrap();
    ack.order
}

fn run<S: Store>(e: &mut Engine<S>, order: &str, command: Command, actor: &str, at: &str) -> Ack {
    e.handle_command(t(at), order, &Act::new(command, actor)).unwrap()
}

fn run_why<S: Store>(
    e: &mut Engine<S>,
    order: &str,
    command: Command,
    at: &str,
    why: &str,
) -> Result<Ack, FlowError> {
    e.handle_command(t(at), order, &Act::new(command, "someone").reason(why))
}

fn dispatched<S: Store>(e: &mut Engine<S>, category: &str, at: &str, to: &str) -> String {
    let order = start(e, category, at);
    run(e, &order, Command::Accept { vars: Vars::new() }, "agent-1", at);
    run(e, &order, Command::Dispatch { to: to.into() }, "dispatcher-1", at);
    order
}

fn state<S: Store>(e: &mut Engine<S>, order: &str) -> WorkOrder {
    e.load(order).unwrap()
}

// The same tests on every store.
every_store!(
    whole_life_of_a_complaint,
    deadlines_skip_holidays_and_count_make_up_days,
    transfer_and_return_are_counted_and_keep_the_deadline,
    urge_and_supervise_notify,
    extension_moves_the_deadline_only_when_approved,
    joint_handling_needs_lead_and_assistants,
    pause_stops_the_clock_while_waiting_on_the_caller,
    warnings_escalation_and_reminders_fire_from_the_driver,
    dissatisfied_follow_up_reopens,
    finished_orders_refuse_commands,
    a_command_dated_before_the_last_event_is_refused,
    an_extension_beyond_the_cap_is_refused_at_once,
    poll_timeout_is_the_earliest_stored_due_time,
);

fn whole_life_of_a_complaint<S: Store>(store: S) {
    let mut e = engine(store);
    // Monday 2 March 2026, 10:00 Beijing time.
    let order = start(&mut e, "complaint", "2026-03-02T10:00:00+08:00");
    assert_eq!(state(&mut e, &order).status(), "accept");
    run(
        &mut e,
        &order,
        Command::Accept { vars: Vars::new() },
        "agent-1",
        "2026-03-02T10:05:00+08:00",
    );
    assert_eq!(state(&mut e, &order).status(), "dispatch");
    run(
        &mut e,
        &order,
        Command::Dispatch { to: "Water Bureau".into() },
        "dispatcher-1",
        "2026-03-02T10:30:00+08:00",
    );
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "handle");
    assert_eq!(s.department.as_deref(), Some("Water Bureau"));
    // 13 working days from Monday 10:30: no holiday in March 2026.
    assert_eq!(s.deadline, Some(t("2026-03-19T10:30:00+08:00")));

    let ack = run(
        &mut e,
        &order,
        Command::Reply { text: "Pipe repaired".into() },
        "water-7",
        "2026-03-10T15:00:00+08:00",
    );
    assert!(ack.applied);
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "close");
    assert_eq!(s.on_time(), Some(true));
    assert_eq!(s.handled_by.as_deref(), Some("Water Bureau"));

    run(&mut e, &order, Command::Close, "dispatcher-1", "2026-03-10T16:00:00+08:00");
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "waiting");
    // The follow-up opens the working day after closing, when the driver ticks.
    let due = s.next_due().unwrap();
    assert_eq!(due, t("2026-03-11T16:00:00+08:00"));
    tick(&mut e, t("2026-03-11T15:59:00+08:00")).unwrap();
    assert_eq!(state(&mut e, &order).status(), "waiting");
    let report = tick(&mut e, t("2026-03-11T16:00:00+08:00")).unwrap();
    assert_eq!(report.orders, vec![order.clone()]);
    assert_eq!(state(&mut e, &order).status(), "follow_up");

    run(
        &mut e,
        &order,
        Command::FollowUp { satisfaction: 5, comment: "Thanks".into() },
        "callback-3",
        "2026-03-12T09:30:00+08:00",
    );
    let s = state(&mut e, &order);
    assert!(s.is_finished());
    assert_eq!(s.satisfaction, Some(5));
    for name in ["accept", "dispatch", "reply", "close", "follow_up"] {
        assert_eq!(s.count(name), 1, "{name}");
    }
    // Every event records actor and time; the chain verifies.
    let history = e.history(&order).unwrap();
    assert!(history.iter().any(|ev| ev.actor == "water-7"));
    assert_eq!(e.verify(&order).unwrap().events, s.version);
}

fn deadlines_skip_holidays_and_count_make_up_days<S: Store>(store: S) {
    let mut e = engine(store);
    // Wednesday 30 September 2026: National Day runs 1–7 October; Saturday 10 October is a
    // make-up working day. Three working days: 8 Oct, 9 Oct, 10 Oct.
    let order = dispatched(&mut e, "consultation", "2026-09-30T10:00:00+08:00", "Housing");
    assert_eq!(state(&mut e, &order).deadline, Some(t("2026-10-10T10:00:00+08:00")));
    // Spring Festival 2026: 15–23 February off, Saturday 14 February worked.
    let order = dispatched(&mut e, "consultation", "2026-02-12T14:00:00+08:00", "Housing");
    // 13 Feb (Fri), 14 Feb (make-up Sat), 24 Feb (Tue).
    assert_eq!(state(&mut e, &order).deadline, Some(t("2026-02-24T14:00:00+08:00")));
    // Unknown categories get the default 13 working days.
    let order = dispatched(&mut e, "praise", "2026-03-02T10:00:00+08:00", "Housing");
    assert_eq!(state(&mut e, &order).deadline, Some(t("2026-03-19T10:00:00+08:00")));
}

fn transfer_and_return_are_counted_and_keep_the_deadline<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "complaint", "2026-03-02T10:00:00+08:00", "Water Bureau");
    let deadline = state(&mut e, &order).deadline;
    let ack = run_why(
        &mut e,
        &order,
        Command::Transfer { to: "Roads".into() },
        "2026-03-03T10:00:00+08:00",
        "not ours",
    )
    .unwrap();
    assert!(
        ack.notifications.iter().any(|n| n.kind == "transfer" && n.to.to_string() == "dept:Roads")
    );
    let s = state(&mut e, &order);
    assert_eq!(s.department.as_deref(), Some("Roads"));
    assert_eq!(s.deadline, deadline);
    assert_eq!(s.count("transfer"), 1);
    // Transfer to the same department is refused.
    assert!(
        run_why(
            &mut e,
            &order,
            Command::Transfer { to: "Roads".into() },
            "2026-03-03T10:00:00+08:00",
            "x"
        )
        .is_err()
    );
    // Return needs a reason, and goes back to dispatch.
    assert!(matches!(
        e.handle_command(
            t("2026-03-03T11:00:00+08:00"),
            &order,
            &Act::new(Command::Return, "roads-1")
        ),
        Err(FlowError::Rejected { .. })
    ));
    run_why(&mut e, &order, Command::Return, "2026-03-03T11:00:00+08:00", "wrong district")
        .unwrap();
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "dispatch");
    assert_eq!(s.count("return"), 1);
    run(
        &mut e,
        &order,
        Command::Dispatch { to: "Parks".into() },
        "dispatcher-1",
        "2026-03-03T12:00:00+08:00",
    );
    let s = state(&mut e, &order);
    assert_eq!(s.department.as_deref(), Some("Parks"));
    assert_eq!(s.deadline, deadline, "the handling deadline runs from the first dispatch");
    let reason = e
        .history(&order)
        .unwrap()
        .into_iter()
        .find_map(|ev| ev.reason.filter(|r| r == "wrong district"));
    assert!(reason.is_some());
}

fn urge_and_supervise_notify<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "complaint", "2026-03-02T10:00:00+08:00", "Water Bureau");
    let ack = run(
        &mut e,
        &order,
        Command::Urge { note: "caller called again".into() },
        "agent-2",
        "2026-03-05T10:00:00+08:00",
    );
    assert_eq!(ack.notifications.len(), 1);
    assert_eq!(ack.notifications[0].to.to_string(), "dept:Water Bureau");
    assert_eq!(ack.notifications[0].kind, "urge");
    let ack = run(
        &mut e,
        &order,
        Command::Supervise { note: "media interest".into() },
        "lead-1",
        "2026-03-05T11:00:00+08:00",
    );
    let to: Vec<String> = ack.notifications.iter().map(|n| n.to.to_string()).collect();
    assert_eq!(to, ["dept:Water Bureau", "role:supervisor"]);
    let s = state(&mut e, &order);
    assert!(s.supervised);
    assert_eq!((s.count("urge"), s.count("supervise")), (1, 1));
}

fn extension_moves_the_deadline_only_when_approved<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Housing");
    assert_eq!(state(&mut e, &order).deadline, Some(t("2026-03-05T10:00:00+08:00")));
    // A reason is required.
    assert!(
        e.handle_command(
            t("2026-03-03T10:00:00+08:00"),
            &order,
            &Act::new(Command::RequestExtension { days: 2 }, "h")
        )
        .is_err()
    );
    run_why(
        &mut e,
        &order,
        Command::RequestExtension { days: 2 },
        "2026-03-03T10:00:00+08:00",
        "site visit needed",
    )
    .unwrap();
    let s = state(&mut e, &order);
    let request = *s.requests.keys().next().unwrap();
    // A second request while one is pending is refused.
    assert!(
        run_why(
            &mut e,
            &order,
            Command::RequestExtension { days: 1 },
            "2026-03-03T10:00:00+08:00",
            "x"
        )
        .is_err()
    );
    // Rejection needs a reason and leaves the deadline.
    run_why(
        &mut e,
        &order,
        Command::Reject { request },
        "2026-03-03T11:00:00+08:00",
        "not justified",
    )
    .unwrap();
    assert_eq!(state(&mut e, &order).deadline, Some(t("2026-03-05T10:00:00+08:00")));
    assert!(
        run_why(&mut e, &order, Command::Approve { request }, "2026-03-03T11:00:00+08:00", "x")
            .is_err()
    );
    run_why(
        &mut e,
        &order,
        Command::RequestExtension { days: 2 },
        "2026-03-03T12:00:00+08:00",
        "really",
    )
    .unwrap();
    let request = *state(&mut e, &order).requests.keys().last().unwrap();
    run(&mut e, &order, Command::Approve { request }, "lead-1", "2026-03-03T13:00:00+08:00");
    let s = state(&mut e, &order);
    // Thursday 5 March + 2 working days = Monday 9 March.
    assert_eq!(s.deadline, Some(t("2026-03-09T10:00:00+08:00")));
    let item = s.open_items().next().unwrap();
    assert_eq!(item.deadline, s.deadline);
    assert_eq!(s.count("request_extension"), 2);
}

fn joint_handling_needs_lead_and_assistants<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "complaint", "2026-03-02T10:00:00+08:00", "Water Bureau");
    run_why(
        &mut e,
        &order,
        Command::RequestJoint { departments: vec!["Roads".into(), "Parks".into()] },
        "2026-03-02T11:00:00+08:00",
        "crosses roads",
    )
    .unwrap();
    let request = *state(&mut e, &order).requests.keys().next().unwrap();
    let ack = run(
        &mut e,
        &order,
        Command::Approve { request },
        "dispatcher-1",
        "2026-03-02T12:00:00+08:00",
    );
    assert_eq!(ack.notifications.iter().filter(|n| n.kind == "assigned").count(), 2);
    let s = state(&mut e, &order);
    let open: Vec<String> = s
        .open_items()
        .map(|i| format!("{}{}", i.assignee, if i.lead { "*" } else { "" }))
        .collect();
    assert_eq!(open, ["dept:Water Bureau*", "dept:Roads", "dept:Parks"]);
    // Assisting departments reply first; the task waits for the lead.
    e.handle_command(
        t("2026-03-03T10:00:00+08:00"),
        &order,
        &Act::new(Command::Reply { text: "road closed".into() }, "r").on("dept:Roads"),
    )
    .unwrap();
    e.handle_command(
        t("2026-03-03T10:00:00+08:00"),
        &order,
        &Act::new(Command::Reply { text: "trees cut".into() }, "p").on("Parks"),
    )
    .unwrap();
    assert_eq!(state(&mut e, &order).status(), "handle");
    // Without `on`, the lead's item is chosen.
    run(
        &mut e,
        &order,
        Command::Reply { text: "all fixed".into() },
        "w",
        "2026-03-04T10:00:00+08:00",
    );
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "close");
    assert_eq!(s.var_str("reply"), Some("all fixed"));
}

fn pause_stops_the_clock_while_waiting_on_the_caller<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Housing");
    // Paused Tuesday 10:00 to Wednesday 10:00: one working day (7 hours) of business time.
    run(&mut e, &order, Command::Pause, "h", "2026-03-03T10:00:00+08:00");
    assert_eq!(state(&mut e, &order).status(), "paused");
    assert!(
        e.handle_command(
            t("2026-03-03T11:00:00+08:00"),
            &order,
            &Act::new(Command::Reply { text: "x".into() }, "h")
        )
        .is_err()
    );
    run(&mut e, &order, Command::Resume, "h", "2026-03-04T10:00:00+08:00");
    let s = state(&mut e, &order);
    // Thursday 10:00 + 7 working hours = Friday 10:00.
    assert_eq!(s.deadline, Some(t("2026-03-06T10:00:00+08:00")));
    assert_eq!(s.pauses.len(), 1);
    assert!(
        e.handle_command(t("2026-03-04T11:00:00+08:00"), &order, &Act::new(Command::Resume, "h"))
            .is_err()
    );
}

fn warnings_escalation_and_reminders_fire_from_the_driver<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Housing");
    // The deadline is Thursday 10:00: 21 working hours. Half is 10.5 h: Tuesday 13:30 + ...
    let s = state(&mut e, &order);
    let warn: Vec<Timestamp> = s.timers.values().map(|t| t.due).collect();
    assert_eq!(warn.len(), 3);
    // Nothing ran between Monday and Friday (the process was down): one tick catches up.
    let report = tick(&mut e, t("2026-03-06T10:00:00+08:00")).unwrap();
    let kinds: Vec<&str> = report.notifications.iter().map(|(_, n)| n.kind.as_str()).collect();
    assert_eq!(kinds, ["warning", "warning", "overdue", "overdue", "reminder"]);
    let s = state(&mut e, &order);
    let item = s.open_items().next().unwrap();
    assert!(item.overdue);
    assert_eq!(item.warned, [0, 1]);
    assert_eq!(item.reminders, 1);
    // The next reminder is one working day later; ticking again early does nothing.
    let again = tick(&mut e, t("2026-03-06T10:00:00+08:00")).unwrap();
    assert!(again.notifications.is_empty());
    let report = tick(&mut e, t("2026-03-31T10:00:00+08:00")).unwrap();
    assert_eq!(report.notifications.len(), 4, "at most five reminders in all");
    assert_eq!(state(&mut e, &order).open_items().next().unwrap().reminders, 5);
    // Replying late is allowed, and counted as not on time.
    run(&mut e, &order, Command::Reply { text: "late".into() }, "h", "2026-03-31T11:00:00+08:00");
    let s = state(&mut e, &order);
    assert_eq!(s.on_time(), Some(false));
    assert!(
        s.timers.is_empty()
            || s.timers
                .values()
                .all(|t| !matches!(t.kind, hotline_flow::TimerKind::Reminder { .. }))
    );
}

fn dissatisfied_follow_up_reopens<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Housing");
    run(
        &mut e,
        &order,
        Command::Reply { text: "see website".into() },
        "h",
        "2026-03-02T11:00:00+08:00",
    );
    run(&mut e, &order, Command::Close, "d", "2026-03-02T12:00:00+08:00");
    tick(&mut e, t("2026-03-03T12:00:00+08:00")).unwrap();
    assert!(
        e.handle_command(
            t("2026-03-03T13:00:00+08:00"),
            &order,
            &Act::new(Command::FollowUp { satisfaction: 6, comment: String::new() }, "c")
        )
        .is_err()
    );
    run(
        &mut e,
        &order,
        Command::FollowUp { satisfaction: 1, comment: "useless".into() },
        "c",
        "2026-03-03T14:00:00+08:00",
    );
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "handle");
    assert_eq!(s.count("reopened"), 1);
    assert_eq!(s.department.as_deref(), Some("Housing"));
    // A new deadline: 3 working days from the reopening.
    assert_eq!(s.deadline, Some(t("2026-03-06T14:00:00+08:00")));
    // Second round: satisfied.
    run(
        &mut e,
        &order,
        Command::Reply { text: "visited".into() },
        "h",
        "2026-03-04T11:00:00+08:00",
    );
    run(&mut e, &order, Command::Close, "d", "2026-03-04T12:00:00+08:00");
    tick(&mut e, t("2026-03-05T12:00:00+08:00")).unwrap();
    run(
        &mut e,
        &order,
        Command::FollowUp { satisfaction: 4, comment: String::new() },
        "c",
        "2026-03-05T14:00:00+08:00",
    );
    assert!(state(&mut e, &order).is_finished());
    // An explicit reopen (by command) of a finished order.
    assert!(
        e.handle_command(
            t("2026-03-06T09:00:00+08:00"),
            &order,
            &Act::new(Command::Reopen, "lead")
        )
        .is_err()
    );
    run_why(
        &mut e,
        &order,
        Command::Reopen,
        "2026-03-06T09:00:00+08:00",
        "caller complained again",
    )
    .unwrap();
    let s = state(&mut e, &order);
    assert_eq!(s.status(), "handle");
    assert_eq!(s.count("reopen"), 1);
    assert_eq!(s.count("reopened"), 2);
    assert!(!s.is_finished());
    assert!(e.verify(&order).is_ok());
}

fn finished_orders_refuse_commands<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Housing");
    // Commands of the wrong phase are refused with the reason.
    let err = e
        .handle_command(t("2026-03-02T11:00:00+08:00"), &order, &Act::new(Command::Close, "d"))
        .unwrap_err();
    assert!(err.to_string().contains("no open close item"), "{err}");
    assert!(matches!(
        e.handle_command(
            t("2026-03-02T11:00:00+08:00"),
            "WO-999999",
            &Act::new(Command::Close, "d")
        ),
        Err(FlowError::UnknownOrder(_))
    ));
}

/// Issue 27: a command dated before the order's last event is refused with a typed error, and
/// nothing is written.
fn a_command_dated_before_the_last_event_is_refused<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Water");
    let before = state(&mut e, &order);
    let late = e.handle_command(
        t("2026-03-02T09:59:59+08:00"),
        &order,
        &Act::new(Command::Urge { note: String::new() }, "agent-1"),
    );
    match late {
        Err(FlowError::BeforeLastEvent { order: o, at, last }) => {
            assert_eq!(o, order);
            assert_eq!(at, t("2026-03-02T09:59:59+08:00"));
            assert_eq!(last, t("2026-03-02T10:00:00+08:00"));
        }
        other => panic!("expected BeforeLastEvent, got {other:?}"),
    }
    assert_eq!(state(&mut e, &order), before);
    // The same time as the last event is fine.
    run(&mut e, &order, Command::Urge { note: String::new() }, "a", "2026-03-02T10:00:00+08:00");
}

/// Issue 27: an extension of `u32::MAX` days took seconds of calendar arithmetic before failing;
/// it is refused at once, naming the cap.
fn an_extension_beyond_the_cap_is_refused_at_once<S: Store>(store: S) {
    let mut e = engine(store);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Water");
    let started = std::time::Instant::now();
    let asked = run_why(
        &mut e,
        &order,
        Command::RequestExtension { days: u32::MAX },
        "2026-03-02T11:00:00+08:00",
        "forever",
    );
    let Err(FlowError::Rejected { reason, .. }) = asked else { panic!("{asked:?}") };
    assert!(reason.contains(&hotline_flow::MAX_EXTENSION_DAYS.to_string()), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let at_cap = run_why(
        &mut e,
        &order,
        Command::RequestExtension { days: hotline_flow::MAX_EXTENSION_DAYS },
        "2026-03-02T11:00:00+08:00",
        "long but allowed",
    );
    assert!(at_cap.is_ok(), "{at_cap:?}");
}

/// The bundled constant is the shipped definition.
#[test]
fn the_bundled_definition_is_the_file() {
    assert_eq!(hotline_flow::HOTLINE_12345, DEF);
}

/// Issue 18: the host sleeps until `poll_timeout`, which comes from the stored due times.
fn poll_timeout_is_the_earliest_stored_due_time<S: Store>(store: S) {
    let mut e = engine(store);
    assert_eq!(e.poll_timeout().unwrap(), None);
    let order = dispatched(&mut e, "consultation", "2026-03-02T10:00:00+08:00", "Water");
    let due = e.poll_timeout().unwrap().expect("a warning or deadline timer");
    assert_eq!(Some(due), state(&mut e, &order).next_due());
    // Nothing fires just before; at the due time the order runs and poll_output drains.
    e.handle_timeout(due.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap()).unwrap();
    assert!(e.poll_output().is_none());
    e.handle_timeout(due).unwrap();
    let mut ticked = false;
    while let Some(output) = e.poll_output() {
        ticked |= matches!(output, hotline_flow::Output::Ticked { order: o } if o == order);
    }
    assert!(ticked);
    assert!(e.poll_timeout().unwrap().is_some_and(|next| next > due));
}
