//! `hotline wfm`: workforce management from the command line (hotline-wfm).
//!
//! Three commands make the weekly planning loop, each reading the file the one before writes:
//!
//! * `hotline wfm forecast HISTORY.csv --horizon 14d -o forecast.csv --plot forecast.svg`: a
//!   density forecast (mean, central interval, variance per interval) from a history CSV
//!   (`timestamp,volume`); `--holdout 7d` forecasts the last days of the history instead and
//!   scores the forecast against them (MASE, interval coverage).
//! * `hotline wfm requirement forecast.csv --aht 3m --sl 80/20 --shrinkage 30% -o req.csv
//!   --plot req.svg`:
//!   agents per interval through hotline-erlang (a `mean` or `volume` column; `variance` used by
//!   `--hedge`). `--skill en=en.csv --skill zh=zh.csv [--skill-aht zh=4m]` computes every
//!   skill's requirement in one run and writes them side by side (`scheduled:SKILL` columns):
//!   the multi-skill requirement `hotline wfm schedule` reads.
//! * `hotline wfm schedule req.csv --config shifts.toml -o schedule.csv --plot coverage.svg`:
//!   shifts with breaks covering the requirement's `scheduled` column, from a
//!   [`hotline_wfm::ScheduleConfig`] file; with agents in the file, a roster of named agents too
//!   (`--roster`, `--roster-plot`). A requirement that ends before the end of its last day (a
//!   `--horizon 36h` forecast) is planned with nobody required for the rest of that day.
//!
//! * `hotline wfm adherence roster.csv --states states.csv --interval 15m`: the roster against
//!   the states the agents were in (an ACD's state export): adherence, conformance and every
//!   out-of-adherence span, per agent and per interval ([`adherence`]).
//!
//! Every command takes `--json`. Errors in a file name it with the line and column.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use hotline_calendar::Calendar;
use hotline_erlang::{Model as QueueModel, ServiceLevel, Targets};
use hotline_wfm::{
    Agent, CalendarProfile, CsvLimits, Density, Forecast, ForecastOptions, HoltWinters,
    MAX_CONFIG_BYTES, Model, Requirement, RequirementOptions, Roster, Rules, Schedule,
    ScheduleConfig, ScheduleProblem, SeasonalNaive, Series, WfmError,
};
use jiff::civil::DateTime;
use serde::Serialize;

use crate::erlang::parse_service_level;
use crate::report::{Failure, Outcome, Status, print_json};
use crate::units::{UnitError, parse_duration, parse_percentage};

pub mod adherence;

/// Largest CSV file read (history, forecast, requirement), in bytes: 64 MiB.
pub const MAX_CSV_BYTES: u64 = 64 << 20;

/// `hotline wfm ...`.
#[derive(Debug, Subcommand)]
pub enum WfmCommand {
    /// Forecast calls per interval from a history CSV, with intervals (density forecast).
    Forecast(ForecastArgs),
    /// Required agents per interval for a forecast (Erlang C or A, shrinkage, hedging).
    Requirement(RequirementArgs),
    /// Shifts with breaks covering a requirement, and a roster of named agents.
    Schedule(ScheduleArgs),
    /// Make a synthetic history CSV (intraday and weekly profiles, trend, Poisson–gamma noise,
    /// China's holidays and make-up days, outliers) to try the other commands on.
    Generate(GenerateArgs),
    /// Schedule adherence: a roster against the states the agents were in (an ACD's state
    /// export), interval by interval and agent by agent.
    Adherence(adherence::AdherenceArgs),
}

/// `hotline wfm generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The first day, e.g. `2025-01-01`.
    #[arg(long, value_name = "DATE", default_value = "2025-01-01")]
    pub first: jiff::civil::Date,
    /// How many days (at most 36,600).
    #[arg(long, value_name = "N", default_value = "364")]
    pub days: usize,
    /// Expected calls on a regular weekday.
    #[arg(long, value_name = "N", default_value = "20000")]
    pub daily_volume: f64,
    /// Interval length: `15m`, `30m` or `1h`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30m")]
    pub interval: Duration,
    /// Seed: the same flags and seed always make the same series.
    #[arg(long, value_name = "N", default_value = "1")]
    pub seed: u64,
    /// Write the history CSV (`timestamp,volume`) here instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The forecasting model of `hotline wfm forecast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    /// Day types from the calendar: holidays, make-up working days, days around holidays.
    Calendar,
    /// Double-seasonal Holt-Winters (day and week).
    HoltWinters,
    /// Last week's same weekday and time.
    SeasonalNaive,
}

/// How the forecast's intervals are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DensityName {
    /// Empirical quantiles of the backtest errors.
    Empirical,
    /// A Poisson–gamma (negative binomial) law.
    PoissonGamma,
}

/// `hotline wfm forecast`.
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// History CSV (at most 64 MiB): `timestamp,volume` rows every 15, 30 or 60 minutes, in
    /// order and without gaps; partial first and last days are dropped.
    #[arg(value_name = "HISTORY.csv")]
    pub history: PathBuf,
    /// How far ahead, e.g. `14d`, `7d`, `36h` (rounded up to whole intervals; default 7d).
    #[arg(long, value_name = "DURATION", value_parser = parse_span, conflicts_with = "holdout")]
    pub horizon: Option<Duration>,
    /// Hold back the last whole days of the history, e.g. `7d`, forecast them and score the
    /// forecast against them (MASE, interval coverage); the chart shows them as actuals.
    #[arg(long, value_name = "DURATION", value_parser = parse_span)]
    pub holdout: Option<Duration>,
    /// The forecasting model.
    #[arg(long, value_enum, default_value = "calendar")]
    pub model: ModelName,
    /// Central coverage of the intervals, e.g. `95%`.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage, default_value = "95%")]
    pub level: f64,
    /// How the intervals are made.
    #[arg(long, value_enum, default_value = "empirical")]
    pub density: DensityName,
    /// The calendar of the calendar model: a bundled one by name (`china`, `us`, `eu-berlin`) or a
    /// calendar file (at most 1 MiB).
    #[arg(long = "cal", value_name = "CAL", default_value = "china")]
    pub cal: String,
    /// Write the forecast as CSV: `timestamp,mean,lower,upper,variance` (what `hotline wfm
    /// requirement` reads).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a chart of the forecast and its interval (and the held-back actuals) as SVG.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `hotline wfm requirement`.
