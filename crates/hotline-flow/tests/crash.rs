//! Reliability with real processes, on SQLite and on PostgreSQL (the same tests: a store is named
//! by a file path or a `postgres://` URL): SIGKILL at random points while thousands of commands
//! are applied, and two processes racing on one order.
//!
//! The test binary re-runs itself as the child process (`--exact crash_child`), steered by
//! environment variables; without them the child tests return at once.
#![cfg(feature = "sqlite")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hotline_flow::store::{SqliteStore, Store};
use hotline_flow::{Act, Calendars, Change, Command, Engine, FlowError, Vars};
use jiff::Timestamp;
use serde_json::json;

const DEF: &str = include_str!("../definitions/hotline-12345.toml");
const ORDERS: usize = 20;
const COMMANDS: usize = 2000;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The store named by `spec`: a `postgres://` URL or a SQLite file.
fn open(spec: &str) -> Box<dyn Store> {
    #[cfg(feature = "postgres")]
    if spec.starts_with("postgres://") {
        return Box::new(hotline_flow::store::PostgresStore::connect(spec).unwrap());
    }
    Box::new(SqliteStore::open(spec).unwrap())
}

fn engine(spec: &str) -> Engine<Box<dyn Store>> {
    Engine::new(open(spec), Calendars::bundled()).with_snapshot_every(16)
}

