//! `hotline sim ...`: the call-center simulator (hotline-sim).
//!
//! * `hotline sim check SCENARIO.toml [--json]` checks a scenario (and the CSV files it names)
//!   without running it, listing every problem with its line, in the shape of every `check`.
//! * `hotline sim run SCENARIO.toml [--seed 1] [--replications 30] [--policy NAME] [--json|--csv]`
//!   runs independent replications in parallel and prints every KPI with its 95% confidence
//!   interval. A progress line is shown on a terminal (never with `--json` or `--csv`). The
//!   same seed gives byte-identical JSON and CSV (the text form ends with the wall-clock time,
//!   which the CLI measures; the library's report holds none). `--replication R` runs
//!   replication R of a larger run again, alone.
//! * `hotline sim compare SCENARIO.toml --policies a,b,c [--seed] [--replications] [--json]`
//!   runs each policy on the same calls (common random numbers) and says which differences
//!   from the first policy are significant (paired t interval at 95%).
//! * `hotline sim sweep SCENARIO.toml --agents 10..20 [--group NAME] [--plot sl.svg] [--json]`
//!   resizes one agent group and prints the service level against staffing, with the Erlang C
//!   or A value where the scenario is a single M/M/N(+M) queue.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_acd::PolicyName;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use hotline_sim::{
    CallRecord, Disposition, Estimate, Kpis, PolicyChoice, Report, RunOptions, Scenario,
    ScenarioError, run_with_progress, run_with_records,
};
use serde::Serialize;

use crate::progress::Progress;
use crate::report::{self, Failure, Status, Unread, write_failed};

/// `hotline sim`: the call-center simulator.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SimCommand,
}

/// The size limits every `hotline sim` subcommand's help names.
const SIZES: &str = "The scenario file is at most 1 MiB, each CSV file it names at most 64 MiB. \
                     Exit status: 0 done, 1 an invalid scenario, 2 a usage error or a file that \
                     cannot be read.";

/// The `hotline sim` subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum SimCommand {
    /// Check a scenario without running it: every type error, or every problem (queues, rates,
    /// distributions, agent groups, the ACD configuration), each with its line.
    #[command(after_help = SIZES)]
    Check {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Print `{"file", "ok", "diagnostics": [{severity, line, column, message}]}`.
        #[arg(long)]
        json: bool,
    },
    /// Run a scenario: KPIs with 95% confidence intervals.
    #[command(after_help = SIZES)]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Base seed of the random streams.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Replications, at least 1 (default: the scenario's, else 30).
        #[arg(long, value_parser = replications_count)]
        replications: Option<usize>,
        /// Use this routing policy in every queue (e.g. longest-idle, round-robin, random).
        #[arg(long)]
        policy: Option<String>,
        /// Print the report as JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print the KPIs as CSV (queue,kpi,mean,ci95).
        #[arg(long)]
        csv: bool,
        /// Worker threads for the replications (0: one per core). The output does not depend
        /// on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Show a progress bar on standard error even when it is not a terminal.
        #[arg(long)]
        progress: bool,
        /// Run only this replication (its index in a larger run: the same calls and result as
        /// there), instead of `--replications` from 0.
        #[arg(long, conflicts_with = "replications")]
        replication: Option<u64>,
        /// Write a record of every counted call to this file: CSV, or JSON lines when the name
        /// ends in `.jsonl` (replication, call type, queue, arrival, disposition, wait, answering
        /// queue, agent, group, handle time), in replication order.
        #[arg(long, value_name = "FILE")]
        records: Option<PathBuf>,
    },
    /// Compare routing policies on the same calls, side by side, with significance.
    #[command(after_help = SIZES)]
    Compare {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The policies, comma separated (the first is the baseline).
        #[arg(long, value_delimiter = ',', required = true)]
        policies: Vec<String>,
        /// Base seed of the random streams.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Replications, at least 2 for the paired intervals (default: the scenario's, else
        /// 30).
        #[arg(long, value_parser = replications_count)]
        replications: Option<usize>,
        /// Worker threads for the replications (0: one per core). The output does not depend
        /// on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Show a progress bar on standard error even when it is not a terminal.
        #[arg(long)]
        progress: bool,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Service level against staffing, with the Erlang C or A curve where one applies.
    #[command(after_help = SIZES)]
    Sweep {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Agent counts, `FROM..TO` (inclusive, at most 1001 points), given to one agent group.
        #[arg(
            long,
            value_name = "FROM..TO",
            required_unless_present = "set",
            conflicts_with = "set"
        )]
        agents: Option<String>,
        /// Any scenario parameter instead, by its dotted TOML path, and the values to give it:
        /// `call_types.0.arrivals.rate_per_hour=200,240,280` or
        /// `acd.queues.a.tier_wait="10s","30s"` (list items by index or name).
        #[arg(long, value_name = "PATH=V1,V2,...")]
        set: Option<String>,
        /// The agent group to resize (default: the first).
        #[arg(long)]
        group: Option<String>,
        /// Base seed of the random streams.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Replications per point, at least 1 (default: the scenario's, else 30).
        #[arg(long, value_parser = replications_count)]
        replications: Option<usize>,
        /// Worker threads for the replications (0: one per core). The output does not depend
        /// on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Show a progress bar on standard error even when it is not a terminal.
        #[arg(long)]
        progress: bool,
        /// Write an SVG chart of the sweep to this file as well.
        #[arg(long, value_name = "FILE")]
        plot: Option<PathBuf>,
        /// Print the sweep as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `hotline sim`.
