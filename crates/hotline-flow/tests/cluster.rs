//! Several engine processes on one PostgreSQL database, under faults (issue 24): four processes
//! apply thousands of commands and fire timers while one of them at a time is SIGKILLed at a
//! random point and restarted, and the database server is stopped and started mid-run.
//! Afterwards every acknowledged command is in the log exactly once, every timer fired exactly
//! once, no notification was delivered twice, and every chain verifies.
//!
//! The test binary re-runs itself as the worker processes (`--exact cluster_worker`), steered by
//! environment variables. Time is virtual and shared: a worker's "now" is `T0` plus the wall-clock
//! time since the test began, times `SPEED`, so that deadlines of minutes fall due in seconds.
#![cfg(feature = "postgres")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hotline_flow::store::{PostgresStore, Store};
use hotline_flow::{Act, Calendars, Change, Command, Engine, FlowError, Output, Vars};
use hotline_testkit::postgres::PostgresServer;
use jiff::{SignedDuration, Timestamp};

const WORKERS: usize = 4;
const ORDERS: usize = 24;
const COMMANDS: usize = 750; // per worker: 3,000 in all
const SPEED: i64 = 3600; // one wall-clock second is an hour
const T0: &str = "2026-03-02T10:00:00+08:00";
const MAX_REMINDERS: u32 = 3;

/// A task with a one-hour deadline on the 24x7 calendar, warned at half time, escalated when it
/// passes and reminded every ten minutes after: five timers per order within 1.5 wall seconds.
const DEF: &str = r#"
name = "cluster"
version = 1
start = "handle"
[calendars]
default = "24x7"
[escalation]
warn_at = [0.5]
escalate_to = { role = "supervisor" }
remind_every = { minutes = 10 }
max_reminders = 3
[[node]]
id = "handle"
assign = { department = "Water" }
deadline = { hours = 1 }
next = "done"
[[node]]
id = "done"
kind = "end"
"#;

fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The shared virtual clock.
fn now(wall_start: i64) -> Timestamp {
    let elapsed = (wall_ms() - wall_start).max(0) * SPEED;
    T0.parse::<Timestamp>().unwrap().checked_add(SignedDuration::from_millis(elapsed)).unwrap()
}

fn engine(url: &str) -> Engine<PostgresStore> {
    let store = PostgresStore::connect(url).unwrap().with_lease(Duration::from_secs(2));
    Engine::new(store, Calendars::bundled()).with_snapshot_every(16)
}

/// Fires what is due and prints every notification it delivered (`NOTE order kind to`).
fn tick(e: &mut Engine<PostgresStore>, at: Timestamp) {
    if let Err(err) = e.handle_timeout(at) {
        eprintln!("timeout failed: {err}");
    }
    while let Some(out) = e.poll_output() {
        if let Output::Notification { order, notification } = out {
            println!("NOTE {order} {} {}", notification.kind, notification.to);
        }
    }
}