#[derive(Debug, Args)]
pub struct RequirementArgs {
    /// Forecast CSV (at most 64 MiB) with a header row: `timestamp` and the calls in `mean`
    /// (as `hotline wfm forecast -o` writes), `volume` or `calls`; an optional `variance` column
    /// is used by `--hedge`. Without it, give each skill's forecast with `--skill`.
    #[arg(value_name = "FORECAST.csv")]
    pub forecast: Option<PathBuf>,
    /// One skill's forecast, `SKILL=FORECAST.csv`; repeat for each skill (instead of
    /// FORECAST.csv). Every skill's requirement comes out of one run, and `-o` writes them side
    /// by side (`calls:SKILL,agents:SKILL,scheduled:SKILL`): the multi-skill requirement
    /// `hotline wfm schedule` reads. The forecasts must cover the same intervals.
    #[arg(
        long = "skill",
        value_name = "SKILL=FORECAST.csv",
        value_parser = parse_skill_file,
        conflicts_with = "forecast"
    )]
    pub skills: Vec<(String, PathBuf)>,
    /// One skill's own average handling time, `SKILL=DURATION` (e.g. `zh=4m`); the other skills
    /// use `--aht`.
    #[arg(long = "skill-aht", value_name = "SKILL=DURATION", value_parser = parse_skill_aht)]
    pub skill_aht: Vec<(String, Duration)>,
    /// Average handling time, e.g. `3m` or `180s`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "3m")]
    pub aht: Duration,
    /// Service-level target PERCENT/TIME, e.g. `80/20` (80% answered within 20 s); without any
    /// target, 80/20.
    #[arg(long, value_name = "P/T", value_parser = parse_service_level)]
    pub sl: Option<ServiceLevel>,
    /// Largest acceptable average speed of answer, e.g. `30s`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_asa: Option<Duration>,
    /// Average patience: switches the model from Erlang C to Erlang A.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub patience: Option<Duration>,
    /// Largest acceptable abandonment, e.g. `5%` (Erlang A: needs --patience).
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage, requires = "patience")]
    pub max_abandon: Option<f64>,
    /// Largest acceptable occupancy, e.g. `90%`.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage, default_value = "90%")]
    pub max_occupancy: f64,
    /// Shrinkage (share of paid time off the phones, breaks excluded: they are scheduled), e.g.
    /// `30%`.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage, default_value = "0")]
    pub shrinkage: f64,
    /// Staff for this quantile of the forecast distribution instead of its mean, e.g. `80%`
    /// (needs a `variance` column).
    #[arg(long, value_name = "PERCENT", value_parser = parse_percentage)]
    pub hedge: Option<f64>,
    /// Write the requirement as CSV: `timestamp,calls,agents,scheduled` (what `hotline wfm
    /// schedule` reads); with `--skill`, those three columns for each skill, as
    /// `calls:SKILL,agents:SKILL,scheduled:SKILL`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a chart of the requirement as SVG: agents to schedule, agents on the phones and
    /// the calls staffed for, per interval; with `--skill`, one chart per skill, the skill's
    /// name added to the file's (`req.svg`: `req-en.svg`, `req-zh.svg`).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `hotline wfm schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Requirement CSV (at most 64 MiB) with a header row: `timestamp` and the agents to
    /// schedule in `scheduled` (as `hotline wfm requirement -o` writes) or `agents`, from 00:00.
    /// Columns `scheduled:SKILL` (one per skill) make it a multi-skill problem: coverage is
    /// counted per skill, an agent with several skills once, and every template names its
    /// `skills`.
    #[arg(value_name = "REQUIREMENT.csv")]
    pub requirement: PathBuf,
    /// Shift templates, breaks, weights, working-time rules and agents (TOML, or JSON when the
    /// name ends in `.json`; at most 4 MiB).
    #[arg(long, value_name = "SHIFTS.toml")]
    pub config: PathBuf,
    /// Write the shifts as CSV: `date,template,start,end,breaks,count`.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a chart of required against scheduled agents per interval as SVG.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Write the roster (with agents in the configuration) as CSV:
    /// `agent,date,template,start,end,breaks`.
    #[arg(long, value_name = "OUT.csv")]
    pub roster: Option<PathBuf>,
    /// Write the roster (with agents in the configuration) as a Gantt chart in SVG.
    #[arg(long, value_name = "OUT.svg")]
    pub roster_plot: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `hotline wfm ...`.
///
/// # Errors
///
/// A [`Failure`]: exit 2 for a file that cannot be read or written, 1 for a file whose content is
/// rejected (named with its line and column) or a plan that cannot be made.
pub fn run(command: WfmCommand) -> Outcome {
    match command {
        WfmCommand::Forecast(args) => forecast(&args),
        WfmCommand::Requirement(args) => requirement(&args),
        WfmCommand::Schedule(args) => schedule(&args),
        WfmCommand::Generate(args) => generate(&args),
        WfmCommand::Adherence(args) => adherence::adherence(&args),
    }
}

fn generate(args: &GenerateArgs) -> Outcome {
    let seconds = args.interval.as_secs();
    if args.interval.subsec_nanos() != 0 || ![900, 1800, 3600].contains(&seconds) {
        return Err(Failure::usage("--interval must be 15m, 30m or 1h"));
    }
    let params = hotline_wfm::GeneratorParams {
        interval_minutes: (seconds / 60) as u32,
        daily_volume: args.daily_volume,
        seed: args.seed,
        ..hotline_wfm::GeneratorParams::default()
    };
    let g = hotline_wfm::generate(&params, &Calendar::china(), args.first, args.days)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let csv = g.series.to_csv();
    match &args.output {
        Some(path) => {
            write_file(path, &csv)?;
            println!("wrote {}", path.display());
        }
        None => print!("{csv}"),
    }
    Ok(Status::Success)
}

/// Parses a span of time: `14d` (days) or any duration the shared parser reads (`36h`, `90m`).
///
/// ```
/// use std::time::Duration;
/// use hotline_cli::wfm::parse_span;
/// assert_eq!(parse_span("14d").unwrap(), Duration::from_secs(14 * 86_400));
/// assert_eq!(parse_span("1.5d").unwrap(), Duration::from_secs(36 * 3_600));
/// assert_eq!(parse_span("36h").unwrap(), Duration::from_secs(36 * 3_600));
/// assert!(parse_span("-1d").unwrap_err().to_string().contains("negative"));
/// ```
///
/// # Errors
///
/// As [`parse_duration`]; a number of days that is negative or too large.
pub fn parse_span(text: &str) -> Result<Duration, UnitError> {
    let trimmed = text.trim();
    let days = trimmed
        .strip_suffix("days")
        .or_else(|| trimmed.strip_suffix("day"))
        .or_else(|| trimmed.strip_suffix('d'))
        .map(str::trim_end)
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || "+-.".contains(c)));
    let Some(days) = days else { return parse_duration(text) };
    // The shared parser reads the number in hours, so its errors (negative, too large) apply.
    let value: f64 = days.parse().map_err(|_| UnitError::NotANumber { text: text.to_owned() })?;
    parse_duration(&format!("{}h", value * 24.0)).map_err(|e| match e {
        UnitError::Duration(hotline_acd::duration::DurationError::Negative { .. }) => {
            UnitError::OutOfRange {
                text: text.to_owned(),
                expected: "a negative span is refused; write e.g. `14d` or `36h`",
            }
        }
        other => other,
    })
}

