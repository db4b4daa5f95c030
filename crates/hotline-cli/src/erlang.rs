//! `hotline erlang b|c|a` and `hotline staff`: the staffing math of `hotline-erlang`.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use hotline_erlang::{
    DayPlan, ErlangA, ErlangB, ErlangC, ErlangError, Evaluation, Forecast, Model, ServiceLevel,
    Staffing, Targets, Traffic, plan_day, scheduled_staff,
};
use serde::Serialize;

use crate::report::{Failure, Outcome, Status, print_json};
use crate::units::{parse_duration, parse_percentage};

/// `hotline erlang`: one queueing model evaluated for one staffing level.
#[derive(Debug, Args)]
pub struct ErlangArgs {
    /// The model.
    #[command(subcommand)]
    pub model: ErlangModel,
}

/// The models of `hotline erlang`.
#[derive(Debug, Subcommand)]
pub enum ErlangModel {
    /// Erlang B (lost calls): the blocking probability.
    B(BArgs),
    /// Erlang C (M/M/N, callers wait forever): waiting, service level, ASA, queue, occupancy.
    C(CArgs),
    /// Erlang A (M/M/N+M, callers abandon): waiting, abandonment, waits and three service levels.
    A(AArgs),
}

/// The offered load and the staffing, shared by the three models.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Offered load in erlangs (calls per second × handling time in seconds).
    #[arg(long, value_name = "ERLANGS")]
    pub load: f64,
    /// Number of agents (lines); may be fractional.
    #[arg(long, value_name = "N")]
    pub agents: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `hotline erlang b`.
#[derive(Debug, Args)]
pub struct BArgs {
    /// Load, agents and output.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Erlang C's and A's flags, taken and not used (not shown in the help), so that one command
    /// line serves all three models.
    #[arg(long, hide = true, value_parser = parse_duration)]
    pub aht: Option<Duration>,
    /// Not used by Erlang B (see `aht`).
    #[arg(long, hide = true, value_parser = parse_duration)]
    pub target: Option<Duration>,
    /// Not used by Erlang B or C (see `aht`).
    #[arg(long, hide = true, value_parser = parse_duration)]
    pub patience: Option<Duration>,
}

/// `hotline erlang c`.
#[derive(Debug, Args)]
pub struct CArgs {
    /// Load, agents and output.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Average handling time, e.g. `180s` or `3m`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub aht: Duration,
    /// Answer-time target for the service level, e.g. `20s`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub target: Duration,
    /// Erlang A's patience, taken and not used (not shown in the help), so that one command line
    /// serves all three models.
    #[arg(long, hide = true, value_parser = parse_duration)]
    pub patience: Option<Duration>,
}

/// `hotline erlang a`.
#[derive(Debug, Args)]
pub struct AArgs {
    /// Load, agents and output.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Average handling time, e.g. `180s` or `3m`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub aht: Duration,
    /// Answer-time target for the service level, e.g. `20s`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub target: Duration,
    /// Average patience before callers abandon, e.g. `2m`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub patience: Duration,
}

fn rejected(error: ErlangError) -> Failure {
    match error {
        // The durations are seconds; say so (the library's message has no unit).
        ErlangError::TooLarge { name: name @ ("patience" | "aht"), value, max } => {
            Failure::rejected(format!(
                "{name} is too large: {value} s (at most {max:.1} s for this load and handling \
                 time)"
            ))
        }
        other => Failure::rejected(other.to_string()),
    }
}

fn percent(p: f64) -> String {
    format!("{:.4}%", p * 100.0)
}

fn seconds(s: Option<f64>) -> String {
    s.map_or_else(|| "unbounded (unstable queue)".to_owned(), |s| format!("{s:.3} s"))
}

#[derive(Serialize)]
struct Blocking {
    blocking: f64,
}

