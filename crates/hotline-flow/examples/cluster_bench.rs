//! Throughput of several engine processes on one store: commands per second and timer firings per
//! second with 1, 2 and 4 processes, on PostgreSQL (a private server started for the run, as the
//! tests do) beside SQLite (one file), with the p50 and p99 latency of a command.
//!
//! ```text
//! cargo run --release -p hotline-flow --features postgres --example cluster_bench [COMMANDS] [ORDERS]
//! ```
//!
//! `COMMANDS` is the number of commands each process applies (default 1,000); `ORDERS` the number
//! of orders whose timers the processes fire together (default 400, five timers each). Each
//! process works on its own share of 64 orders (an urge with an idempotency key per command, as
//! an agent's client sends it); for the timers, every process calls `handle_timeout` until nothing
//! is due. The program re-runs itself as the worker processes.
//!
//! Besides the wall-clock rates, which depend on what else the machine runs, it reports the CPU
//! time a command costs (the worker process and, on PostgreSQL, the server process serving its
//! connection, from `/proc`), and what that cost allows on two CPUs.

use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use hotline_flow::store::{PostgresStore, SqliteStore, Store};
use hotline_flow::{Act, Calendars, Command, Engine, FlowError, Output, Vars};
use jiff::{SignedDuration, Timestamp};

const T0: &str = "2026-03-02T10:00:00+08:00";
const COMMAND_ORDERS: usize = 64;

/// Five timers an order: a warning, the escalation and three reminders.
const DEF: &str = r#"
name = "bench"
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

fn open(spec: &str) -> Result<Box<dyn Store>, FlowError> {
    Ok(if spec.starts_with("postgres://") {
        Box::new(PostgresStore::connect(spec)?)
    } else {
        Box::new(SqliteStore::open(spec)?)
    })
}

fn engine(spec: &str) -> Result<Engine<Box<dyn Store>>, FlowError> {
    Ok(Engine::new(open(spec)?, Calendars::bundled()))
}

/// The CPU time (user and system, in clock ticks of 10 ms) a process has used so far, from
/// `/proc/PID/stat`; 0 where there is no such file.
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // The fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12) // utime and stime (fields 14 and 15 of the whole line)
}

