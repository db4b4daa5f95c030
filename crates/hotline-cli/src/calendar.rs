//! `hotline calendar ...`: check business calendars and compute with them (hotline-calendar).
//!
//! * `hotline calendar check CAL.toml` checks a calendar file (and the files it `extends`);
//! * `hotline calendar add --cal CAL.toml --from TIME --working-days N` (or `--working-hours`,
//!   `--working-minutes`) prints the due time, `{"due": TIME}` with `--json`;
//! * `hotline calendar open --cal CAL.toml --at TIME` says whether the calendar is open and when
//!   that changes, `{"open": bool, "next_change": TIME}` with `--json`;
//! * `hotline calendar elapsed --cal CAL.toml --from TIME --to TIME` prints the business time
//!   between two instants.
//!
//! `--cal` may be given more than once: the calendars are layered, the first lowest. A TIME is
//! RFC 3339 with an offset (`2026-09-30T16:00:00+08:00`), a zoned time
//! (`2026-09-30T16:00[Asia/Shanghai]`), a local time read in the calendar's time zone
//! (`2026-09-30T16:00`), or `now`. Times are printed in the calendar's time zone with its offset.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use hotline_calendar::jiff::{Timestamp, Zoned, civil::DateTime};
use hotline_calendar::{Calendar, CalendarError, CalendarSpec, Interval};
use serde::Serialize;

use crate::report::{Failure, Outcome, Status, print_json};

/// What to do with business calendars.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum CalendarCommand {
    /// Check a calendar file (and the files it extends); errors name the line, column and field.
    Check(CheckArgs),
    /// Add working days, hours or minutes to an instant.
    Add(AddArgs),
    /// Whether the calendar is open at an instant, and when that changes.
    Open(OpenArgs),
    /// The business time elapsed between two instants.
    Elapsed(ElapsedArgs),
}

/// `hotline calendar check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The calendar files, layered in order (the first lowest).
    #[arg(required = true, value_name = "CAL.toml")]
    pub files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The calendar options every computing subcommand takes.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// A calendar file; repeat to layer calendars (the first lowest).
    #[arg(long = "cal", required = true, value_name = "CAL.toml")]
    pub cal: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `hotline calendar add`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("amount").required(true).multiple(false))]
pub struct AddArgs {
    /// The calendar and output options.
    #[command(flatten)]
    pub calendar: CalendarArgs,
    /// The instant to add to.
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// Working days to add (the result keeps the place within the working day).
    #[arg(long, group = "amount", value_name = "N")]
    pub working_days: Option<u32>,
    /// Working hours to add.
    #[arg(long, group = "amount", value_name = "N")]
    pub working_hours: Option<u64>,
    /// Working minutes to add.
    #[arg(long, group = "amount", value_name = "N")]
    pub working_minutes: Option<u64>,
    /// A time during which the clock is paused, START/END (repeatable; not with --working-days).
    #[arg(long = "pause", value_name = "START/END", conflicts_with = "working_days")]
    pub pauses: Vec<Interval>,
}

/// `hotline calendar open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The calendar and output options.
    #[command(flatten)]
    pub calendar: CalendarArgs,
    /// The instant to ask about.
    #[arg(long, value_name = "TIME")]
    pub at: String,
}

/// `hotline calendar elapsed`.
#[derive(Debug, Args)]
pub struct ElapsedArgs {
    /// The calendar and output options.
    #[command(flatten)]
    pub calendar: CalendarArgs,
    /// The start.
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// The end.
    #[arg(long, value_name = "TIME")]
    pub to: String,
    /// A time during which the clock is paused, START/END (repeatable).
    #[arg(long = "pause", value_name = "START/END")]
    pub pauses: Vec<Interval>,
}

/// Runs a `hotline calendar` subcommand.
///
/// # Errors
///
/// A [`Failure`]: exit 2 for an unreadable file or a malformed time, 1 for an invalid calendar
/// or an answer that does not exist (the calendar never opens again).
pub fn run(command: CalendarCommand) -> Outcome {
    match command {
        CalendarCommand::Check(args) => check(&args),
        CalendarCommand::Add(args) => add(&args),
        CalendarCommand::Open(args) => open(&args),
        CalendarCommand::Elapsed(args) => elapsed(&args),
    }
}

fn load(files: &[PathBuf]) -> Result<Calendar, Failure> {
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    Calendar::load_layers(&paths).map_err(|e| match e {
        CalendarError::Io { path, source } => Failure::unreadable(&path, &source),
        other => Failure::rejected(other.to_string()),
    })
}

/// Reads a TIME argument (see the module documentation).
fn parse_time(cal: &Calendar, flag: &str, text: &str) -> Result<Timestamp, Failure> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Ok(Timestamp::now());
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(z) = text.parse::<Zoned>() {
        return Ok(z.timestamp());
    }
    if let Ok(dt) = text.parse::<DateTime>()
        && let Ok(z) = dt.to_zoned(cal.time_zone().clone())
    {
        return Ok(z.timestamp());
    }
    Err(Failure::usage(format!(
        "--{flag} `{text}` is not a time: use RFC 3339 with an offset \
         (2026-09-30T16:00:00+08:00), a local time in the calendar's zone (2026-09-30T16:00), \
         or `now`"
    )))
}

