//! `hotline flow ...`: the work-order engine (hotline-flow) over a SQLite file or a PostgreSQL
//! database.
//!
//! Every subcommand takes the store as `--store FILE` (a SQLite file; `--db` is the same option)
//! or `--store postgres://USER:PASSWORD@HOST:PORT/DATABASE` (built with the default `postgres`
//! feature).
//!
//! * `hotline flow init --store FILE|URL` creates the store (on PostgreSQL: migrates it);
//! * `hotline flow migrate --store URL` brings a PostgreSQL store's schema to this build's
//!   version (every other subcommand refuses a store that is older or newer);
//! * `hotline flow check DEF.toml [--json]` checks a process definition without a store: every
//!   type error, or every problem (nodes, references, conditions, calendars), each with its line;
//! * `hotline flow deploy DEF.toml --store FILE` deploys a process definition (a new version for
//!   every change); an invalid one is refused with the same list;
//! * `hotline flow start --def NAME --data JSON --store FILE` starts a work order and prints its id;
//! * `hotline flow act ORDER COMMAND [--to ...] [--reason ...] --store FILE` applies a command
//!   (`accept`, `dispatch`, `transfer`, `return`, `reply`, `urge`, `supervise`, `extend`,
//!   `joint`, `approve`, `reject`, `close`, `follow-up`, `reopen`, `pause`, `resume`,
//!   `complete`, `add-signer`, `remove-signer`, `set`);
//! * `hotline flow list [--assignee WHO]... [--overdue] [--near-due DURATION] --store FILE` prints
//!   work lists;
//! * `hotline flow show ORDER --store FILE` prints an order and its timeline;
//! * `hotline flow tick [--now TIME] --store FILE` fires due timers (also those that fell due while
//!   nothing ran);
//! * `hotline flow kpi --from TIME --to TIME --store FILE` prints KPIs per department;
//! * `hotline flow verify ORDER|--all --store FILE` checks hash chains (exit 1 on tampering).
//!
//! A TIME is RFC 3339 with an offset (`2026-03-02T10:00:00+08:00`), a local date and time or a
//! date without an offset (`2026-03-02T10:00`, `2026-03-01` for midnight), or `now` (the default
//! wherever a time is optional). A time without an offset is read in the time zone of the
//! definition in force (the order's for `act`, the named one for `start`, the deployed
//! definitions' for `list`, `tick` and `kpi`, refused when they disagree), as `hotline calendar
//! add` reads it in the calendar's zone. Deadlines run on the
//! calendars bundled with hotline-calendar (`china`, `us`, `eu-berlin`) and those a definition
//! defines itself.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
#[cfg(feature = "postgres")]
use hotline_flow::store::PostgresStore;
use hotline_flow::store::{SqliteStore, Store};
use hotline_flow::{
    Act, Assignee, Calendars, Change, Command, Engine, Event, FlowError, Output, Phase, Vars,
    WorkCursor, WorkFilter,
};
use jiff::Timestamp;

use crate::report::{Failure, Outcome, Status, print_json};
use crate::units::{TimeArg, parse_duration, parse_time};

/// What to do with work orders.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum FlowCommand {
    /// Create a store (a SQLite file, or the schema in a PostgreSQL database).
    Init(DbArgs),
    /// Migrate a PostgreSQL store's schema to this build's version.
    Migrate(MigrateArgs),
    /// Check a process definition (TOML) without a store: every type error, or every problem
    /// (nodes, references, conditions, calendars), each with its line.
    Check(CheckArgs),
    /// Deploy a process definition (TOML).
    Deploy(DeployArgs),
    /// Start a work order.
    Start(StartArgs),
    /// Apply a command to a work order.
    Act(ActArgs),
    /// Work lists: open items by assignee, near-due and overdue.
    List(ListArgs),
    /// One work order and its timeline.
    Show(ShowArgs),
    /// Fire every timer due (warnings, escalation, reminders, timer steps).
    Tick(TickArgs),
    /// KPIs per department for a period.
    Kpi(KpiArgs),
    /// Verify hash chains.
    Verify(VerifyArgs),
}

/// The store option.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The store: a SQLite file, or a PostgreSQL database as
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    #[arg(long = "store", visible_alias = "db", value_name = "FILE|URL")]
    pub db: String,
}

/// `hotline flow migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow check`.
#[derive(Debug, Args)]
#[command(after_help = "Definition files are at most 1 MiB. Exit status: 0 valid, 1 invalid, 2 a \
                        file that cannot be read.")]
pub struct CheckArgs {
    /// The definition file (TOML, at most 1 MiB).
    #[arg(value_name = "DEF.toml")]
    pub definition: PathBuf,
    /// Print `{"file", "ok", "diagnostics": [{severity, line, column, message}]}`.
    #[arg(long)]
    pub json: bool,
}

