//! The sans-IO interpreter through its public API: inputs in, actions and timeouts out.

use std::sync::Arc;

use hotline_ivr::ast::PromptSource;
use hotline_ivr::sim::{Script, run_call};
use std::time::Duration;

use hotline_ivr::{Action, Call, Input, Outcome, Output, QueueEvent, Session, SessionError};
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
    std::iter::from_fn(|| s.poll_output()).filter_map(Output::into_action).collect()
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
    s.start(t0(), Call::default()).unwrap();
    let a = drain(&mut s);
    assert!(matches!(a[0], Action::CollectDigits { max_digits: 1, .. }));
    assert!(
        matches!(&a[1], Action::Play { prompt, source: PromptSource::Text(t), barge_in: true, .. } if prompt == "p" && t == "Press 1")
    );
    assert_eq!(s.poll_timeout(), None, "no timer while the prompt plays");
    s.handle_digit(ms(t0(), 500), '1').unwrap();
    assert_eq!(drain(&mut s), vec![Action::StopPlayback, Action::Hangup]);
    assert_eq!(s.outcome(), Some(&Outcome::HungUp));
}

#[test]
fn no_barge_in_ignores_keys_during_the_prompt() {
    let mut s = Session::new(program(&MENU.replace("barge-in on", "barge-in off")));
    s.start(t0(), Call::default()).unwrap();
    drain(&mut s);
    // The language discards the key (the caller must hear the prompt out): accepted, no effect.
    assert_eq!(s.handle_digit(ms(t0(), 500), '1'), Ok(()));
    assert!(drain(&mut s).is_empty());
    assert!(!s.is_finished());
    // After the prompt the menu listens, and the key takes the option.
    s.handle_prompt_finished(ms(t0(), 1000)).unwrap();
    s.handle_digit(ms(t0(), 1500), '1').unwrap();
    assert_eq!(drain(&mut s), vec![Action::Hangup]);
}

#[test]
fn timeouts_retry_then_exhaust() {
    let mut s = Session::new(program(MENU));
    s.start(t0(), Call::default()).unwrap();
    drain(&mut s);
    s.handle_prompt_finished(ms(t0(), 1000)).unwrap();
    assert_eq!(s.poll_timeout(), Some(ms(t0(), 5000)));
    // Too early: nothing happens.
    s.handle_timeout(ms(t0(), 4000));
    assert!(drain(&mut s).is_empty());
    s.handle_timeout(ms(t0(), 5000));
    let a = drain(&mut s);
    assert!(
        matches!(&a[0], Action::Play { prompt, .. } if prompt == "p"),
        "no no-input prompt is set: {a:?}"
    );
    s.handle_prompt_finished(ms(t0(), 6000)).unwrap();
    // A wrong key: the invalid prompt, and the retries (2) are used up.
    s.handle_digit(ms(t0(), 7000), '5').unwrap();
    assert_eq!(drain(&mut s), vec![Action::Hangup]);
}

#[test]
fn same_inputs_same_actions() {
    let run = || {
        let mut s = Session::new(program(include_str!("../flows/gov12345.ivr")));
        let mut out = Vec::new();
        s.start(t0(), Call { caller: "1".into(), dialled: "12345".into(), ..Call::default() })
            .unwrap();
        let wait = Some(Duration::from_secs(40));
        let inputs = [
            (1700, Some(Input::PromptFinished)),
            (2000, Some(Input::Digit { key: '2' })),
            (9000, Some(Input::PromptFinished)),
            (9500, Some(Input::Digit { key: '1' })),
            (12000, Some(Input::PromptFinished)),
            (12000, Some(Input::Queue(QueueEvent::Position { position: 2, wait }))),
            (72000, None),
            (80000, Some(Input::Queue(QueueEvent::Answered { agent: "a".into() }))),
            (90000, Some(Input::Queue(QueueEvent::Ended))),
        ];
        for (t, i) in inputs {
            match i {
                Some(i) => out.push(format!("{:?}", s.handle(ms(t0(), t), i))),
                None => s.handle_timeout(ms(t0(), t)),
            }
            out.extend(drain(&mut s).iter().map(|a| format!("{a:?}")));
            out.push(format!("{:?}", s.poll_timeout()));
        }
        out
    };
    let a = run();
    assert_eq!(a, run());
    let announce = format!(
        "{:?}",
        Action::Announce { position: Some(2), wait: Some(Duration::from_secs(40)) }
    );
    assert!(a.contains(&announce), "{a:#?}");
}

#[test]
fn caller_hangup_in_a_queue_leaves_it() {
    let src = "start q\nqueue q { to \"x\"; error -> b }\nhangup b {}\n";
    let mut s = Session::new(program(src));
    s.start(t0(), Call::default()).unwrap();
    assert!(matches!(drain(&mut s)[..], [Action::Enqueue { .. }]));
    s.handle_hangup(ms(t0(), 100)).unwrap();
    assert_eq!(drain(&mut s), vec![Action::LeaveQueue]);
    assert_eq!(s.outcome(), Some(&Outcome::CallerHungUp));
    // Inputs after the end are refused, and change nothing.
    assert_eq!(
        s.handle_digit(ms(t0(), 200), '1'),
        Err(SessionError::Ended { input: "digit", outcome: Outcome::CallerHungUp })
    );
    assert!(drain(&mut s).is_empty());
}

