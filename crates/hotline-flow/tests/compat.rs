//! Logs written before the canonical hash encoding (hash version 1) still verify, and new events
//! appended to them are sealed with version 2.

use std::path::Path;

use hotline_flow::store::SqliteStore;
use hotline_flow::{Act, Calendars, Command, Engine, Event, HASH_VERSION, verify_chain};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// `v1-log.json` is `hotline flow show WO-000001 --json` of a store written by the code before
/// the change (accept, dispatch, transfer, extension, approval, reply, close: 76 events).
#[test]
fn a_version_1_log_still_verifies() {
    let text = std::fs::read_to_string(Path::new(DATA).join("v1-log.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let events: Vec<Event> = serde_json::from_value(value["events"].clone()).unwrap();
    assert_eq!(events.len(), 76);
    assert!(events.iter().all(|e| e.hash_version == 1));
    verify_chain("WO-000001", &events).unwrap();
    // A changed byte still fails.
    let mut forged = events.clone();
    forged[3].actor = "eve".to_owned();
    assert!(verify_chain("WO-000001", &forged).is_err());
    // An old-version event after a new one is refused (no downgrade).
    let mut downgraded = events;
    downgraded[0].hash_version = 2;
    assert!(verify_chain("WO-000001", &downgraded).is_err());
}

/// `v1-store.db` is the SQLite file of the same store (with a snapshot at event 64): it verifies,
/// takes new commands, and the new events are version 2 on top of the version-1 chain.
#[test]
fn a_version_1_store_verifies_and_grows_with_version_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    std::fs::copy(Path::new(DATA).join("v1-store.db"), &path).unwrap();
    let mut e = Engine::new(SqliteStore::open(&path).unwrap(), Calendars::bundled());
    let verified = e.verify("WO-000001").unwrap();
    assert_eq!(verified.events, 76);
    let now = "2026-10-10T11:00:00+08:00".parse().unwrap();
    e.handle_timeout(now).unwrap();
    while e.poll_output().is_some() {}
    e.handle_command(
        now,
        "WO-000001",
        &Act::new(Command::FollowUp { satisfaction: 5, comment: String::new() }, "agent"),
    )
    .unwrap();
    let history = e.history("WO-000001").unwrap();
    assert!(history.len() > 76);
    assert!(history[..76].iter().all(|ev| ev.hash_version == 1));
    assert!(history[76..].iter().all(|ev| ev.hash_version == HASH_VERSION));
    verify_chain("WO-000001", &history).unwrap();
    e.verify("WO-000001").unwrap();
}
