//! `hotline dialer ...`: outbound campaigns (hotline-dialer).
//!
//! * `hotline dialer check CAMPAIGN.toml [--json]` reads the campaign (TOML, at most 1 MiB) and
//!   every list it names (CSV relative to the campaign file, at most 64 MiB each) and lists every
//!   problem with its file, line and column in the shape every `check` prints; exit 1 when there
//!   is one. An outbound scenario file (as `simulate` takes it) is checked as a scenario.
//! * `hotline dialer simulate FILE.toml [--agents N] [--duration 8h] [--seeds 1] [--seed N]
//!   [--json] [--svg frontier.svg] [--log audit.jsonl]` runs a campaign day in hotline-sim's
//!   outbound loop (`hotline_sim::outbound`, the real engine against a simulated population)
//!   and prints talk minutes per agent-hour, occupancy, the key figures of every regulator
//!   window and the compliance report. FILE is an outbound scenario (the campaign under
//!   `[campaign]`, the callees under `[population]`, the day's settings at the top; CSV files of
//!   empirical distributions beside it) or a plain campaign file, run against the standard
//!   population (25% right-party contact varying by hour, 3-minute talk, machines detected at
//!   90% with 1% false positives). The flags override the file's agents, shift and seed.
//!   `--svg` also sweeps the queueing-model pacer's target and the Vicidial baseline's drop
//!   limit on the same population and draws the occupancy–abandonment frontier with the
//!   campaign's own point; `--log` writes the audit record (JSON lines) of the first seed.
//! * `hotline dialer report LOG --campaign CAMPAIGN.toml [--json]` turns an audit record (JSON
//!   lines, as `--log` writes them or a host collects from `Dialer::poll_audit`) into the
//!   per-window compliance report under the campaign's profile (with the trailing windows of a
//!   rolling profile); exit 1 when a window is in breach or a rule was broken (a late
//!   connection, a short ring, a dial outside hours).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use hotline_dialer::svg::{Series, line_chart};
use hotline_dialer::{
    AuditRecord, Campaign, ComplianceReport, InputError, Mode, PacerConfig, VicidialMethod,
    record::parse_csv,
};
use hotline_sim::outbound::{
    FrontierPoint, OutboundReport, OutboundScenario, WindowKpis, run_outbound_with_audit,
    run_seeds, sweep_point,
};
use serde::Serialize;

use crate::input::{MAX_CSV_BYTES, MAX_TOML_BYTES, read_text};
use crate::report::{self, CheckReport, Diagnostic, Failure, Outcome, Status, write_failed};

/// The size limits `dialer simulate --help` names.
const SIM_SIZES: &str = "The scenario or campaign file is at most 1 MiB, each CSV file it names \
                         (empirical distributions, relative to it) at most 64 MiB. A file with a \
                         [campaign] or [population] table is an outbound scenario; any other is \
                         a campaign, run against the standard population. Exit status: 0 done, \
                         1 an invalid file, 2 a usage error or a file that cannot be read.";

/// The largest audit log `dialer report` reads (a month of a large campaign is well under it;
/// every record is kept in memory for the windows).
const MAX_LOG_BYTES: u64 = 1 << 30;

/// `hotline dialer`: outbound campaigns.
#[derive(Debug, Args)]
pub struct DialerArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DialerCommand,
}

