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
//! `--cal` is a calendar file or a bundled calendar by name (`china`, `us`, `eu-berlin`), and may
//! be given more than once: the calendars are layered, the first lowest. A TIME is any form of
//! [`crate::units::parse_time`]; a local time is read in the calendar's time zone. Times are printed
//! in the calendar's time zone with its offset. Calendar files are at most 1 MiB
//! ([`hotline_calendar::MAX_FILE_BYTES`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use hotline_calendar::jiff::Timestamp;
use hotline_calendar::{Calendar, CalendarError, CalendarSpec, Interval};
use serde::Serialize;

use crate::report::{CheckReport, Diagnostic, Failure, Outcome, Status, print_json, write_failed};
use crate::units::{TimeArg, parse_duration, parse_time};

/// The bundled calendars `--cal` takes by name.
pub const BUNDLED: [&str; 3] = ["china", "us", "eu-berlin"];

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
#[command(after_help = "Calendar files are at most 1 MiB. Exit status: 0 valid (warnings \
                        included), 1 invalid, 2 a file that cannot be read.")]
pub struct CheckArgs {
    /// The calendar files, layered in order (the first lowest; the last is the one reported).
    #[arg(required = true, value_name = "CAL.toml")]
    pub files: Vec<PathBuf>,
    /// Print `{"file", "ok", "diagnostics": [{severity, line, column, message}], ...summary}`.
    #[arg(long)]
    pub json: bool,
}

/// The calendar options every computing subcommand takes.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// A calendar file (at most 1 MiB) or a bundled calendar by name: china, us, eu-berlin;
    /// repeat to layer calendars (the first lowest).
    #[arg(long = "cal", required = true, value_name = "CAL")]
    pub cal: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `hotline calendar add`.
#[derive(Debug, Args)]
// The group is checked in `add` (not by clap), so that the usage line does not list the hidden
// old spellings.
#[command(group = clap::ArgGroup::new("amount").required(false).multiple(false))]
pub struct AddArgs {
    /// The calendar and output options.
    #[command(flatten)]
    pub calendar: CalendarArgs,
    /// The instant to add to: `now`, RFC 3339, or a local time in the calendar's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: TimeArg,
    /// Working days to add (the result keeps the place within the working day).
    #[arg(long, group = "amount", value_name = "N")]
    pub working_days: Option<u32>,
    /// Working time to add, a duration: `8h`, `90m`, `1h 30m`.
    #[arg(long, group = "amount", value_name = "DURATION", value_parser = parse_duration)]
    pub working_time: Option<Duration>,
    /// Working hours to add (the same as --working-time Nh; kept for scripts).
    #[arg(long, group = "amount", value_name = "N", hide = true)]
    pub working_hours: Option<u64>,
    /// Working minutes to add (the same as --working-time Nm; kept for scripts).
    #[arg(long, group = "amount", value_name = "N", hide = true)]
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
    /// The instant to ask about: `now`, RFC 3339, or a local time in the calendar's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: TimeArg,
}