/// `hotline flow deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The definition file (TOML, at most 1 MiB).
    #[arg(value_name = "DEF.toml")]
    pub definition: PathBuf,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The definition's name.
    #[arg(long = "def", value_name = "NAME")]
    pub definition: String,
    /// A definition version (default: the latest).
    #[arg(long = "def-version", value_name = "N")]
    pub def_version: Option<u32>,
    /// Variables as a JSON object (`{"category": "complaint"}`).
    #[arg(long, value_name = "JSON", default_value = "{}")]
    pub data: String,
    /// Who starts it.
    #[arg(long, default_value = "cli")]
    pub actor: String,
    /// Idempotency key.
    #[arg(long)]
    pub key: Option<String>,
    /// The time (default: now): `now`, RFC 3339, or a local time in the definition's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<TimeArg>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow act`.
#[derive(Debug, Args)]
pub struct ActArgs {
    /// The work order.
    pub order: String,
    /// The command: accept, dispatch, transfer, return, reply, urge, supervise, extend, joint,
    /// approve, reject, close, follow-up, reopen, pause, resume, complete, add-signer,
    /// remove-signer, set.
    pub command: String,
    /// Target: the department for dispatch and transfer, departments (comma-separated) for joint,
    /// the signer for add-signer and remove-signer.
    #[arg(long, value_name = "WHO")]
    pub to: Option<String>,
    /// Why (required by return, extend, reject and reopen).
    #[arg(long)]
    pub reason: Option<String>,
    /// The reply text (reply), or the note (urge, supervise).
    #[arg(long)]
    pub text: Option<String>,
    /// Working days asked for (extend).
    #[arg(long)]
    pub days: Option<u32>,
    /// Satisfaction 1–5 (follow-up).
    #[arg(long)]
    pub satisfaction: Option<u8>,
    /// The request to decide (approve, reject).
    #[arg(long)]
    pub request: Option<u32>,
    /// Variables as a JSON object (accept, complete, set).
    #[arg(long, value_name = "JSON")]
    pub data: Option<String>,
    /// Act on the item of this assignee (`dept:Water`) when several are open.
    #[arg(long)]
    pub on: Option<String>,
    /// Act on this item.
    #[arg(long)]
    pub item: Option<u32>,
    /// Who acts.
    #[arg(long, default_value = "cli")]
    pub actor: String,
    /// Idempotency key.
    #[arg(long)]
    pub key: Option<String>,
    /// Apply only if the order is at this version.
    #[arg(long, value_name = "VERSION")]
    pub expect: Option<u64>,
    /// The time (default: now): `now`, RFC 3339, or a local time in the definition's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<TimeArg>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Items for this assignee (`person:alice`, `role:dispatcher`, `dept:Water` or a bare
    /// department); repeat for a person's roles and department.
    #[arg(long)]
    pub assignee: Vec<String>,
    /// Only this phase (accept, dispatch, handle, close, follow_up).
    #[arg(long)]
    pub phase: Option<String>,
    /// Only this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Only overdue items.
    #[arg(long)]
    pub overdue: bool,
    /// Only items due within this business time (`8h`, `30m`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub near_due: Option<std::time::Duration>,
    /// At most this many items: one page, read through the store's index. A full page ends with
    /// the `--after` cursor of the next one.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Only items after this cursor (`DEADLINE/ORDER/ITEM`, as a full page prints it).
    #[arg(long, value_name = "CURSOR", value_parser = parse_cursor)]
    pub after: Option<WorkCursor>,
    /// The time (default: now): `now`, RFC 3339, or a local time in the definition's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<TimeArg>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Reads a work-list cursor: `DEADLINE/ORDER/ITEM`, the deadline in RFC 3339 (`-` for none).
fn parse_cursor(s: &str) -> Result<WorkCursor, String> {
    let bad = || {
        format!("`{s}`: a cursor is DEADLINE/ORDER/ITEM, as a full page of `flow list` prints it")
    };
    let (deadline, rest) = s.split_once('/').ok_or_else(bad)?;
    let (order, item) = rest.rsplit_once('/').ok_or_else(bad)?;
    let deadline = match deadline {
        "-" => None,
        d => Some(d.parse::<jiff::Timestamp>().map_err(|e| format!("{}: {e}", bad()))?),
    };
    let item = item.parse().map_err(|_| bad())?;
    if order.is_empty() {
        return Err(bad());
    }
    Ok(WorkCursor { deadline, order: order.to_owned(), item })
}

/// Prints a cursor as [`parse_cursor`] reads it.
fn cursor_text(c: &WorkCursor) -> String {
    let deadline = c.deadline.map_or_else(|| "-".to_owned(), |d| d.to_string());
    format!("{deadline}/{}/{}", c.order, c.item)
}

/// `hotline flow show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The work order.
    pub order: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow tick`.
#[derive(Debug, Args)]
pub struct TickArgs {
    /// The time (default: now): `now`, RFC 3339, or a local time in the definition's zone.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<TimeArg>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow kpi`.
#[derive(Debug, Args)]
pub struct KpiArgs {
    /// Start of the period (inclusive): `now`, RFC 3339, or a local time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: TimeArg,
    /// End of the period (exclusive), after the start.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: TimeArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `hotline flow verify`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).multiple(false))]
pub struct VerifyArgs {
    /// The work order.
    #[arg(group = "which")]
    pub order: Option<String>,
    /// Every work order.
    #[arg(long, group = "which")]
    pub all: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The store.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs a `hotline flow` subcommand.
///
/// # Errors
///
/// A [`Failure`]: exit 1 when a command is rejected, conflicts or a chain does not verify; exit 2
/// for usage errors and unreadable files.
pub fn run(command: FlowCommand) -> Outcome {
    match command {
        FlowCommand::Init(args) => {
            if is_url(&args.db) {
                migrate_postgres(&args.db, false)?;
                open(&args.db, true)?;
                println!("initialised {}", shown(&args.db));
                return Ok(Status::Success);
            }
            let existed = std::fs::metadata(&args.db).is_ok_and(|m| m.len() > 0);
            open(&args.db, true)?;
            if existed {
                println!("{} is a store already; left as it is", args.db);
            } else {
                println!("initialised {}", args.db);
            }
            Ok(Status::Success)
        }
        FlowCommand::Migrate(args) => migrate(&args),
        FlowCommand::Check(args) => {
            let file = args.definition.display().to_string();
            match read_definition(&args.definition) {
                Ok(def) => {
                    // The calendars it names, as a deployment checks them (in a store of
                    // nothing).
                    let store = hotline_flow::store::MemoryStore::new();
                    let mut engine = Engine::new(Box::new(store), Calendars::bundled());
                    let found = match engine.deploy_definition(&def) {
                        Ok(_) => Vec::new(),
                        // With its source: `calendar `x`` alone does not say what is wrong.
                        Err(e) => vec![crate::report::Diagnostic::error(None, None, chain(&e))],
                    };
                    let report = crate::report::CheckReport::new(file, found, ());
                    crate::report::print_check(report, args.json)
                }
                Err(unread) => unread.check(&file, args.json),
            }
        }
        FlowCommand::Deploy(args) => deploy(&args),
        FlowCommand::Start(args) => start(&args),
        FlowCommand::Act(args) => act(&args),
        FlowCommand::List(args) => list(&args),
        FlowCommand::Show(args) => show(&args),
        FlowCommand::Tick(args) => tick(&args),
        FlowCommand::Kpi(args) => kpi(&args),
        FlowCommand::Verify(args) => verify(&args),
    }
}

/// The engine's store: SQLite or PostgreSQL, chosen by the `--store` value.
type FlowEngine = Engine<Box<dyn Store>>;

/// Whether a `--store` value is a PostgreSQL connection string.
fn is_url(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// A `--store` value as it may be printed: a URL's password is hidden.
fn shown(store: &str) -> String {
    if !is_url(store) {
        return store.to_owned();
    }
    match (store.find("://"), store.rfind('@')) {
        (Some(scheme), Some(at)) if scheme + 3 < at => {
            let userinfo = &store[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &store[..scheme + 3], &store[at..]),
                None => store.to_owned(),
            }
        }
        _ => store.to_owned(),
    }
}

#[cfg(feature = "postgres")]
fn migrate_postgres(url: &str, json: bool) -> Outcome {
    let migrated = PostgresStore::migrate(url).map_err(|e| Failure::usage(chain(&e)))?;
    if json {
        return json_out(&migrated);
    }
    if migrated.applied.is_empty() {
        println!("{}: schema version {}, current", shown(url), migrated.to);
    } else {
        println!("{}: schema version {} -> {}", shown(url), migrated.from, migrated.to);
        for m in &migrated.applied {
            println!("  applied {m}");
        }
    }
    Ok(Status::Success)
}

#[cfg(not(feature = "postgres"))]
fn migrate_postgres(_url: &str, _json: bool) -> Outcome {
    Err(no_postgres())
}

#[cfg(not(feature = "postgres"))]
fn no_postgres() -> Failure {
    Failure::usage(
        "this hotline was built without the `postgres` feature: --store takes a SQLite file",
    )
}

fn migrate(args: &MigrateArgs) -> Outcome {
    if is_url(&args.db.db) {
        return migrate_postgres(&args.db.db, args.json);
    }
    // A SQLite store brings its own tables up to date when it is opened.
    open(&args.db.db, false)?;
    if args.json {
        return json_out(&serde_json::json!({ "store": args.db.db, "current": true }));
    }
    println!(
        "{}: a SQLite store is brought up to date whenever it is opened; nothing to do",
        args.db.db
    );
    Ok(Status::Success)
}

fn open(store: &str, create: bool) -> Result<FlowEngine, Failure> {
    if is_url(store) {
        #[cfg(feature = "postgres")]
        {
            let _ = create;
            let store = PostgresStore::connect(store).map_err(|e| Failure::usage(chain(&e)))?;
            return Ok(Engine::new(Box::new(store), Calendars::bundled()));
        }
        #[cfg(not(feature = "postgres"))]
        return Err(no_postgres());
    }
    let db = Path::new(store);
    if !create && !db.exists() {
        return Err(Failure::usage(format!(
            "{} does not exist; create it with `hotline flow init --store {}`",
            db.display(),
            db.display()
        )));
    }
    // An empty file is not a store: opening it would silently create the tables.
    if !create && std::fs::metadata(db).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Err(Failure::rejected(format!(
            "{} is an empty file, not a store; create a store with `hotline flow init --store {}`",
            db.display(),
            db.display()
        )));
    }
    let store = SqliteStore::open(db)
        .map_err(|e| Failure::usage(format!("{}: {}", db.display(), chain(&e))))?;
    Ok(Engine::new(Box::new(store), Calendars::bundled()))
}

/// An error and its sources, `: `-separated (the flow errors keep their source apart).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn fail(e: FlowError) -> Failure {
    match e {
        FlowError::Store { .. } => Failure::usage(chain(&e)),
        // The next step is obvious: say it.
        FlowError::UnknownOrder(_) => {
            Failure::rejected(format!("{e}; `hotline flow list` shows the open work orders"))
        }
        FlowError::UnknownDefinition { .. } => {
            Failure::rejected(format!("{e}; deploy it first with `hotline flow deploy DEF.toml`"))
        }
        other => Failure::rejected(chain(&other)),
    }
}

fn json_out(value: &impl serde::Serialize) -> Outcome {
    print_json(value).map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
    Ok(Status::Success)
}

/// Resolves a time flag (default `now`) in `zone`, the zone of the definition in force; without
/// one (the deployed definitions disagree), a time without an offset is refused, not guessed.
fn parse_time_in(
    flag: &str,
    time: Option<&TimeArg>,
    zone: Option<&jiff::tz::TimeZone>,
) -> Result<Timestamp, Failure> {
    match time {
        None => Ok(Timestamp::now()),
        Some(time) => time.resolve(zone).map_err(|e| Failure::usage(format!("{flag} {e}"))),
    }
}

/// The zone of a definition's default calendar (UTC when the calendar has none).
fn definition_zone(
    engine: &mut FlowEngine,
    name: &str,
    version: Option<u32>,
) -> Result<jiff::tz::TimeZone, Failure> {
    let def = engine.definition(name, version).map_err(fail)?;
    let clock = engine.calendars().for_definition(&def, None).map_err(fail)?;
    Ok(clock.time_zone().unwrap_or(jiff::tz::TimeZone::UTC))
}

/// The zone of the definitions deployed in the store, when they all agree on one (a time without
/// an offset in `list`, `tick` and `kpi` is read in it); `None` when they disagree.
fn store_zone(engine: &mut FlowEngine) -> Result<Option<jiff::tz::TimeZone>, Failure> {
    let mut zones: Vec<jiff::tz::TimeZone> = Vec::new();
    for (name, version) in engine.store().definitions().map_err(fail)? {
        let zone = definition_zone(engine, &name, Some(version))?;
        if !zones.contains(&zone) {
            zones.push(zone);
        }
    }
    Ok(match zones.len() {
        0 => Some(jiff::tz::TimeZone::UTC),
        1 => zones.pop(),
        _ => None,
    })
}

fn parse_vars(flag: &str, text: &str) -> Result<Vars, Failure> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Failure::usage(format!("{flag}: not JSON: {e}")))?;
    match value {
        serde_json::Value::Object(map) => Ok(map.into_iter().collect()),
        _ => Err(Failure::usage(format!("{flag}: expected a JSON object"))),
    }
}