///
/// # Errors
///
/// Exit 2 for an unreadable scenario or an unknown policy, 1 for an invalid scenario.
pub fn run(args: SimArgs) -> report::Outcome {
    match args.command {
        SimCommand::Check { scenario, json } => check(&scenario, json),
        SimCommand::Run {
            scenario,
            seed,
            replications,
            policy,
            json,
            csv,
            threads,
            progress,
            replication,
            records,
        } => {
            let which = match replication {
                Some(r) => Replications::One(r),
                None => Replications::Count(replications),
            };
            let output = Output { json, csv, records: records.as_deref() };
            let workers = Workers { threads, progress };
            run_scenario(&scenario, seed, which, policy.as_deref(), output, workers)
        }
        SimCommand::Compare { scenario, policies, seed, replications, threads, progress, json } => {
            compare(&scenario, &policies, seed, replications, Workers { threads, progress }, json)
        }
        SimCommand::Sweep {
            scenario,
            agents,
            set,
            group,
            seed,
            replications,
            threads,
            progress,
            plot,
            json,
        } => {
            let over = match (agents, set) {
                (_, Some(set)) => Over::Set(set),
                (Some(agents), None) => Over::Agents(agents, group),
                (None, None) => return Err(Failure::usage("give --agents or --set")),
            };
            let workers = Workers { threads, progress };
            sweep(&scenario, over, seed, replications, workers, plot.as_deref(), json)
        }
    }
}

/// `--replications`: a count of at least 1 (0 was silently run as 1).
fn replications_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("at least 1 replication is needed".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number of replications")),
    }
}

/// Worker threads and the progress bar of a run.
#[derive(Debug, Clone, Copy)]
struct Workers {
    threads: usize,
    progress: bool,
}

/// Reads a scenario file (at most 1 MiB) and the CSV files it names (at most 64 MiB each, beside
/// it); an error names the file at fault once, and lists every error or problem of the file.
fn load(path: &std::path::Path) -> Result<Scenario, Failure> {
    read_scenario(path).map_err(|unread| unread.failure(path))
}

/// `hotline sim check`: the scenario's every error or problem, in the shape of every `check`.
fn check(path: &std::path::Path, json: bool) -> report::Outcome {
    let file = path.display().to_string();
    match read_scenario(path) {
        Ok(_) => report::print_check(report::CheckReport::new(file, Vec::new(), ()), json),
        Err(unread) => unread.check(&file, json),
    }
}

