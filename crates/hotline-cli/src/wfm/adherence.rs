//! `hotline wfm adherence ROSTER.csv --states STATES.csv`: a roster (as `hotline wfm schedule
//! --roster` writes it) against the states the agents were in (an ACD's state export), interval
//! by interval and agent by agent, through [`hotline_wfm::adherence()`].
//!
//! Times are local date-times; time 0 is 00:00 of the roster's first date, and the report
//! covers the roster's days.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use hotline_wfm::{
    AdherenceReport, AgentTimeline, Observed, ObservedChange, Planned, PlannedSpan, WfmError,
};
use jiff::civil::{Date, DateTime};
use serde::Serialize;

use super::{MAX_CSV_BYTES, json_out, rejected, write_file, wrote};
use crate::report::{Failure, Outcome, Status};
use crate::units::parse_duration;

/// The most rows a roster or states file may have.
pub const MAX_ROWS: usize = 2_000_000;

/// `hotline wfm adherence`.
#[derive(Debug, Args)]
pub struct AdherenceArgs {
    /// Roster CSV (at most 64 MiB) as `hotline wfm schedule --roster` writes it: a header with
    /// `agent`, `date`, `start`, `end` and `breaks` (`name HH:MM-HH:MM; ...`); other columns
    /// are ignored.
    #[arg(value_name = "ROSTER.csv")]
    pub roster: PathBuf,
    /// Agent states CSV (at most 64 MiB): a header with `agent`, `timestamp` and `state`; each
    /// row says the agent is in that state from then on, each agent's rows in time order.
    /// States: `working` (or `ready`, `ringing`, `talking`, `wrap-up`, `outbound`), `away` (or
    /// `not-ready`, `break`), `logged-out`.
    #[arg(long, value_name = "STATES.csv")]
    pub states: PathBuf,
    /// Interval length of the report.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30m")]
    pub interval: Duration,
    /// Write the per-interval figures as CSV:
    /// `timestamp,agents_scheduled,agents_out,scheduled_s,in_adherence_s,adherence,conformance`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write adherence as an SVG heat map: a row per agent (the first 60) and one for all
    /// agents, a cell per interval from red (out) through yellow to green (in adherence).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A CSV's data rows: line number and fields.
type Rows<'a> = Vec<(usize, Vec<&'a str>)>;

fn csv_error(line: usize, column: usize, message: String) -> WfmError {
    WfmError::Csv { line, column, message }
}

/// The data rows of a headed CSV: the header's column positions of `names` (each required),
/// and each row's line number and fields.
fn rows<'a>(text: &'a str, names: &[&str]) -> Result<(Vec<usize>, Rows<'a>), WfmError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((hline, header)) = lines.next() else {
        return Err(csv_error(
            1,
            1,
            format!("empty file: expected a header with {}", names.join(",")),
        ));
    };
    let head: Vec<String> = header.split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut index = Vec::with_capacity(names.len());
    for name in names {
        let Some(i) = head.iter().position(|h| h == name) else {
            return Err(csv_error(hline, 1, format!("the header has no `{name}` column")));
        };
        index.push(i);
    }
    let mut out = Vec::new();
    for (line, row) in lines {
        if out.len() >= MAX_ROWS {
            return Err(WfmError::TooLarge { what: "rows", limit: MAX_ROWS });
        }
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != head.len() {
            return Err(csv_error(
                line,
                fields.len().min(head.len()) + 1,
                format!("{} fields, the header has {}", fields.len(), head.len()),
            ));
        }
        out.push((line, fields));
    }
    Ok((index, out))
}

/// `HH:MM` as minutes from midnight, up to 48:00 (a shift's end may be `24:00`).
fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && h * 60 + m <= 48 * 60).then_some(h * 60 + m)
}

/// A roster read from CSV: each agent's spans relative to 00:00 of the first date.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterSpans {
    /// The roster's first date (time 0).
    pub first: Date,
    /// Days from the first date to the last, inclusive.
    pub days: u32,
    /// Agents in order of first appearance, with their work and break spans.
    pub agents: Vec<(String, Vec<PlannedSpan>)>,
}