/// Runs `hotline erlang ...`.
///
/// # Errors
///
/// A usage failure (exit 2) for a missing flag, a rejection (exit 1) for an input out of range.
pub fn run_erlang(args: ErlangArgs) -> Outcome {
    match args.model {
        ErlangModel::B(BArgs { load: m, .. }) => {
            let b = ErlangB::new(m.load, m.agents).map_err(rejected)?;
            let result = Blocking { blocking: b.blocking() };
            if m.json {
                print_json(&result).map_err(|e| Failure::usage(e.to_string()))?;
            } else {
                println!("Erlang B: {} erlangs offered to {} lines", m.load, m.agents);
                println!(
                    "  blocking probability  {:e} ({})",
                    result.blocking,
                    percent(result.blocking)
                );
            }
        }
        ErlangModel::C(CArgs { load: m, aht, target, .. }) => {
            let (aht, target) = (aht.as_secs_f64(), target.as_secs_f64());
            let c = ErlangC::new(m.load, m.agents, aht).map_err(rejected)?;
            let r = c.metrics(target).map_err(rejected)?;
            if m.json {
                print_json(&r).map_err(|e| Failure::usage(e.to_string()))?;
            } else {
                println!("Erlang C: {} erlangs, {} agents, AHT {aht} s", m.load, m.agents);
                println!("  probability of waiting  {}", percent(r.p_wait));
                println!("  service level ({target} s)  {}", percent(r.service_level));
                println!("  ASA                     {}", seconds(r.asa_s));
                let queue =
                    r.mean_queue.map_or_else(|| "unbounded".to_owned(), |q| format!("{q:.4}"));
                println!("  mean queue              {queue}");
                println!("  occupancy               {}", percent(r.occupancy));
            }
        }
        ErlangModel::A(AArgs { load: m, aht, target, patience }) => {
            let (aht, target) = (aht.as_secs_f64(), target.as_secs_f64());
            let patience = patience.as_secs_f64();
            let a = ErlangA::new(m.load, m.agents, aht, patience).map_err(rejected)?;
            let r = a.metrics(target).map_err(rejected)?;
            if m.json {
                print_json(&r).map_err(|e| Failure::usage(e.to_string()))?;
            } else {
                println!(
                    "Erlang A: {} erlangs, {} agents, AHT {aht} s, patience {patience} s",
                    m.load, m.agents
                );
                println!("  probability of waiting        {}", percent(r.p_wait));
                println!("  probability of abandoning     {}", percent(r.p_abandon));
                println!("  mean wait (all callers)       {:.3} s", r.mean_wait_s);
                println!("  ASA (answered callers)        {:.3} s", r.asa_s);
                println!("  service level ({target} s, offered)   {}", percent(r.service_level));
                println!(
                    "  service level ({target} s, answered)  {}",
                    percent(r.service_level_answered)
                );
                println!(
                    "  service level ({target} s, virtual)   {}",
                    percent(r.service_level_virtual)
                );
                println!("  occupancy                     {}", percent(r.occupancy));
            }
        }
    }
    Ok(Status::Success)
}

/// `hotline staff`: the fewest agents meeting the targets, for one interval or a day's forecast.
#[derive(Debug, Args)]
pub struct StaffArgs {
    /// Calls offered in the interval (single-interval mode).
    #[arg(long, value_name = "N", conflicts_with = "forecast")]
    pub calls: Option<f64>,
    /// Interval length, e.g. `30m`; with `--forecast`, only needed for a one-interval file.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<std::time::Duration>,
    /// Average handling time, e.g. `180s` (single-interval mode).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "forecast")]
    pub aht: Option<std::time::Duration>,
    /// Service-level target PERCENT/TIME: `80/20` is 80% answered within 20 s (also `0.8/20s`,
    /// `80%/20s`). Required for one interval; a forecast without any target uses 80/20.
    #[arg(long, value_name = "P/T", value_parser = parse_service_level)]
    pub sl: Option<ServiceLevel>,
    /// Average patience: switches the model from Erlang C to Erlang A.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub patience: Option<std::time::Duration>,
    /// Largest acceptable abandonment, e.g. `5%` (Erlang A: needs --patience).
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage, requires = "patience")]
    pub max_abandon: Option<f64>,
    /// Largest acceptable average speed of answer, e.g. `30s`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_asa: Option<std::time::Duration>,
    /// Largest acceptable occupancy, e.g. `85%`.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage)]
    pub max_occupancy: Option<f64>,
    /// Shrinkage (share of paid time off the phones), e.g. `30%`: scheduled staff is
    /// ⌈required / (1 − shrinkage)⌉.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage, default_value = "0")]
    pub shrinkage: f64,
    /// A day's forecast as CSV (at most 64 MiB) with the columns start (HH:MM), calls and aht
    /// (seconds).
    #[arg(long, value_name = "FILE")]
    pub forecast: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the intraday plan as CSV (with `--forecast`).
    #[arg(long, requires = "forecast")]
    pub csv: bool,
    /// Write a chart of required and scheduled staff over the day as SVG (with `--forecast`).
    #[arg(long, value_name = "FILE", requires = "forecast")]
    pub plot: Option<PathBuf>,
}

