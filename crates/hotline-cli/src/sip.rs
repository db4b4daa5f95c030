//! `hotline sip ...`: check and format SIP messages with hotline-sip.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_sip::validate::Validator;
use hotline_sip::{Message, ParserConfig, StartLine};
use serde::Serialize;

use crate::report::{Failure, Outcome, Status, print_json};

/// `hotline sip`: SIP message tools.
#[derive(Debug, Args)]
pub struct SipArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SipCommand,
}

/// The `hotline sip` subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum SipCommand {
    /// Parse each file as one SIP message with every header typed, then validate it.
    ///
    /// Exit 0 when every file parsed (warnings or not), 1 when any was rejected, 2 when a file
    /// cannot be read.
    Check {
        /// Turn every leniency switch on (accept what RFC 4475 lets a lenient element accept).
        #[arg(long)]
        lenient: bool,
        /// Print a JSON array, one object per file.
        #[arg(long)]
        json: bool,
        /// The message files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the message in canonical form: full header names, one value a line.
    Fmt {
        /// Turn every leniency switch on (accept what RFC 4475 lets a lenient element accept).
        #[arg(long)]
        lenient: bool,
        /// The message file.
        file: PathBuf,
    },
}

/// One file's result, as `--json` prints it.
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    ok: bool,
    kind: Option<&'static str>,
    method: Option<String>,
    status: Option<u16>,
    headers: usize,
    warnings: Vec<WarningReport>,
    error: Option<ErrorReport>,
}

#[derive(Debug, Serialize)]
struct WarningReport {
    code: &'static str,
    message: String,
}

#[derive(Debug, Serialize)]
struct ErrorReport {
    message: String,
    line: usize,
    column: usize,
    offset: usize,
}

/// Runs `hotline sip ...`.
///
/// # Errors
///
/// A [`Failure`] when `fmt` cannot read or parse its file.
pub fn run(args: SipArgs) -> Outcome {
    match args.command {
        SipCommand::Check { lenient, json, files } => check(&files, lenient, json),
        SipCommand::Fmt { lenient, file } => fmt(&file, lenient),
    }
}

fn check(files: &[PathBuf], lenient: bool, json: bool) -> Outcome {
    let cfg = if lenient { ParserConfig::lenient() } else { ParserConfig::strict() };
    let validator = Validator::default();
    let mut reports = Vec::new();
    let mut unreadable = false;
    let mut rejected = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in files {
        let name = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("hotline: error: {}", Failure::unreadable(path, &e));
                unreadable = true;
                continue;
            }
        };
        let report = match Message::parse_checked(&bytes, &cfg) {
            Ok(msg) => {
                let warnings: Vec<WarningReport> = validator
                    .validate(&msg)
                    .into_iter()
                    .map(|w| WarningReport { code: w.code.as_str(), message: w.message })
                    .collect();
                let (kind, method, status) = match msg.start() {
                    StartLine::Request { method, .. } => {
                        (Some("request"), Some(method.as_str().to_owned()), None)
                    }
                    StartLine::Response { code, .. } => (Some("response"), None, Some(code)),
                };
                if !json {
                    let what = match msg.start() {
                        StartLine::Request { method, uri } => format!("request {method} {uri}"),
                        StartLine::Response { code, .. } => format!("response {code}"),
                    };
                    writeln!(out, "{name}: ok {what}").map_err(write_failed)?;
                    for w in &warnings {
                        writeln!(out, "{name}: warning[{}]: {}", w.code, w.message)
                            .map_err(write_failed)?;
                    }
                }
                FileReport {
                    file: name,
                    ok: true,
                    kind,
                    method,
                    status,
                    headers: msg.headers().len(),
                    warnings,
                    error: None,
                }
            }
            Err(e) => {
                rejected = true;
                if !json {
                    writeln!(out, "{name}: error: {e}").map_err(write_failed)?;
                }
                FileReport {
                    file: name,
                    ok: false,
                    kind: None,
                    method: None,
                    status: None,
                    headers: 0,
                    warnings: Vec::new(),
                    error: Some(ErrorReport {
                        message: e.kind.to_string(),
                        line: e.line,
                        column: e.column,
                        offset: e.offset,
                    }),
                }
            }
        };
        reports.push(report);
    }
    drop(out);
    if json {
        print_json(&reports).map_err(write_failed)?;
    }
    Ok(if unreadable {
        Status::Usage
    } else if rejected {
        Status::Rejected
    } else {
        Status::Success
    })
}

fn fmt(path: &std::path::Path, lenient: bool) -> Outcome {
    let cfg = if lenient { ParserConfig::lenient() } else { ParserConfig::strict() };
    let bytes = std::fs::read(path).map_err(|e| Failure::unreadable(path, &e))?;
    let msg = Message::parse_with(&bytes, &cfg)
        .map_err(|e| Failure::rejected(format!("{}: error: {e}", path.display())))?;
    let text = hotline_sip::build::canonical(&msg);
    std::io::stdout().lock().write_all(&text).map_err(write_failed)?;
    Ok(Status::Success)
}

fn write_failed(e: std::io::Error) -> Failure {
    Failure::usage(format!("cannot write to standard output: {e}"))
}
