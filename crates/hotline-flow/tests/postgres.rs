//! The PostgreSQL store on a real server that the test starts itself (hotline-testkit): schema
//! migrations and the check at connect, clear errors for a bad connection string, a server that is
//! down and a refused password, change notifications, tampering, timer claims and leases, and a
//! server restart under a live store.
#![cfg(feature = "postgres")]

mod common;

use std::time::{Duration, Instant};

use hotline_flow::store::postgres::{Migrated, SCHEMA_VERSION};
use hotline_flow::store::{PostgresStore, Store};
use hotline_flow::{Act, Calendars, Command, Engine, FlowError, Vars};
use hotline_testkit::postgres::{PostgresServer, shared};
use jiff::Timestamp;

const DEF: &str = include_str!("../definitions/hotline-12345.toml");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[test]
fn migrate_creates_the_schema_once_and_connect_checks_it() {
    let Some(pg) = shared() else { return };
    let url = pg.create_database("migrate");
    // Not migrated yet: refused with the command to run.
    let err = PostgresStore::connect(&url).unwrap_err();
    assert!(matches!(err, FlowError::SchemaVersion { found: 0, supported: SCHEMA_VERSION }));
    assert!(err.to_string().contains("hotline flow migrate"), "{err}");
    let first = PostgresStore::migrate(&url).unwrap();
    assert_eq!((first.from, first.to, first.applied.len()), (0, SCHEMA_VERSION, 1));
    let again = PostgresStore::migrate(&url).unwrap();
    assert_eq!(again, Migrated { from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: vec![] });
    let mut store = PostgresStore::connect(&url).unwrap();
    assert!(store.orders().unwrap().is_empty());
    // Every table lives in the schema `hotline_flow`, none in `public`.
    let database = url.rsplit('/').next().unwrap();
    let count = |schema: &str| {
        pg.psql(
            database,
            &format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}'"
            ),
        )
        .trim()
        .parse::<u32>()
        .unwrap()
    };
    assert_eq!((count("hotline_flow"), count("public")), (9, 0));
    // A newer hotline-flow migrated the database: this one refuses it, at connect and migrate.
    pg.psql(
        url.rsplit('/').next().unwrap(),
        &format!(
            "INSERT INTO hotline_flow.schema_version (version, name) VALUES ({}, 'from the future')",
            SCHEMA_VERSION + 1
        ),
    );
    for err in
        [PostgresStore::connect(&url).unwrap_err(), PostgresStore::migrate(&url).unwrap_err()]
    {
        assert!(
            matches!(err, FlowError::SchemaVersion { found, supported: SCHEMA_VERSION } if found == SCHEMA_VERSION + 1),
            "{err}"
        );
        assert!(err.to_string().contains("newer"), "{err}");
    }
}

fn engine(store: PostgresStore) -> Engine<PostgresStore> {
    let mut e = Engine::new(store, Calendars::bundled());
    e.deploy(DEF).unwrap();
    e
}

fn dispatched<S: Store>(e: &mut Engine<S>) -> String {
    let at = t("2026-03-02T10:00:00+08:00");
    let order =
        e.handle_start(at, "hotline-12345", None, Vars::new(), "agent", None).unwrap().order;
    e.handle_command(at, &order, &Act::new(Command::Accept { vars: Vars::new() }, "agent"))
        .unwrap();
    e.handle_command(at, &order, &Act::new(Command::Dispatch { to: "Water".into() }, "d")).unwrap();
    order
}

#[test]
fn a_bad_url_a_server_that_is_down_and_a_refused_password_say_so() {
    let Some(pg) = shared() else { return };
    let url = common::postgres_url("errors").unwrap();
    let bad = PostgresStore::connect("postgres://hotline:pw@127.0.0.1:notaport/db").unwrap_err();
    let text = chain(&bad);
    assert!(text.contains("bad PostgreSQL connection string"), "{text}");
    assert!(!text.contains("pw@"), "the password is not repeated: {text}");
    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = PostgresStore::connect(&format!("postgres://hotline:x@127.0.0.1:{port}/db"));
    let text = chain(&down.unwrap_err());
    assert!(text.contains("cannot reach PostgreSQL at 127.0.0.1:"), "{text}");
    assert!(text.contains("is the server running?"), "{text}");
    let wrong = url.replace(pg.password(), "wrong-password");
    let text = chain(&PostgresStore::connect(&wrong).unwrap_err());
    assert!(text.contains("refused the password"), "{text}");
    assert!(!text.contains("wrong-password"), "{text}");
    let missing = pg.url("no_such_database");
    let text = chain(&PostgresStore::connect(&missing).unwrap_err());
    assert!(text.contains("the database does not exist"), "{text}");
}

