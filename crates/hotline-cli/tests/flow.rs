//! `hotline flow` as a user runs it: one work order from start to follow-up on a SQLite file.

use std::path::Path;
use std::process::{Command, Output};

const DEF: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../hotline-flow/definitions/hotline-12345.toml");

fn hotline(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["flow"])
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("run hotline")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = hotline(db, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(db, args)).unwrap()
}

#[test]
fn a_work_order_through_its_whole_life() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flow.db");
    assert!(ok(&db, &["init"]).contains("initialised"));
    assert_eq!(ok(&db, &["deploy", DEF]).trim(), "deployed hotline-12345 version 1");
    let order = ok(
        &db,
        &[
            "start",
            "--def",
            "hotline-12345",
            "--data",
            r#"{"category":"consultation"}"#,
            "--now",
            "2026-09-30T09:00:00+08:00",
        ],
    );
    let order = order.trim();
    assert_eq!(order, "WO-000001");
    ok(&db, &["act", order, "accept", "--actor", "agent-1", "--now", "2026-09-30T09:10:00+08:00"]);
    ok(
        &db,
        &[
            "act",
            order,
            "dispatch",
            "--to",
            "Housing",
            "--now",
            "2026-09-30T10:00:00+08:00",
            "--key",
            "d-1",
        ],
    );
    // Retried with the same key: not applied twice.
    let again = ok(
        &db,
        &[
            "act",
            order,
            "dispatch",
            "--to",
            "Housing",
            "--now",
            "2026-09-30T10:00:00+08:00",
            "--key",
            "d-1",
        ],
    );
    assert!(again.contains("already applied"), "{again}");

    // The work list of the department: due on the make-up Saturday after National Day.
    let list = json(
        &db,
        &["list", "--assignee", "dept:Housing", "--now", "2026-10-08T09:00:00+08:00", "--json"],
    );
    assert_eq!(list[0]["deadline"], "2026-10-10T02:00:00Z");
    let near =
        json(&db, &["list", "--near-due", "8h", "--now", "2026-10-09T10:00:00+08:00", "--json"]);
    assert_eq!(near.as_array().unwrap().len(), 1);
    let none = json(&db, &["list", "--overdue", "--now", "2026-10-09T10:00:00+08:00", "--json"]);
    assert!(none.as_array().unwrap().is_empty());

    // Urge, extension with approval, then the reply.
    let urge = ok(
        &db,
        &[
            "act",
            order,
            "urge",
            "--text",
            "caller rang again",
            "--now",
            "2026-10-08T10:00:00+08:00",
        ],
    );
    assert!(urge.contains("notify dept:Housing [urge]"), "{urge}");
    // Missing reason: rejected with exit 1.
    let out = hotline(
        &db,
        &["act", order, "extend", "--days", "2", "--now", "2026-10-08T11:00:00+08:00"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reason"));
    ok(
        &db,
        &[
            "act",
            order,
            "extend",
            "--days",
            "2",
            "--reason",
            "site visit",
            "--now",
            "2026-10-08T11:00:00+08:00",
        ],
    );
    let shown = json(&db, &["show", order, "--json"]);
    let request = shown["order"]["requests"].as_object().unwrap().keys().next().unwrap().clone();
    ok(
        &db,
        &["act", order, "approve", "--request", &request, "--now", "2026-10-08T12:00:00+08:00"],
    );
    let shown = json(&db, &["show", order, "--json"]);
    assert_eq!(shown["order"]["deadline"], "2026-10-13T02:00:00Z");
    // A stale expected version loses.
    let out = hotline(
        &db,
        &[
            "act",
            order,
            "reply",
            "--text",
            "x",
            "--expect",
            "1",
            "--now",
            "2026-10-09T10:00:00+08:00",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("version"));
    ok(
        &db,
        &["act", order, "reply", "--text", "rules explained", "--now", "2026-10-09T10:00:00+08:00"],
    );
    ok(&db, &["act", order, "close", "--now", "2026-10-09T11:00:00+08:00"]);
    // The follow-up opens a working day later, when `tick` runs. Before the tick, the rejection
    // says a timer is due (issue 25: it said only "no open follow_up item").
    let early = hotline(
        &db,
        &["act", order, "follow-up", "--satisfaction", "5", "--now", "2026-10-10T11:00:00+08:00"],
    );
    assert_eq!(early.status.code(), Some(1));
    let err = String::from_utf8_lossy(&early.stderr);
    assert!(err.contains("run `hotline flow tick` first"), "{err}");
    let tick = ok(&db, &["tick", "--now", "2026-10-10T11:00:00+08:00"]);
    assert!(tick.contains("1 orders ticked"), "{tick}");
    ok(
        &db,
        &["act", order, "follow-up", "--satisfaction", "5", "--now", "2026-10-10T14:00:00+08:00"],
    );

    let text = ok(&db, &["show", order]);
    assert!(text.contains("finished"), "{text}");
    assert!(text.contains("EXTENSION") || text.contains("REQUEST_EXTENSION"), "{text}");
    assert!(text.contains("(site visit)"), "{text}");

    let kpi = json(&db, &["kpi", "--from", "2026-10-01", "--to", "2026-11-01", "--json"]);
    assert_eq!(kpi[0]["department"], "*");
    assert_eq!(kpi[1]["department"], "Housing");
    assert_eq!(kpi[1]["handled"], 1);
    assert_eq!(kpi[1]["on_time_rate"], 1.0);
    assert_eq!(kpi[1]["satisfaction_rate"], 1.0);
    // Handling from 30 Sep 10:00 to 9 Oct 10:00 on the China calendar: 30 Sep 10–17 (6 h),
    // 8 Oct (7 h), 9 Oct 9–10 (1 h).
    assert_eq!(kpi[1]["mean_handling_hours"], 14.0);

    let verified = json(&db, &["verify", "--all", "--json"]);
    assert_eq!(verified[0]["ok"], true);
}

#[test]
fn tampering_fails_verify_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flow.db");
    ok(&db, &["init"]);
    ok(&db, &["deploy", DEF]);
    let order = ok(&db, &["start", "--def", "hotline-12345", "--now", "2026-03-02T10:00:00+08:00"]);
    let order = order.trim();
    ok(&db, &["act", order, "accept", "--now", "2026-03-02T10:05:00+08:00"]);
    ok(&db, &["verify", order]);
    assert!(forge_event(&db), "edited the log");
    let out = hotline(&db, &["verify", order]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("TAMPERED"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    assert_eq!(hotline(&db, &["list"]).status.code(), Some(2));
    ok(&db, &["init"]);
    assert_eq!(hotline(&db, &["act", "WO-1", "fly"]).status.code(), Some(2));
    assert_eq!(hotline(&db, &["act", "WO-1", "dispatch"]).status.code(), Some(2));
    assert_eq!(hotline(&db, &["start", "--def", "x", "--data", "[1]"]).status.code(), Some(2));
    assert_eq!(hotline(&db, &["deploy", "/no/such/file.toml"]).status.code(), Some(2));
    assert_eq!(hotline(&db, &["start", "--def", "nope"]).status.code(), Some(1));
}

/// Rewrites one event's actor behind the engine's back (the command has no way to do it).
fn forge_event(db: &Path) -> bool {
    let store = hotline_flow::store::SqliteStore::open(db).unwrap();
    let n = store
        .connection()
        .execute("UPDATE events SET body = replace(body, '\"actor\":\"cli\"', '\"actor\":\"eve\"') WHERE seq = 2", [])
        .unwrap();
    n == 1
}

/// A store with the 12345 definition deployed and one order started at `at`.
fn store_with_order(dir: &Path, at: &str) -> (std::path::PathBuf, String) {
    let db = dir.join("flow.db");
    ok(&db, &["init"]);
    ok(&db, &["deploy", DEF]);
    let data = r#"{"category":"consultation"}"#;
    let order = ok(&db, &["start", "--def", "hotline-12345", "--data", data, "--now", at]);
    (db, order.trim().to_owned())
}

fn event_times(db: &Path, order: &str) -> Vec<String> {
    let shown = json(db, &["show", order, "--json"]);
    shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap().to_owned())
        .collect()
}

/// Issue 25: `--now 2026-09-30T16:45` was recorded as midnight UTC (08:00 in Beijing).
#[test]
fn a_time_without_offset_is_read_in_the_definitions_zone() {
    let dir = tempfile::tempdir().unwrap();
    let (db, order) = store_with_order(dir.path(), "2026-09-30T09:00");
    assert_eq!(event_times(&db, &order)[0], "2026-09-30T01:00:00Z");
    ok(&db, &["act", &order, "accept", "--now", "2026-09-30T09:45"]);
    assert_eq!(event_times(&db, &order).last().unwrap(), "2026-09-30T01:45:00Z");
    ok(&db, &["act", &order, "dispatch", "--to", "Housing", "--now", "2026-09-30T16:45:30"]);
    assert_eq!(event_times(&db, &order).last().unwrap(), "2026-09-30T08:45:30Z");
    let text = ok(&db, &["show", &order]);
    assert!(text.contains("2026-09-30 16:45:30+08:00"), "{text}");
    // Three working days from 16:45:30 on 30 September: 16:45:30 on Saturday 10 October (a
    // make-up working day). At 17:00 local the item is overdue, at 16:30 it is not (read as
    // midnight UTC, both were "not overdue").
    let late = json(&db, &["list", "--overdue", "--now", "2026-10-10T17:00", "--json"]);
    assert_eq!(late.as_array().unwrap().len(), 1, "{late}");
    assert_eq!(late[0]["deadline"], "2026-10-10T08:45:30Z");
    // The text form prints the deadline in the definition's zone, as `flow show` does (it
    // printed UTC).
    let text = ok(&db, &["list", "--overdue", "--now", "2026-10-10T17:00"]);
    assert!(text.contains("due 2026-10-10 16:45:30+08:00 OVERDUE"), "{text}");
    let early = json(&db, &["list", "--overdue", "--now", "2026-10-10T16:30:00", "--json"]);
    assert!(early.as_array().unwrap().is_empty(), "{early}");
    // A date alone is local midnight.
    let t = ok(&db, &["tick", "--now", "2026-10-10", "--json"]);
    assert!(t.contains("orders"), "{t}");
    // `now` is a time too.
    ok(&db, &["act", &order, "urge", "--now", "now"]);
    // A timeout dated before the order's last event fails for that order (exit 1), naming why.
    let out = hotline(&db, &["tick", "--now", "2026-10-11"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("before its last event"));
    // Garbage is a usage error.
    assert_eq!(hotline(&db, &["act", &order, "urge", "--now", "T12:00"]).status.code(), Some(2));
}

/// Issue 25: a return made by the Housing Bureau was counted against the Water Bureau, which
/// answered later, and the Housing Bureau did not appear.
#[test]
fn kpis_attribute_each_act_to_the_department_that_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, order) = store_with_order(dir.path(), "2026-03-02T09:00:00+08:00");
    ok(&db, &["act", &order, "accept", "--now", "2026-03-02T09:10:00+08:00"]);
    ok(
        &db,
        &[
            "act",
            &order,
            "dispatch",
            "--to",
            "Housing Bureau",
            "--now",
            "2026-03-02T09:20:00+08:00",
        ],
    );
    ok(
        &db,
        &["act", &order, "return", "--reason", "not ours", "--now", "2026-03-02T10:00:00+08:00"],
    );
    ok(
        &db,
        &["act", &order, "dispatch", "--to", "Water Bureau", "--now", "2026-03-02T10:30:00+08:00"],
    );
    ok(&db, &["act", &order, "reply", "--text", "fixed", "--now", "2026-03-03T10:00:00+08:00"]);
    let kpi = json(&db, &["kpi", "--from", "2026-03-01", "--to", "2026-04-01", "--json"]);
    let row = |d: &str| kpi.as_array().unwrap().iter().find(|r| r["department"] == d).cloned();
    let housing = row("Housing Bureau").expect("the Housing Bureau has a row");
    assert_eq!(housing["returns"], 1, "{kpi}");
    assert_eq!(housing["handled"], 0, "{kpi}");
    let water = row("Water Bureau").unwrap();
    assert_eq!(water["returns"], 0, "{kpi}");
    assert_eq!(water["returns_per_order"], 0.0, "{kpi}");
    assert_eq!(water["handled"], 1, "{kpi}");
    assert_eq!(row("*").unwrap()["returns"], 1, "{kpi}");
}

/// `hotline flow ... --store URL` on a PostgreSQL database (a private server the test starts).
#[cfg(feature = "postgres")]
fn on_store(store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["flow"])
        .args(args)
        .args(["--store", store])
        .output()
        .expect("run hotline")
}