/// Parses `80/20`, `0.8/20s` or `80%/20s` into a service-level target.
///
/// A bare number above 1 before the slash is a percentage (`80` is 80%); at most 1 it is a
/// fraction (`0.8`).
///
/// # Errors
///
/// A message naming what is wrong.
pub fn parse_service_level(text: &str) -> Result<ServiceLevel, String> {
    let (level, time) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not PERCENT/TIME such as 80/20 or 0.8/20s"))?;
    let level = level.trim();
    let fraction = if level.ends_with('%') {
        parse_percentage(level).map_err(|e| e.to_string())?
    } else {
        let value: f64 = level
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("service level `{level}` is not a number"))?;
        if value > 1.0 { value / 100.0 } else { value }
    };
    let time = parse_duration(time).map_err(|e| e.to_string())?;
    ServiceLevel::new(fraction, time.as_secs_f64()).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct Row {
    agents: u64,
    service_level: Option<f64>,
    asa_s: Option<f64>,
    p_wait: f64,
    p_abandon: Option<f64>,
    occupancy: f64,
}

impl From<&Evaluation> for Row {
    fn from(e: &Evaluation) -> Self {
        Row {
            agents: e.agents as u64,
            service_level: e.service_level,
            asa_s: e.asa_s,
            p_wait: e.p_wait,
            p_abandon: e.p_abandon,
            occupancy: e.occupancy,
        }
    }
}

#[derive(Serialize)]
struct StaffReport {
    model: &'static str,
    offered_erlangs: f64,
    required_agents: u64,
    scheduled_staff: u64,
    rows: Vec<Row>,
}

fn targets_of(args: &StaffArgs) -> Targets {
    Targets {
        service_level: args.sl,
        max_asa_s: args.max_asa.map(|d| d.as_secs_f64()),
        max_abandon: args.max_abandon,
        max_occupancy: args.max_occupancy,
    }
}

fn optional_percent(p: Option<f64>) -> String {
    p.map_or_else(|| "-".to_owned(), |p| format!("{:.2}%", p * 100.0))
}

fn optional_seconds(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| format!("{s:.1}"))
}

/// Runs `hotline staff ...`.
///
/// # Errors
///
/// A usage failure (exit 2) for missing flags or an unreadable forecast, a rejection (exit 1)
/// for inputs out of range or a target that cannot be met.
pub fn run_staff(args: StaffArgs) -> Outcome {
    let model = match args.patience {
        Some(p) => Model::ErlangA { patience_s: p.as_secs_f64() },
        None => Model::ErlangC,
    };
    if args.forecast.is_some() {
        return run_forecast(args, model);
    }
    // clap's `requires` does not hold these (the single-interval flags conflict with
    // --forecast), so they are checked here: --plot wrote nothing and exited 0.
    for (given, flag) in [(args.plot.is_some(), "--plot"), (args.csv, "--csv")] {
        if given {
            return Err(Failure::usage(format!(
                "{flag} draws a day's plan: it needs --forecast FILE"
            )));
        }
    }
    let (Some(calls), Some(interval), Some(aht)) = (args.calls, args.interval, args.aht) else {
        return Err(Failure::usage(
            "`hotline staff` needs --calls, --interval and --aht (or --forecast FILE)",
        ));
    };
    if args.sl.is_none() {
        return Err(Failure::usage("`hotline staff` needs --sl, e.g. --sl 80/20"));
    }
    let targets = targets_of(&args);
    let staffing = Staffing::from_calls(
        model,
        Traffic { calls, interval_s: interval.as_secs_f64(), aht_s: aht.as_secs_f64() },
        targets,
    )
    .map_err(rejected)?;
    let required = staffing.required_agents().map_err(rejected)?;
    let scheduled = scheduled_staff(required, args.shrinkage).map_err(rejected)?;
    let first = required.saturating_sub(3).max(1);
    let rows = staffing.table(first, required + 3).map_err(rejected)?;
    let report = StaffReport {
        model: model.name(),
        offered_erlangs: staffing.load,
        required_agents: required,
        scheduled_staff: scheduled,
        rows: rows.iter().map(Row::from).collect(),
    };
    if args.json {
        print_json(&report).map_err(|e| Failure::usage(e.to_string()))?;
        return Ok(Status::Success);
    }
    println!(
        "{}: {calls} calls in {} s, AHT {} s: {:.4} erlangs",
        if matches!(model, Model::ErlangC) { "Erlang C" } else { "Erlang A" },
        interval.as_secs_f64(),
        aht.as_secs_f64(),
        staffing.load
    );
    println!("required agents: {required}");
    if args.shrinkage > 0.0 {
        println!("scheduled staff: {scheduled} (shrinkage {:.1}%)", args.shrinkage * 100.0);
    }
    println!();
    println!("  agents  service level   ASA (s)   P(wait)  P(abandon)  occupancy");
    for row in &report.rows {
        println!(
            "{} {:>6}  {:>13}  {:>8}  {:>8}  {:>10}  {:>9}",
            if row.agents == required { "*" } else { " " },
            row.agents,
            optional_percent(row.service_level),
            optional_seconds(row.asa_s),
            format!("{:.2}%", row.p_wait * 100.0),
            optional_percent(row.p_abandon),
            format!("{:.2}%", row.occupancy * 100.0),
        );
    }
    Ok(Status::Success)
}