/// Reads a scheduling configuration of at most 4 MiB: JSON when the name ends in `.json`, else
/// TOML read item by item (each `[[templates]]` and `[[agents]]` on its own, in memory
/// proportional to the file; every type error reported), then checked.
fn read_schedule_config(path: &Path) -> Result<ScheduleConfig, Failure> {
    let text = crate::input::read_text(path, MAX_CONFIG_BYTES as u64, "scheduling configuration")?;
    let config = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        ScheduleConfig::from_json(&text).map_err(|e| rejected(path, &e))?
    } else {
        crate::toml_read::from_str_all::<ScheduleConfig>(&text, &["templates", "agents"])
            .map_err(|errors| crate::toml_read::failure(path, &text, errors))?
    };
    config.check().map_err(|e| rejected(path, &e))?;
    Ok(config)
}

/// Writes an output file (exit 2 when it cannot be written).
fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}

/// A library error about a file's content: exit 1, naming the file.
fn rejected(path: &Path, error: &WfmError) -> Failure {
    Failure::rejected(format!("{}: {error}", path.display()))
}

/// Prints `value` as JSON.
fn json_out(value: &impl Serialize) -> Result<(), Failure> {
    print_json(value).map_err(|e| Failure::usage(e.to_string()))
}

/// Says what was written: on standard error with `--json` (standard output is the JSON).
fn wrote(json: bool, path: &Path) {
    if json {
        eprintln!("wrote {}", path.display());
    } else {
        println!("wrote {}", path.display());
    }
}

/// A span as a whole number of intervals (rounded up), at least one.
fn intervals_of(span: Duration, interval_minutes: u32) -> usize {
    let seconds = span.as_secs_f64();
    let per = f64::from(interval_minutes) * 60.0;
    ((seconds / per).ceil() as usize).max(1)
}

/// The calendar of `--cal`: a bundled calendar by name or a file (at most 1 MiB), read as
/// `hotline calendar` reads it (item by item, every problem of an invalid file reported).
fn load_calendar(name: &str) -> Result<Calendar, Failure> {
    crate::calendar::load(&[name.to_owned()])
}

#[derive(Serialize)]
struct DayTotal {
    date: String,
    calls: f64,
    lower: f64,
    upper: f64,
}

#[derive(Serialize)]
struct Holdout {
    days: usize,
    /// Mean absolute error over the held-back intervals.
    mae: f64,
    /// MAE scaled by the history's in-sample weekly-naive MAE (`null` with under 8 days).
    mase: Option<f64>,
    /// Share of held-back intervals inside the forecast interval.
    coverage: f64,
}

#[derive(Serialize)]
struct ForecastReport<'a> {
    history: String,
    history_intervals: usize,
    dropped_intervals: usize,
    holdout: Option<Holdout>,
    total_calls: f64,
    days: Vec<DayTotal>,
    #[serde(flatten)]
    forecast: &'a Forecast,
}

fn forecast(args: &ForecastArgs) -> Outcome {
    let text = crate::input::read_text(&args.history, MAX_CSV_BYTES, "history CSV")?;
    let limits = CsvLimits { max_bytes: MAX_CSV_BYTES as usize, ..CsvLimits::default() };
    let read = Series::parse_csv(&text, limits).map_err(|e| rejected(&args.history, &e))?;
    let whole = read.whole_days();
    let dropped = read.len() - whole.len();
    let per_day = whole.per_day();
    let (history, actual, horizon) = match args.holdout {
        Some(span) => {
            let days = intervals_of(span, 1440);
            let total_days = whole.len() / per_day;
            if days >= total_days {
                return Err(Failure::rejected(format!(
                    "{}: --holdout {days} days leaves no history ({total_days} whole days)",
                    args.history.display()
                )));
            }
            let cut = (total_days - days) * per_day;
            let history = Series { values: whole.values[..cut].to_vec(), ..whole.clone() };
            (history, Some(whole.values[cut..].to_vec()), days * per_day)
        }
        None => {
            let span = args.horizon.unwrap_or(Duration::from_secs(7 * 86_400));
            let horizon = intervals_of(span, whole.interval_minutes);
            (whole, None, horizon)
        }
    };
    let mut model: Box<dyn Model> = match args.model {
        ModelName::Calendar => Box::new(CalendarProfile::new(load_calendar(&args.cal)?)),
        ModelName::HoltWinters => Box::new(HoltWinters::default()),
        ModelName::SeasonalNaive => Box::new(SeasonalNaive::default()),
    };
    let options = ForecastOptions {
        level: args.level,
        density: match args.density {
            DensityName::Empirical => Density::Empirical,
            DensityName::PoissonGamma => Density::PoissonGamma,
        },
        ..ForecastOptions::default()
    };
    let f = hotline_wfm::forecast(model.as_mut(), &history, horizon, options)
        .map_err(|e| rejected(&args.history, &e))?;
    let holdout = actual.as_ref().map(|a| {
        let n = a.len().min(f.mean.len()).max(1) as f64;
        let mae = a.iter().zip(&f.mean).map(|(y, m)| (y - m).abs()).sum::<f64>() / n;
        let scale = hotline_wfm::mase_scale(&history.values, 7 * per_day);
        let inside = a
            .iter()
            .zip(f.lower.iter().zip(&f.upper))
            .filter(|(y, (l, u))| *l <= *y && *y <= *u)
            .count();
        Holdout {
            days: a.len() / per_day,
            mae,
            mase: (scale.is_finite() && scale > 0.0).then(|| mae / scale),
            coverage: inside as f64 / n,
        }
    });
    let days: Vec<DayTotal> = f
        .mean
        .chunks(per_day)
        .zip(f.lower.chunks(per_day).zip(f.upper.chunks(per_day)))
        .enumerate()
        .map(|(d, (m, (l, u)))| DayTotal {
            date: f.mean_series().time_of(d * per_day).date().to_string(),
            calls: m.iter().sum(),
            lower: l.iter().sum(),
            upper: u.iter().sum(),
        })
        .collect();
    let report = ForecastReport {
        history: args.history.display().to_string(),
        history_intervals: history.len(),
        dropped_intervals: dropped,
        holdout,
        total_calls: f.mean.iter().sum(),
        days,
        forecast: &f,
    };
    if let Some(path) = &args.output {
        write_file(path, &f.to_csv())?;
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "{} forecast, {}-minute intervals, {:.0}% interval",
            f.model,
            f.interval_minutes,
            100.0 * f.level
        );
        write_file(path, &hotline_wfm::forecast_svg(&f, actual.as_deref(), &title))?;
    }
    if args.json {
        json_out(&report)?;
    } else {
        print!("{}", forecast_text(&report));
    }
    for path in [&args.output, &args.plot].into_iter().flatten() {
        wrote(args.json, path);
    }
    Ok(Status::Success)
}

