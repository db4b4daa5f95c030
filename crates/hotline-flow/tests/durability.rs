//! Durability on every store (memory, SQLite, PostgreSQL): idempotency keys, expected versions,
//! snapshots, the hash chain and `verify`, timers after a restart.
#![cfg(feature = "sqlite")]

mod common;

use common::{every_store, tick};
use hotline_flow::store::{MemoryStore, SqliteStore, Store};
use hotline_flow::{Act, Calendars, Change, Command, Engine, FlowError, Vars};
use jiff::Timestamp;
use serde_json::json;

const DEF: &str = include_str!("../definitions/hotline-12345.toml");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn new_order<S: Store>(e: &mut Engine<S>) -> String {
    let data = [("category".to_owned(), json!("consultation"))].into_iter().collect();
    let order = e
        .handle_start(t("2026-03-02T10:00:00+08:00"), "hotline-12345", None, data, "agent", None)
        .unwrap()
        .order;
    e.handle_command(
        t("2026-03-02T10:01:00+08:00"),
        &order,
        &Act::new(Command::Accept { vars: Vars::new() }, "agent"),
    )
    .unwrap();
    order
}

fn idempotency<S: Store>(store: S) {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    let order = new_order(&mut e);
    let act = Act::new(Command::Dispatch { to: "Water".into() }, "d").key("req-1");
    let first = e.handle_command(t("2026-03-02T10:05:00+08:00"), &order, &act).unwrap();
    assert!(first.applied);
    let again = e.handle_command(t("2026-03-02T10:05:00+08:00"), &order, &act).unwrap();
    assert!(!again.applied);
    assert_eq!(again.version, first.version);
    assert_eq!(e.load(&order).unwrap().count("dispatch"), 1);
    // Start is idempotent too.
    let a = e
        .handle_start(
            t("2026-03-02T10:00:00+08:00"),
            "hotline-12345",
            None,
            Vars::new(),
            "x",
            Some("start-1"),
        )
        .unwrap();
    let b = e
        .handle_start(
            t("2026-03-02T10:00:00+08:00"),
            "hotline-12345",
            None,
            Vars::new(),
            "x",
            Some("start-1"),
        )
        .unwrap();
    assert_eq!(a.order, b.order);
    assert!(!b.applied);
}