fn read_scenario(path: &std::path::Path) -> Result<Scenario, Unread> {
    use crate::input::{MAX_CSV_BYTES, MAX_TOML_BYTES, read_text};
    let text = read_text(path, MAX_TOML_BYTES, "scenario (TOML)").map_err(Unread::Failure)?;
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(Unread::Failure(Failure::rejected(format!(
            "{} is empty: a scenario names at least its call types, agent groups and ACD \
             queues (the book's Simulator chapter has examples)",
            path.display()
        ))));
    }
    let dir = path.parent().unwrap_or(std::path::Path::new("")).to_path_buf();
    // A CSV file's own failure (unreadable, too large, not text) is kept as it is, naming it.
    let mut csv_failure: Option<Failure> = None;
    // Each call type and agent group is read on its own (memory in proportion to the file),
    // and every error of the file is reported.
    let mut scenario =
        match crate::toml_read::from_str_all::<Scenario>(&text, &["call_types", "agent_groups"]) {
            Ok(scenario) => scenario,
            Err(errors) => return Err(Unread::Types(text, errors)),
        };
    let read = scenario.read_csv_files(&mut |_, name| {
        let csv = dir.join(name);
        let shown = csv.display().to_string();
        match read_text(&csv, MAX_CSV_BYTES, "CSV") {
            Ok(text) => Ok((shown, text)),
            Err(failure) => {
                csv_failure = Some(failure);
                Err(ScenarioError::Io { path: shown, source: std::io::Error::other("see above") })
            }
        }
    });
    if let Err(e) = read {
        return Err(Unread::Failure(csv_failure.unwrap_or_else(|| scenario_failure(path, &e))));
    }
    let problems = scenario.problems();
    if problems.is_empty() {
        return Ok(scenario);
    }
    // Each problem at the line of the table or key it is about, where the file writes it.
    let at = |place: &str, message: String| {
        // hotline-sim names an agent group by its name (`agent_groups.team.speed`); the file
        // writes it as the group's `[[agent_groups]]` item.
        let by_index = scenario.agent_groups.iter().enumerate().find_map(|(i, g)| {
            let rest = place.strip_prefix("agent_groups.")?.strip_prefix(g.name.as_str())?;
            (rest.is_empty() || rest.starts_with('.')).then(|| format!("agent_groups[{i}]{rest}"))
        });
        let found = crate::input::toml_place(&text, by_index.as_deref().unwrap_or(place));
        report::Diagnostic::error(found.map(|p| p.0), found.map(|p| p.1), message)
    };
    // Every problem as (place, message), the ACD configuration's one by one.
    let mut flat: Vec<(Option<String>, String)> = Vec::new();
    for problem in problems {
        match problem {
            ScenarioError::Invalid { place, message } => {
                flat.push((Some(place.clone()), format!("{place}: {message}")));
            }
            ScenarioError::Distribution { place, source } => {
                flat.push((Some(place.clone()), format!("{place}: {source}")));
            }
            ScenarioError::Acd(hotline_acd::ConfigError::Invalid { problems }) => {
                for p in problems {
                    // hotline-acd names the place within the ACD table (`queues[0]`).
                    let place = serde_json::to_value(&p)
                        .ok()
                        .and_then(|v| v.get("at").and_then(|a| a.as_str().map(str::to_owned)));
                    flat.push((place.map(|place| format!("acd.{place}")), format!("acd.{p}")));
                }
            }
            other => flat.push((None, other.to_string())),
        }
    }
    let found = report::placed_problems(flat, |place, message| match place {
        Some(place) => at(place, message),
        None => report::Diagnostic::error(None, None, message),
    });
    Err(Unread::Problems(found))
}

/// A scenario error, naming the scenario file once (some errors name it themselves).
fn scenario_failure(path: &std::path::Path, e: &ScenarioError) -> Failure {
    match e {
        ScenarioError::Parse { .. } | ScenarioError::Csv { .. } | ScenarioError::Io { .. } => {
            Failure::rejected(e.to_string())
        }
        other => Failure::rejected(format!("{}: {other}", path.display())),
    }
}

fn parse_policy(name: &str) -> Result<PolicyChoice, Failure> {
    if name == "configured" {
        return Ok(PolicyChoice::Configured);
    }
    PolicyName::ALL.into_iter().find(|p| p.as_str() == name).map(PolicyChoice::Named).ok_or_else(
        || {
            let names: Vec<&str> = PolicyName::ALL.iter().map(|p| p.as_str()).collect();
            Failure::usage(format!(
                "unknown policy `{name}`; one of: configured, {}",
                names.join(", ")
            ))
        },
    )
}

/// The simulator's progress callback (called once per finished replication) drawing `bar`, which
/// counts every replication of the command (all policies, all sweep points).
fn progress<'a>(bar: &'a Progress, done: &'a AtomicUsize) -> impl Fn(usize) + Sync + 'a {
    move |_| bar.set(done.fetch_add(1, Ordering::Relaxed) + 1)
}

/// Which replications `sim run` runs.
enum Replications {
    /// This many from 0 (default: the scenario's).
    Count(Option<usize>),
    /// This one alone.
    One(u64),
}

/// What `sim run` prints and writes.
struct Output<'a> {
    json: bool,
    csv: bool,
    records: Option<&'a std::path::Path>,
}