/// `hotline calendar elapsed`.
#[derive(Debug, Args)]
pub struct ElapsedArgs {
    /// The calendar and output options.
    #[command(flatten)]
    pub calendar: CalendarArgs,
    /// The start: `now`, RFC 3339, or a local time in the calendar's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: TimeArg,
    /// The end, not before the start.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: TimeArg,
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

fn calendar_failure(e: CalendarError) -> Failure {
    match e {
        CalendarError::Io { path, source } => Failure::unreadable(&path, &source),
        // In the words of every other size limit (`1 MiB`, not a count of bytes).
        CalendarError::TooLarge { path, limit } => {
            crate::input::too_large(&path, limit, "calendar")
        }
        other => Failure::rejected(other.to_string()),
    }
}

/// One calendar file's text as a layer: each holiday, make-up day, exception and notice read on
/// its own (memory in proportion to the file; the `toml` crate's document of the whole file is
/// never built). On a problem, every one is left in `found`, each at its line and column: every
/// type error, or else every problem [`CalendarSpec::problems`] finds; the first is returned as
/// the library's error.
pub(crate) fn read_layer(
    text: &str,
    found: &mut Vec<Diagnostic>,
) -> Result<CalendarSpec, CalendarError> {
    found.clear();
    let spec = match crate::toml_read::from_str_all::<CalendarSpec>(text, CALENDAR_ARRAYS) {
        Ok(spec) => spec,
        Err(errors) => {
            *found = crate::toml_read::diagnostics(text, errors);
            // The field, named as hotline-calendar names it (`holiday[2].from`).
            let field = found.first().and_then(|d| {
                let offset = offset_of(text, d.line?, d.column?)?;
                hotline_calendar::Location::in_text(text, offset).field
            });
            return Err(first_invalid(found, field));
        }
    };
    let problems = spec.problems();
    if problems.is_empty() {
        return Ok(spec);
    }
    let listed: Vec<(&hotline_calendar::SpecProblem, String)> = problems
        .iter()
        .map(|p| (p, format!("field `{}[{}].{}`: {}", p.list, p.index + 1, p.field, p.message)))
        .collect();
    *found = crate::report::placed_problems(listed, |p, message| {
        // `toml_place` counts array items from 0, the calendar's messages from 1. The column is
        // the value's, where hotline-calendar places a problem.
        let place = crate::input::toml_place(text, &format!("{}[{}].{}", p.list, p.index, p.field))
            .map(|(line, column)| (line, value_column(text, line, p.field).unwrap_or(column)));
        Diagnostic::error(place.map(|p| p.0), place.map(|p| p.1), message)
    });
    // The first as hotline-calendar reports it: the field apart from the message.
    let mut error = first_invalid(found, None);
    if let CalendarError::Invalid { location, message, .. } = &mut error
        && let Some((field, rest)) =
            message.strip_prefix("field `").and_then(|m| m.split_once("`: "))
    {
        if let Some(l) = location.as_mut() {
            l.field = Some(field.to_owned());
        }
        *message = rest.to_owned();
    }
    Err(error)
}

/// The library's error for the first of `found` (a layer's problems, at least one).
fn first_invalid(found: &[Diagnostic], field: Option<String>) -> CalendarError {
    let first = found.first();
    let location = first.and_then(|d| {
        Some(hotline_calendar::Location { line: d.line?, column: d.column?, field: field.clone() })
    });
    CalendarError::Invalid {
        file: None,
        location,
        message: first.map(|d| d.message.clone()).unwrap_or_default(),
    }
}

/// The byte offset of a 1-based line and column (in characters) of `text`.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start: usize = text.split_inclusive('\n').take(line.checked_sub(1)?).map(str::len).sum();
    let rest = text.get(start..)?;
    Some(start + rest.char_indices().nth(column.checked_sub(1)?).map_or(rest.len(), |(i, _)| i))
}

/// The column of the value on line `line` of `text` when the line is `key = value`.
fn value_column(text: &str, line: usize, key: &str) -> Option<usize> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, v) = l.split_once('=')?;
    let spaces = v.chars().count() - v.trim_start().chars().count();
    (k.trim().trim_matches('"') == key).then(|| k.chars().count() + 1 + spaces + 1)
}

/// The arrays of tables of a calendar file, read item by item.
const CALENDAR_ARRAYS: &[&str] = &["holiday", "workday", "exception", "notice"];

/// The calendar of `--cal` values: files, or bundled calendars by name (also `hotline wfm`'s
/// `--cal`). Files are read within 1 MiB, item by item ([`read_layer`]).
///
/// # Errors
///
/// A usage error (exit 2) for a name that is neither a file nor a bundled calendar or a file
/// that cannot be read; a rejection (exit 1) listing every problem of an invalid file.
pub(crate) fn load(cals: &[String]) -> Result<Calendar, Failure> {
    let mut layers = Vec::new();
    for cal in cals {
        match bundled(cal) {
            Some(text) => layers.push(CalendarSpec::from_toml(text).map_err(calendar_failure)?),
            None => {
                let path = Path::new(cal);
                if !path.exists() && !cal.contains(['/', '\\', '.']) {
                    return Err(Failure::usage(format!(
                        "--cal {cal}: no such file, and not a bundled calendar (one of {})",
                        BUNDLED.join(", ")
                    )));
                }
                let mut found = Vec::new();
                let read =
                    CalendarSpec::load_layers_with(&[path], &mut |t| read_layer(t, &mut found));
                match read {
                    Ok(read) => layers.extend(read),
                    // Every problem of the file at fault, when there are several.
                    Err(CalendarError::Invalid { file: Some(f), .. }) if found.len() > 1 => {
                        return Err(crate::report::problems_failure(&f, &found));
                    }
                    Err(e) => return Err(calendar_failure(e)),
                }
            }
        }
    }
    Calendar::from_layers(layers).map_err(|e| match e {
        // Name the files: an empty file has no time zone, and the message would not say which.
        CalendarError::NoTimeZone => Failure::rejected(format!("{}: {e}", cals.join(", "))),
        other => calendar_failure(other),
    })
}