fn deploy(args: &DeployArgs) -> Outcome {
    let def = read_definition(&args.definition).map_err(|u| u.failure(&args.definition))?;
    let mut engine = open(&args.db.db, false)?;
    engine.deploy_definition(&def).map_err(|e| match e {
        FlowError::Store { .. } => fail(e),
        // With its source: `calendar `x`` alone does not say what is wrong.
        other => Failure::rejected(format!("{}: {}", args.definition.display(), chain(&other))),
    })?;
    println!("deployed {} version {}", def.name, def.version);
    Ok(Status::Success)
}

/// Reads a process definition (at most 1 MiB), each `[[node]]` on its own (memory in proportion
/// to the file; the `toml` crate's document of the whole file is never built), and checks it:
/// every syntax or type error, or else every problem [`hotline_flow::Definition::problems`]
/// finds, each at the line of the node or key it is about.
fn read_definition(path: &Path) -> Result<hotline_flow::Definition, crate::report::Unread> {
    use crate::report::{Diagnostic, Unread};
    let text =
        crate::input::read_text(path, crate::input::MAX_TOML_BYTES, "process definition (TOML)")
            .map_err(Unread::Failure)?;
    let def = crate::toml_read::from_str_all::<hotline_flow::Definition>(&text, &["node"])
        .map_err(|errors| Unread::Types(text.clone(), errors))?;
    let problems = def.problems();
    let calendars = custom_calendar_problems(&text, &def);
    if problems.is_empty() && calendars.is_empty() {
        return Ok(def);
    }
    let listed: Vec<(&FlowError, String)> = problems.iter().map(|e| (e, e.to_string())).collect();
    let found = crate::report::placed_problems(listed, |e, message| {
        let place = match e {
            FlowError::DefinitionInvalid { node, .. } => {
                node_place(&text, &message).or_else(|| crate::input::toml_place(&text, node))
            }
            // The condition where the file writes it, quoted.
            FlowError::Condition { text: condition, .. } => ["\"", "'"]
                .iter()
                .find_map(|q| text.find(&format!("{q}{condition}{q}")))
                .map(|at| crate::input::line_column(&text, at)),
            _ => None,
        };
        Diagnostic::error(place.map(|p| p.0), place.map(|p| p.1), message)
    });
    let mut found: Vec<Diagnostic> = found.into_iter().chain(calendars).collect();
    found.sort_by_key(|d| d.line.unwrap_or(usize::MAX));
    Err(Unread::Problems(found))
}