/// The open records file, the next replication to write, and the records of replications that
/// finished before an earlier one.
type RecordState = (std::io::BufWriter<std::fs::File>, u64, BTreeMap<u64, String>);

/// Writes replications' call records to a file in replication order, holding back the records
/// of a replication that finished before an earlier one.
struct RecordWriter<'a> {
    scenario: &'a Scenario,
    jsonl: bool,
    state: std::sync::Mutex<RecordState>,
    error: std::sync::Mutex<Option<String>>,
}

impl RecordWriter<'_> {
    fn chunk(&self, records: &[CallRecord]) -> String {
        use std::fmt::Write;
        let s = self.scenario;
        let mut out = String::new();
        for r in records {
            if self.jsonl {
                match serde_json::to_string(r) {
                    Ok(line) => {
                        let _ = writeln!(out, "{line}");
                    }
                    Err(e) => self.fail(e.to_string()),
                }
                continue;
            }
            let queue = |i: usize| s.acd.queues.get(i).map_or("", |q| q.name.as_str());
            let disposition = match r.disposition {
                Disposition::Answered => "answered",
                Disposition::Abandoned => "abandoned",
                Disposition::Exited => "exited",
                _ => "unfinished",
            };
            let opt = |x: Option<f64>| x.map_or_else(String::new, |v| v.to_string());
            let _ = writeln!(
                out,
                "{},{},{},{},{disposition},{},{},{},{},{}",
                r.replication,
                s.call_types.get(r.call_type).map_or("", |c| c.name.as_str()),
                queue(r.queue),
                r.arrival_s,
                opt(r.wait_s.is_finite().then_some(r.wait_s)),
                r.answered_queue.map_or("", queue),
                r.agent.map_or_else(String::new, |a| a.to_string()),
                r.group.and_then(|g| s.agent_groups.get(g)).map_or("", |g| g.name.as_str()),
                opt(r.handle_s),
            );
        }
        out
    }

    fn fail(&self, message: String) {
        if let Ok(mut error) = self.error.lock() {
            error.get_or_insert(message);
        }
    }

    fn add(&self, replication: u64, records: &[CallRecord]) {
        use std::io::Write;
        let chunk = self.chunk(records);
        let Ok(mut state) = self.state.lock() else { return };
        let (file, next, held) = &mut *state;
        held.insert(replication, chunk);
        while let Some(text) = held.remove(next) {
            if let Err(e) = file.write_all(text.as_bytes()) {
                self.fail(e.to_string());
            }
            *next += 1;
        }
    }
}

fn run_scenario(
    path: &std::path::Path,
    seed: u64,
    which: Replications,
    policy: Option<&str>,
    output: Output<'_>,
    workers: Workers,
) -> report::Outcome {
    let Output { json, csv, records } = output;
    let scenario = load(path)?;
    let policy = policy.map_or(Ok(PolicyChoice::Configured), parse_policy)?;
    let options = RunOptions::new().seed(seed).policy(policy).threads(workers.threads);
    let options = match which {
        Replications::Count(n) => options.replications(n.unwrap_or(scenario.replications).max(1)),
        Replications::One(r) => options.replications(1).first_replication(r),
    };
    let start = std::time::Instant::now();
    let bar = Progress::new("replications", options.replications, workers.progress);
    let done = AtomicUsize::new(0);
    let show_progress = progress(&bar, &done);
    let report = match records {
        None => run_with_progress(&scenario, &options, &show_progress),
        Some(file) => {
            let cannot_write =
                |e: std::io::Error| Failure::usage(format!("cannot write {}: {e}", file.display()));
            let out = std::fs::File::create(file).map_err(cannot_write)?;
            let mut out = std::io::BufWriter::new(out);
            let jsonl = file.extension().is_some_and(|e| e == "jsonl");
            if !jsonl {
                use std::io::Write;
                let header = "replication,call_type,queue,arrival_s,disposition,wait_s,\
                              answered_queue,agent,group,handle_s\n";
                out.write_all(header.as_bytes()).map_err(cannot_write)?;
            }
            let writer = RecordWriter {
                scenario: &scenario,
                jsonl,
                state: std::sync::Mutex::new((out, options.first_replication, BTreeMap::new())),
                error: std::sync::Mutex::new(None),
            };
            let report = run_with_records(&scenario, &options, &show_progress, &|r, calls| {
                writer.add(r, &calls)
            });
            if let Ok(mut state) = writer.state.lock()
                && let Err(e) = std::io::Write::flush(&mut state.0)
            {
                writer.fail(e.to_string());
            }
            if let Some(e) = writer.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
                return Err(Failure::usage(format!("cannot write {}: {e}", file.display())));
            }
            report
        }
    }
    .map_err(|e| scenario_failure(path, &e))?;
    let wall_s = start.elapsed().as_secs_f64();
    if json {
        print_estimates_json(&report)?;
    } else if csv {
        print!("{}", to_csv(&report));
    } else {
        print!("{}", to_text(&report, wall_s));
    }
    Ok(Status::Success)
}

