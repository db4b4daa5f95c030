//! `hotline ivr ...`: check, run, test, draw and import IVR flows (hotline-ivr).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use hotline_ivr::diag::{Diagnostic, Severity};
use hotline_ivr::sim::{LookupMock, Script, Suite, Transcript};
use serde::Serialize;

use crate::input::{MAX_TOML_BYTES, read_text};
use crate::progress::Progress;
use crate::report::{self, Failure, Outcome, Status, print_json};
use crate::units::{TimeArg, parse_duration, parse_time};

/// `ivr test` shows a progress bar from this many calls on (on a terminal or with --progress).
const PROGRESS_FROM_CALLS: usize = 100;

/// What to do with a flow.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum IvrCommand {
    /// Parse and check a flow: exit 0 without errors (warnings are printed), 1 with errors.
    #[command(after_help = "A flow file is at most 1 MiB. Exit status: 0 no errors (warnings \
                            included), 1 errors, 2 a file that cannot be read.")]
    Check {
        /// Print `{"file", "ok", "diagnostics": [{severity, code, line, column, message}]}`.
        #[arg(long)]
        json: bool,
        /// The flow file.
        flow: PathBuf,
    },
    /// Simulate one call and print its transcript.
    #[command(after_help = "The flow and the lookups file are at most 1 MiB each.")]
    Run {
        /// The flow file.
        flow: PathBuf,
        /// Keys the caller presses, comma separated (`1,2,#`, `12345678#`); `_` stays silent once.
        #[arg(long, default_value = "")]
        digits: String,
        /// Once the digits are used up, hang up after this much silence (`10s`; a bare number is
        /// seconds).
        #[arg(long, value_parser = parse_duration)]
        silence_after: Option<Duration>,
        /// When the call starts: `now`, RFC 3339, or a local time in the flow's time zone
        /// (default 2026-11-23T10:00:00+08:00).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<TimeArg>,
        /// The prompt language to start in.
        #[arg(long)]
        lang: Option<String>,
        /// The caller's number.
        #[arg(long)]
        caller: Option<String>,
        /// Mocked lookups (at most 1 MiB): a JSON object of function name to
        /// `{"result": {...}}`, `{"error": "..."}` or a list of those.
        #[arg(long, value_name = "FILE")]
        lookups: Option<PathBuf>,
        /// Print `{"steps": [{t_ms, node, action, detail}], "outcome"}`.
        #[arg(long)]
        json: bool,
    },
    /// Run scripted calls with expected transcripts; print pass/fail and node/edge coverage.
    #[command(after_help = "The flow and the calls file are at most 1 MiB each. Exit status: 0 \
                            every call passed, 1 a call failed or a file is invalid (a calls \
                            file without calls included), 2 a file that cannot be read.")]
    Test {
        /// The flow file.
        flow: PathBuf,
        /// The calls file (TOML, `[[call]]` tables).
        calls: PathBuf,
        /// Print the results and coverage as JSON.
        #[arg(long)]
        json: bool,
        /// Show a progress bar on standard error even when it is not a terminal (shown from
        /// 100 calls on).
        #[arg(long)]
        progress: bool,
    },
    /// Draw the flow: `-o flow.svg` (self-contained SVG) or `-o flow.dot` (Graphviz).
    #[command(after_help = "The flow is at most 1 MiB.")]
    Graph {
        /// The flow file.
        flow: PathBuf,
        /// The output file; its extension picks the format.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Convert a FreeSWITCH menu or VoiceXML document into a flow.
    #[command(after_help = "The document is at most 1 MiB.")]
    Import {
        /// The source format (`--from` is the same flag, kept for scripts).
        #[arg(long, value_enum, alias = "from")]
        format: ImportFormat,
        /// The document.
        file: PathBuf,
        /// The flow file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// A format `hotline ivr import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// FreeSWITCH `ivr.conf` menu XML.
    Freeswitch,
    /// VoiceXML 2.1, DTMF subset.
    Vxml,
}

fn read(path: &Path) -> Result<String, Failure> {
    read_text(path, MAX_TOML_BYTES, "flow, calls, lookups or import")
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}

fn json_err(e: std::io::Error) -> Failure {
    Failure::usage(format!("cannot write to standard output: {e}"))
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Prints diagnostics to standard error, rendered with their source lines.
fn print_diagnostics(file: &str, src: &str, diags: &[Diagnostic]) {
    for d in diags {
        eprint!("{}", d.render(file, src));
    }
}

/// Compiles a flow file, printing its diagnostics; errors exit 1.
fn load(path: &Path) -> Result<(String, Arc<hotline_ivr::Program>), Failure> {
    let src = read(path)?;
    match hotline_ivr::compile(&src) {
        Ok((program, warnings)) => {
            print_diagnostics(&name(path), &src, &warnings);
            Ok((src, Arc::new(program)))
        }
        Err(hotline_ivr::CompileError::Invalid { diagnostics }) => {
            print_diagnostics(&name(path), &src, &diagnostics);
            let n = diagnostics.iter().filter(|d| d.is_error()).count();
            Err(Failure::rejected(format!("{}: {n} error(s); see above", name(path))))
        }
        Err(e) => Err(Failure::rejected(format!("{}: {e}", name(path)))),
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct CheckReport<'a> {
    file: String,
    ok: bool,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct RunReport<'a> {
    steps: &'a [hotline_ivr::sim::TranscriptStep],
    outcome: &'a str,
}

fn duration_text(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

/// Runs `hotline ivr ...`.
///
/// # Errors
///
/// A [`Failure`]: 1 when the flow has errors or a scripted call fails, 2 for unreadable files or
/// bad arguments.
pub fn run(command: IvrCommand) -> Outcome {
    match command {
        IvrCommand::Check { json, flow } => {
            let src = match read(&flow) {
                Ok(src) => src,
                Err(failure) if json => {
                    return report::check_unread(name(&flow), &failure, serde_json::Map::new());
                }
                Err(failure) => return Err(failure),
            };
            let (_, diags) = hotline_ivr::check_source(&src);
            let ok = !hotline_ivr::diag::has_errors(&diags);
            if json {
                let report = CheckReport {
                    file: name(&flow),
                    ok,
                    diagnostics: diags
                        .iter()
                        .map(|d| JsonDiagnostic {
                            severity: d.severity,
                            code: &d.code,
                            message: &d.message,
                            line: d.span.line,
                            column: d.span.column,
                        })
                        .collect(),
                };
                print_json(&report).map_err(json_err)?;
            } else {
                let mut out = std::io::stdout().lock();
                for d in &diags {
                    let _ = write!(out, "{}", d.render(&name(&flow), &src));
                }
                let errors = diags.iter().filter(|d| d.is_error()).count();
                let _ = writeln!(
                    out,
                    "{}: {} error(s), {} warning(s)",
                    name(&flow),
                    errors,
                    diags.len() - errors
                );
            }
            Ok(if ok { Status::Success } else { Status::Rejected })
        }
        IvrCommand::Run { flow, digits, silence_after, at, lang, caller, lookups, json } => {
            let (_, program) = load(&flow)?;
            let at = match at {
                None => None,
                Some(time) => {
                    let zone = jiff::tz::TimeZone::get(program.timezone()).ok();
                    let t = time
                        .resolve(zone.as_ref())
                        .map_err(|e| Failure::usage(format!("--at {e}")))?;
                    Some(t.to_string())
                }
            };
            let lookups: BTreeMap<String, LookupMock> = match lookups {
                Some(path) => serde_json::from_str(&read(&path)?).map_err(|e| {
                    Failure::usage(format!("{}: not a lookups file: {e}", path.display()))
                })?,
                None => BTreeMap::new(),
            };
            let script = Script {
                name: "run".into(),
                digits,
                silence_after: silence_after.map(duration_text),
                at,
                lang,
                caller,
                lookups,
                ..Script::default()
            };
            let transcript = hotline_ivr::sim::run_call(&program, &script)
                .map_err(|e| Failure::usage(e.to_string()))?;
            if json {
                print_json(&RunReport { steps: &transcript.steps, outcome: &transcript.outcome })
                    .map_err(json_err)?;
            } else {
                print!("{}", transcript.render());
            }
            Ok(Status::Success)
        }
        IvrCommand::Test { flow, calls, json, progress } => {
            let (_, program) = load(&flow)?;
            let text = read(&calls)?;
            // Each call is read on its own (memory in proportion to the file), and every error
            // of the file is reported.
            let suite = crate::toml_read::from_str_all::<Suite>(&text, &["call"])
                .map_err(|errors| crate::toml_read::failure(&calls, &text, errors))?;
            if suite.call.is_empty() {
                return Err(Failure::rejected(format!(
                    "{}: no calls to run: write each call as a [[call]] table",
                    calls.display()
                )));
            }
            let report = run_suite(&program, &suite, progress)
                .map_err(|e| Failure::rejected(format!("{}: {e}", calls.display())))?;
            if json {
                print_json(&report).map_err(json_err)?;
            } else {
                print_suite(&report);
            }
            let failed = report.calls.iter().filter(|c| !c.passed).count();
            if failed == 0 {
                Ok(Status::Success)
            } else if json {
                // The report above says which; standard output stays one JSON document.
                eprintln!("hotline: {failed} of {} call(s) failed", report.calls.len());
                Ok(Status::Rejected)
            } else {
                Err(Failure::rejected(format!("{failed} of {} call(s) failed", report.calls.len())))
            }
        }
        IvrCommand::Graph { flow, output } => {
            let (_, program) = load(&flow)?;
            let text = match output.extension().and_then(|e| e.to_str()) {
                Some("svg") => hotline_ivr::graph::to_svg(&program),
                Some("dot" | "gv") => hotline_ivr::graph::to_dot(&program),
                _ => {
                    return Err(Failure::usage(format!(
                        "{}: the output must end in .svg or .dot",
                        output.display()
                    )));
                }
            };
            write(&output, &text)?;
            println!("wrote {} ({} nodes)", output.display(), program.nodes().len());
            Ok(Status::Success)
        }
        IvrCommand::Import { format, file, output } => {
            let xml = read(&file)?;
            let imported = match format {
                ImportFormat::Freeswitch => hotline_ivr::import::freeswitch::convert(&xml),
                ImportFormat::Vxml => hotline_ivr::import::vxml::convert(&xml),
            }
            .map_err(|e| Failure::rejected(format!("{}: {e}", file.display())))?;
            for note in &imported.notes {
                eprintln!("note: {note}");
            }
            write(&output, &imported.text)?;
            let (_, diags) = hotline_ivr::check_source(&imported.text);
            print_diagnostics(&name(&output), &imported.text, &diags);
            println!("wrote {} ({} note(s))", output.display(), imported.notes.len());
            if hotline_ivr::diag::has_errors(&diags) {
                return Err(Failure::rejected(format!(
                    "{}: the converted flow has errors; see above",
                    output.display()
                )));
            }
            Ok(Status::Success)
        }
    }
}

/// Runs every call of a suite (as `hotline_ivr::sim::run_suite`), with a progress bar for large
/// suites.
fn run_suite(
    program: &Arc<hotline_ivr::Program>,
    suite: &Suite,
    forced: bool,
) -> Result<hotline_ivr::sim::SuiteReport, hotline_ivr::sim::ScriptError> {
    let bar = Progress::new("calls", suite.call.len(), forced);
    let draw = bar.shown() && (forced || suite.call.len() >= PROGRESS_FROM_CALLS);
    hotline_ivr::sim::run_suite_with(program, suite, |done, _| {
        if draw {
            bar.set(done);
        }
    })
}

fn print_suite(report: &hotline_ivr::sim::SuiteReport) {
    for c in &report.calls {
        if c.passed {
            println!("PASS  {}  ({})", c.name, c.transcript.outcome);
        } else {
            println!("FAIL  {}", c.name);
            for f in &c.failures {
                println!("      {f}");
            }
            print_transcript_indented(&c.transcript);
        }
    }
    let cov = &report.coverage;
    println!(
        "coverage: nodes {}/{} ({:.1}%), edges {}/{} ({:.1}%)",
        cov.nodes_hit,
        cov.nodes_total,
        cov.node_fraction() * 100.0,
        cov.edges_hit,
        cov.edges_total,
        cov.edge_fraction() * 100.0
    );
    if !cov.missed_nodes.is_empty() {
        println!("nodes never entered: {}", cov.missed_nodes.join(", "));
    }
    for e in &cov.missed_edges {
        println!("edge never taken: {e}");
    }
}

fn print_transcript_indented(t: &Transcript) {
    for line in t.render().lines() {
        println!("      | {line}");
    }
}