fn forecast_text(r: &ForecastReport<'_>) -> String {
    let f = r.forecast;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} model on {} intervals of {} minutes{}; forecast from {} for {} intervals: {:.0} calls",
        f.model,
        r.history_intervals,
        f.interval_minutes,
        if r.dropped_intervals > 0 {
            format!(" ({} of a partial day dropped)", r.dropped_intervals)
        } else {
            String::new()
        },
        f.start,
        f.mean.len(),
        r.total_calls
    );
    let _ = writeln!(
        out,
        "{:<12} {:>10} {:>22}",
        "date",
        "calls",
        format!("{:.0}% interval", 100.0 * f.level)
    );
    for d in &r.days {
        let _ = writeln!(
            out,
            "{:<12} {:>10.0} {:>22}",
            d.date,
            d.calls,
            format!("{:.0}–{:.0}", d.lower, d.upper)
        );
    }
    if let Some(h) = &r.holdout {
        let mase = h.mase.map_or_else(|| "—".to_owned(), |m| format!("{m:.3}"));
        let _ = writeln!(
            out,
            "held back {} days: MAE {:.2} calls per interval, MASE {mase}, {:.1}% inside the interval",
            h.days,
            h.mae,
            100.0 * h.coverage
        );
    }
    out
}

/// A CSV with a header row, a `timestamp` column and number columns, at regular intervals.
struct Table {
    start: DateTime,
    interval_minutes: u32,
    /// The requested columns, in the order asked for (`None`: absent).
    columns: Vec<Option<Vec<f64>>>,
    /// Line number of each data row.
    lines: Vec<usize>,
}

/// Reads a headed CSV: `timestamp` and, for each entry of `wanted`, the first of its names that
/// the header has (all optional here; the caller says which are required).
fn read_table(text: &str, wanted: &[&[&str]]) -> Result<Table, WfmError> {
    let csv = |line, column, message: String| WfmError::Csv { line, column, message };
    let mut rows = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((hline, header)) = rows.next() else {
        return Err(csv(
            1,
            1,
            "empty file: expected a header row starting with `timestamp`".into(),
        ));
    };
    let names: Vec<String> = header.split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
    if names.first().map(String::as_str) != Some("timestamp") {
        return Err(csv(
            hline,
            1,
            format!("the header must start with `timestamp`, found `{}`", names[0]),
        ));
    }
    let index: Vec<Option<usize>> = wanted
        .iter()
        .map(|alts| alts.iter().find_map(|a| names.iter().position(|n| n == a)))
        .collect();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
    let mut lines = Vec::new();
    let mut times: Vec<DateTime> = Vec::new();
    let mut step: Option<i64> = None;
    for (line, row) in rows {
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != names.len() {
            return Err(csv(
                line,
                fields.len().min(names.len()) + 1,
                format!("{} fields, the header has {}", fields.len(), names.len()),
            ));
        }
        if lines.len() >= 2_000_000 {
            return Err(WfmError::TooLarge { what: "rows", limit: 2_000_000 });
        }
        let t: DateTime = fields[0].replacen(' ', "T", 1).parse().map_err(|_| {
            csv(line, 1, format!("`{}` is not a local date-time like 2026-02-14T09:30", fields[0]))
        })?;
        if let Some(prev) = times.last() {
            let minutes = t.duration_since(*prev).as_secs() / 60;
            match step {
                None if [15, 30, 60].contains(&minutes) => step = Some(minutes),
                None => {
                    return Err(csv(
                        line,
                        1,
                        format!(
                            "{minutes} minutes after the row before; the interval must be 15, 30 or 60 minutes"
                        ),
                    ));
                }
                Some(s) if s != minutes => {
                    return Err(csv(
                        line,
                        1,
                        format!(
                            "{minutes} minutes after the row before, expected {s} (a gap, a repeat or rows out of order)"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        times.push(t);
        for (k, i) in index.iter().enumerate() {
            if let Some(i) = *i {
                let v: f64 = fields[i]
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        csv(
                            line,
                            i + 1,
                            format!("{}: `{}` is not a number at least 0", names[i], fields[i]),
                        )
                    })?;
                columns[k].push(v);
            }
        }
        lines.push(line);
    }
    let Some(&start) = times.first() else {
        return Err(csv(hline, 1, "no data rows after the header".into()));
    };
    let interval_minutes = step.unwrap_or(60) as u32;
    Series::new(start, interval_minutes, Vec::new())
        .map_err(|e| csv(lines[0], 1, e.to_string()))?;
    let columns = index.iter().zip(columns).map(|(i, c)| i.map(|_| c)).collect();
    Ok(Table { start, interval_minutes, columns, lines })
}

/// A table's columns, in the order asked for (`None`: absent).
pub type Columns = Vec<Option<Vec<f64>>>;

/// Reads a forecast or requirement CSV as `hotline wfm requirement` and `hotline wfm schedule`
/// do: a header row starting with `timestamp`, rows at 15, 30 or 60 minutes without gaps, and
/// for each entry of `wanted` the first of its column names the header has (`None`: absent).
/// Returns the interval in minutes and the columns; the fuzz target `wfm_table` calls it.
///
/// # Errors
///
/// [`WfmError::Csv`] with the line and column at fault; [`WfmError::TooLarge`] past 2,000,000
/// rows.
#[doc(hidden)]
pub fn read_csv_table(text: &str, wanted: &[&[&str]]) -> Result<(u32, Columns), WfmError> {
    read_table(text, wanted).map(|t| (t.interval_minutes, t.columns))
}

/// A skill name as `--skill` and `--skill-aht` take it: letters, digits, `-`, `_` and `.`.
fn skill_name(text: &str) -> Result<String, String> {
    let ok = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    if text.is_empty() || !text.chars().all(ok) {
        return Err(format!(
            "`{text}` is not a skill name (letters, digits, `-`, `_` and `.`, not empty)"
        ));
    }
    Ok(text.to_owned())
}

/// `SKILL=FORECAST.csv`.
fn parse_skill_file(text: &str) -> Result<(String, PathBuf), String> {
    let (skill, path) =
        text.split_once('=').ok_or_else(|| format!("`{text}`: expected SKILL=FORECAST.csv"))?;
    if path.is_empty() {
        return Err(format!("`{text}`: no file after `=`"));
    }
    Ok((skill_name(skill)?, PathBuf::from(path)))
}

/// `SKILL=DURATION`.
fn parse_skill_aht(text: &str) -> Result<(String, Duration), String> {
    let (skill, aht) =
        text.split_once('=').ok_or_else(|| format!("`{text}`: expected SKILL=DURATION"))?;
    Ok((skill_name(skill)?, parse_duration(aht).map_err(|e| e.to_string())?))
}

#[derive(Serialize)]
struct RequirementReport<'a> {
    forecast: String,
    model: &'static str,
    aht_s: f64,
    shrinkage: f64,
    hedge_quantile: Option<f64>,
    total_calls: f64,
    agent_hours: f64,
    peak_agents: u32,
    peak_scheduled: u32,
    #[serde(flatten)]
    requirement: &'a Requirement,
}

impl<'a> RequirementReport<'a> {
    fn new(
        forecast: &Path,
        model: &'static str,
        options: &RequirementOptions,
        req: &'a Requirement,
    ) -> Self {
        RequirementReport {
            forecast: forecast.display().to_string(),
            model,
            aht_s: options.aht_s,
            shrinkage: options.shrinkage,
            hedge_quantile: options.hedge_quantile,
            total_calls: req.calls.iter().sum(),
            agent_hours: req.agent_hours(),
            peak_agents: req.agents.iter().copied().max().unwrap_or(0),
            peak_scheduled: req.scheduled.iter().copied().max().unwrap_or(0),
            requirement: req,
        }
    }
}

/// One skill's requirement in a multi-skill run.
#[derive(Serialize)]
struct SkillReport<'a> {
    skill: &'a str,
    #[serde(flatten)]
    report: RequirementReport<'a>,
}

/// `hotline wfm requirement --skill ...`.
#[derive(Serialize)]
struct SkillsReport<'a> {
    model: &'static str,
    shrinkage: f64,
    hedge_quantile: Option<f64>,
    /// Agent-hours to schedule over every skill (each skill staffed on its own).
    agent_hours: f64,
    /// The largest per-interval sum over skills of agents to schedule.
    peak_scheduled: u32,
    skills: Vec<SkillReport<'a>>,
}

/// The requirement's options under `args`, with average handling time `aht`.
fn requirement_options(args: &RequirementArgs, aht: Duration) -> RequirementOptions {
    let model = match args.patience {
        Some(p) => QueueModel::ErlangA { patience_s: p.as_secs_f64() },
        None => QueueModel::ErlangC,
    };
    let mut targets = Targets {
        service_level: args.sl,
        max_asa_s: args.max_asa.map(|d| d.as_secs_f64()),
        max_abandon: args.max_abandon,
        max_occupancy: Some(args.max_occupancy),
    };
    if targets.service_level.is_none()
        && targets.max_asa_s.is_none()
        && targets.max_abandon.is_none()
    {
        targets.service_level = RequirementOptions::default().targets.service_level;
    }
    RequirementOptions {
        model,
        aht_s: aht.as_secs_f64(),
        targets,
        shrinkage: args.shrinkage,
        hedge_quantile: args.hedge,
    }
}

/// The requirement of the forecast in `path` under `options`.
fn requirement_of(path: &Path, options: RequirementOptions) -> Result<Requirement, Failure> {
    let text = crate::input::read_text(path, MAX_CSV_BYTES, "CSV")?;
    let table = read_table(&text, &[&["mean", "volume", "calls"], &["variance"]])
        .map_err(|e| rejected(path, &e))?;
    let Some(calls) = &table.columns[0] else {
        return Err(Failure::rejected(format!(
            "{}: line 1: no calls column: the header needs `mean`, `volume` or `calls`",
            path.display()
        )));
    };
    let variance = table.columns[1].clone().unwrap_or_default();
    if options.hedge_quantile.is_some() && variance.is_empty() {
        return Err(Failure::usage(format!(
            "--hedge needs a `variance` column, and {} has none",
            path.display()
        )));
    }
    hotline_wfm::requirement_from_calls(
        table.start,
        table.interval_minutes,
        calls,
        &variance,
        options,
    )
    .map_err(|e| match e {
        WfmError::Invalid { field, message } if field == "calls" => {
            Failure::rejected(format!("{}: {message}", path.display()))
        }
        other => Failure::rejected(format!("{}: {other}", path.display())),
    })
}

fn requirement(args: &RequirementArgs) -> Outcome {
    let model = if args.patience.is_some() { "erlang-a" } else { "erlang-c" };
    let Some(forecast) = &args.forecast else {
        if args.skills.is_empty() {
            return Err(Failure::usage(
                "give a FORECAST.csv, or each skill's forecast with --skill SKILL=FORECAST.csv",
            ));
        }
        return skills_requirement(args, model);
    };
    if let Some((skill, _)) = args.skill_aht.first() {
        return Err(Failure::usage(format!(
            "--skill-aht {skill}=...: there is no --skill {skill} (one forecast: use --aht)"
        )));
    }
    let options = requirement_options(args, args.aht);
    let req = requirement_of(forecast, options)?;
    let report = RequirementReport::new(forecast, model, &options, &req);
    if let Some(path) = &args.output {
        write_file(path, &requirement_csv(&req))?;
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "Requirement: {} model, {:.0}-second calls, {:.0}% shrinkage, {}-minute intervals",
            report.model,
            options.aht_s,
            100.0 * options.shrinkage,
            req.interval_minutes
        );
        write_file(path, &hotline_wfm::requirement_svg(&req, &title))?;
    }
    if args.json {
        json_out(&report)?;
    } else {
        println!(
            "{} intervals of {} minutes from {}: {:.0} calls, {} model, AHT {} s",
            req.calls.len(),
            req.interval_minutes,
            req.start,
            report.total_calls,
            report.model,
            report.aht_s
        );
        println!(
            "peak {} agents on the phones, {} scheduled; {:.1} agent-hours to schedule",
            report.peak_agents, report.peak_scheduled, report.agent_hours
        );
    }
    for path in [&args.output, &args.plot].into_iter().flatten() {
        wrote(args.json, path);
    }
    Ok(Status::Success)
}