/// Prints a report or comparison as JSON, with `null` for the intervals of estimates made from
/// one replication (hotline-sim reports 0; there is no interval).
fn print_estimates_json(value: &impl Serialize) -> Result<(), Failure> {
    let mut json = serde_json::to_value(value).map_err(|e| Failure::usage(e.to_string()))?;
    report::null_single_estimates(&mut json);
    report::print_json(&json).map_err(write_failed)
}

/// `mean ± ci95` scaled, with `± —` for an estimate of one replication (no interval).
fn estimate_text(e: Estimate, scale: f64) -> String {
    if e.n < 2 {
        format!("{:.2} ± —", e.mean * scale)
    } else {
        format!("{:.2} ± {:.2}", e.mean * scale, e.ci95 * scale)
    }
}

fn rows(k: &Kpis) -> [(&'static str, Option<Estimate>, f64); 13] {
    [
        ("offered", k.offered, 1.0),
        ("service_level_%", k.service_level, 100.0),
        ("asa_s", k.asa_s, 1.0),
        ("abandon_rate_%", k.abandon_rate, 100.0),
        ("mean_wait_s", k.mean_wait_s, 1.0),
        ("p_wait_%", k.p_wait, 100.0),
        ("p90_wait_s", k.p90_wait_s, 1.0),
        ("p99_wait_s", k.p99_wait_s, 1.0),
        ("exit_rate_%", k.exit_rate, 100.0),
        ("overflow_rate_%", k.overflow_rate, 100.0),
        ("occupancy_%", k.occupancy, 100.0),
        ("ewt_error_s", k.ewt_error_s, 1.0),
        ("ewt_abs_error_s", k.ewt_abs_error_s, 1.0),
    ]
}

/// The human form of a report, with the wall-clock seconds the run took.
pub fn to_text(r: &Report, wall_s: f64) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — policy {}, seed {}, {} replications, 95% confidence intervals",
        r.scenario, r.policy, r.seed, r.replications
    );
    let mut sections: Vec<(&str, &Kpis)> = r.queues.iter().map(|(n, k)| (n.as_str(), k)).collect();
    if r.queues.len() > 1 {
        sections.push(("overall", &r.overall));
    }
    for (name, k) in sections {
        let _ = writeln!(out, "\n{name}");
        for (label, e, scale) in rows(k) {
            let value = e.map_or_else(|| "—".to_owned(), |e| estimate_text(e, scale));
            let _ = writeln!(out, "  {label:<17} {value}");
        }
    }
    for (name, g) in &r.groups {
        let f =
            |e: Option<Estimate>, s: f64| e.map_or_else(|| "—".to_owned(), |e| estimate_text(e, s));
        let _ = writeln!(
            out,
            "\ngroup {name}: occupancy % {}, Jain's index {}, spread % {}",
            f(g.occupancy, 100.0),
            f(g.fairness_jain, 1.0),
            f(g.occupancy_spread, 100.0)
        );
    }
    let _ = writeln!(out, "\n{} events in {wall_s:.2} s", r.events);
    out
}

/// The CSV form of a report: `queue,kpi,mean,ci95` (rates as fractions, times in seconds).
pub fn to_csv(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::from("queue,kpi,mean,ci95\n");
    let mut sections: Vec<(&str, &Kpis)> = r.queues.iter().map(|(n, k)| (n.as_str(), k)).collect();
    sections.push(("overall", &r.overall));
    for (name, k) in sections {
        for (label, e, _) in rows(k) {
            let label = label.trim_end_matches("_%");
            match e {
                Some(e) => {
                    // One replication gives no interval: the field is empty, as JSON's is null.
                    let ci = if e.n < 2 { String::new() } else { e.ci95.to_string() };
                    let _ = writeln!(out, "{name},{label},{},{ci}", e.mean);
                }
                None => {
                    let _ = writeln!(out, "{name},{label},,");
                }
            }
        }
    }
    out
}