#[test]
fn another_process_learns_of_a_change_within_a_second() {
    let Some(url) = common::postgres_url("notify") else { return };
    let mut writer = engine(PostgresStore::connect(&url).unwrap());
    let mut watcher = PostgresStore::connect(&url).unwrap();
    watcher.listen().unwrap();
    assert!(watcher.changes(Duration::from_millis(50)).unwrap().is_empty());
    let order = dispatched(&mut writer);
    let started = Instant::now();
    let mut seen = Vec::new();
    while !seen.contains(&order) && started.elapsed() < Duration::from_secs(1) {
        seen.extend(watcher.changes(Duration::from_millis(100)).unwrap());
    }
    assert!(seen.contains(&order), "no notification within a second: {seen:?}");
    // The work list read after the notification shows the new item.
    let water: Vec<_> = watcher
        .open_items(&["dept:Water".parse().unwrap()])
        .unwrap()
        .into_iter()
        .map(|o| o.order)
        .collect();
    assert_eq!(water, vec![order]);
}

#[test]
fn tampering_is_detected() {
    let Some(url) = common::postgres_url("tamper") else { return };
    let mut e = engine(PostgresStore::connect(&url).unwrap());
    let order = dispatched(&mut e);
    for i in 0..3 {
        let note = format!("call {i}");
        e.handle_command(
            t("2026-03-02T11:00:00+08:00"),
            &order,
            &Act::new(Command::Urge { note }, "agent"),
        )
        .unwrap();
    }
    e.verify(&order).unwrap();
    e.store()
        .client()
        .unwrap()
        .execute(
            "UPDATE events SET body = replace(body, '\"actor\":\"agent\"', '\"actor\":\"mallory\"') \
             WHERE order_id = $1 AND seq = (SELECT max(seq) FROM events WHERE order_id = $1)",
            &[&order],
        )
        .unwrap();
    let err = e.verify(&order).unwrap_err();
    assert!(matches!(err, FlowError::Tampered { .. }), "{err}");
}

#[test]
fn two_stores_never_claim_the_same_due_order_and_a_dead_claim_runs_out() {
    let Some(url) = common::postgres_url("claims") else { return };
    let mut a = engine(PostgresStore::connect(&url).unwrap().with_lease(Duration::from_secs(2)));
    let mut b = PostgresStore::connect(&url).unwrap().with_claim_limit(2);
    let orders: Vec<String> = (0..5).map(|_| dispatched(&mut a)).collect();
    let later = t("2026-03-20T10:00:00+08:00");
    assert_eq!(b.due(later).unwrap().len(), 5);
    // b claims two (its limit); a claims the other three; nobody gets one twice.
    let by_b = b.claim_due(later).unwrap();
    assert_eq!(by_b.len(), 2);
    let by_a = a.store().claim_due(later).unwrap();
    assert_eq!(by_a.len(), 3);
    assert!(by_a.iter().all(|o| !by_b.contains(o)));
    assert!(a.store().claim_due(later).unwrap().is_empty());
    // a fired its three and gives them back; b "dies" holding its two.
    for o in &by_a {
        a.store().release(o).unwrap();
    }
    // a's released orders are free again at once; b's stay claimed (its lease is 30 s).
    let again = a.store().claim_due(later).unwrap();
    assert_eq!(again.len(), 3);
    assert!(again.iter().all(|o| !by_b.contains(o)));
    for o in &again {
        a.store().release(o).unwrap();
    }
    let mut c = PostgresStore::connect(&url).unwrap().with_lease(Duration::from_millis(300));
    let by_c = c.claim_due(later).unwrap();
    assert_eq!(by_c.len(), 3, "c takes the free ones");
    drop(c); // c dies holding three claims for 300 ms
    std::thread::sleep(Duration::from_millis(400));
    let after = a.store().claim_due(later).unwrap();
    assert_eq!(after.len(), 3, "the dead process's claims ran out");
    assert!(orders.iter().all(|o| by_b.contains(o) || after.contains(o)));
}

#[test]
fn a_server_restart_fails_the_call_in_progress_and_the_next_call_reconnects() {
    let Some(pg) = PostgresServer::start() else { return };
    let url = pg.create_database("restart");
    PostgresStore::migrate(&url).unwrap();
    let mut e = engine(PostgresStore::connect(&url).unwrap());
    let order = dispatched(&mut e);
    let due = e.poll_timeout().unwrap();
    assert!(due.is_some());
    pg.stop();
    // Issue 18: a store that cannot be read is an error for the host, not a made-up time.
    assert!(matches!(e.poll_timeout(), Err(FlowError::Store { .. })));
    let act = Act::new(Command::Urge { note: "while down".into() }, "agent").key("urge-1");
    let at = t("2026-03-02T11:00:00+08:00");
    let err = e.handle_command(at, &order, &act).unwrap_err();
    assert!(matches!(err, FlowError::Store { .. }), "{err}");
    pg.restart();
    // The client retries with the same key: applied once.
    let ack = e.handle_command(at, &order, &act).unwrap();
    assert!(ack.applied);
    assert!(!e.handle_command(at, &order, &act).unwrap().applied);
    assert_eq!(e.load(&order).unwrap().count("urge"), 1);
    assert_eq!(e.poll_timeout().unwrap(), due);
    e.verify(&order).unwrap();
}