/// `path` with `-skill` added to its file name, before the extension.
fn with_skill(path: &Path, skill: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{skill}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{skill}"),
    };
    path.with_file_name(name)
}

/// Every skill's requirement from its own forecast, in one run (`--skill SKILL=FILE ...`).
fn skills_requirement(args: &RequirementArgs, model: &'static str) -> Outcome {
    for (k, (skill, _)) in args.skills.iter().enumerate() {
        if args.skills[..k].iter().any(|(s, _)| s.eq_ignore_ascii_case(skill)) {
            return Err(Failure::usage(format!("--skill {skill} is given twice")));
        }
    }
    if let Some((skill, _)) =
        args.skill_aht.iter().find(|(s, _)| !args.skills.iter().any(|(k, _)| k == s))
    {
        return Err(Failure::usage(format!(
            "--skill-aht {skill}=...: there is no --skill {skill}"
        )));
    }
    let mut reqs: Vec<(RequirementOptions, Requirement)> = Vec::with_capacity(args.skills.len());
    for (skill, path) in &args.skills {
        let aht = args.skill_aht.iter().rev().find(|(s, _)| s == skill).map_or(args.aht, |a| a.1);
        let options = requirement_options(args, aht);
        let req = requirement_of(path, options)?;
        if let Some((_, first)) = reqs.first() {
            let (first_skill, first_path) = &args.skills[0];
            if (req.start, req.interval_minutes, req.calls.len())
                != (first.start, first.interval_minutes, first.calls.len())
            {
                return Err(Failure::rejected(format!(
                    "{}: skill {skill}'s forecast covers {} intervals of {} minutes from {}, \
                     skill {first_skill}'s ({}) {} of {} minutes from {}: every skill's forecast \
                     must cover the same intervals",
                    path.display(),
                    req.calls.len(),
                    req.interval_minutes,
                    req.start,
                    first_path.display(),
                    first.calls.len(),
                    first.interval_minutes,
                    first.start
                )));
            }
        }
        reqs.push((options, req));
    }
    let n = reqs.first().map_or(0, |(_, r)| r.calls.len());
    let total: Vec<u32> =
        (0..n).map(|i| reqs.iter().map(|(_, r)| r.scheduled[i]).sum::<u32>()).collect();
    let report = SkillsReport {
        model,
        shrinkage: args.shrinkage,
        hedge_quantile: args.hedge,
        agent_hours: reqs.iter().map(|(_, r)| r.agent_hours()).sum(),
        peak_scheduled: total.iter().copied().max().unwrap_or(0),
        skills: args
            .skills
            .iter()
            .zip(&reqs)
            .map(|((skill, path), (options, req))| SkillReport {
                skill,
                report: RequirementReport::new(path, model, options, req),
            })
            .collect(),
    };
    let mut written = Vec::new();
    if let Some(path) = &args.output {
        let skills: Vec<(&str, &Requirement)> =
            args.skills.iter().zip(&reqs).map(|((s, _), (_, r))| (s.as_str(), r)).collect();
        write_file(path, &skills_requirement_csv(&skills))?;
        written.push(path.clone());
    }
    if let Some(plot) = &args.plot {
        for ((skill, _), (options, req)) in args.skills.iter().zip(&reqs) {
            let title = format!(
                "Requirement of {skill}: {model} model, {:.0}-second calls, {:.0}% shrinkage, \
                 {}-minute intervals",
                options.aht_s,
                100.0 * options.shrinkage,
                req.interval_minutes
            );
            let path = with_skill(plot, skill);
            write_file(&path, &hotline_wfm::requirement_svg(req, &title))?;
            written.push(path);
        }
    }
    if args.json {
        json_out(&report)?;
    } else {
        if let Some((_, r)) = reqs.first() {
            println!(
                "{} skills, {} intervals of {} minutes from {}, {model} model",
                reqs.len(),
                n,
                r.interval_minutes,
                r.start
            );
        }
        for s in &report.skills {
            println!(
                "{}: {:.0} calls, AHT {} s: peak {} agents on the phones, {} scheduled; \
                 {:.1} agent-hours",
                s.skill,
                s.report.total_calls,
                s.report.aht_s,
                s.report.peak_agents,
                s.report.peak_scheduled,
                s.report.agent_hours
            );
        }
        println!(
            "all skills: peak {} scheduled; {:.1} agent-hours to schedule",
            report.peak_scheduled, report.agent_hours
        );
    }
    for path in &written {
        wrote(args.json, path);
    }
    Ok(Status::Success)
}