fn compare(
    path: &std::path::Path,
    policies: &[String],
    seed: u64,
    replications: Option<usize>,
    workers: Workers,
    json: bool,
) -> report::Outcome {
    if replications == Some(1) {
        return Err(Failure::usage(
            "--replications 1: a comparison needs at least 2 replications for its paired \
             intervals",
        ));
    }
    let scenario = load(path)?;
    let choices: Vec<PolicyChoice> =
        policies.iter().map(|p| parse_policy(p.trim())).collect::<Result<_, _>>()?;
    let n = replications.unwrap_or(scenario.replications.max(2));
    let options = RunOptions::new().seed(seed).replications(n).threads(workers.threads);
    let bar = Progress::new("replications", n * choices.len(), workers.progress);
    let comparison =
        hotline_sim::compare(&scenario, &options, &choices, &progress(&bar, &AtomicUsize::new(0)))
            .map_err(|e| scenario_failure(path, &e))?;
    if json {
        print_estimates_json(&comparison)?;
        return Ok(Status::Success);
    }
    let baseline = &comparison.baseline;
    println!("{} — seed {seed}, {n} replications, same calls for every policy", scenario.name);
    let mut sections: Vec<&str> = scenario.acd.queues.iter().map(|q| q.name.as_str()).collect();
    if sections.len() > 1 {
        sections.push("overall");
    }
    for section in sections {
        let mut header = format!("\n{section:<17}");
        for r in &comparison.reports {
            header.push_str(&format!(" {:>24}", r.policy));
            if r.policy != *baseline {
                header.push_str(&format!(" {:>22}", format!("difference from {baseline}")));
            }
        }
        println!("{header}");
        let table: Vec<[(&str, Option<Estimate>, f64); 13]> = comparison
            .reports
            .iter()
            .map(|r| rows(if section == "overall" { &r.overall } else { &r.queues[section] }))
            .collect();
        for row in 0..13 {
            let mut line = format!("{:<17}", table[0][row].0);
            for (p, t) in table.iter().enumerate() {
                let (name, e, s) = t[row];
                let key = name.trim_end_matches("_%");
                let policy = &comparison.reports[p].policy;
                let difference = (policy != baseline)
                    .then(|| comparison.differences.get(policy)?.get(section)?.get(key))
                    .flatten();
                let star = difference.is_some_and(|d| d.significant);
                let cell = e.map_or_else(
                    || "—".to_owned(),
                    |e| format!("{}{}", estimate_text(e, s), if star { " *" } else { "" }),
                );
                line.push_str(&format!(" {cell:>24}"));
                if policy != baseline {
                    let diff = difference.map_or_else(
                        || "—".to_owned(),
                        |d| format!("{:+.2} ± {:.2}", d.mean * s, d.ci95 * s),
                    );
                    line.push_str(&format!(" {diff:>22}"));
                }
            }
            println!("{line}");
        }
    }
    println!(
        "* significantly different from {baseline} (paired 95% interval of the difference excludes 0)"
    );
    Ok(Status::Success)
}

/// `hotline sim sweep --json`: the points, with what produced them.
#[derive(Debug, Serialize)]
struct Sweep<'a> {
    scenario: &'a str,
    /// SHA-256 of the scenario before the sweep changed it.
    scenario_sha256: String,
    version: &'static str,
    seed: u64,
    replications: usize,
    /// `agents`, or the `--set` path.
    parameter: &'a str,
    points: &'a [SweepPoint],
}

/// What a sweep varies.
enum Over {
    /// An agent group's size: `FROM..TO`, and the group (default the first).
    Agents(String, Option<String>),
    /// Any parameter: `PATH=V1,V2,...`.
    Set(String),
}

#[derive(Debug, Serialize)]
struct SweepPoint {
    /// The agent count (an agent sweep).
    #[serde(skip_serializing_if = "Option::is_none")]
    agents: Option<usize>,
    /// The parameter's value (a `--set` sweep), as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// Where the point sits on the chart's axis.
    #[serde(skip)]
    x: f64,
    service_level: Option<Estimate>,
    asa_s: Option<Estimate>,
    abandon_rate: Option<Estimate>,
    /// The Erlang C (no patience) or Erlang A (exponential patience) service level, for a
    /// single queue with one Poisson call type, exponential handle times and no wrap-up.
    erlang_service_level: Option<f64>,
}