/// A worker: applies its commands in order, each with its own idempotency key, retrying any that
/// fails (the server may be down) and printing `ACK key` once acknowledged, and fires due timers
/// between commands. After a crash it starts again from its first command, as a client retrying
/// everything it is not sure of.
#[test]
#[ignore = "a worker process of several_processes_survive_sigkill_and_a_server_restart"]
fn cluster_worker() {
    let (Ok(url), Ok(worker), Ok(start)) = (
        std::env::var("HOTLINE_FLOW_CLUSTER_URL"),
        std::env::var("HOTLINE_FLOW_CLUSTER_WORKER"),
        std::env::var("HOTLINE_FLOW_CLUSTER_START"),
    ) else {
        return;
    };
    let start: i64 = start.parse().unwrap();
    let w: usize = worker.parse().unwrap();
    let mut e = loop {
        match PostgresStore::connect(&url) {
            Ok(_) => break engine(&url),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let orders = loop {
        match e.orders() {
            Ok(o) => break o,
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    for i in 0..COMMANDS {
        let order = &orders[(i * 7 + w * 5 + i / 11) % orders.len()];
        let key = format!("w{worker}-cmd-{i}");
        let act = Act::new(Command::Urge { note: key.clone() }, "agent").key(key.clone());
        loop {
            match e.handle_command(now(start), order, &act) {
                Ok(_) => break,
                // Another process wrote a later event meanwhile: take the time again.
                Err(FlowError::BeforeLastEvent { .. } | FlowError::Conflict { .. }) => {}
                Err(err) => {
                    eprintln!("worker {worker}: {key}: {err}");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        println!("ACK {key}");
        if i % 10 == 0 {
            tick(&mut e, now(start));
        }
    }
    println!("DONE");
}

/// Four timers an order, all set when it starts (three warnings and the escalation, no
/// reminders), so that one tick fires them all.
const ONE_TICK_DEF: &str = r#"
name = "one-tick"
version = 1
start = "handle"
[calendars]
default = "24x7"
[escalation]
warn_at = [0.25, 0.5, 0.75]
escalate_to = { role = "supervisor" }
[[node]]
id = "handle"
assign = { department = "Water" }
deadline = { hours = 1 }
next = "done"
[[node]]
id = "done"
kind = "end"
"#;

/// A timer process: fires everything due at a late time until nothing is due, printing each order
/// it ticked (`TICKED order`) and each notification it delivered.
#[test]
#[ignore = "a process of due_timers_are_fired_by_exactly_one_process"]
fn timer_worker() {
    let Ok(url) = std::env::var("HOTLINE_FLOW_TIMER_URL") else { return };
    let late =
        T0.parse::<Timestamp>().unwrap().checked_add(SignedDuration::from_hours(24)).unwrap();
    // Ten orders a claim, so that the processes share the work.
    let store = PostgresStore::connect(&url).unwrap().with_claim_limit(10);
    let mut e = Engine::new(store, Calendars::bundled());
    // Every process starts together, so that they compete for the same due orders.
    while std::env::var("HOTLINE_FLOW_TIMER_GO").is_ok_and(|go| !std::path::Path::new(&go).exists())
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    while !e.store().due(late).unwrap().is_empty() {
        e.handle_timeout(late).unwrap();
        while let Some(out) = e.poll_output() {
            match out {
                Output::Ticked { order } => println!("TICKED {order}"),
                Output::Notification { order, notification } => {
                    println!("NOTE {order} {} {}", notification.kind, notification.to);
                }
                Output::Failed { order, error } => panic!("{order}: {error}"),
                _ => {}
            }
        }
    }
    println!("DONE");
}

/// Four processes fire the same 200 due orders (each needing one tick): each order is ticked by
/// exactly one of them, and
/// every notification is delivered once (claims with `FOR UPDATE SKIP LOCKED`; without them every
/// process would tick every order, and only the version check would keep the log right).
#[test]
fn due_timers_are_fired_by_exactly_one_process() {
    let Some(url) = common::postgres_url("timers") else { return };
    let mut e = engine(&url);
    e.deploy(ONE_TICK_DEF).unwrap();
    let at = T0.parse::<Timestamp>().unwrap();
    for _ in 0..200 {
        e.handle_start(at, "one-tick", None, Vars::new(), "agent", None).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let children: Vec<Child> = (0..WORKERS)
        .map(|_| {
            Process::new(std::env::current_exe().unwrap())
                .args(["--exact", "timer_worker", "--ignored", "--nocapture", "--test-threads=1"])
                .env("HOTLINE_FLOW_TIMER_URL", &url)
                .env("HOTLINE_FLOW_TIMER_GO", &go)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&go, b"go").unwrap();
    let mut ticked: BTreeMap<String, u32> = BTreeMap::new();
    let mut delivered: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    let mut busy = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("DONE"),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mine = text.lines().filter(|l| l.contains("TICKED ")).count();
        busy += usize::from(mine > 0);
        for line in text.lines() {
            if let Some(order) = line.split("TICKED ").nth(1) {
                *ticked.entry(order.to_owned()).or_default() += 1;
            } else if let Some(note) = line.split("NOTE ").nth(1) {
                let mut p = note.splitn(3, ' ').map(str::to_owned);
                let key = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
                *delivered.entry(key).or_default() += 1;
            }
        }
    }
    assert_eq!(ticked.len(), 200);
    assert!(ticked.values().all(|&n| n == 1), "an order was ticked by two processes");
    assert!(busy >= 2, "only {busy} of the processes found work");
    let mut logged: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    for order in e.orders().unwrap() {
        for event in e.history(&order).unwrap() {
            // The timers' notifications (the start's `assigned` is not the timers' work).
            if let Change::Notified(n) = &event.change
                && matches!(n.kind.as_str(), "warning" | "overdue")
            {
                *logged.entry((order.clone(), n.kind.clone(), n.to.to_string())).or_default() += 1;
            }
        }
    }
    assert_eq!(logged.values().sum::<u32>(), 200 * 5, "three warnings and two escalation notices");
    assert_eq!(delivered, logged, "every notification delivered exactly once");
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

fn spawn(url: &str, worker: usize, start: i64, tx: &mpsc::Sender<(usize, String)>) -> Child {
    let mut child = Process::new(std::env::current_exe().unwrap())
        .args(["--exact", "cluster_worker", "--ignored", "--nocapture", "--test-threads=1"])
        .env("HOTLINE_FLOW_CLUSTER_URL", url)
        .env("HOTLINE_FLOW_CLUSTER_WORKER", worker.to_string())
        .env("HOTLINE_FLOW_CLUSTER_START", start.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let tx = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((worker, line)).is_err() {
                break;
            }
        }
    });
    child
}

#[test]
fn several_processes_survive_sigkill_and_a_server_restart() {
    let Some(pg) = PostgresServer::start() else { return };
    let url = pg.create_database("cluster");
    PostgresStore::migrate(&url).unwrap();
    let start = wall_ms();
    let mut e = engine(&url);
    e.deploy(DEF).unwrap();
    for j in 0..ORDERS {
        e.handle_start(now(start), "cluster", None, Vars::new(), "agent", Some(&format!("s{j}")))
            .unwrap();
    }
    let seed = u64::from(std::process::id()) | 1;
    eprintln!("cluster test seed {seed}");
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (tx, rx) = mpsc::channel();
    let mut children: Vec<Option<Child>> =
        (0..WORKERS).map(|w| Some(spawn(&url, w, start, &tx))).collect();
    let mut acked = BTreeSet::new();
    let mut notes: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    let mut done = [false; WORKERS];
    let mut kills = 0;
    let mut restarts_of_server = 0;
    let began = Instant::now();
    // The faults fall at random points of the command stream, counted in acknowledgements (a
    // restarted worker acknowledges its first commands again, so the count passes every point
    // before the workers finish, on a fast machine as on a slow one): eight SIGKILLs, and the
    // server stopped for a second at the fourth.
    let total = WORKERS * COMMANDS;
    let mut faults: Vec<usize> =
        (0..8).map(|_| total / 20 + rng.below((total * 17 / 20) as u64) as usize).collect();
    faults.sort_unstable();
    let mut faults = faults.into_iter().peekable();
    let mut lines = 0usize;
    while done.iter().any(|d| !d) {
        assert!(began.elapsed() < Duration::from_secs(300), "the workers did not finish");
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok((w, line)) => {
                if line.ends_with("DONE") {
                    done[w] = true;
                } else if let Some(key) = line.split("ACK ").nth(1) {
                    acked.insert(key.to_owned());
                    lines += 1;
                } else if let Some(note) = line.split("NOTE ").nth(1) {
                    let mut parts = note.splitn(3, ' ').map(str::to_owned);
                    let key = (
                        parts.next().unwrap_or_default(),
                        parts.next().unwrap_or_default(),
                        parts.next().unwrap_or_default(),
                    );
                    *notes.entry(key).or_default() += 1;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("the sender is held here"),
        }
        if faults.next_if(|&at| at <= lines).is_some() {
            if kills == 3 && restarts_of_server == 0 {
                // The database goes away for a second: every worker's connection is cut.
                pg.stop();
                std::thread::sleep(Duration::from_secs(1));
                pg.restart();
                restarts_of_server += 1;
            }
            // A random worker still running.
            let running: Vec<usize> = (0..WORKERS).filter(|&w| !done[w]).collect();
            if !running.is_empty() {
                let w = running[rng.below(running.len() as u64) as usize];
                let mut child = children[w].take().unwrap();
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                children[w] = Some(spawn(&url, w, start, &tx));
            }
        }
    }
    for child in children.iter_mut().flatten() {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(kills, 8);
    assert_eq!(restarts_of_server, 1);
    eprintln!(
        "{kills} kills, one server restart, {} acknowledged, {:?}",
        acked.len(),
        began.elapsed()
    );
    // Whatever is still due fires now, once: orders claimed by a killed worker are claimed again
    // when its lease (2 s) runs out.
    let end = now(start).checked_add(SignedDuration::from_hours(24)).unwrap();
    let mut e = engine(&url);
    let mut reclaimed = 0;
    while !e.store().due(end).unwrap().is_empty() {
        assert!(began.elapsed() < Duration::from_secs(300), "due orders are never claimed");
        e.handle_timeout(end).unwrap();
        while let Some(out) = e.poll_output() {
            match out {
                Output::Notification { order, notification } => {
                    let key = (order, notification.kind, notification.to.to_string());
                    *notes.entry(key).or_default() += 1;
                }
                Output::Ticked { .. } => reclaimed += 1,
                Output::Failed { order, error } => panic!("{order}: {error}"),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("{reclaimed} orders fired after the workers finished");

    let mut applied: BTreeMap<String, u32> = BTreeMap::new();
    let mut logged: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    let orders = e.orders().unwrap();
    assert_eq!(orders.len(), ORDERS);
    let mut fired = 0;
    for order in &orders {
        e.verify(order).unwrap();
        let mut set = BTreeSet::new();
        let mut done_timers = BTreeSet::new();
        for event in e.history(order).unwrap() {
            match &event.change {
                Change::Command(Command::Urge { note }) => {
                    assert_eq!(Some(note), event.key.as_ref());
                    *applied.entry(note.clone()).or_default() += 1;
                }
                Change::TimerSet(timer) => assert!(set.insert(timer.id)),
                Change::TimerDone { timer, .. } => {
                    assert!(done_timers.insert(*timer), "{order}: timer {timer} fired twice");
                }
                Change::Notified(n) if n.kind != "urge" => {
                    let key = (order.clone(), n.kind.clone(), n.to.to_string());
                    *logged.entry(key).or_default() += 1;
                }
                _ => {}
            }
        }
        assert_eq!(set, done_timers, "{order}: every timer fired exactly once");
        // Warning, escalation and the reminders: 2 + MAX_REMINDERS timers per order.
        assert_eq!(set.len(), 2 + MAX_REMINDERS as usize, "{order}");
        fired += set.len();
        assert!(e.load(order).unwrap().timers.is_empty());
    }
    assert!(applied.values().all(|&n| n == 1), "a command was applied twice");
    assert_eq!(applied.len(), WORKERS * COMMANDS);
    for key in &acked {
        assert_eq!(applied.get(key), Some(&1), "acknowledged {key} lost");
    }
    // A notification is delivered by the process whose append recorded it, and by no other: no
    // notification printed more often than the log recorded it (a worker killed between its
    // commit and its print delivers fewer).
    for (key, n) in &notes {
        if key.1 == "urge" {
            continue;
        }
        let in_log = logged.get(key).copied().unwrap_or(0);
        assert!(*n <= in_log, "{key:?} delivered {n} times, logged {in_log}");
    }
    eprintln!("{fired} timers fired once each");
}