/// `timestamp` and `calls:SKILL,agents:SKILL,scheduled:SKILL` for each skill (what `hotline wfm
/// schedule` reads as a multi-skill requirement).
fn skills_requirement_csv(skills: &[(&str, &Requirement)]) -> String {
    let mut out = String::from("timestamp");
    for (skill, _) in skills {
        let _ = write!(out, ",calls:{skill},agents:{skill},scheduled:{skill}");
    }
    out.push('\n');
    let Some((_, first)) = skills.first() else { return out };
    let s =
        Series { start: first.start, interval_minutes: first.interval_minutes, values: Vec::new() };
    for i in 0..first.calls.len() {
        out.push_str(&s.time_of(i).strftime("%Y-%m-%dT%H:%M").to_string());
        for (_, r) in skills {
            let _ = write!(out, ",{:.3},{},{}", r.calls[i], r.agents[i], r.scheduled[i]);
        }
        out.push('\n');
    }
    out
}

/// `timestamp,calls,agents,scheduled`.
fn requirement_csv(req: &Requirement) -> String {
    let s = Series { start: req.start, interval_minutes: req.interval_minutes, values: Vec::new() };
    let mut out = String::from("timestamp,calls,agents,scheduled\n");
    for i in 0..req.calls.len() {
        let _ = writeln!(
            out,
            "{},{:.3},{},{}",
            s.time_of(i).strftime("%Y-%m-%dT%H:%M"),
            req.calls[i],
            req.agents[i],
            req.scheduled[i]
        );
    }
    out
}

fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

#[derive(Serialize)]
struct BreakOut {
    name: String,
    start: String,
    end: String,
}

#[derive(Serialize)]
struct ShiftOut {
    template: String,
    start: String,
    end: String,
    breaks: Vec<BreakOut>,
    count: u32,
}

#[derive(Serialize)]
struct DayOut {
    date: String,
    shifts: Vec<ShiftOut>,
    required: Vec<u32>,
    coverage: Vec<u32>,
    under: u64,
    over: u64,
}

#[derive(Serialize)]
struct AssignmentOut {
    agent: String,
    date: String,
    template: String,
    start: String,
    end: String,
    breaks: Vec<BreakOut>,
}

#[derive(Serialize)]
struct ViolationOut {
    rule: String,
    agent: String,
    day: usize,
    message: String,
}

#[derive(Serialize)]
struct RosterOut {
    agents: usize,
    assignments: Vec<AssignmentOut>,
    preferred_days_off_worked: usize,
    mean_start_deviation_minutes: f64,
    violations: Vec<ViolationOut>,
}

#[derive(Serialize)]
struct ScheduleReport {
    requirement: String,
    config: String,
    interval_minutes: u32,
    start: String,
    days: Vec<DayOut>,
    shift_count: u64,
    /// Agent-intervals short of the requirement.
    under: u64,
    /// Agent-intervals over the requirement.
    over: u64,
    objective: f64,
    /// A lower bound on the objective (the linear-programming relaxation), when computed.
    lower_bound: Option<f64>,
    /// Intervals after the requirement's last row, to the end of its day, planned with nobody
    /// required.
    padded_intervals: usize,
    /// The skills of a multi-skill requirement (`scheduled:SKILL` columns); `required` and
    /// `coverage` are then totals over skills.
    skills: Vec<String>,
    roster: Option<RosterOut>,
}

fn shift_out(problem: &ScheduleProblem, shift: &hotline_wfm::Shift, count: u32) -> ShiftOut {
    let template = problem.templates.get(shift.template);
    let breaks = template
        .map(|t| {
            t.breaks
                .iter()
                .zip(&shift.break_starts)
                .map(|(b, s)| BreakOut {
                    name: b.name.clone(),
                    start: hhmm(*s),
                    end: hhmm(s + b.length_minutes),
                })
                .collect()
        })
        .unwrap_or_default();
    ShiftOut {
        template: template.map_or_else(String::new, |t| t.name.clone()),
        start: hhmm(shift.start_minute),
        end: hhmm(shift.end_minute()),
        breaks,
        count,
    }
}

fn breaks_text(breaks: &[BreakOut]) -> String {
    breaks
        .iter()
        .map(|b| format!("{} {}-{}", b.name, b.start, b.end))
        .collect::<Vec<_>>()
        .join("; ")
}