/// The Erlang model of a scenario, when one applies: (load, aht, patience, threshold).
fn erlang_model(s: &Scenario) -> Option<(f64, f64, Option<f64>, f64)> {
    use hotline_sim::Distribution;
    let [c] = s.call_types.as_slice() else { return None };
    let [q] = s.acd.queues.as_slice() else { return None };
    if s.agent_groups.len() != 1 || !s.acd.agents.is_empty() || !q.wrap_up.is_zero() {
        return None;
    }
    if s.agent_groups[0].wrap_up.is_some_and(|w| !w.is_zero())
        || s.agent_groups[0].no_answer_probability > 0.0
    {
        return None;
    }
    let rate = c.arrivals.rate_per_hour? / 3600.0;
    let Distribution::Exponential { mean: aht } = c.handle else { return None };
    let patience = match &c.patience {
        None => None,
        Some(Distribution::Exponential { mean }) => Some(*mean),
        Some(_) => return None,
    };
    (c.retrial_probability == 0.0 && c.callback_probability == 0.0).then_some((
        rate * aht,
        aht,
        patience,
        q.service_level.as_secs_f64(),
    ))
}

fn sweep(
    path: &std::path::Path,
    over: Over,
    seed: u64,
    replications: Option<usize>,
    workers: Workers,
    plot: Option<&std::path::Path>,
    json: bool,
) -> report::Outcome {
    let scenario = load(path)?;
    // (label, scenario, agents) for every point.
    let mut cases: Vec<(String, Scenario, Option<usize>)> = Vec::new();
    let axis = match &over {
        Over::Agents(agents, group) => {
            let (from, to) = agent_range(agents)?;
            let g = match group {
                None if !scenario.agent_groups.is_empty() => 0,
                None => return Err(Failure::usage("the scenario has no agent group to resize")),
                Some(name) => scenario
                    .agent_groups
                    .iter()
                    .position(|g| &g.name == name)
                    .ok_or_else(|| Failure::usage(format!("no agent group `{name}`")))?,
            };
            for count in from..=to {
                let mut s = scenario.clone();
                s.agent_groups[g].count = count;
                cases.push((count.to_string(), s, Some(count)));
            }
            "agents".to_owned()
        }
        Over::Set(set) => {
            let (param, values) = set
                .split_once('=')
                .ok_or_else(|| Failure::usage(format!("--set `{set}`: give PATH=V1,V2,...")))?;
            for value in values.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                let s = scenario
                    .with_value(param.trim(), value)
                    .map_err(|e| Failure::usage(format!("--set {param}={value}: {e}")))?;
                cases.push((value.to_owned(), s, None));
            }
            if cases.is_empty() || cases.len() > 1000 {
                return Err(Failure::usage(format!("--set `{set}`: give 1 to 1000 values")));
            }
            param.trim().to_owned()
        }
    };
    let model = erlang_model(&scenario);
    let n = replications.unwrap_or(scenario.replications.max(1));
    let bar = Progress::new("replications", n * cases.len(), workers.progress);
    let done = AtomicUsize::new(0);
    let mut points = Vec::new();
    for (i, (label, s, count)) in cases.into_iter().enumerate() {
        let options = RunOptions::new().seed(seed).replications(n).threads(workers.threads);
        let r = run_with_progress(&s, &options, &progress(&bar, &done))
            .map_err(|e| scenario_failure(path, &e))?;
        let erlang = count.and(model).and_then(|(load, aht, patience, t)| {
            let agents = count.unwrap_or(0) as f64;
            match patience {
                None => hotline_erlang::ErlangC::new(load, agents, aht)
                    .ok()
                    .filter(|c| c.is_stable())
                    .and_then(|c| c.service_level(t).ok()),
                Some(p) => hotline_erlang::ErlangA::new(load, agents, aht, p)
                    .ok()
                    .and_then(|a| a.service_level(t).ok()),
            }
        });
        let x =
            count.map_or_else(|| label.trim_matches('"').parse().unwrap_or(i as f64), |c| c as f64);
        points.push(SweepPoint {
            agents: count,
            value: count.is_none().then(|| label.clone()),
            x,
            service_level: r.overall.service_level,
            asa_s: r.overall.asa_s,
            abandon_rate: r.overall.abandon_rate,
            erlang_service_level: erlang,
        });
    }
    if let Some(file) = plot {
        std::fs::write(file, svg(&scenario.name, &axis, &points))
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", file.display())))?;
    }
    if json {
        let sweep = Sweep {
            scenario: &scenario.name,
            scenario_sha256: scenario.sha256(),
            version: hotline_sim::VERSION,
            seed,
            replications: n,
            parameter: &axis,
            points: &points,
        };
        print_estimates_json(&sweep)?;
        return Ok(Status::Success);
    }
    println!("{} — service level against {axis} ({n} replications, seed {seed})", scenario.name);
    println!("{:>12} {:>18} {:>10}", "value", "simulated %", "Erlang %");
    for p in &points {
        let sim = p.service_level.map_or_else(|| "—".to_owned(), |e| estimate_text(e, 100.0));
        let erl =
            p.erlang_service_level.map_or_else(|| "—".to_owned(), |v| format!("{:.2}", 100.0 * v));
        let label = p.agents.map_or_else(|| p.value.clone().unwrap_or_default(), |a| a.to_string());
        println!("{label:>12} {sim:>18} {erl:>10}");
    }
    if let Some(file) = plot {
        println!("wrote {}", file.display());
    }
    Ok(Status::Success)
}