/// The text of a bundled calendar named on the command line (a name, not a path).
fn bundled(name: &str) -> Option<&'static str> {
    match name {
        "china" | "cn" => Some(hotline_calendar::bundled::CHINA),
        "us" => Some(hotline_calendar::bundled::US),
        "eu-berlin" => Some(hotline_calendar::bundled::EU_BERLIN),
        _ => None,
    }
}

/// Resolves a TIME argument in the calendar's zone.
fn resolve(cal: &Calendar, flag: &str, time: &TimeArg) -> Result<Timestamp, Failure> {
    time.resolve(Some(cal.time_zone())).map_err(|e| Failure::usage(format!("--{flag} {e}")))
}

fn weekday(cal: &Calendar, t: Timestamp) -> String {
    format!("{:?}", cal.zoned(t).weekday())
}

/// What `calendar check` adds to the check report: the calendar's summary when it is valid.
#[derive(Serialize, Default)]
struct CheckSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
}

#[derive(Serialize)]
struct Summary {
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
    let file = args.files.last().map(|f| f.display().to_string()).unwrap_or_default();
    let paths: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    let mut found = Vec::new();
    let read = CalendarSpec::load_layers_with(&paths, &mut |t| read_layer(t, &mut found));
    let report = match read.and_then(Calendar::from_layers) {
        Err(CalendarError::Io { path, source }) if !args.json => {
            return Err(Failure::unreadable(&path, &source));
        }
        Err(e) => {
            let mut d = match &e {
                CalendarError::Invalid { location, message, .. } => Diagnostic::error(
                    location.as_ref().map(|l| l.line),
                    location.as_ref().map(|l| l.column),
                    match location.as_ref().and_then(|l| l.field.as_deref()) {
                        Some(field) => format!("field `{field}`: {message}"),
                        None => message.clone(),
                    },
                ),
                // The report names the file; the message need not again.
                CalendarError::TooLarge { limit, .. } => Diagnostic::error(
                    None,
                    None,
                    format!(
                        "larger than {}, the limit for a calendar file; it was not read",
                        crate::input::size(*limit)
                    ),
                ),
                other => Diagnostic::error(None, None, other.to_string()),
            };
            let at = match &e {
                CalendarError::Invalid { file: Some(f), .. }
                | CalendarError::Io { path: f, .. }
                | CalendarError::TooLarge { path: f, .. }
                | CalendarError::LayerLoop { path: f, .. } => Some(f.display().to_string()),
                _ => None,
            };
            // Every syntax error, type error or problem of the file at fault, as `read_layer`
            // found them.
            let all = match &e {
                CalendarError::Invalid { file: Some(_), location: Some(_), .. } => {
                    std::mem::take(&mut found)
                }
                _ => Vec::new(),
            };
            let at = at.filter(|f| *f != file);
            d.file.clone_from(&at);
            let diagnostics = if all.len() > 1 {
                all.into_iter().map(|d| Diagnostic { file: at.clone(), ..d }).collect()
            } else {
                vec![d]
            };
            let unreadable = matches!(e, CalendarError::Io { .. });
            let report = CheckReport::new(file, diagnostics, CheckSummary::default());
            if args.json {
                print_json(&report).map_err(write_failed)?;
            } else {
                report.print_text();
            }
            return Ok(if unreadable { Status::Usage } else { Status::Rejected });
        }
        Ok(cal) => {
            let count = |f: fn(&CalendarSpec) -> usize| cal.layers().iter().map(f).sum::<usize>();
            let summary = Summary {
                name: cal.name().to_owned(),
                time_zone: cal.time_zone_name().to_owned(),
                layers: cal.layers().len(),
                holidays: count(|l| l.holidays.len()),
                workdays: count(|l| l.workdays.len()),
                exceptions: count(|l| l.exceptions.len()),
                notices: cal
                    .layers()
                    .iter()
                    .flat_map(|l| l.notices.iter().map(|n| n.id.clone()))
                    .collect(),
                dated_from: cal.dated_range().map(|(a, _)| a.to_string()),
                dated_to: cal.dated_range().map(|(_, b)| b.to_string()),
            };
            let mut diagnostics = Vec::new();
            // A calendar whose dated entries stop before this year knows none of this year's
            // holidays.
            let this_year = cal.date_of(Timestamp::now()).year();
            if let Some((_, last)) = cal.dated_range()
                && last.year() < this_year
            {
                diagnostics.push(Diagnostic::warning(
                    None,
                    None,
                    format!(
                        "the last dated entry is {last}: holidays and make-up days of \
                         {this_year} and later are not in the calendar"
                    ),
                ));
            }
            CheckReport::new(file, diagnostics, CheckSummary { summary: Some(summary) })
        }
    };
    if args.json {
        print_json(&report).map_err(write_failed)?;
        return Ok(report.status());
    }
    report.print_text();
    if let Some(s) = &report.extra.summary {
        println!("  name: {}", s.name);
        println!("  time zone: {}", s.time_zone);
        println!("  layers: {}", s.layers);
        println!(
            "  holidays: {}, make-up working days: {}, exceptions: {}",
            s.holidays, s.workdays, s.exceptions
        );
        if !s.notices.is_empty() {
            println!("  notices: {}", s.notices.join(", "));
        }
        match (&s.dated_from, &s.dated_to) {
            (Some(a), Some(b)) => {
                println!("  dated entries: {a} to {b} (after {b} only the weekly hours apply)")
            }
            _ => println!("  dated entries: none (only the weekly hours apply)"),
        }
    }
    Ok(report.status())
}

