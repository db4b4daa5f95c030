//! Property tests: any sequence of commands leaves a log that replays to the same state,
//! verifies, and survives a JSON round trip; rejected commands change nothing.

mod common;

use common::tick;
use hotline_flow::store::MemoryStore;
use hotline_flow::{Act, Calendars, Command, Engine, Event, Vars, WorkOrder};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::json;

const DEF: &str = include_str!("../definitions/hotline-12345.toml");

fn command(kind: u8, n: u8) -> (Command, Option<&'static str>) {
    let dept = ["Water", "Roads", "Parks"][usize::from(n % 3)];
    match kind % 20 {
        0 => (Command::Accept { vars: Vars::new() }, None),
        1 => (Command::Dispatch { to: dept.into() }, None),
        2 => (Command::Transfer { to: dept.into() }, Some("wrong department")),
        3 => (Command::Return, Some("not ours")),
        4 => (Command::Reply { text: "done".into() }, None),
        5 => (Command::Urge { note: String::new() }, None),
        6 => (Command::Supervise { note: String::new() }, None),
        7 => (Command::RequestExtension { days: u32::from(n % 4) }, Some("need time")),
        8 => (Command::RequestJoint { departments: vec![dept.into()] }, Some("joint")),
        9 => (Command::Approve { request: u32::from(n % 40) }, None),
        10 => (Command::Reject { request: u32::from(n % 40) }, Some("no")),
        11 => (Command::Close, None),
        12 => (Command::FollowUp { satisfaction: n % 7, comment: String::new() }, None),
        13 => (Command::Reopen, Some("again")),
        14 => (Command::Pause, None),
        15 => (Command::Resume, None),
        16 => (Command::Tick, None),
        17 => (Command::AddSigner { to: dept.into() }, None),
        18 => (Command::RemoveSigner { to: dept.into() }, None),
        _ => (Command::Complete { vars: Vars::new() }, None),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_command_sequence_keeps_the_log_sound(steps in proptest::collection::vec((any::<u8>(), any::<u8>(), 0u32..200_000), 1..40)) {
        let mut e = Engine::new(MemoryStore::new(), Calendars::bundled()).with_snapshot_every(7);
        e.deploy(DEF).unwrap();
        let mut now: Timestamp = "2026-09-28T09:00:00+08:00".parse().unwrap();
        let data: Vars = [("category".to_owned(), json!("consultation"))].into_iter().collect();
        let order = e.handle_start(now, "hotline-12345", None, data, "agent", None).unwrap().order;
        for (kind, n, secs) in steps {
            now = now.checked_add(SignedDuration::from_secs(i64::from(secs))).unwrap();
            let before = e.load(&order).unwrap();
            let (cmd, reason) = command(kind, n);
            let mut act = Act::new(cmd, "p");
            act.reason = reason.map(str::to_owned);
            if n % 5 == 0 {
                act.on = Some(format!("dept:{}", ["Water", "Roads", "Parks"][usize::from(n % 3)]));
            }
            let result = if matches!(act.command, Command::Tick) { tick(&mut e, now).map(|_| ()) } else { e.handle_command(now, &order, &act).map(|_| ()) };
            if result.is_err() {
                prop_assert_eq!(e.load(&order).unwrap(), before, "a rejected command changed the order");
            }
        }
        let history = e.history(&order).unwrap();
        prop_assert!(e.verify(&order).is_ok());
        prop_assert_eq!(WorkOrder::replay(&order, &history).unwrap(), e.load(&order).unwrap());
        let text = serde_json::to_string(&history).unwrap();
        let back: Vec<Event> = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &history);
        let state = e.load(&order).unwrap();
        // Never more than one open handling item per department, and a finished order has none.
        let mut seen = std::collections::BTreeSet::new();
        for item in state.open_items() {
            prop_assert!(seen.insert((item.node.clone(), item.assignee.clone())), "duplicate open item");
        }
        if state.is_finished() {
            prop_assert_eq!(state.open_items().count(), 0);
        }
    }
}