fn weekday(cal: &Calendar, t: Timestamp) -> String {
    format!("{:?}", cal.zoned(t).weekday())
}

#[derive(Serialize)]
struct CheckReport {
    name: String,
    time_zone: String,
    layers: usize,
    holidays: usize,
    workdays: usize,
    exceptions: usize,
    notices: Vec<String>,
    dated_from: Option<String>,
    dated_to: Option<String>,
}

fn check(args: &CheckArgs) -> Outcome {
    let cal = load(&args.files)?;
    let count = |f: fn(&CalendarSpec) -> usize| cal.layers().iter().map(f).sum::<usize>();
    let report = CheckReport {
        name: cal.name().to_owned(),
        time_zone: cal.time_zone_name().to_owned(),
        layers: cal.layers().len(),
        holidays: count(|l| l.holidays.len()),
        workdays: count(|l| l.workdays.len()),
        exceptions: count(|l| l.exceptions.len()),
        notices: cal.layers().iter().flat_map(|l| l.notices.iter().map(|n| n.id.clone())).collect(),
        dated_from: cal.dated_range().map(|(a, _)| a.to_string()),
        dated_to: cal.dated_range().map(|(_, b)| b.to_string()),
    };
    if args.json {
        print_json(&report).map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
    } else {
        let files: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
        println!("{}: ok", files.join(", "));
        println!("  name: {}", report.name);
        println!("  time zone: {}", report.time_zone);
        println!("  layers: {}", report.layers);
        println!(
            "  holidays: {}, make-up working days: {}, exceptions: {}",
            report.holidays, report.workdays, report.exceptions
        );
        if !report.notices.is_empty() {
            println!("  notices: {}", report.notices.join(", "));
        }
        match (&report.dated_from, &report.dated_to) {
            (Some(a), Some(b)) => {
                println!("  dated entries: {a} to {b} (after {b} only the weekly hours apply)")
            }
            _ => println!("  dated entries: none (only the weekly hours apply)"),
        }
    }
    // A calendar whose dated entries stop before this year knows none of this year's holidays.
    let this_year = cal.date_of(Timestamp::now()).year();
    if let Some((_, last)) = cal.dated_range()
        && last.year() < this_year
    {
        eprintln!(
            "hotline: warning: the last dated entry is {last}: holidays and make-up days of \
                 {this_year} and later are not in the calendar"
        );
    }
    Ok(Status::Success)
}

#[derive(Serialize)]
struct Due {
    due: String,
}

fn add(args: &AddArgs) -> Outcome {
    let cal = load(&args.calendar.cal)?;
    let from = parse_time(&cal, "from", &args.from)?;
    let result = match (args.working_days, args.working_hours, args.working_minutes) {
        (Some(n), _, _) => cal.add_working_days(from, n),
        (None, Some(h), _) => amount(h, 3600).and_then(|d| cal.add_paused(from, d, &args.pauses)),
        (None, None, Some(m)) => amount(m, 60).and_then(|d| cal.add_paused(from, d, &args.pauses)),
        (None, None, None) => {
            return Err(Failure::usage(
                "give --working-days, --working-hours or --working-minutes",
            ));
        }
    };
    let due = result.map_err(|e| Failure::rejected(e.to_string()))?;
    if args.calendar.json {
        print_json(&Due { due: cal.format(due) })
            .map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
    } else {
        println!("due {} ({})", cal.format(due), weekday(&cal, due));
    }
    Ok(Status::Success)
}

fn amount(n: u64, unit: u64) -> Result<Duration, CalendarError> {
    n.checked_mul(unit).map(Duration::from_secs).ok_or(CalendarError::OutOfRange)
}

#[derive(Serialize)]
struct OpenReport {
    open: bool,
    next_change: Option<String>,
}

fn open(args: &OpenArgs) -> Outcome {
    let cal = load(&args.calendar.cal)?;
    let at = parse_time(&cal, "at", &args.at)?;
    let open = cal.is_open(at);
    let next = cal.next_change(at);
    if args.calendar.json {
        let report = OpenReport { open, next_change: next.map(|t| cal.format(t)) };
        print_json(&report).map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
    } else {
        let state = if open { "open" } else { "closed" };
        match next {
            Some(t) => {
                let verb = if open { "closes" } else { "opens" };
                println!(
                    "{state} at {}; {verb} {} ({})",
                    cal.format(at),
                    cal.format(t),
                    weekday(&cal, t)
                );
            }
            None => println!("{state} at {}; never changes", cal.format(at)),
        }
    }
    Ok(Status::Success)
}

#[derive(Serialize)]
struct ElapsedReport {
    seconds: u64,
    hours: f64,
}

fn elapsed(args: &ElapsedArgs) -> Outcome {
    let cal = load(&args.calendar.cal)?;
    let from = parse_time(&cal, "from", &args.from)?;
    let to = parse_time(&cal, "to", &args.to)?;
    let d = cal.elapsed_paused(from, to, &args.pauses);
    let report = ElapsedReport { seconds: d.as_secs(), hours: d.as_secs_f64() / 3600.0 };
    if args.calendar.json {
        print_json(&report).map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
    } else {
        let s = d.as_secs();
        println!("{}h {:02}m {:02}s of business time", s / 3600, s / 60 % 60, s % 60);
    }
    Ok(Status::Success)
}