/// Every error or problem of the calendars a definition writes in itself
/// (`[calendars.custom.NAME]`, whose `toml` is a calendar layer), each read as `hotline calendar`
/// reads a file. A finding is placed in the definition file where the calendar's text is written
/// there verbatim (a string without escapes); otherwise it keeps the calendar text's own line in
/// its message.
fn custom_calendar_problems(
    text: &str,
    def: &hotline_flow::Definition,
) -> Vec<crate::report::Diagnostic> {
    let mut all = Vec::new();
    for (name, custom) in &def.calendars.custom {
        let mut found = Vec::new();
        if crate::calendar::read_layer(&custom.toml, &mut found).is_ok() {
            continue;
        }
        // Where the calendar's text starts in the file, when written as it is.
        let start = (!custom.toml.is_empty()).then(|| text.find(custom.toml.as_str())).flatten();
        for d in found {
            let inner = match (d.line, d.column) {
                (Some(l), Some(c)) => format!("line {l}, column {c}: "),
                _ => String::new(),
            };
            let offset = start.zip(d.line).map(|(s, l)| {
                let line_start: usize =
                    custom.toml.split_inclusive('\n').take(l - 1).map(str::len).sum();
                s + line_start
            });
            let (line, column) = match (offset, d.column) {
                (Some(o), Some(c)) => {
                    let (l, c0) = crate::input::line_column(text, o);
                    (Some(l), Some(c0 + c - 1))
                }
                _ => (None, None),
            };
            let message = match line {
                Some(_) => format!("calendars.custom.{name}: {}", d.message),
                None => format!("calendars.custom.{name}: {inner}{}", d.message),
            };
            all.push(crate::report::Diagnostic::error(line, column, message));
        }
    }
    all
}