/// Reads a roster CSV (`agent,date,start,end,breaks`, other columns ignored).
///
/// # Errors
///
/// [`WfmError::Csv`] with the line and column at fault; [`WfmError::TooLarge`] past
/// [`MAX_ROWS`] rows.
pub fn read_roster(text: &str) -> Result<RosterSpans, WfmError> {
    let (ix, rows) = rows(text, &["agent", "date", "start", "end", "breaks"])?;
    let mut parsed = Vec::with_capacity(rows.len());
    for (line, f) in &rows {
        let (line, f) = (*line, f);
        let agent = f[ix[0]];
        if agent.is_empty() {
            return Err(csv_error(line, ix[0] + 1, "the agent's name is empty".into()));
        }
        let date: Date = f[ix[1]].parse().map_err(|_| {
            csv_error(line, ix[1] + 1, format!("`{}` is not a date like 2026-03-09", f[ix[1]]))
        })?;
        let time = |k: usize| {
            minutes(f[ix[k]]).ok_or_else(|| {
                csv_error(line, ix[k] + 1, format!("`{}` is not a time like 08:30", f[ix[k]]))
            })
        };
        let (start, end) = (time(2)?, time(3)?);
        if end < start {
            return Err(csv_error(
                line,
                ix[3] + 1,
                format!("the shift ends ({}) before it starts", f[ix[3]]),
            ));
        }
        let mut breaks = Vec::new();
        for b in f[ix[4]].split(';').map(str::trim).filter(|b| !b.is_empty()) {
            let bad = || {
                csv_error(line, ix[4] + 1, format!("`{b}` is not a break like `lunch 12:00-12:30`"))
            };
            let span = b.rsplit(' ').next().ok_or_else(bad)?;
            let (from, to) = span.split_once('-').ok_or_else(bad)?;
            let (from, to) = (minutes(from).ok_or_else(bad)?, minutes(to).ok_or_else(bad)?);
            if to < from {
                return Err(bad());
            }
            breaks.push((from, to));
        }
        parsed.push((agent, date, start, end, breaks));
    }
    let Some(first) = parsed.iter().map(|p| p.1).min() else {
        return Err(csv_error(1, 1, "no shifts after the header".into()));
    };
    let last = parsed.iter().map(|p| p.1).max().unwrap_or(first);
    let days = u32::try_from(first.until(last).map_or(0, |s| s.get_days())).unwrap_or(0) + 1;
    if days > 3_660 {
        return Err(csv_error(1, 1, format!("the roster spans {days} days, more than 3,660")));
    }
    let mut agents: Vec<(String, Vec<PlannedSpan>)> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (agent, date, start, end, breaks) in parsed {
        let day = u64::try_from(first.until(date).map_or(0, |s| s.get_days())).unwrap_or(0);
        let at = |m: u32| Duration::from_secs(day * 86_400 + u64::from(m) * 60);
        let k = *by_name.entry(agent).or_insert_with(|| {
            agents.push((agent.to_owned(), Vec::new()));
            agents.len() - 1
        });
        let spans = &mut agents[k].1;
        spans.push(PlannedSpan { start: at(start), end: at(end), activity: Planned::Work });
        for (from, to) in breaks {
            spans.push(PlannedSpan { start: at(from), end: at(to), activity: Planned::Break });
        }
    }
    Ok(RosterSpans { first, days, agents })
}

/// A state's name as the states file writes it.
fn observed(text: &str) -> Option<Observed> {
    Some(match text.to_ascii_lowercase().as_str() {
        "working" | "ready" | "ringing" | "offered" | "talking" | "on-call" | "wrap-up"
        | "outbound" => Observed::Working,
        "away" | "not-ready" | "break" => Observed::Away,
        "logged-out" => Observed::LoggedOut,
        _ => return None,
    })
}

/// Reads an agent states CSV (`agent,timestamp,state`): each agent's changes, times relative to
/// 00:00 of `first` (earlier changes at time 0), agents in order of first appearance.
///
/// # Errors
///
/// [`WfmError::Csv`] with the line and column at fault (an agent's rows out of time order
/// too); [`WfmError::TooLarge`] past [`MAX_ROWS`] rows.
pub fn read_states(
    text: &str,
    first: Date,
) -> Result<Vec<(String, Vec<ObservedChange>)>, WfmError> {
    let (ix, rows) = rows(text, &["agent", "timestamp", "state"])?;
    let epoch = first.to_datetime(jiff::civil::Time::midnight());
    let mut agents: Vec<(String, Vec<ObservedChange>)> = Vec::new();
    let mut last: Vec<DateTime> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (line, f) in &rows {
        let line = *line;
        let agent = f[ix[0]];
        if agent.is_empty() {
            return Err(csv_error(line, ix[0] + 1, "the agent's name is empty".into()));
        }
        let t: DateTime = f[ix[1]].replacen(' ', "T", 1).parse().map_err(|_| {
            csv_error(
                line,
                ix[1] + 1,
                format!("`{}` is not a local date-time like 2026-03-09T08:00:30", f[ix[1]]),
            )
        })?;
        let state = observed(f[ix[2]]).ok_or_else(|| {
            csv_error(
                line,
                ix[2] + 1,
                format!(
                    "`{}` is not a state: working, ready, ringing, talking, wrap-up, outbound, \
                     away, not-ready, break or logged-out",
                    f[ix[2]]
                ),
            )
        })?;
        let k = *by_name.entry(agent).or_insert_with(|| {
            agents.push((agent.to_owned(), Vec::new()));
            last.push(DateTime::MIN);
            agents.len() - 1
        });
        if t < last[k] {
            return Err(csv_error(
                line,
                ix[1] + 1,
                format!("{agent}'s states go back in time (from {} to {t})", last[k]),
            ));
        }
        last[k] = t;
        let at = epoch.duration_until(t).try_into().unwrap_or(Duration::ZERO);
        agents[k].1.push(ObservedChange { at, state });
    }
    Ok(agents)
}