fn run_forecast(args: StaffArgs, model: Model) -> Outcome {
    let path = args.forecast.clone().unwrap_or_default();
    let text = crate::input::read_text(&path, crate::input::MAX_CSV_BYTES, "CSV")?;
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(Failure::rejected(format!(
            "{}: the forecast is empty: write a header line naming the columns start, calls and \
             aht, then one line per interval",
            path.display()
        )));
    }
    let interval_minutes = match args.interval {
        None => None,
        Some(d) => {
            let minutes = d.as_secs_f64() / 60.0;
            if minutes.fract() != 0.0 || !(1.0..=1440.0).contains(&minutes) {
                return Err(Failure::usage(format!(
                    "--interval must be 15m, 30m or 60m, got {} s",
                    d.as_secs_f64()
                )));
            }
            Some(minutes as u32)
        }
    };
    let forecast = Forecast::parse_csv(&text, interval_minutes)
        .map_err(|e| Failure::rejected(format!("{}: {e}", path.display())))?;
    let mut targets = targets_of(&args);
    let defaulted = targets.check() == Err(ErlangError::NoTarget);
    if defaulted {
        targets.service_level = Some(ServiceLevel::new(0.8, 20.0).map_err(rejected)?);
    }
    let plan = plan_day(&forecast, model, targets, args.shrinkage).map_err(rejected)?;
    if let Some(plot) = &args.plot {
        fs::write(plot, plan.to_svg())
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", plot.display())))?;
    }
    if args.json {
        print_json(&plan).map_err(|e| Failure::usage(e.to_string()))?;
    } else if args.csv {
        print!("{}", plan.to_csv());
    } else {
        print_plan(&plan, defaulted);
    }
    if let Some(plot) = &args.plot {
        // Keep standard output machine-readable with --json and --csv.
        if args.json || args.csv {
            eprintln!("wrote {}", plot.display());
        } else {
            println!("wrote {}", plot.display());
        }
    }
    Ok(Status::Success)
}

fn print_plan(plan: &DayPlan, defaulted: bool) {
    println!(
        "{}, {}-minute intervals{}",
        if plan.model == "erlang-c" { "Erlang C" } else { "Erlang A" },
        plan.interval_minutes,
        if defaulted { ", target 80% answered within 20 s (default)" } else { "" }
    );
    println!(
        "  start   calls  AHT (s)  erlangs  required  scheduled  service level  ASA (s)  occupancy"
    );
    for i in &plan.intervals {
        println!(
            "  {:>5}  {:>6}  {:>7}  {:>7.2}  {:>8}  {:>9}  {:>13}  {:>7}  {:>9}",
            i.start,
            i.calls,
            i.aht_s,
            i.offered_erlangs,
            i.required_agents,
            i.scheduled_staff,
            optional_percent(i.service_level),
            optional_seconds(i.asa_s),
            optional_percent(i.occupancy),
        );
    }
    let t = &plan.totals;
    println!(
        "total: {} calls, {:.2} hours of work, {:.2} required agent-hours, {:.2} scheduled agent-hours; peak {} required, {} scheduled",
        t.calls,
        t.workload_hours,
        t.required_agent_hours,
        t.scheduled_agent_hours,
        t.peak_required,
        t.peak_scheduled
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_level_forms() {
        for text in ["80/20", "0.8/20s", "80%/20s", " 80 / 20 "] {
            let sl = parse_service_level(text).unwrap();
            assert!((sl.fraction - 0.8).abs() < 1e-15, "{text}");
            assert_eq!(sl.within_s, 20.0, "{text}");
        }
        assert!(parse_service_level("80").is_err());
        assert!(parse_service_level("100/20").unwrap_err().contains("service level"));
        assert!(parse_service_level("x/20").is_err());
        assert!(parse_service_level("80/-1").is_err());
    }
}