/// The child: starts the orders and applies every command, each with its own idempotency key,
/// printing `ACK key` after each command is acknowledged. It always starts from the first command:
/// after a crash, that is a client retrying everything it is not sure of.
/// The child process of the crash test, not a test of its own: ignored, so that a plain
/// `cargo test` does not count it as a passing test; the parent runs it with `--ignored`.
#[test]
#[ignore = "the child process of sigkill_loses_no_acknowledged_command_and_applies_none_twice"]
fn crash_child() {
    let Ok(spec) = std::env::var("HOTLINE_FLOW_CRASH_DB") else { return };
    let mut e = engine(&spec);
    let at = t("2026-03-02T10:00:00+08:00");
    let mut orders = Vec::new();
    for j in 0..ORDERS {
        let data: Vars = [("category".to_owned(), json!("complaint"))].into_iter().collect();
        let ack = e
            .handle_start(at, "hotline-12345", None, data, "agent", Some(&format!("start-{j}")))
            .unwrap();
        println!("ACK start-{j}");
        orders.push(ack.order);
    }
    for i in 0..COMMANDS {
        let order = &orders[i % ORDERS];
        let key = format!("cmd-{i}");
        let act = Act::new(Command::Urge { note: key.clone() }, "agent").key(key.clone());
        e.handle_command(t("2026-03-02T10:05:00+08:00"), order, &act).unwrap();
        println!("ACK {key}");
    }
    println!("DONE");
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn sigkill_loses_no_acknowledged_command_and_applies_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    sigkill_suite(&dir.path().join("crash.db").display().to_string());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_sigkill_loses_no_acknowledged_command_and_applies_none_twice() {
    let Some(url) = common::postgres_url("sigkill") else { return };
    sigkill_suite(&url);
}

fn sigkill_suite(path: &str) {
    let mut e = engine(path);
    e.deploy(DEF).unwrap();
    drop(e);
    let seed = u64::from(std::process::id()) | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut acked = BTreeSet::new();
    let started = Instant::now();
    let mut kills = 0;
    let mut finished = false;
    let mut progress = 0usize;
    for round in 0..60 {
        let mut child = Process::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--ignored", "--nocapture", "--test-threads=1"])
            .env("HOTLINE_FLOW_CRASH_DB", path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Let it run to a random point past the progress made so far (the last rounds run to the
        // end). The point is counted in acknowledgements, not in time, so that the kills land
        // inside the command stream on a fast machine as on a slow one.
        let total = ORDERS + COMMANDS;
        let kill_at = if round >= 8 {
            usize::MAX
        } else {
            let remaining = total.saturating_sub(progress).max(8);
            progress + 1 + rng.below((remaining / 4) as u64) as usize
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut done = false;
        let mut lines = 0usize;
        while Instant::now() < deadline && lines < kill_at {
            match rx.recv_timeout(Duration::from_millis(5)) {
                Ok(line) if line.ends_with("DONE") => {
                    done = true;
                    break;
                }
                Ok(line) => {
                    if let Some(key) = line.split("ACK ").nth(1) {
                        acked.insert(key.to_owned());
                        lines += 1;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        progress = progress.max(lines);
        if !done {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        let status = child.wait().unwrap();
        reader.join().unwrap();
        // Acknowledgements printed just before the kill.
        while let Ok(line) = rx.try_recv() {
            if let Some(key) = line.split("ACK ").nth(1) {
                acked.insert(key.to_owned());
            }
        }
        if done {
            assert!(status.success());
            finished = true;
            break;
        }
    }
    assert!(finished, "the child never finished");
    assert!(kills >= 3, "only {kills} kills");
    eprintln!("{kills} kills, {} acknowledged keys, {:?}", acked.len(), started.elapsed());

    // Every acknowledged command is in the log exactly once; no command is applied twice; every
    // hash chain verifies.
    let mut e = engine(path);
    let mut applied: BTreeMap<String, u32> = BTreeMap::new();
    let orders = e.orders().unwrap();
    assert_eq!(orders.len(), ORDERS);
    for order in &orders {
        e.verify(order).unwrap();
        for event in e.history(order).unwrap() {
            if let (Change::Command(Command::Urge { note }), Some(key)) =
                (&event.change, &event.key)
            {
                assert_eq!(note, key);
                *applied.entry(key.clone()).or_default() += 1;
            }
        }
        let state = e.load(order).unwrap();
        assert_eq!(state.count("urge") as usize, COMMANDS / ORDERS);
    }
    assert!(applied.values().all(|&n| n == 1), "a command was applied twice");
    assert_eq!(applied.len(), COMMANDS);
    for key in acked.iter().filter(|k| k.starts_with("cmd-")) {
        assert_eq!(applied.get(key), Some(&1), "acknowledged {key} lost");
        assert!(e.store().receipt(key).unwrap().is_some());
    }
}

/// The racer: waits for the start signal, then dispatches with the expected version.
/// The child process of the race test (ignored, run by the parent with `--ignored`).
#[test]
#[ignore = "the child process of two_processes_never_both_win; run by that test"]
fn race_child() {
    let (Ok(path), Ok(order), Ok(version), Ok(to), Ok(go)) = (
        std::env::var("HOTLINE_FLOW_RACE_DB"),
        std::env::var("HOTLINE_FLOW_RACE_ORDER"),
        std::env::var("HOTLINE_FLOW_RACE_VERSION"),
        std::env::var("HOTLINE_FLOW_RACE_TO"),
        std::env::var("HOTLINE_FLOW_RACE_GO"),
    ) else {
        return;
    };
    let mut e = engine(&path);
    let version: u64 = version.parse().unwrap();
    while !Path::new(&go).exists() {
        std::thread::sleep(Duration::from_micros(200));
    }
    let mut act = Act::new(Command::Dispatch { to }, "racer");
    // Odd rounds race without an expected version: the engine retries on a conflict, and the
    // retry finds the order already dispatched.
    if std::env::var("HOTLINE_FLOW_RACE_EXPECT").is_ok_and(|v| v == "1") {
        act = act.expect(version);
    }
    // Keyed rounds: the same command sent twice at once (a client's retry racing its first try).
    if let Ok(key) = std::env::var("HOTLINE_FLOW_RACE_KEY") {
        act = act.key(key);
    }
    match e.handle_command(t("2026-03-02T10:05:00+08:00"), &order, &act) {
        Ok(ack) if !ack.applied => println!("RESULT DUPLICATE"),
        Ok(_) => println!("RESULT WIN"),
        Err(FlowError::Conflict { .. } | FlowError::Rejected { .. }) => println!("RESULT LOST"),
        Err(other) => println!("RESULT ERROR {other}"),
    }
}

#[test]
fn two_processes_never_both_win() {
    let dir = tempfile::tempdir().unwrap();
    race_suite(&dir.path().join("race.db").display().to_string(), dir.path());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_two_processes_never_both_win() {
    let Some(url) = common::postgres_url("race") else { return };
    let dir = tempfile::tempdir().unwrap();
    race_suite(&url, dir.path());
}

fn race_suite(path: &str, dir: &Path) {
    let mut e = engine(path);
    e.deploy(DEF).unwrap();
    // Rounds 0 to 5: two different dispatches, with and without an expected version; one wins.
    // Rounds 6 to 9: the same keyed dispatch twice with the expected version; one applies it and
    // the other is told it is a duplicate, never a conflict.
    for round in 0..10 {
        let keyed = round >= 6;
        let at = t("2026-03-02T10:00:00+08:00");
        let order =
            e.handle_start(at, "hotline-12345", None, Vars::new(), "agent", None).unwrap().order;
        e.handle_command(at, &order, &Act::new(Command::Accept { vars: Vars::new() }, "agent"))
            .unwrap();
        let version = e.load(&order).unwrap().version;
        let go = dir.join(format!("go-{round}"));
        let targets = if keyed { ["East", "East"] } else { ["East", "West"] };
        let racers: Vec<_> = targets
            .iter()
            .map(|to| {
                let mut racer = Process::new(std::env::current_exe().unwrap());
                if keyed {
                    racer.env("HOTLINE_FLOW_RACE_KEY", format!("race-{round}"));
                }
                racer
                    .args(["--exact", "race_child", "--ignored", "--nocapture", "--test-threads=1"])
                    .env("HOTLINE_FLOW_RACE_DB", path)
                    .env("HOTLINE_FLOW_RACE_ORDER", &order)
                    .env("HOTLINE_FLOW_RACE_VERSION", version.to_string())
                    .env("HOTLINE_FLOW_RACE_TO", to)
                    .env("HOTLINE_FLOW_RACE_GO", &go)
                    .env(
                        "HOTLINE_FLOW_RACE_EXPECT",
                        if keyed || round % 2 == 0 { "1" } else { "0" },
                    )
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150));
        std::fs::write(&go, b"go").unwrap();
        let mut results = Vec::new();
        let mut winner = None;
        for (racer, to) in racers.into_iter().zip(targets) {
            let out = racer.wait_with_output().unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            // libtest prints the test's name on the same line as the first output.
            let result =
                text.lines().find_map(|l| l.split("RESULT ").nth(1)).unwrap_or("none").to_owned();
            if result == "none" {
                eprintln!("racer said: {text}\n{}", String::from_utf8_lossy(&out.stderr));
            }
            if result == "WIN" {
                winner = Some(to);
            }
            results.push(result);
        }
        results.sort();
        let expected = if keyed { ["DUPLICATE", "WIN"] } else { ["LOST", "WIN"] };
        assert_eq!(results, expected, "round {round}");
        let s = e.load(&order).unwrap();
        assert_eq!(s.count("dispatch"), 1);
        assert_eq!(s.department.as_deref(), winner, "the winner's dispatch is the one applied");
        e.verify(&order).unwrap();
    }
}