#[derive(Serialize)]
struct AdherenceOut<'a> {
    roster: String,
    states: String,
    /// Time 0 of the report's seconds.
    epoch: String,
    #[serde(flatten)]
    report: &'a AdherenceReport,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{:.1}%", 100.0 * x))
}

/// Runs `hotline wfm adherence`.
pub fn adherence(args: &AdherenceArgs) -> Outcome {
    let roster_text = crate::input::read_text(&args.roster, MAX_CSV_BYTES, "roster CSV")?;
    let roster = read_roster(&roster_text).map_err(|e| rejected(&args.roster, &e))?;
    let states_text = crate::input::read_text(&args.states, MAX_CSV_BYTES, "agent-state CSV")?;
    let states = read_states(&states_text, roster.first).map_err(|e| rejected(&args.states, &e))?;
    let mut timelines: Vec<AgentTimeline> = roster
        .agents
        .iter()
        .map(|(name, planned)| AgentTimeline {
            name: name.clone(),
            planned: planned.clone(),
            observed: Vec::new(),
        })
        .collect();
    for (name, changes) in states {
        match timelines.iter_mut().find(|t| t.name == name) {
            Some(t) => t.observed = changes,
            None => timelines.push(AgentTimeline { name, planned: Vec::new(), observed: changes }),
        }
    }
    let to = Duration::from_secs(u64::from(roster.days) * 86_400);
    let report = hotline_wfm::adherence(&timelines, Duration::ZERO, to, args.interval)
        .map_err(|e| Failure::rejected(format!("adherence: {e}")))?;
    let epoch = roster.first.to_datetime(jiff::civil::Time::midnight());
    let at = |s: f64| {
        epoch
            .checked_add(jiff::SignedDuration::from_secs_f64(s))
            .map_or_else(|_| format!("+{s} s"), |t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
    };
    if let Some(path) = &args.output {
        let mut csv = String::from(
            "timestamp,agents_scheduled,agents_out,scheduled_s,in_adherence_s,adherence,conformance\n",
        );
        for i in &report.intervals {
            let ratio = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.4}"));
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{}",
                at(i.start_s),
                i.agents_scheduled,
                i.agents_out,
                i.total.scheduled_s,
                i.total.in_adherence_s,
                ratio(i.adherence),
                ratio(i.conformance)
            );
        }
        write_file(path, &csv)?;
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "Adherence from {}, {}-minute intervals: {} overall",
            roster.first,
            report.interval_s / 60.0,
            pct(report.adherence)
        );
        write_file(path, &hotline_wfm::adherence_svg(&report, 60, &title))?;
    }
    if args.json {
        json_out(&AdherenceOut {
            roster: args.roster.display().to_string(),
            states: args.states.display().to_string(),
            epoch: epoch.strftime("%Y-%m-%dT%H:%M").to_string(),
            report: &report,
        })?;
    } else {
        println!(
            "{} agents, {} days from {}, {}-second intervals: adherence {}, conformance {}, \
             {:.0} min out of adherence, {:.0} min logged in outside shifts",
            report.agents.len(),
            roster.days,
            roster.first,
            report.interval_s,
            pct(report.adherence),
            pct(report.conformance),
            report.total.out_of_adherence_s() / 60.0,
            report.total.unscheduled_s / 60.0
        );
        for a in &report.agents {
            println!(
                "  {}: adherence {}, conformance {}, {:.0} min out",
                a.name,
                pct(a.adherence),
                pct(a.conformance),
                a.total.out_of_adherence_s() / 60.0
            );
            for o in &a.out_of_adherence {
                let planned = match o.planned {
                    Some(Planned::Work) => "work",
                    Some(Planned::Break) => "break",
                    _ => "off",
                };
                let seen = match o.observed {
                    Observed::Working => "working",
                    Observed::Away => "away",
                    _ => "logged out",
                };
                println!("    {} – {}: {seen} during {planned}", at(o.start_s), at(o.end_s));
            }
        }
    }
    for path in [&args.output, &args.plot].into_iter().flatten() {
        wrote(args.json, path);
    }
    Ok(Status::Success)
}