#[test]
fn lookup_timeout_takes_the_error_edge() {
    let src = "start l\nlookup l { function \"f\"; arg x = caller; into r; timeout 2s\n next -> ok\n error -> bad }\nhangup ok {}\nsay bad { next -> ok }\n";
    let mut s = Session::new(program(src));
    s.start(t0(), Call { caller: "42".into(), ..Call::default() }).unwrap();
    let a = drain(&mut s);
    assert!(
        matches!(&a[0], Action::Lookup { function, args } if function == "f" && args["x"].to_string() == "42")
    );
    assert_eq!(s.poll_timeout(), Some(ms(t0(), 2000)));
    s.handle_timeout(ms(t0(), 2000));
    // A late result is refused: the call has moved on (and ended).
    assert!(matches!(
        s.handle_lookup_result(ms(t0(), 2100), Default::default()),
        Err(SessionError::Ended { input: "lookup-result", .. })
    ));
    assert_eq!(s.outcome(), Some(&Outcome::HungUp));
    assert!(s.edges_taken().keys().any(|&(n, _)| s.program().nodes()[n].id == "l"));
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
    s.start(t0(), Call::default()).unwrap();
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
    s.start(t0(), Call::default()).unwrap();
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

#[test]
fn inputs_that_do_not_apply_are_errors() {
    let src = r#"start hello
prompt hi { any "Hello" }
prompt q { any "Press 1" }
say hello { prompt hi; next -> m }
menu m { prompt q; barge-in on; timeout 3s
 1 -> line
 exhausted -> bye }
queue line { to "support"; leave 9 -> bye; error -> bye }
hangup bye {}
"#;
    let p = program(src);
    let mut s = Session::new(Arc::clone(&p));
    // Before the start.
    assert_eq!(s.handle_digit(t0(), '1'), Err(SessionError::NotStarted));
    s.start(t0(), Call::default()).unwrap();
    assert_eq!(s.start(t0(), Call::default()), Err(SessionError::AlreadyStarted));
    drain(&mut s);
    // A `say` node does not listen for keys.
    let err = s.handle_digit(ms(t0(), 100), '1').unwrap_err();
    assert_eq!(
        err,
        SessionError::NotApplicable {
            input: "digit",
            node: "hello".into(),
            state: "playing prompts"
        }
    );
    assert!(err.to_string().contains("`hello`"), "{err}");
    // Not a DTMF key.
    assert_eq!(s.handle_digit(ms(t0(), 100), 'x'), Err(SessionError::NotAKey { key: 'x' }));
    // No lookup, recording or transfer is awaited; no queue holds the caller.
    assert!(s.handle_lookup_failed(ms(t0(), 100), "x".into()).is_err());
    assert!(s.handle_recording_failed(ms(t0(), 100)).is_err());
    assert!(s.handle_transfer_result(ms(t0(), 100), true).is_err());
    assert!(s.handle_queue(ms(t0(), 100), QueueEvent::Ended).is_err());
    assert!(drain(&mut s).is_empty(), "refused inputs change nothing");
    assert_eq!(s.current_node(), "hello");
    // The greeting ends; a second end does not apply.
    s.handle_prompt_finished(ms(t0(), 1000)).unwrap();
    drain(&mut s);
    assert_eq!(s.current_node(), "m");
    s.handle_prompt_finished(ms(t0(), 2000)).unwrap();
    assert!(matches!(
        s.handle_prompt_finished(ms(t0(), 2000)),
        Err(SessionError::NotApplicable { input: "prompt-finished", .. })
    ));
    s.handle_digit(ms(t0(), 2500), '1').unwrap();
    assert!(matches!(drain(&mut s)[..], [Action::Enqueue { .. }]));
    // In the queue: a key no `leave` edge names keeps the caller there (accepted); an `Ended`
    // before an agent answered does not apply.
    assert_eq!(s.handle_digit(ms(t0(), 3000), '5'), Ok(()));
    assert!(drain(&mut s).is_empty());
    assert!(matches!(
        s.handle_queue(ms(t0(), 3000), QueueEvent::Ended),
        Err(SessionError::NotApplicable { input: "queue ended", state: "in a queue", .. })
    ));
    s.handle_digit(ms(t0(), 3500), '9').unwrap();
    assert_eq!(drain(&mut s), vec![Action::LeaveQueue, Action::Hangup]);
}

#[test]
fn durations_in_actions() {
    let src = "start r\nrecord r { max 90s; silence 3s; next -> bye }\nhangup bye {}\n";
    let mut s = Session::new(program(src));
    s.start(t0(), Call::default()).unwrap();
    let a = drain(&mut s);
    assert!(
        matches!(&a[..], [Action::Record { max, silence: Some(sil), .. }]
            if *max == Duration::from_secs(90) && *sil == Duration::from_secs(3)),
        "{a:?}"
    );
    // The session waits the recording's length and a grace period for the host's answer.
    assert_eq!(s.poll_timeout(), Some(ms(t0(), 100_000)));
}

#[test]
fn a_bad_calls_file_keeps_the_toml_error() {
    let e = hotline_ivr::sim::Suite::from_toml("[[call]]\ndigits = 5\n").unwrap_err();
    assert!(e.to_string().starts_with("calls file: "), "{e}");
    assert!(std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("line 2")), "{e}");
}

#[test]
fn durations_in_jiffs_friendly_format() {
    let src = MENU.replace("timeout 4s", "timeout 1m 30s");
    let mut s = Session::new(program(&src));
    s.start(t0(), Call::default()).unwrap();
    drain(&mut s);
    s.handle_prompt_finished(t0()).unwrap();
    assert_eq!(s.poll_timeout(), Some(ms(t0(), 90_000)));
    let bad = MENU.replace("timeout 4s", "timeout -30s");
    let err = hotline_ivr::compile(&bad).unwrap_err().to_string();
    assert!(err.contains("6:11") && err.contains("`-30s` is negative"), "{err}");
}
