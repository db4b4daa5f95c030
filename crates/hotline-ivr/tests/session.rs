//! The sans-IO interpreter through its public API: inputs in, actions and timeouts out.

use std::sync::Arc;

use hotline_ivr::ast::PromptSource;
use hotline_ivr::sim::{Script, run_call};
use hotline_ivr::{Action, Call, Input, Outcome, QueueEvent, Session};
use jiff::{SignedDuration, Timestamp};

fn program(src: &str) -> Arc<hotline_ivr::Program> {
    Arc::new(hotline_ivr::compile(src).unwrap_or_else(|e| panic!("{e}")).0)
}

fn t0() -> Timestamp {
    "2026-11-23T10:00:00+08:00".parse().unwrap()
}

fn ms(t: Timestamp, n: i64) -> Timestamp {
    t + SignedDuration::from_millis(n)
}

fn drain(s: &mut Session) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

const MENU: &str = r#"start m
prompt p { any "Press 1" }
prompt bad { any "Wrong" }
menu m {
  prompt p
  timeout 4s
  retries 2
  invalid bad
  barge-in on
  1 -> bye
  exhausted -> bye
}
hangup bye {}
"#;

#[test]
fn menu_barge_in_takes_the_option() {
    let mut s = Session::new(program(MENU));
    s.start(t0(), Call::default());
    let a = drain(&mut s);
    assert!(matches!(a[0], Action::CollectDigits { max_digits: 1, .. }));
    assert!(
        matches!(&a[1], Action::Play { prompt, source: PromptSource::Text(t), barge_in: true, .. } if prompt == "p" && t == "Press 1")
    );
    assert_eq!(s.poll_timeout(), None, "no timer while the prompt plays");
    s.handle(ms(t0(), 500), Input::Digit { key: '1' });
    assert_eq!(drain(&mut s), vec![Action::StopPlayback, Action::Hangup]);
    assert_eq!(s.outcome(), Some(&Outcome::HungUp));
}

#[test]
fn no_barge_in_ignores_keys_during_the_prompt() {
    let mut s = Session::new(program(&MENU.replace("barge-in on", "barge-in off")));
    s.start(t0(), Call::default());
    drain(&mut s);
    s.handle(ms(t0(), 500), Input::Digit { key: '1' });
    assert!(drain(&mut s).is_empty());
    assert!(!s.is_finished());
}

#[test]
fn timeouts_retry_then_exhaust() {
    let mut s = Session::new(program(MENU));
    s.start(t0(), Call::default());
    drain(&mut s);
    s.handle(ms(t0(), 1000), Input::PromptFinished);
    assert_eq!(s.poll_timeout(), Some(ms(t0(), 5000)));
    // Too early: nothing happens.
    s.handle(ms(t0(), 4000), Input::Timeout);
    assert!(drain(&mut s).is_empty());
    s.handle(ms(t0(), 5000), Input::Timeout);
    let a = drain(&mut s);
    assert!(
        matches!(&a[0], Action::Play { prompt, .. } if prompt == "p"),
        "no no-input prompt is set: {a:?}"
    );
    s.handle(ms(t0(), 6000), Input::PromptFinished);
    // A wrong key: the invalid prompt, and the retries (2) are used up.
    s.handle(ms(t0(), 7000), Input::Digit { key: '5' });
    assert_eq!(drain(&mut s), vec![Action::Hangup]);
}

#[test]
fn same_inputs_same_actions() {
    let run = || {
        let mut s = Session::new(program(include_str!("../flows/gov12345.ivr")));
        let mut out = Vec::new();
        s.start(t0(), Call { caller: "1".into(), dialled: "12345".into(), ..Call::default() });
        let inputs = [
            (1700, Input::PromptFinished),
            (2000, Input::Digit { key: '2' }),
            (9000, Input::PromptFinished),
            (9500, Input::Digit { key: '1' }),
            (12000, Input::PromptFinished),
            (12000, Input::Queue(QueueEvent::Position { position: 2, wait_secs: Some(40) })),
            (72000, Input::Timeout),
            (80000, Input::Queue(QueueEvent::Answered { agent: "a".into() })),
            (90000, Input::Queue(QueueEvent::Ended)),
        ];
        for (t, i) in inputs {
            s.handle(ms(t0(), t), i);
            out.extend(drain(&mut s));
            out.push(Action::Announce {
                position: None,
                wait_secs: s.poll_timeout().map(|x| x.as_millisecond() as u64),
            });
        }
        out
    };
    let a = run();
    assert_eq!(a, run());
    assert!(a.contains(&Action::Announce { position: Some(2), wait_secs: Some(40) }), "{a:#?}");
}

#[test]
fn caller_hangup_in_a_queue_leaves_it() {
    let src = "start q\nqueue q { to \"x\"; error -> b }\nhangup b {}\n";
    let mut s = Session::new(program(src));
    s.start(t0(), Call::default());
    assert!(matches!(drain(&mut s)[..], [Action::Enqueue { .. }]));
    s.handle(ms(t0(), 100), Input::Hangup);
    assert_eq!(drain(&mut s), vec![Action::LeaveQueue]);
    assert_eq!(s.outcome(), Some(&Outcome::CallerHungUp));
    // Inputs after the end are ignored.
    s.handle(ms(t0(), 200), Input::Digit { key: '1' });
    assert!(drain(&mut s).is_empty());
}