/// The line and column of the node a definition error names (`node \`handle\`: next: ...`): the
/// `[[node]]` table whose `id` it is, and the named key in it where written.
fn node_place(text: &str, message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find("node `")? + 6..];
    let id = &rest[..rest.find('`')?];
    let field = rest[rest.find('`')? + 1..]
        .strip_prefix(": ")
        .and_then(|r| r.split([':', '.', '[', ' ']).next())
        .filter(|f| !f.is_empty());
    let lines: Vec<&str> = text.lines().collect();
    let is_id = |l: &str| {
        let t = l.trim_start();
        t.strip_prefix("id").is_some_and(|r| {
            let r = r.trim_start();
            r.strip_prefix('=').is_some_and(|v| v.trim().trim_matches('"') == id)
        })
    };
    let at = lines.iter().position(|l| is_id(l))?;
    let header = lines[..at].iter().rposition(|l| l.trim_start().starts_with('[')).unwrap_or(at);
    let key = field.and_then(|f| {
        lines
            .iter()
            .enumerate()
            .skip(header + 1)
            .take_while(|(_, l)| !l.trim_start().starts_with('['))
            .find(|(_, l)| {
                let t = l.trim_start();
                t.strip_prefix(f).is_some_and(|r| r.trim_start().starts_with('='))
            })
    });
    let (n, line) = key.unwrap_or((at, &lines[at]));
    Some((n + 1, line.len() - line.trim_start().len() + 1))
}

fn start(args: &StartArgs) -> Outcome {
    let vars = parse_vars("--data", &args.data)?;
    let mut engine = open(&args.db.db, false)?;
    let zone = definition_zone(&mut engine, &args.definition, args.def_version)?;
    let now = parse_time_in("--now", args.now.as_ref(), Some(&zone))?;
    let ack = engine
        .handle_start(
            now,
            &args.definition,
            args.def_version,
            vars,
            &args.actor,
            args.key.as_deref(),
        )
        .map_err(fail)?;
    if args.json {
        return json_out(&ack);
    }
    println!("{}", ack.order);
    Ok(Status::Success)
}