fn t0() -> Timestamp {
    T0.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A worker process: `worker SPEC commands INDEX OF COUNT` or `worker SPEC timers`.
fn worker(args: &[String]) -> Result<(), FlowError> {
    let spec = &args[0];
    // The server process serving this worker's connection, to count its CPU time too.
    let (mut e, backend) = if spec.starts_with("postgres://") {
        let mut store = PostgresStore::connect(spec)?;
        let pid: i32 = store
            .client()?
            .query_one("SELECT pg_backend_pid()", &[])
            .expect("the server process's id")
            .get(0);
        (Engine::new(Box::new(store) as Box<dyn Store>, Calendars::bundled()), pid.unsigned_abs())
    } else {
        (engine(spec)?, 0)
    };
    let cpu = || cpu_ticks(std::process::id()) + if backend > 0 { cpu_ticks(backend) } else { 0 };
    let at = t0().checked_add(SignedDuration::from_mins(1)).unwrap_or_else(|_| t0());
    match args[1].as_str() {
        "commands" => {
            let index: usize = args[2].parse().unwrap_or(0);
            let of: usize = args[3].parse().unwrap_or(1);
            let count: usize = args[4].parse().unwrap_or(0);
            let orders: Vec<String> = e.orders()?.into_iter().skip(index).step_by(of).collect();
            let mut latencies = Vec::with_capacity(count);
            let cpu_before = cpu();
            let started = Instant::now();
            for i in 0..count {
                let key = format!("p{index}-{i}");
                let act = Act::new(Command::Urge { note: key.clone() }, "agent").key(key);
                let one = Instant::now();
                e.handle_command(at, &orders[i % orders.len()], &act)?;
                latencies.push(one.elapsed().as_micros());
            }
            let secs = started.elapsed().as_secs_f64();
            let ticks = cpu() - cpu_before;
            let lat: Vec<String> = latencies.iter().map(ToString::to_string).collect();
            println!("{secs} {ticks} {}", lat.join(" "));
        }
        _ => {
            let late = t0().checked_add(SignedDuration::from_hours(24)).unwrap_or_else(|_| t0());
            let started = Instant::now();
            let mut fired = 0usize;
            loop {
                e.handle_timeout(late)?;
                let mut any = false;
                while let Some(out) = e.poll_output() {
                    if let Output::Ticked { .. } = out {
                        fired += 1;
                        any = true;
                    }
                }
                if !any && e.store().due(late)?.is_empty() {
                    break;
                }
                if !any {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            println!("{} {fired}", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

fn run_workers(spec: &str, n: usize, args: &[String]) -> Vec<String> {
    let exe = std::env::current_exe().expect("the program's own path");
    let children: Vec<_> = (0..n)
        .map(|p| {
            let mut cmd = Process::new(&exe);
            cmd.arg("worker").arg(spec);
            for a in args {
                cmd.arg(a.replace("{p}", &p.to_string()).replace("{n}", &n.to_string()));
            }
            cmd.stdout(Stdio::piped()).spawn().expect("a worker process")
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("a worker's output");
            assert!(out.status.success(), "a worker failed");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        })
        .collect()
}

fn percentile(sorted: &[u128], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// One measurement on a fresh store made by `fresh`.
fn measure(
    name: &str,
    fresh: &mut dyn FnMut() -> String,
    n: usize,
    commands: usize,
    orders: usize,
) -> Result<(), FlowError> {
    // Commands.
    let spec = fresh();
    let mut e = engine(&spec)?;
    e.deploy(DEF)?;
    for _ in 0..COMMAND_ORDERS {
        e.handle_start(t0(), "bench", None, Vars::new(), "agent", None)?;
    }
    drop(e);
    let args: Vec<String> =
        ["commands", "{p}", "{n}", &commands.to_string()].iter().map(|s| s.to_string()).collect();
    let outs = run_workers(&spec, n, &args);
    let mut latencies: Vec<u128> = Vec::new();
    let mut slowest: f64 = 0.0;
    let mut ticks = 0u64;
    for out in &outs {
        let mut parts = out.split(' ');
        slowest = slowest.max(parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0));
        ticks += parts.next().and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        latencies.extend(parts.filter_map(|s| s.parse::<u128>().ok()));
    }
    // CPU milliseconds per command, the worker and (PostgreSQL) its server process together.
    let cpu_ms = ticks as f64 * 10.0 / latencies.len().max(1) as f64;
    latencies.sort_unstable();
    let rate = latencies.len() as f64 / slowest;
    // Timers.
    let spec = fresh();
    let mut e = engine(&spec)?;
    e.deploy(DEF)?;
    for _ in 0..orders {
        e.handle_start(t0(), "bench", None, Vars::new(), "agent", None)?;
    }
    drop(e);
    let outs = run_workers(&spec, n, &["timers".to_owned()]);
    let mut slowest_t: f64 = 0.0;
    let mut ticked = 0usize;
    for out in &outs {
        let mut parts = out.split(' ');
        slowest_t = slowest_t.max(parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0));
        ticked += parts.next().and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    }
    let mut check = engine(&spec)?;
    let mut timers = 0usize;
    for id in check.orders()? {
        let state = check.load(&id)?;
        assert!(state.timers.is_empty(), "{id} still has timers");
        timers += check
            .history(&id)?
            .iter()
            .filter(|ev| matches!(ev.change, hotline_flow::Change::TimerDone { .. }))
            .count();
    }
    if name == "PostgreSQL" {
        // Claims: each order ticked by one process. (SQLite hands every due order to every
        // process; the version check lets one of them fire it.)
        assert_eq!(ticked, orders, "every order ticked by exactly one process");
    }
    println!(
        "| {name} | {n} | {:.0} | {:.2} | {:.2} | {cpu_ms:.2} | {:.0} | {:.0} |",
        rate,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        2000.0 / cpu_ms,
        timers as f64 / slowest_t,
    );
    Ok(())
}

fn main() -> Result<(), FlowError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "worker") {
        return worker(&args[1..]);
    }
    let commands: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let orders: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(400);
    let Some(pg) = hotline_testkit::postgres::PostgresServer::start() else {
        eprintln!("PostgreSQL is missing: apt-get install postgresql");
        return Ok(());
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("{commands} commands a process, {orders} orders of five timers, {cpus} CPUs");
    println!(
        "| store | processes | commands/s | p50 ms | p99 ms | CPU ms/command | commands/s for 2 CPUs | timers fired/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut k = 0;
    for n in [1, 2, 4] {
        let mut sqlite = || {
            k += 1;
            dir.path().join(format!("bench-{k}.db")).display().to_string()
        };
        measure("SQLite", &mut sqlite, n, commands, orders)?;
        let mut postgres = || {
            let url = pg.create_database("bench");
            PostgresStore::migrate(&url).expect("migrated");
            url
        };
        measure("PostgreSQL", &mut postgres, n, commands, orders)?;
    }
    Ok(())
}