fn schedule(args: &ScheduleArgs) -> Outcome {
    let text = crate::input::read_text(&args.requirement, MAX_CSV_BYTES, "requirement CSV")?;
    // Per-skill columns `scheduled:SKILL`, named in the header.
    let skill_names: Vec<String> = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|h| {
            // The skill keeps its case (templates name it); the column is matched lowercased.
            h.split(',')
                .map(str::trim)
                .filter_map(|c| {
                    let (head, skill) = (c.get(..10)?, c.get(10..)?);
                    (head.eq_ignore_ascii_case("scheduled:") && !skill.is_empty())
                        .then(|| skill.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let skill_columns: Vec<String> =
        skill_names.iter().map(|k| format!("scheduled:{}", k.to_ascii_lowercase())).collect();
    let mut wanted: Vec<Vec<&str>> = vec![vec!["scheduled", "agents"]];
    wanted.extend(skill_columns.iter().map(|c| vec![c.as_str()]));
    let wanted: Vec<&[&str]> = wanted.iter().map(Vec::as_slice).collect();
    let table = read_table(&text, &wanted).map_err(|e| rejected(&args.requirement, &e))?;
    let skill_sum: Option<Vec<f64>> = (!skill_names.is_empty()).then(|| {
        let n = table.lines.len();
        (0..n).map(|i| table.columns[1..].iter().flatten().map(|c| c[i]).sum()).collect()
    });
    let Some(required) = skill_sum.as_ref().or(table.columns[0].as_ref()) else {
        return Err(Failure::rejected(format!(
            "{}: line 1: no agents column: the header needs `scheduled`, `agents` or `scheduled:SKILL`",
            args.requirement.display()
        )));
    };
    let per_day = (1440 / table.interval_minutes) as usize;
    if table.start.time() != jiff::civil::Time::midnight() {
        return Err(Failure::rejected(format!(
            "{}: line {}, column 1: the requirement must start at 00:00 (whole days), not {}",
            args.requirement.display(),
            table.lines[0],
            table.start.time()
        )));
    }
    // A horizon that is not whole days (a `--horizon 36h` forecast): the rest of the last day is
    // planned with nobody required.
    let padded_intervals = (per_day - required.len() % per_day) % per_day;
    let days_of = |column: &[f64]| -> Result<Vec<Vec<u32>>, Failure> {
        let mut by_day = Vec::with_capacity(column.len().div_ceil(per_day));
        for (d, day) in column.chunks(per_day).enumerate() {
            let mut v = Vec::with_capacity(per_day);
            for (i, x) in day.iter().enumerate() {
                if x.fract() != 0.0 || *x > 1e6 {
                    return Err(Failure::rejected(format!(
                        "{}: line {}: `{x}` agents is not a whole number up to 1,000,000",
                        args.requirement.display(),
                        table.lines[d * per_day + i]
                    )));
                }
                v.push(*x as u32);
            }
            v.resize(per_day, 0);
            by_day.push(v);
        }
        Ok(by_day)
    };
    let mut skill_required = Vec::with_capacity(skill_names.len());
    for (k, name) in skill_names.iter().enumerate() {
        let column = table.columns[k + 1].as_deref().unwrap_or_default();
        skill_required.push(hotline_wfm::SkillRequirement {
            skill: name.clone(),
            required: days_of(column)?,
        });
    }
    let by_day = days_of(required)?;
    let config = read_schedule_config(&args.config)?;
    let first_weekday = table.start.date().weekday().to_monday_zero_offset() as u8;
    let mut problem = config.problem(by_day, table.interval_minutes, first_weekday);
    problem.skill_required = skill_required;
    let schedule = hotline_wfm::solve(&problem).map_err(|e| {
        Failure::rejected(format!(
            "{} with {}: {e}",
            args.config.display(),
            args.requirement.display()
        ))
    })?;
    let day_count = schedule.days.len();
    let date_of = |d: usize| {
        table
            .start
            .date()
            .checked_add(jiff::Span::new().days(d as i64))
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    let roster: Option<(Roster, Vec<Agent>)> = if config.agents.is_empty() {
        None
    } else {
        let r = hotline_wfm::roster(&problem, &schedule, &config.agents, &config.rules)
            .map_err(|e| Failure::rejected(format!("{}: rostering: {e}", args.config.display())))?;
        Some((r, config.agents.clone()))
    };
    if roster.is_none() && (args.roster.is_some() || args.roster_plot.is_some()) {
        return Err(Failure::usage(format!(
            "--roster and --roster-plot need agents: {} has no [[agents]]",
            args.config.display()
        )));
    }
    let report = schedule_report(
        args,
        &problem,
        &schedule,
        roster.as_ref(),
        &config.rules,
        &date_of,
        padded_intervals,
    );
    if let Some(path) = &args.output {
        let mut csv = String::from("date,template,start,end,breaks,count\n");
        for d in &report.days {
            for s in &d.shifts {
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{},{}",
                    d.date,
                    s.template,
                    s.start,
                    s.end,
                    breaks_text(&s.breaks),
                    s.count
                );
            }
        }
        write_file(path, &csv)?;
    }
    if let Some(path) = &args.plot {
        let title = format!("Required and scheduled agents from {}", date_of(0));
        write_file(path, &hotline_wfm::coverage_svg(&problem, &schedule, &title))?;
    }
    if let (Some((r, agents)), Some(path)) = (&roster, &args.roster_plot) {
        let title = format!("Roster from {} (first 40 agents)", date_of(0));
        write_file(path, &hotline_wfm::roster_svg(&problem, r, agents, day_count, 40, &title))?;
    }
    if let (Some(r), Some(path)) = (&report.roster, &args.roster) {
        let mut csv = String::from("agent,date,template,start,end,breaks\n");
        for a in &r.assignments {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                a.agent,
                a.date,
                a.template,
                a.start,
                a.end,
                breaks_text(&a.breaks)
            );
        }
        write_file(path, &csv)?;
    }
    let violations = report.roster.as_ref().map_or(0, |r| r.violations.len());
    if args.json {
        json_out(&report)?;
    } else {
        print!("{}", schedule_text(&report));
    }
    for path in [&args.output, &args.plot, &args.roster, &args.roster_plot].into_iter().flatten() {
        wrote(args.json, path);
    }
    Ok(if violations > 0 { Status::Rejected } else { Status::Success })
}

fn schedule_report(
    args: &ScheduleArgs,
    problem: &ScheduleProblem,
    schedule: &Schedule,
    roster: Option<&(Roster, Vec<Agent>)>,
    rules: &Rules,
    date_of: &dyn Fn(usize) -> String,
    padded_intervals: usize,
) -> ScheduleReport {
    let days = schedule
        .days
        .iter()
        .enumerate()
        .map(|(d, day)| {
            let required = problem.required.get(d).cloned().unwrap_or_default();
            let (mut under, mut over) = (0u64, 0u64);
            for (r, c) in required.iter().zip(&day.coverage) {
                under += u64::from(r.saturating_sub(*c));
                over += u64::from(c.saturating_sub(*r));
            }
            DayOut {
                date: date_of(d),
                shifts: day.shifts.iter().map(|(s, n)| shift_out(problem, s, *n)).collect(),
                required,
                coverage: day.coverage.clone(),
                under,
                over,
            }
        })
        .collect();
    let roster = roster.map(|(r, agents)| {
        let violations = hotline_wfm::check_roster(
            problem,
            schedule.first_weekday,
            schedule.days.len(),
            r,
            agents,
            rules,
        );
        RosterOut {
            agents: agents.len(),
            assignments: r
                .assignments
                .iter()
                .map(|a| {
                    let s = shift_out(problem, &a.shift, 1);
                    AssignmentOut {
                        agent: agents.get(a.agent).map_or_else(String::new, |x| x.name.clone()),
                        date: date_of(a.day),
                        template: s.template,
                        start: s.start,
                        end: s.end,
                        breaks: s.breaks,
                    }
                })
                .collect(),
            preferred_days_off_worked: r.preferred_days_off_worked,
            mean_start_deviation_minutes: r.mean_start_deviation_minutes,
            violations: violations
                .into_iter()
                .map(|v| ViolationOut {
                    rule: v.rule.to_string(),
                    agent: v.agent,
                    day: v.day,
                    message: v.message,
                })
                .collect(),
        }
    });
    ScheduleReport {
        requirement: args.requirement.display().to_string(),
        config: args.config.display().to_string(),
        interval_minutes: problem.interval_minutes,
        start: date_of(0),
        days,
        shift_count: schedule.shift_count,
        under: schedule.under,
        over: schedule.over,
        objective: schedule.objective,
        lower_bound: schedule.lower_bound,
        padded_intervals,
        skills: problem.skill_required.iter().map(|k| k.skill.clone()).collect(),
        roster,
    }
}

fn schedule_text(r: &ScheduleReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} days from {} in {}-minute intervals: {} shifts; {} agent-intervals short, {} over (objective {:.1})",
        r.days.len(),
        r.start,
        r.interval_minutes,
        r.shift_count,
        r.under,
        r.over,
        r.objective
    );
    if !r.skills.is_empty() {
        let _ = writeln!(
            out,
            "skills {}: each agent counted once, for whichever of its skills needs it",
            r.skills.join(", ")
        );
    }
    if let Some(bound) = r.lower_bound {
        let _ = writeln!(
            out,
            "no schedule of these shifts does better than {bound:.1} (the relaxation's bound)"
        );
    }
    if r.padded_intervals > 0 {
        let _ = writeln!(
            out,
            "the requirement ends {} intervals before the end of its last day: planned with nobody required there",
            r.padded_intervals
        );
    }
    for d in &r.days {
        let shifts: u32 = d.shifts.iter().map(|s| s.count).sum();
        let _ = writeln!(out, "{}: {shifts} shifts, {} short, {} over", d.date, d.under, d.over);
        for s in &d.shifts {
            let _ = writeln!(
                out,
                "  {:>3} × {:<10} {}-{}  {}",
                s.count,
                s.template,
                s.start,
                s.end,
                breaks_text(&s.breaks)
            );
        }
    }
    if let Some(roster) = &r.roster {
        let _ = writeln!(
            out,
            "roster: {} shifts on {} agents; {} preferred days off worked; starts {:.0} minutes from preferred on average",
            roster.assignments.len(),
            roster.agents,
            roster.preferred_days_off_worked,
            roster.mean_start_deviation_minutes
        );
        for v in &roster.violations {
            let _ = writeln!(
                out,
                "  broken rule {}: {} day {}: {}",
                v.rule,
                v.agent,
                v.day + 1,
                v.message
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans() {
        assert_eq!(parse_span("14d").unwrap(), Duration::from_secs(14 * 86_400));
        assert_eq!(parse_span(" 2 days ").unwrap(), Duration::from_secs(2 * 86_400));
        assert_eq!(parse_span("1day").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_span("90m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_span("20").unwrap(), Duration::from_secs(20));
        assert!(parse_span("d").is_err());
        assert!(parse_span("1e400d").is_err());
        assert!(parse_span("-0.5d").unwrap_err().to_string().contains("negative"));
        assert!(parse_span("-30s").unwrap_err().to_string().contains("negative"));
        assert_eq!(intervals_of(Duration::from_secs(36 * 3600), 30), 72);
        assert_eq!(intervals_of(Duration::from_secs(1), 30), 1);
        assert_eq!(intervals_of(Duration::ZERO, 30), 1);
    }

    fn loc(e: WfmError) -> (usize, usize) {
        match e {
            WfmError::Csv { line, column, .. } => (line, column),
            other => panic!("not a CSV error: {other}"),
        }
    }

    #[test]
    fn tables_take_columns_by_name_and_name_line_and_column() {
        let t = read_table(
            "# made by hand\nTimestamp, variance ,mean\n\n2026-03-02 00:00,1,10\n2026-03-02T00:15,2,20\n",
            &[&["mean", "volume"], &["variance"], &["missing"]],
        )
        .unwrap();
        assert_eq!(t.interval_minutes, 15);
        assert_eq!(t.start.to_string(), "2026-03-02T00:00:00");
        assert_eq!(t.columns[0], Some(vec![10.0, 20.0]));
        assert_eq!(t.columns[1], Some(vec![1.0, 2.0]));
        assert_eq!(t.columns[2], None);
        assert_eq!(t.lines, vec![4, 5]);
        let read = |text: &str| read_table(text, &[&["mean"]]).map(|_| ()).unwrap_err();
        assert_eq!(loc(read("")), (1, 1));
        assert_eq!(loc(read("timestamp,mean\n")), (1, 1));
        assert_eq!(loc(read("time,mean\n2026-03-02T00:00,1\n")), (1, 1));
        assert_eq!(loc(read("timestamp,mean\n2026-03-02T00:00,NaN\n")), (2, 2));
        assert_eq!(loc(read("timestamp,mean\nmonday,1\n")), (2, 1));
        assert_eq!(loc(read("timestamp,mean\n2026-03-02T00:00,1\n2026-03-02T00:20,1\n")), (3, 1));
        assert_eq!(
            loc(read(
                "timestamp,mean\n2026-03-02T00:00,1\n2026-03-02T00:30,1\n2026-03-02T00:30,1\n"
            )),
            (4, 1)
        );
        // Off the interval grid.
        assert_eq!(loc(read("timestamp,mean\n2026-03-02T00:10,1\n2026-03-02T00:40,1\n")), (2, 1));
    }

    proptest! {
        #[test]
        fn any_text_gives_a_table_or_an_error(text in "(timestamp,mean\n)?([0-9T:, .-]{0,40}\n){0,6}") {
            if let Ok(t) = read_table(&text, &[&["mean"]]) {
                prop_assert!([15, 30, 60].contains(&t.interval_minutes));
                prop_assert_eq!(t.columns[0].as_ref().map_or(0, Vec::len), t.lines.len());
            }
        }

        #[test]
        fn any_span_text_gives_a_value_or_an_error(text in ".{0,12}") {
            let _ = parse_span(&text);
        }
    }
}