#[test]
fn lookup_timeout_takes_the_error_edge() {
    let src = "start l\nlookup l { function \"f\"; arg x = caller; into r; timeout 2s\n next -> ok\n error -> bad }\nhangup ok {}\nsay bad { next -> ok }\n";
    let mut s = Session::new(program(src));
    s.start(t0(), Call { caller: "42".into(), ..Call::default() });
    let a = drain(&mut s);
    assert!(
        matches!(&a[0], Action::Lookup { function, args } if function == "f" && args["x"].to_string() == "42")
    );
    assert_eq!(s.poll_timeout(), Some(ms(t0(), 2000)));
    s.handle(ms(t0(), 2000), Input::Timeout);
    // A late result is ignored.
    s.handle(ms(t0(), 2100), Input::LookupResult { fields: Default::default() });
    assert_eq!(s.outcome(), Some(&Outcome::HungUp));
    assert!(s.edges_taken().keys().any(|&(n, _)| s.program().nodes[n].id == "l"));
}

#[test]
fn subflow_returns_to_next() {
    let src = r#"start s
subflow s { call a; next -> after }
set a { x = 1; next -> b }
set b { y = x + 1; next -> return }
if after { when y == 2 -> yes
 else -> no }
hangup yes {}
say no { next -> yes }
"#;
    let mut s = Session::new(program(src));
    s.start(t0(), Call::default());
    assert_eq!(s.outcome(), Some(&Outcome::HungUp));
    assert_eq!(s.visits()[s.program().node_index("no").unwrap()], 0);
}

#[test]
fn an_input_free_loop_is_stopped() {
    // The checker rejects a loop with no exit, but a loop whose exit is never taken at run time
    // must still end.
    let src =
        "start a\nset a { n = 1; next -> b }\nif b { when n == 2 -> c\n else -> a }\nhangup c {}\n";
    let mut s = Session::new(program(src));
    s.start(t0(), Call::default());
    assert!(matches!(s.outcome(), Some(Outcome::Failed(why)) if why.contains("loop")));
}

const SCHEDULE: &str = r#"timezone "Asia/Shanghai"
start s
calendar cn { base china }
schedule s {
  calendar cn
  open -> o
  closed -> c
  holiday -> h
}
hangup o {}
hangup c {}
hangup h {}
"#;

fn schedule_at(at: &str) -> String {
    let p = program(SCHEDULE);
    let t = run_call(&p, &Script { at: Some(at.into()), ..Script::default() }).unwrap();
    t.steps.iter().find(|s| s.node == "s").map(|s| s.detail.clone()).unwrap()
}

#[test]
fn schedule_uses_the_china_calendar() {
    assert_eq!(schedule_at("2026-11-23T10:00:00+08:00"), "open -> o"); // Monday morning
    assert_eq!(schedule_at("2026-11-23T12:30:00+08:00"), "closed -> c"); // lunch break
    assert_eq!(schedule_at("2026-11-28T10:00:00+08:00"), "closed -> c"); // Saturday
    assert_eq!(schedule_at("2026-10-02T10:00:00+08:00"), "holiday -> h"); // National Day
    assert_eq!(schedule_at("2026-10-10T10:00:00+08:00"), "open -> o"); // make-up working Saturday
    // 02:00 UTC on Monday is 10:00 in Beijing.
    assert_eq!(schedule_at("2026-11-23T02:00:00Z"), "open -> o");
}

#[test]
fn schedule_own_hours_and_holidays() {
    let src = SCHEDULE.replace(
        "calendar cn { base china }",
        "calendar cn {\n timezone \"Europe/Berlin\"\n hours mon-fri 08:00-18:00\n hours sat 10:00-14:00\n holiday 2026-12-24..2026-12-26 \"Christmas\"\n workday 2026-12-27 \"stocktaking\"\n}",
    );
    let p = program(&src);
    let at = |t: &str| {
        let tr = run_call(&p, &Script { at: Some(t.into()), ..Script::default() }).unwrap();
        tr.steps.iter().find(|s| s.node == "s").map(|s| s.detail.clone()).unwrap()
    };
    assert_eq!(at("2026-11-28T11:00:00+01:00"), "open -> o");
    assert_eq!(at("2026-11-28T15:00:00+01:00"), "closed -> c");
    assert_eq!(at("2026-12-25T11:00:00+01:00"), "holiday -> h");
    assert_eq!(at("2026-12-27T09:00:00+01:00"), "open -> o");
}

#[test]
fn schedule_without_holiday_branch_treats_holidays_as_closed() {
    let src = SCHEDULE.replace("  holiday -> h\n", "").replace("hangup h {}\n", "");
    let p = program(&src);
    let t =
        run_call(&p, &Script { at: Some("2026-10-02T10:00:00+08:00".into()), ..Script::default() })
            .unwrap();
    assert_eq!(t.outcome, "hangup");
    assert!(t.steps.iter().any(|s| s.detail == "closed -> c"));
}