/// The most points an agent sweep runs.
const MAX_SWEEP_POINTS: usize = 1001;

/// `--agents FROM..TO`, with a message for each way it can be wrong.
fn agent_range(text: &str) -> Result<(usize, usize), Failure> {
    let usage = |why: String| Failure::usage(format!("--agents `{text}`: {why}"));
    let (a, b) = text.split_once("..").ok_or_else(|| usage("give FROM..TO, e.g. 10..20".into()))?;
    let number = |t: &str| {
        t.trim()
            .parse::<usize>()
            .map_err(|_| usage(format!("`{}` is not a whole number", t.trim())))
    };
    let (from, to) = (number(a)?, number(b)?);
    if from > to {
        return Err(usage(format!("FROM is larger than TO; did you mean {to}..{from}?")));
    }
    if to - from >= MAX_SWEEP_POINTS {
        return Err(usage(format!(
            "{} points; a sweep runs at most {MAX_SWEEP_POINTS} (narrow the range)",
            to - from + 1
        )));
    }
    Ok((from, to))
}

/// A small SVG chart: simulated service level with 95% bars, and the Erlang curve dashed.
fn svg(title: &str, axis: &str, points: &[SweepPoint]) -> String {
    use std::fmt::Write;
    let (w, h, m) = (640.0, 400.0, 50.0);
    let lo = points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let x = |a: f64| m + (a - lo) / span * (w - 2.0 * m);
    let y = |v: f64| h - m - v.clamp(0.0, 1.0) * (h - 2.0 * m);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let title = title.replace('&', "&amp;").replace('<', "&lt;");
    let axis = axis.replace('&', "&amp;").replace('<', "&lt;");
    let _ = writeln!(out, r#"<text x="{m}" y="20">{title}: service level against {axis}</text>"#);
    let _ = writeln!(
        out,
        r#"<line x1="{m}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        h - m,
        w - m,
        h - m
    );
    let _ = writeln!(out, r#"<line x1="{m}" y1="{m}" x2="{m}" y2="{}" stroke="black"/>"#, h - m);
    for v in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = writeln!(out, r#"<text x="10" y="{:.1}">{:.0}%</text>"#, y(v) + 4.0, v * 100.0);
    }
    for p in points {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(p.x),
            h - m + 16.0,
            p.agents.map_or_else(
                || p.value.clone().unwrap_or_default().replace('&', "&amp;").replace('<', "&lt;"),
                |a| a.to_string()
            )
        );
    }
    let line = |f: &dyn Fn(&SweepPoint) -> Option<f64>| {
        points
            .iter()
            .filter_map(|p| f(p).map(|v| format!("{:.1},{:.1}", x(p.x), y(v))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let erlang = line(&|p| p.erlang_service_level);
    if !erlang.is_empty() {
        let _ = writeln!(
            out,
            r#"<polyline points="{erlang}" fill="none" stroke="gray" stroke-dasharray="6,4"/>"#
        );
    }
    let _ = writeln!(
        out,
        r#"<polyline points="{}" fill="none" stroke="steelblue" stroke-width="2"/>"#,
        line(&|p| p.service_level.map(|e| e.mean))
    );
    for p in points {
        if let Some(e) = p.service_level {
            let _ = writeln!(
                out,
                r#"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="steelblue"/>"#,
                x(p.x),
                y(e.mean - e.ci95),
                y(e.mean + e.ci95)
            );
        }
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}">simulated (95% bars); dashed: Erlang</text>"#,
        w - 300.0,
        m - 10.0
    );
    out.push_str("</svg>\n");
    out
}