/// Warns when an answer lies after the calendar's last dated entry: the holidays of that year
/// are not in the calendar, so the answer counts them as working days.
fn warn_past_dated(cal: &Calendar, t: Timestamp) {
    if let Some((_, last)) = cal.dated_range()
        && cal.date_of(t) > last
    {
        eprintln!(
            "hotline: warning: {} lies after the calendar's last dated entry ({last}): holidays \
             and make-up days after it are not in the calendar, only the weekly hours",
            cal.format(t)
        );
    }
}

#[derive(Serialize)]
struct Due {
    due: String,
}

fn add(args: &AddArgs) -> Outcome {
    let cal = load(&args.calendar.cal)?;
    let from = resolve(&cal, "from", &args.from)?;
    let time = match (args.working_time, args.working_hours, args.working_minutes) {
        (Some(d), _, _) => Some(Ok(d)),
        (None, Some(h), _) => Some(amount(h, 3600)),
        (None, None, Some(m)) => Some(amount(m, 60)),
        (None, None, None) => None,
    };
    let result = match (args.working_days, time) {
        (Some(n), _) => cal.add_working_days(from, n),
        (None, Some(d)) => d.and_then(|d| cal.add_paused(from, d, &args.pauses)),
        (None, None) => {
            return Err(Failure::usage("give --working-days N or --working-time DURATION"));
        }
    };
    let due = result.map_err(|e| Failure::rejected(e.to_string()))?;
    warn_past_dated(&cal, due);
    if args.calendar.json {
        print_json(&Due { due: cal.format(due) }).map_err(write_failed)?;
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
    let at = resolve(&cal, "at", &args.at)?;
    let open = cal.is_open(at);
    let next = cal.next_change(at);
    if args.calendar.json {
        let report = OpenReport { open, next_change: next.map(|t| cal.format(t)) };
        print_json(&report).map_err(write_failed)?;
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
    let from = resolve(&cal, "from", &args.from)?;
    let to = resolve(&cal, "to", &args.to)?;
    if to < from {
        return Err(Failure::usage(format!(
            "--to {} is before --from {}: give the earlier time as --from",
            cal.format(to),
            cal.format(from)
        )));
    }
    warn_past_dated(&cal, to);
    let d = cal.elapsed_paused(from, to, &args.pauses);
    let report = ElapsedReport { seconds: d.as_secs(), hours: d.as_secs_f64() / 3600.0 };
    if args.calendar.json {
        print_json(&report).map_err(write_failed)?;
    } else {
        let s = d.as_secs();
        println!("{}h {:02}m {:02}s of business time", s / 3600, s / 60 % 60, s % 60);
    }
    Ok(Status::Success)
}