/// The `hotline dialer` subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum DialerCommand {
    /// Check a campaign file and its lists: every problem, with its line; exit 1 if any.
    Check {
        /// The campaign file (TOML, at most 1 MiB; its lists are CSV files of at most 64 MiB).
        campaign: PathBuf,
        /// Print the report as JSON (file, ok, diagnostics).
        #[arg(long)]
        json: bool,
    },
    /// Simulate a campaign day (hotline-sim's outbound loop): an outbound scenario file, or a
    /// campaign file against the standard population.
    #[command(after_help = SIM_SIZES)]
    Simulate {
        /// The outbound scenario (`[campaign]`, `[population]`, agents, start, shift, seed) or
        /// campaign file (TOML, at most 1 MiB).
        campaign: PathBuf,
        /// Agents logged in for the shift (default: the file's, else 20).
        #[arg(long)]
        agents: Option<u32>,
        /// The shift's length, e.g. `8h`, `90m` (default: the file's, else 8 hours from 09:00
        /// New York, Monday 2 March 2026).
        #[arg(long, value_name = "DURATION", value_parser = crate::units::parse_duration)]
        duration: Option<Duration>,
        /// Seeds to run (figures are their means; windows are counted over all).
        #[arg(long, default_value_t = 1)]
        seeds: u64,
        /// The first seed (default: the file's, else 1).
        #[arg(long)]
        seed: Option<u64>,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Sweep the frontier and write it as SVG here.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Write the first seed's audit record here (JSON lines).
        #[arg(long)]
        log: Option<PathBuf>,
    },
    /// The per-window compliance report of an audit record.
    Report {
        /// The audit record (JSON lines of `AuditRecord`, at most 1 GiB = 1024 MiB).
        log: PathBuf,
        /// The campaign whose profile judges it (cap, window, connect limit, calling hours; TOML,
        /// at most 1 MiB).
        #[arg(long)]
        campaign: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `hotline dialer` command.
///
/// # Errors
///
/// A [`Failure`]: exit 2 for unreadable files, 1 for rejected input.
pub fn run(args: DialerArgs) -> Outcome {
    match args.command {
        DialerCommand::Check { campaign, json } => check(&campaign, json),
        DialerCommand::Simulate { campaign, agents, duration, seeds, seed, json, svg, log } => {
            let opts = SimOptions { agents, shift: duration, seeds, seed, json, svg, log };
            simulate(&campaign, &opts)
        }
        DialerCommand::Report { log, campaign, json } => report_log(&log, &campaign, json),
    }
}

fn read(path: &Path) -> Result<String, Failure> {
    read_text(path, MAX_TOML_BYTES, "TOML")
}

/// Each problem of `e` as `FILE:LINE:COLUMN: ...`.
fn problem_lines(path: &Path, e: &InputError) -> Vec<String> {
    if e.problems().is_empty() {
        return vec![format!("{}: {e}", path.display())];
    }
    e.problems()
        .iter()
        .map(|p| {
            let at = match p.location {
                Some(l) if l.column > 0 => format!("{}:{}:{}", path.display(), l.line, l.column),
                Some(l) => format!("{}:{}", path.display(), l.line),
                None => path.display().to_string(),
            };
            let field = p.field.as_deref().map(|f| format!("`{f}`: ")).unwrap_or_default();
            format!("{at}: {field}{}", p.message)
        })
        .collect()
}

fn load_campaign(path: &Path) -> Result<Campaign, Failure> {
    let text = read(path)?;
    campaign_from_text(path, &text)
}

/// A campaign from its text: every type error with its line and column (as `dialer check`
/// gives them), or every failed check.
fn campaign_from_text(path: &Path, text: &str) -> Result<Campaign, Failure> {
    let campaign = crate::toml_read::from_str_all::<Campaign>(text, &["list"])
        .map_err(|errors| crate::toml_read::failure(path, text, errors))?;
    campaign.checked_in(text).map_err(|e| Failure::rejected(problem_lines(path, &e).join("\n")))
}

/// Whether a text is an outbound scenario rather than a campaign: it has a `[campaign]` or
/// `[population]` table (or a key of one) at the top level.
fn is_outbound_scenario(text: &str) -> bool {
    text.lines().map(str::trim_start).any(|l| {
        ["campaign", "population"].iter().any(|t| {
            let Some(rest) = l.strip_prefix('[').map(|r| r.trim_start_matches('[').trim_start())
            else {
                return l.strip_prefix(t).is_some_and(|r| {
                    let r = r.trim_start();
                    r.starts_with('=') || r.starts_with('.')
                });
            };
            rest.strip_prefix(t).is_some_and(|r| {
                let r = r.trim_start();
                r.starts_with(']') || r.starts_with('.')
            })
        })
    })
}

/// Reads the CSV file (beside `path`, at most 64 MiB) of every empirical distribution of the
/// scenario's population that names one.
fn read_empirical_csv(path: &Path, s: &mut OutboundScenario) -> Result<(), Failure> {
    let dir = path.parent().unwrap_or(Path::new(""));
    for (field, d) in s.population.empirical_csv_mut() {
        if let hotline_sim::Distribution::Empirical { values, csv: Some(name) } = d {
            let file = dir.join(&*name);
            let csv = read_text(&file, MAX_CSV_BYTES, "CSV")?;
            *values = hotline_sim::dist::numbers_from_csv(&csv).map_err(|e| {
                Failure::rejected(format!("{} (population.{field}.csv): {e}", file.display()))
            })?;
        }
    }
    Ok(())
}

/// `dialer check` of an outbound scenario: every type error at its line and column, a CSV file
/// that cannot be read, or every problem of the scenario at the line of its key.
fn check_scenario(path: &Path, text: &str) -> (Vec<Diagnostic>, Option<CampaignSummary>) {
    let mut s = match crate::toml_read::from_str_all::<OutboundScenario>(text, &[]) {
        Ok(s) => s,
        Err(errors) => return (crate::toml_read::diagnostics(text, errors), None),
    };
    if let Err(f) = read_empirical_csv(path, &mut s) {
        return (vec![Diagnostic::error(None, None, f.message)], None);
    }
    let found: Vec<Diagnostic> = s
        .problems()
        .into_iter()
        .map(|p| {
            let field = p.field.unwrap_or_default();
            let (line, column) = crate::input::toml_place(text, &field).unzip();
            Diagnostic::error(line, column, format!("`{field}`: {}", p.message))
        })
        .collect();
    let summary = CampaignSummary {
        campaign: s.campaign.name.clone(),
        mode: mode_name(&s.campaign.mode),
        profile: format!("{:?}", s.campaign.profile.jurisdiction),
        lists: s.campaign.lists.len(),
        records: if s.records == 0 { s.agents as usize * 1500 } else { s.records as usize },
    };
    (found, Some(summary))
}

/// The day to simulate from `path`: an outbound scenario (read item by item, every type error
/// with its line and column; the campaign checked; the CSV files of empirical distributions
/// read beside it), or a campaign put in the standard scenario.
fn load_scenario(path: &Path) -> Result<OutboundScenario, Failure> {
    let text = read(path)?;
    let s = if is_outbound_scenario(&text) {
        let mut s = crate::toml_read::from_str_all::<OutboundScenario>(&text, &[])
            .map_err(|errors| crate::toml_read::failure(path, &text, errors))?;
        read_empirical_csv(path, &mut s)?;
        if let Err(e) = s.check() {
            let lines: Vec<String> = e
                .problems()
                .iter()
                .map(|p| {
                    let field = p.field.as_deref().unwrap_or("");
                    let at = crate::input::toml_place(&text, field)
                        .map(|(l, c)| format!("{}:{l}:{c}", path.display()))
                        .unwrap_or_else(|| path.display().to_string());
                    format!("{at}: `{field}`: {}", p.message)
                })
                .collect();
            return Err(Failure::rejected(lines.join("\n")));
        }
        s
    } else {
        let mut s = OutboundScenario::standard(1);
        s.campaign = campaign_from_text(path, &text)?;
        s
    };
    Ok(s)
}

/// Each problem of `e` as a diagnostic (`file` set when it is not the checked file).
fn diagnostics(file: Option<&Path>, e: &InputError) -> Vec<Diagnostic> {
    let of = |mut d: Diagnostic| {
        d.file = file.map(|f| f.display().to_string());
        d
    };
    if e.problems().is_empty() {
        return vec![of(Diagnostic::error(None, None, e.to_string()))];
    }
    e.problems()
        .iter()
        .map(|p| {
            let (line, column) = match p.location {
                Some(l) if l.column > 0 => (Some(l.line), Some(l.column)),
                Some(l) => (Some(l.line), None),
                None => (None, None),
            };
            let field = p.field.as_deref().map(|f| format!("`{f}`: ")).unwrap_or_default();
            of(Diagnostic::error(line, column, format!("{field}{}", p.message)))
        })
        .collect()
}

/// What `dialer check` adds to the check report: the summary of a campaign that is valid.
#[derive(Debug, Serialize)]
struct CheckExtra {
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<CampaignSummary>,
}

#[derive(Debug, Serialize)]
struct CampaignSummary {
    campaign: String,
    mode: String,
    profile: String,
    lists: usize,
    records: usize,
}

fn check(path: &Path, json: bool) -> Outcome {
    let file = path.display().to_string();
    let (found, summary) = match read(path) {
        Err(failure) if json => {
            return report::check_unread(file, &failure, CheckExtra { summary: None });
        }
        Err(failure) => return Err(failure),
        Ok(text) if is_outbound_scenario(&text) => check_scenario(path, &text),
        // Read item by item: every type error, each entry at fault blanked out and the text
        // read again; then every failed check at its key's line.
        Ok(text) => match crate::toml_read::from_str_all::<Campaign>(&text, &["list"])
            .map_err(|errors| crate::toml_read::diagnostics(&text, errors))
            .and_then(|c| c.checked_in(&text).map_err(|e| diagnostics(None, &e)))
        {
            Err(found) => (found, None),
            Ok(campaign) => {
                let dir = path.parent().unwrap_or(Path::new("."));
                let mut found = Vec::new();
                let mut records = 0usize;
                for list in &campaign.lists {
                    let list_file = dir.join(&list.file);
                    match read_text(&list_file, MAX_CSV_BYTES, "CSV") {
                        Err(f) => {
                            let mut d = Diagnostic::error(
                                None,
                                None,
                                format!("list `{}`: {}", list.name, f.message),
                            );
                            d.file = Some(list_file.display().to_string());
                            found.push(d);
                        }
                        Ok(text) => match parse_csv(&text, &list.time_zone) {
                            Ok(r) => records += r.len(),
                            Err(e) => found.extend(diagnostics(Some(&list_file), &e)),
                        },
                    }
                }
                let summary = CampaignSummary {
                    campaign: campaign.name.clone(),
                    mode: mode_name(&campaign.mode),
                    profile: format!("{:?}", campaign.profile.jurisdiction),
                    lists: campaign.lists.len(),
                    records,
                };
                (found, Some(summary))
            }
        },
    };
    let report = CheckReport::new(file, found, CheckExtra { summary });
    if json {
        report::print_json(&report).map_err(write_failed)?;
        return Ok(report.status());
    }
    report.print_text();
    if let (true, Some(s)) = (report.ok, &report.extra.summary) {
        println!(
            "  campaign `{}`: {} mode, {} profile, {} list(s) with {} record(s)",
            s.campaign, s.mode, s.profile, s.lists, s.records
        );
    }
    Ok(report.status())
}

fn mode_name(m: &Mode) -> String {
    match m {
        Mode::Preview { .. } => "preview".into(),
        Mode::Progressive { ratio } => format!("progressive (ratio {ratio})"),
        Mode::Predictive { pacer } => match pacer {
            PacerConfig::QueueModel { target, .. } => format!("predictive (queue model, {target})"),
            PacerConfig::Adaptive { .. } => "predictive (adaptive)".into(),
            PacerConfig::Vicidial { method, .. } => format!("predictive (Vicidial {method:?})"),
            _ => "predictive".into(),
        },
        _ => "unknown".into(),
    }
}

struct SimOptions {
    agents: Option<u32>,
    shift: Option<Duration>,
    seeds: u64,
    seed: Option<u64>,
    json: bool,
    svg: Option<PathBuf>,
    log: Option<PathBuf>,
}

/// The figures `hotline dialer simulate` prints.
#[derive(Debug, Serialize)]
struct SimSummary {
    campaign: String,
    mode: String,
    agents: u32,
    hours: f64,
    seeds: u64,
    seed: u64,
    talk_minutes_per_agent_hour: f64,
    occupancy: f64,
    abandon_rate: f64,
    windows: usize,
    windows_in_breach: usize,
    dials: u64,
    live_answers: u64,
    conversations: u64,
    abandoned: u64,
    amd_false_positives: u64,
    runs: Vec<OutboundReport>,
}

/// The file's scenario with the command line's overrides.
fn scenario(path: &Path, o: &SimOptions) -> Result<OutboundScenario, Failure> {
    if o.agents == Some(0) {
        return Err(Failure::usage("--agents must be at least 1"));
    }
    if let Some(d) = o.shift
        && (d.is_zero() || d > Duration::from_secs(31 * 86_400))
    {
        return Err(Failure::usage("--duration must be longer than 0 and at most 31 days"));
    }
    if o.seeds == 0 {
        return Err(Failure::usage("--seeds must be at least 1"));
    }
    let mut s = load_scenario(path)?;
    s.agents = o.agents.unwrap_or(s.agents);
    s.shift = o.shift.unwrap_or(s.shift);
    s.seed = o.seed.unwrap_or(s.seed);
    if s.agents == 0 {
        return Err(Failure::rejected(format!("{}: `agents` must be at least 1", path.display())));
    }
    if s.shift.is_zero() || s.shift > Duration::from_secs(31 * 86_400) {
        return Err(Failure::rejected(format!(
            "{}: `shift` must be longer than 0 and at most 31 days",
            path.display()
        )));
    }
    Ok(s)
}

fn simulate(path: &Path, o: &SimOptions) -> Outcome {
    let base = scenario(path, o)?;
    let rejected = |e: InputError| Failure::rejected(problem_lines(path, &e).join("\n"));
    let mut runs = Vec::with_capacity(o.seeds as usize);
    match &o.log {
        // The first seed alone, its audit record written as it comes.
        Some(p) => {
            let mut log =
                BufWriter::new(std::fs::File::create(p).map_err(|e| Failure::unreadable(p, &e))?);
            let mut log_err = None;
            let first = run_outbound_with_audit(&base, |rec| {
                if log_err.is_none() {
                    let line = serde_json::to_string(rec).map_err(std::io::Error::other);
                    if let Err(e) = line.and_then(|l| writeln!(log, "{l}")) {
                        log_err = Some(e);
                    }
                }
            })
            .map_err(rejected)?;
            if let Some(e) = log_err.or_else(|| log.flush().err()) {
                return Err(Failure::usage(format!("cannot write {}: {e}", p.display())));
            }
            runs.push(first);
            let mut rest = base.clone();
            rest.seed = base.seed.wrapping_add(1);
            runs.extend(run_seeds(&rest, o.seeds - 1).map_err(rejected)?);
        }
        None => runs = run_seeds(&base, o.seeds).map_err(rejected)?,
    }
    let n = runs.len().max(1) as f64;
    let all_windows: Vec<&WindowKpis> = runs.iter().flat_map(|r| &r.windows).collect();
    let summary = SimSummary {
        campaign: base.campaign.name.clone(),
        mode: mode_name(&base.campaign.mode),
        agents: base.agents,
        hours: base.shift.as_secs_f64() / 3600.0,
        seeds: o.seeds,
        seed: base.seed,
        talk_minutes_per_agent_hour: runs
            .iter()
            .map(|r| r.talk_minutes_per_agent_hour)
            .sum::<f64>()
            / n,
        occupancy: runs.iter().map(|r| r.occupancy).sum::<f64>() / n,
        abandon_rate: all_windows.iter().map(|w| w.abandon_rate).sum::<f64>()
            / all_windows.len().max(1) as f64,
        windows: all_windows.len(),
        windows_in_breach: all_windows.iter().filter(|w| w.breach).count(),
        dials: runs.iter().map(|r| r.dials).sum(),
        live_answers: runs.iter().map(|r| r.live_answers).sum(),
        conversations: runs.iter().map(|r| r.conversations).sum(),
        abandoned: runs.iter().map(|r| r.abandoned).sum(),
        amd_false_positives: runs.iter().map(|r| r.amd_false_positives).sum(),
        runs,
    };
    if let Some(svg_path) = &o.svg {
        let svg = frontier(&base, &summary)?;
        std::fs::write(svg_path, svg)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", svg_path.display())))?;
    }
    if o.json {
        report::print_json(&summary).map_err(|e| Failure::usage(e.to_string()))?;
    } else {
        println!(
            "campaign `{}`, {}: {} agents, {} h, {} seed(s) from {}",
            summary.campaign, summary.mode, summary.agents, summary.hours, o.seeds, summary.seed
        );
        println!(
            "talk {:.1} min per agent-hour, occupancy {:.3}, abandonment {:.2}% (the regulator's count), {} of {} window(s) in breach",
            summary.talk_minutes_per_agent_hour,
            summary.occupancy,
            100.0 * summary.abandon_rate,
            summary.windows_in_breach,
            summary.windows
        );
        println!(
            "{} dials, {} live answers, {} conversations, {} abandoned, {} people taken for machines",
            summary.dials,
            summary.live_answers,
            summary.conversations,
            summary.abandoned,
            summary.amd_false_positives
        );
        if let Some(first) = summary.runs.first() {
            println!("\nseed {}:", summary.seed);
            println!(
                "window start              dials   live abandoned  rate    breach  conversations  talk min  AMD false +"
            );
            for w in &first.windows {
                let start = w.start.map_or_else(|| "(before the origin)".into(), |t| t.to_string());
                println!(
                    "{start:<24} {:>6} {:>6} {:>9} {:>6.2}%  {:<6} {:>14} {:>9.1} {:>12}",
                    w.dials,
                    w.live_answers,
                    w.abandoned,
                    100.0 * w.abandon_rate,
                    if w.breach { "yes" } else { "no" },
                    w.conversations,
                    w.talk_minutes,
                    w.amd_false_positives
                );
            }
            println!();
            print!("{}", first.compliance.to_text());
        }
        if let Some(p) = &o.svg {
            println!("wrote {}", p.display());
        }
        if let Some(p) = &o.log {
            println!("wrote {}", p.display());
        }
    }
    Ok(Status::Success)
}

/// The frontier: the queueing-model pacer's target and Vicidial's drop limit swept on the
/// campaign's population and seeds, with the campaign's own point.
fn frontier(base: &OutboundScenario, summary: &SimSummary) -> Result<String, Failure> {
    let seeds = summary.seeds;
    let err = |e: InputError| Failure::rejected(e.to_string());
    let mut qm = Vec::new();
    for t in [0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12] {
        qm.push(
            sweep_point(
                base,
                "queue_model",
                t,
                Mode::Predictive { pacer: PacerConfig::queue_model(t) },
                seeds,
            )
            .map_err(err)?,
        );
    }
    let mut vd = Vec::new();
    for d in [0.0, 0.01, 0.03, 0.05, 0.08, 0.12] {
        let mut p = PacerConfig::vicidial(VicidialMethod::AdaptHardLimit);
        if let PacerConfig::Vicidial { drop_limit, .. } = &mut p {
            *drop_limit = Some(d);
        }
        vd.push(
            sweep_point(base, "vicidial_hard_limit", d, Mode::Predictive { pacer: p }, seeds)
                .map_err(err)?,
        );
    }
    let series = |name: &str, v: &[FrontierPoint]| {
        Series::frontier(name, v.iter().map(|p| (p.abandon_rate, p.occupancy)))
    };
    let own = Series {
        name: format!("campaign `{}`", summary.campaign),
        points: vec![(summary.abandon_rate, summary.occupancy * 100.0)],
    };
    Ok(line_chart(
        &format!("Occupancy–abandonment frontier ({} agents)", base.agents),
        "abandonment rate (regulator's count)",
        "occupancy, %",
        &[series("queue model", &qm), series("Vicidial HARD_LIMIT", &vd), own],
        Some(base.campaign.profile.abandon_cap),
    ))
}

fn report_log(log: &Path, campaign: &Path, json: bool) -> Outcome {
    let campaign = load_campaign(campaign)?;
    crate::input::check_size(log, MAX_LOG_BYTES, "audit log")?;
    let file = std::fs::File::open(log).map_err(|e| Failure::unreadable(log, &e))?;
    let mut records = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Failure::unreadable(log, &e))?;
        if line.trim().is_empty() {
            continue;
        }
        let rec: AuditRecord = serde_json::from_str(&line).map_err(|e| {
            Failure::rejected(format!(
                "{}:{}:{}: not an audit record: {e}",
                log.display(),
                i + 1,
                e.column()
            ))
        })?;
        records.push(rec);
    }
    let Some(first) = records.first() else {
        return Err(Failure::rejected(format!("{}: the log has no audit record", log.display())));
    };
    let origin = campaign.window_origin.unwrap_or_else(|| {
        hotline_dialer::jiff::Timestamp::from_second(
            first.at.as_second().div_euclid(86_400) * 86_400,
        )
        .unwrap_or(first.at)
    });
    let mut report = ComplianceReport::new(campaign.profile.clone(), origin, None);
    for r in &records {
        report.push(r);
    }
    if json {
        report::print_json(&report).map_err(|e| Failure::usage(e.to_string()))?;
    } else {
        print!("{}", report.to_text());
    }
    let broken: u64 =
        report.windows.iter().map(|w| w.late_connections + w.short_rings + w.outside_hours).sum();
    let rolling = report.rolling.as_ref().map_or(0, |r| r.breaches);
    if report.breaches() > 0 || rolling > 0 || broken > 0 {
        return Err(Failure::rejected(format!(
            "{}: {} window(s) and {} trailing window(s) over the {:.1}% cap, {} late connection(s), short ring(s) or dial(s) outside hours",
            log.display(),
            report.breaches(),
            rolling,
            100.0 * campaign.profile.abandon_cap,
            broken
        )));
    }
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn check_lists_every_problem_and_fails() {
        let dir = tempfile::tempdir().unwrap();
        let bad = write(
            dir.path(),
            "bad.toml",
            "name = \"x\"\nring_timeout = \"5s\"\nmax_lines = 0\n[mode]\nmode = \"progressive\"\n",
        );
        // Both problems are diagnostics of one report (tests/dialer.rs checks their shape).
        assert_eq!(check(&bad, false).unwrap(), Status::Rejected);
        assert_eq!(check(&bad, true).unwrap(), Status::Rejected);
        // A list with a bad line is reported at its line.
        write(
            dir.path(),
            "list.csv",
            "phone,time_zone\n+12125550100,America/New_York\nnot-a-phone,UTC\n",
        );
        let ok = write(
            dir.path(),
            "ok.toml",
            "name = \"x\"\n[mode]\nmode = \"progressive\"\n[[list]]\nname = \"a\"\nfile = \"list.csv\"\n",
        );
        assert_eq!(check(&ok, false).unwrap(), Status::Rejected);
        write(dir.path(), "list.csv", "phone,time_zone\n+12125550100,America/New_York\n");
        assert_eq!(check(&ok, false).unwrap(), Status::Success);
        assert_eq!(
            check(&dir.path().join("missing.toml"), false).unwrap_err().status,
            Status::Usage
        );
        assert_eq!(check(&dir.path().join("missing.toml"), true).unwrap(), Status::Usage);
    }

    #[test]
    fn simulate_writes_a_log_that_report_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let c = write(
            dir.path(),
            "c.toml",
            "name = \"s\"\n[profile]\njurisdiction = \"uk\"\namd_false_positive_rate = 0.01\n[mode]\nmode = \"progressive\"\n",
        );
        let log = dir.path().join("audit.jsonl");
        let o = SimOptions {
            agents: Some(3),
            shift: Some(Duration::from_secs(3600)),
            seeds: 1,
            seed: Some(4),
            json: true,
            svg: None,
            log: Some(log.clone()),
        };
        assert_eq!(simulate(&c, &o).unwrap(), Status::Success);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.lines().count() > 10, "{text}");
        // Progressive at ratio 1 abandons nobody: the report passes.
        assert_eq!(report_log(&log, &c, false).unwrap(), Status::Success);
        // A log line that is not an audit record is reported at its line.
        let bad = write(
            dir.path(),
            "bad.jsonl",
            &format!("{}\n{{\"x\": 1}}\n", text.lines().next().unwrap()),
        );
        let e = report_log(&bad, &c, false).unwrap_err();
        assert!(e.message.contains("bad.jsonl:2:"), "{e}");
    }
}