#[cfg(feature = "postgres")]
fn ok_on(store: &str, args: &[&str]) -> String {
    let out = on_store(store, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[cfg(feature = "postgres")]
#[test]
fn every_subcommand_takes_a_postgres_url_and_migrate_versions_the_schema() {
    let Some(pg) = hotline_testkit::postgres::shared() else { return };
    let url = pg.create_database("cli");
    // Not migrated: refused, with the command to run; the password is never printed.
    let out = on_store(&url, &["list"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hotline flow migrate"), "{stderr}");
    let migrated = ok_on(&url, &["migrate"]);
    assert!(migrated.contains("schema version 0 -> 1"), "{migrated}");
    assert!(!migrated.contains(pg.password()), "{migrated}");
    assert!(migrated.contains(":***@"), "{migrated}");
    assert!(ok_on(&url, &["migrate"]).contains("schema version 1, current"));
    assert_eq!(ok_on(&url, &["deploy", DEF]).trim(), "deployed hotline-12345 version 1");
    let order = ok_on(
        &url,
        &["start", "--def", "hotline-12345", "--now", "2026-09-30T09:00:00+08:00", "--key", "k1"],
    );
    let order = order.trim();
    ok_on(&url, &["act", order, "accept", "--now", "2026-09-30T09:10:00+08:00"]);
    ok_on(&url, &["act", order, "dispatch", "--to", "Housing", "--now", "2026-09-30T10:00"]);
    let list = ok_on(&url, &["list", "--assignee", "dept:Housing", "--now", "2026-09-30T10:00"]);
    assert!(list.contains(order), "{list}");
    let tick = ok_on(&url, &["tick", "--now", "2026-10-30T10:00:00+08:00"]);
    assert!(tick.contains("1 orders ticked"), "{tick}");
    assert!(ok_on(&url, &["show", order]).contains("DISPATCH"));
    assert!(ok_on(&url, &["verify", "--all"]).contains(": ok,"));
    // init on a migrated database is harmless.
    assert!(ok_on(&url, &["init"]).contains("initialised"));
    // A refused password is a clear usage error, without the password.
    let wrong = url.replace(pg.password(), "not-the-password");
    let out = on_store(&wrong, &["list"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused the password"), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "{stderr}");
}

/// `flow list --limit N` prints one page and the cursor of the next; `--after` goes on from it,
/// and the pages together are the whole list.
#[test]
fn list_pages_with_limit_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flow.db");
    ok(&db, &["init"]);
    ok(&db, &["deploy", DEF]);
    for minute in 0..5 {
        let at = format!("2026-09-30T10:0{minute}:00+08:00");
        ok(&db, &["start", "--def", "hotline-12345", "--now", &at]);
    }
    let now = ["--now", "2026-09-30T11:00:00+08:00"];
    let whole = ok(&db, &[&["list"][..], &now].concat());
    assert_eq!(whole.lines().count(), 5, "{whole}");
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut args = vec!["list", "--limit", "2", now[0], now[1]];
        if let Some(a) = &after {
            args.extend(["--after", a.as_str()]);
        }
        let page = ok(&db, &args);
        let mut next = None;
        for line in page.lines() {
            match line.strip_prefix("more: --after ") {
                Some(c) => next = Some(c.to_owned()),
                None if line != "no open items" => paged.push(line.to_owned()),
                None => {}
            }
        }
        match next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, whole.lines().collect::<Vec<_>>());
    let bad = hotline(&db, &["list", "--after", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("DEADLINE/ORDER/ITEM"));
    assert_eq!(hotline(&db, &["list", "--limit", "0"]).status.code(), Some(2));
}