fn conflicts<S: Store>(store: S) {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    let order = new_order(&mut e);
    let v = e.load(&order).unwrap().version;
    // Two agents read version v and both try to dispatch: one wins.
    let a = Act::new(Command::Dispatch { to: "Water".into() }, "a").expect(v);
    let b = Act::new(Command::Dispatch { to: "Roads".into() }, "b").expect(v);
    e.handle_command(t("2026-03-02T10:05:00+08:00"), &order, &a).unwrap();
    match e.handle_command(t("2026-03-02T10:05:00+08:00"), &order, &b) {
        Err(FlowError::Conflict { expected, actual, .. }) => {
            assert_eq!(expected, v);
            assert!(actual > v);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.load(&order).unwrap().department.as_deref(), Some("Water"));
    // The store refuses a stale append directly as well.
    let events = e.history(&order).unwrap();
    let state = e.load(&order).unwrap();
    assert!(matches!(
        e.store().append(&order, 1, &events[1..2], None, &state),
        Err(FlowError::Conflict { .. })
    ));
}

fn snapshots_and_verify<S: Store>(store: S) -> Engine<S> {
    let mut e = Engine::new(store, Calendars::bundled()).with_snapshot_every(5);
    e.deploy(DEF).unwrap();
    let order = new_order(&mut e);
    e.handle_command(
        t("2026-03-02T10:05:00+08:00"),
        &order,
        &Act::new(Command::Dispatch { to: "Water".into() }, "d"),
    )
    .unwrap();
    for i in 0..20 {
        let note = format!("call {i}");
        e.handle_command(
            t("2026-03-02T11:00:00+08:00"),
            &order,
            &Act::new(Command::Urge { note }, "agent"),
        )
        .unwrap();
    }
    let snapshot = e.store().snapshot(&order).unwrap().expect("a snapshot was taken");
    assert!(snapshot.state.version >= 20);
    let loaded = e.load(&order).unwrap();
    let replayed = hotline_flow::WorkOrder::replay(&order, &e.history(&order).unwrap()).unwrap();
    assert_eq!(loaded, replayed, "snapshot + tail equals full replay");
    let verified = e.verify(&order).unwrap();
    assert!(verified.snapshot_checked);
    assert_eq!(verified.events, loaded.version);
    e
}

// The same tests on every store (memory, SQLite, PostgreSQL).
every_store!(
    idempotency,
    conflicts,
    snapshots_and_verify,
    timers_fire_once_and_poll_timeout_follows
);

/// Issue 18 and 24: `poll_timeout` is the earliest stored due time; the timers due fire once, a
/// second timeout at the same time finds nothing, and the next due time moves on.
fn timers_fire_once_and_poll_timeout_follows<S: Store>(store: S) {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    assert_eq!(e.poll_timeout().unwrap(), None);
    let order = new_order(&mut e);
    e.handle_command(
        t("2026-03-02T10:05:00+08:00"),
        &order,
        &Act::new(Command::Dispatch { to: "Water".into() }, "d"),
    )
    .unwrap();
    let due = e.poll_timeout().unwrap().expect("a warning timer");
    assert_eq!(Some(due), e.load(&order).unwrap().next_due());
    let before =
        tick(&mut e, due.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap()).unwrap();
    assert!(before.orders.is_empty() && before.notifications.is_empty());
    let first = tick(&mut e, due).unwrap();
    assert_eq!(first.orders, vec![order.clone()]);
    assert_eq!(first.notifications.len(), 1, "{:?}", first.notifications);
    let again = tick(&mut e, due).unwrap();
    assert!(again.notifications.is_empty(), "{:?}", again.notifications);
    assert!(e.poll_timeout().unwrap().is_some_and(|next| next > due));
    e.verify(&order).unwrap();
}

#[test]
fn memory_tampering_is_detected() {
    let mut e = snapshots_and_verify(MemoryStore::new());
    let order = e.orders().unwrap()[0].clone();
    // Change what an event says: its hash no longer matches.
    let events = e.store().raw_events_mut(&order).unwrap();
    if let Change::Command(Command::Urge { note }) = &mut events[10].change {
        *note = "forged".into();
    } else {
        events[10].actor = "forged".into();
    }
    let err = e.verify(&order).unwrap_err();
    assert!(matches!(err, FlowError::Tampered { seq: 11, .. }), "{err}");
    // Recompute its hash: the next event no longer chains to it.
    let events = e.store().raw_events_mut(&order).unwrap();
    events[10].hash = events[10].compute_hash(&order).unwrap();
    assert!(matches!(e.verify(&order), Err(FlowError::Tampered { seq: 12, .. })));
    // Drop an event: the sequence breaks.
    let mut e = snapshots_and_verify(MemoryStore::new());
    let order = e.orders().unwrap()[0].clone();
    e.store().raw_events_mut(&order).unwrap().remove(3);
    assert!(matches!(e.verify(&order), Err(FlowError::Tampered { seq: 5, .. })));
}

#[test]
fn sqlite_tampering_is_detected() {
    let mut e = snapshots_and_verify(SqliteStore::in_memory().unwrap());
    let order = e.orders().unwrap()[0].clone();
    e.store()
        .connection()
        .execute(
            "UPDATE events SET body = replace(body, '\"actor\":\"agent\"', '\"actor\":\"mallory\"') WHERE order_id = ?1 AND seq = 9",
            [&order],
        )
        .unwrap();
    assert!(matches!(e.verify(&order), Err(FlowError::Tampered { seq: 9, .. })));
    // A forged snapshot is caught too.
    let mut e = snapshots_and_verify(SqliteStore::in_memory().unwrap());
    let order = e.orders().unwrap()[0].clone();
    let mut snap = e.store().snapshot(&order).unwrap().unwrap();
    snap.state.satisfaction = Some(5);
    e.store()
        .connection()
        .execute(
            "UPDATE snapshots SET body = ?2 WHERE order_id = ?1",
            [&order, &serde_json::to_string(&snap).unwrap()],
        )
        .unwrap();
    assert!(matches!(e.verify(&order), Err(FlowError::Tampered { .. })));
}

#[test]
fn sqlite_survives_reopening_and_fires_timers_that_fell_due_while_down() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow.db");
    let order = {
        let mut e = Engine::new(SqliteStore::open(&path).unwrap(), Calendars::bundled());
        e.deploy(DEF).unwrap();
        let order = new_order(&mut e);
        e.handle_command(
            t("2026-03-02T10:05:00+08:00"),
            &order,
            &Act::new(Command::Dispatch { to: "Water".into() }, "d"),
        )
        .unwrap();
        order
    };
    // "Down" from Monday to the next Monday; a fresh process opens the file and ticks once.
    let mut e = Engine::new(SqliteStore::open(&path).unwrap(), Calendars::bundled());
    let report = tick(&mut e, t("2026-03-09T10:00:00+08:00")).unwrap();
    assert_eq!(report.orders, vec![order.clone()]);
    let kinds: Vec<&str> = report.notifications.iter().map(|(_, n)| n.kind.as_str()).collect();
    assert!(kinds.starts_with(&["warning", "warning", "overdue", "overdue"]), "{kinds:?}");
    let s = e.load(&order).unwrap();
    assert!(s.open_items().next().unwrap().overdue);
    assert!(e.verify(&order).is_ok());
    let mode: String =
        e.store().connection().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}