fn need<T: Clone>(value: &Option<T>, flag: &str, command: &str) -> Result<T, Failure> {
    value.clone().ok_or_else(|| Failure::usage(format!("`{command}` needs {flag}")))
}

fn build_command(args: &ActArgs) -> Result<Command, Failure> {
    let name = args.command.as_str();
    let data = match &args.data {
        Some(text) => parse_vars("--data", text)?,
        None => Vars::new(),
    };
    let note = args.text.clone().unwrap_or_default();
    Ok(match name {
        "accept" => Command::Accept { vars: data },
        "dispatch" => Command::Dispatch { to: need(&args.to, "--to DEPARTMENT", name)? },
        "transfer" => Command::Transfer { to: need(&args.to, "--to DEPARTMENT", name)? },
        "return" => Command::Return,
        "reply" => Command::Reply { text: need(&args.text, "--text TEXT", name)? },
        "urge" => Command::Urge { note },
        "supervise" => Command::Supervise { note },
        "extend" => Command::RequestExtension { days: need(&args.days, "--days N", name)? },
        "joint" => Command::RequestJoint {
            departments: need(&args.to, "--to DEPT,DEPT", name)?
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect(),
        },
        "approve" => Command::Approve { request: need(&args.request, "--request ID", name)? },
        "reject" => Command::Reject { request: need(&args.request, "--request ID", name)? },
        "close" => Command::Close,
        "follow-up" => Command::FollowUp {
            satisfaction: need(&args.satisfaction, "--satisfaction 1-5", name)?,
            comment: note,
        },
        "reopen" => Command::Reopen,
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        "complete" => Command::Complete { vars: data },
        "add-signer" => Command::AddSigner { to: need(&args.to, "--to WHO", name)? },
        "remove-signer" => Command::RemoveSigner { to: need(&args.to, "--to WHO", name)? },
        "set" => Command::SetVars { vars: data },
        other => {
            return Err(Failure::usage(format!(
                "unknown command `{other}`: use accept, dispatch, transfer, return, reply, urge, \
                 supervise, extend, joint, approve, reject, close, follow-up, reopen, pause, \
                 resume, complete, add-signer, remove-signer or set"
            )));
        }
    })
}

fn act(args: &ActArgs) -> Outcome {
    let command = build_command(args)?;
    let mut engine = open(&args.db.db, false)?;
    let state = engine.load(&args.order).map_err(fail)?;
    let zone = definition_zone(&mut engine, &state.definition, Some(state.definition_version))?;
    let now = parse_time_in("--now", args.now.as_ref(), Some(&zone))?;
    let act = Act {
        command,
        actor: args.actor.clone(),
        reason: args.reason.clone(),
        key: args.key.clone(),
        expected_version: args.expect,
        item: args.item,
        on: args.on.clone(),
    };
    let ack = match engine.handle_command(now, &args.order, &act) {
        Ok(ack) => ack,
        Err(e) => {
            let mut failure = fail(e);
            // A command for a phase the order is not in: say where it is and what moves it on.
            if failure.message.contains("no open") {
                let due = engine.poll_timeout().ok().flatten().filter(|due| *due <= now);
                failure.message.push_str(&format!(
                    "; the order is {} (see `hotline flow show {}`)",
                    state.status(),
                    args.order
                ));
                if due.is_some() {
                    failure.message.push_str(
                        "; a timer is due: run `hotline flow tick` first (a follow-up opens \
                         when its timer fires)",
                    );
                }
            }
            return Err(failure);
        }
    };
    if args.json {
        return json_out(&ack);
    }
    let state = engine.load(&args.order).map_err(fail)?;
    let what = if ack.applied { "applied" } else { "already applied (same key)" };
    println!(
        "{} {}: {what}; version {}, now {}",
        ack.order,
        args.command,
        ack.version,
        state.status()
    );
    for n in &ack.notifications {
        println!("  notify {} [{}]: {}", n.to, n.kind, n.message);
    }
    Ok(Status::Success)
}

fn list(args: &ListArgs) -> Outcome {
    let assignees = args
        .assignee
        .iter()
        .map(|a| a.parse::<Assignee>().map_err(|e| Failure::usage(format!("--assignee: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let phase = match args.phase.as_deref() {
        None => None,
        Some(p) => Some(
            serde_json::from_value::<Phase>(serde_json::Value::String(p.replace('-', "_")))
                .map_err(|_| {
                    Failure::usage(format!(
                        "--phase `{p}`: use accept, dispatch, handle, close or follow_up"
                    ))
                })?,
        ),
    };
    let mut engine = open(&args.db.db, false)?;
    let zone = store_zone(&mut engine)?;
    let now = parse_time_in("--now", args.now.as_ref(), zone.as_ref())?;
    let filter = WorkFilter {
        assignees,
        phase,
        category: args.category.clone(),
        definition: None,
        overdue: args.overdue,
        due_within: args.near_due,
        limit: args.limit.map(|n| n as usize),
        after: args.after.clone(),
    };
    let entries = engine.worklist(&filter, now).map_err(fail)?;
    let next = args
        .limit
        .filter(|&n| entries.len() == n as usize)
        .and_then(|_| entries.last().map(|e| cursor_text(&e.cursor())));
    if args.json {
        return json_out(&entries);
    }
    if entries.is_empty() {
        println!("no open items");
    }
    // Deadlines in the definitions' zone, as `flow show` prints them (UTC when they disagree).
    let times = Times(zone.unwrap_or(jiff::tz::TimeZone::UTC));
    for e in &entries {
        let deadline = e.deadline.map_or_else(|| "-".to_owned(), |d| times.fmt(d));
        let flag = if e.overdue {
            " OVERDUE"
        } else if e.paused {
            " paused"
        } else {
            ""
        };
        println!(
            "{}  item {}  {}  {}  due {deadline}{flag}",
            e.order,
            e.item,
            e.phase.map_or(e.node.as_str(), |p| p.as_str()),
            e.assignee
        );
    }
    if let Some(next) = next {
        println!("more: --after {next}");
    }
    Ok(Status::Success)
}

/// Formats times in one time zone (the definition's default calendar's).
struct Times(jiff::tz::TimeZone);

impl Times {
    fn of(engine: &mut FlowEngine, definition: &str, version: u32) -> Times {
        let zone = engine
            .definition(definition, Some(version))
            .ok()
            .and_then(|def| engine.calendars().for_definition(&def, None).ok())
            .and_then(|clock| clock.time_zone());
        Times(zone.unwrap_or(jiff::tz::TimeZone::UTC))
    }

    fn fmt(&self, t: Timestamp) -> String {
        t.to_zoned(self.0.clone()).strftime("%Y-%m-%d %H:%M:%S%:z").to_string()
    }
}

fn describe(change: &Change, times: &Times) -> String {
    match change {
        Change::Created { definition, version, .. } => {
            format!("created from {definition} v{version}")
        }
        Change::Command(c) => {
            let detail = serde_json::to_value(c).ok().and_then(|v| {
                let obj = v.as_object()?.clone();
                let rest: serde_json::Map<_, _> =
                    obj.into_iter().filter(|(k, _)| k != "command").collect();
                (!rest.is_empty()).then(|| serde_json::Value::Object(rest).to_string())
            });
            format!(
                "{}{}",
                c.name().to_uppercase(),
                detail.map(|d| format!(" {d}")).unwrap_or_default()
            )
        }
        Change::TokenAt { node, .. } => format!("-> {node}"),
        Change::ItemOpened(i) => format!(
            "item {} for {}{}",
            i.id,
            i.assignee,
            i.deadline.map(|d| format!(", due {}", times.fmt(d))).unwrap_or_default()
        ),
        Change::ItemDone { item, .. } => format!("item {item} done"),
        Change::ItemCancelled { item } => format!("item {item} cancelled"),
        Change::ItemReassigned { item, to } => format!("item {item} to {to}"),
        Change::OrderDeadline { deadline } => {
            format!("deadline {}", deadline.map_or_else(|| "none".to_owned(), |d| times.fmt(d)))
        }
        Change::Notified(n) => format!("notify {} [{}]", n.to, n.kind),
        Change::Department { department } => format!("department {department}"),
        Change::RequestOpened(r) => format!(
            "request {} opened: {}",
            r.id,
            serde_json::to_string(&r.kind).unwrap_or_default()
        ),
        Change::RequestDecided { request, approved } => {
            format!("request {request} {}", if *approved { "approved" } else { "rejected" })
        }
        Change::Handled { department } => {
            format!("handled by {}", department.as_deref().unwrap_or("-"))
        }
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_default()
            .replace('_', " "),
    }
}

fn show(args: &ShowArgs) -> Outcome {
    let mut engine = open(&args.db.db, false)?;
    let state = engine.load(&args.order).map_err(fail)?;
    let events: Vec<Event> = engine.history(&args.order).map_err(fail)?;
    if args.json {
        return json_out(&serde_json::json!({ "order": state, "events": events }));
    }
    let times = Times::of(&mut engine, &state.definition, state.definition_version);
    println!(
        "{}  {} v{}  {}",
        state.id,
        state.definition,
        state.definition_version,
        state.status()
    );
    if let Some(c) = state.var_str("category") {
        println!("category    {c}");
    }
    if let Some(d) = &state.department {
        println!("department  {d}");
    }
    if let Some(d) = state.deadline {
        println!("deadline    {}", times.fmt(d));
    }
    let counts: Vec<String> = state.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("counts      {}", counts.join(", "));
    println!("timeline:");
    for e in &events {
        if matches!(
            e.change,
            Change::TimerSet(_) | Change::TimerDone { .. } | Change::VarsSet { .. }
        ) {
            continue;
        }
        let why = e.reason.as_deref().map(|r| format!("  ({r})")).unwrap_or_default();
        println!(
            "  {:>4}  {}  {:<12} {}{why}",
            e.seq,
            times.fmt(e.at),
            e.actor,
            describe(&e.change, &times)
        );
    }
    Ok(Status::Success)
}

fn tick(args: &TickArgs) -> Outcome {
    let mut engine = open(&args.db.db, false)?;
    let zone = store_zone(&mut engine)?;
    let now = parse_time_in("--now", args.now.as_ref(), zone.as_ref())?;
    engine.handle_timeout(now).map_err(fail)?;
    let (mut orders, mut notifications, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(output) = engine.poll_output() {
        match output {
            Output::Ticked { order } => orders.push(order),
            Output::Notification { order, notification } => {
                notifications.push((order, notification))
            }
            Output::Failed { order, error } => errors.push((order, chain(&error))),
            _ => {}
        }
    }
    if args.json {
        json_out(&serde_json::json!({
            "orders": orders,
            "notifications": notifications,
            "errors": errors,
            "next_due": engine.poll_timeout().map_err(fail)?,
        }))?;
    } else {
        println!("{} orders ticked", orders.len());
        for (order, n) in &notifications {
            println!("  {order}: notify {} [{}]: {}", n.to, n.kind, n.message);
        }
        for (order, e) in &errors {
            eprintln!("  {order}: {e}");
        }
        if let Some(due) = engine.poll_timeout().map_err(fail)? {
            println!("next due {due}");
        }
    }
    Ok(if errors.is_empty() { Status::Success } else { Status::Rejected })
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"))
}

fn kpi(args: &KpiArgs) -> Outcome {
    let mut engine = open(&args.db.db, false)?;
    let zone = store_zone(&mut engine)?;
    let from = parse_time_in("--from", Some(&args.from), zone.as_ref())?;
    let to = parse_time_in("--to", Some(&args.to), zone.as_ref())?;
    if to <= from {
        return Err(Failure::usage("--to must be after --from"));
    }
    let rows = engine.kpi(from, to).map_err(fail)?;
    if args.json {
        return json_out(&rows);
    }
    println!(
        "{:<20} {:>7} {:>8} {:>10} {:>9} {:>8} {:>10} {:>8}",
        "department", "handled", "on time", "hours", "transfers", "returns", "satisfied", "reopen"
    );
    for r in rows {
        println!(
            "{:<20} {:>7} {:>8} {:>10} {:>9} {:>8} {:>10} {:>8}",
            r.department,
            r.handled,
            pct(r.on_time_rate),
            num(r.mean_handling_hours),
            r.transfers,
            r.returns,
            pct(r.satisfaction_rate),
            pct(r.reopen_rate)
        );
    }
    Ok(Status::Success)
}

fn verify(args: &VerifyArgs) -> Outcome {
    let mut engine = open(&args.db.db, false)?;
    let orders = match &args.order {
        Some(o) => vec![o.clone()],
        None => engine.orders().map_err(fail)?,
    };
    let mut results = Vec::new();
    let mut bad = 0;
    for order in orders {
        match engine.verify(&order) {
            Ok(v) => results.push(
                serde_json::json!({"order": order, "ok": true, "events": v.events, "head": v.head}),
            ),
            Err(e @ FlowError::UnknownOrder(_)) => return Err(Failure::rejected(e.to_string())),
            Err(e) => {
                bad += 1;
                results
                    .push(serde_json::json!({"order": order, "ok": false, "error": e.to_string()}));
            }
        }
    }
    if args.json {
        json_out(&results)?;
    } else {
        if results.is_empty() {
            println!("no work orders in {}", shown(&args.db.db));
        }
        for r in &results {
            match r["ok"].as_bool() {
                Some(true) => println!(
                    "{}: ok, {} events, head {}",
                    r["order"].as_str().unwrap_or(""),
                    r["events"],
                    r["head"].as_str().unwrap_or("")
                ),
                _ => println!(
                    "{}: TAMPERED: {}",
                    r["order"].as_str().unwrap_or(""),
                    r["error"].as_str().unwrap_or("")
                ),
            }
        }
    }
    Ok(if bad == 0 { Status::Success } else { Status::Rejected })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(shown("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(shown("postgresql://u@h/db"), "postgresql://u@h/db");
        assert_eq!(shown("orders.db"), "orders.db");
        assert!(is_url("postgres://h/db") && is_url("postgresql://h/db") && !is_url("a.db"));
    }

    proptest! {
        #[test]
        fn no_password_is_ever_shown(user in "[a-z]{1,8}", password in "[A-Za-z0-9:@/]{4,16}", host in "[a-z]{1,8}") {
            let url = format!("postgres://{user}:{password}@{host}:5432/db");
            prop_assert_eq!(shown(&url), format!("postgres://{user}:***@{host}:5432/db"));
        }
    }
}
