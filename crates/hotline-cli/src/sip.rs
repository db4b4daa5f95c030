//! `hotline sip ...`: check and format SIP messages with hotline-sip.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_sip::validate::Validator;
use hotline_sip::{Message, ParserConfig, StartLine};
use serde::Serialize;

use crate::input::{MAX_SIP_BYTES, read_bytes};
use crate::report::{Diagnostic, Failure, Outcome, Status, print_json};

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
    /// Exit 0 when every file parsed (warnings or not), 1 when any was rejected (or is over
    /// 1 MiB), 2 when a file cannot be read.
    Check {
        /// Turn every leniency switch on (accept what RFC 4475 lets a lenient element accept,
        /// and bare LF line endings).
        #[arg(long)]
        lenient: bool,
        /// Print a JSON array, one object per file: `{"file", "ok", "diagnostics": [{severity,
        /// code, line, column, message}], "kind", "method", "status", "headers"}`.
        #[arg(long)]
        json: bool,
        /// The message files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the message in canonical form: full header names, one value a line.
    #[command(after_help = "The message file is at most 1 MiB. Exit status: 0 printed, 1 not \
                            a SIP message (or over the limit), 2 a file that cannot be read.")]
    Fmt {
        /// Turn every leniency switch on (accept what RFC 4475 lets a lenient element accept,
        /// and bare LF line endings).
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
    diagnostics: Vec<Diagnostic>,
    kind: Option<&'static str>,
    method: Option<String>,
    status: Option<u16>,
    headers: usize,
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
        let bytes = match read_bytes(path, MAX_SIP_BYTES, "SIP message") {
            Ok(bytes) if lenient => with_crlf(bytes),
            Ok(bytes) => bytes,
            Err(failure) => {
                eprintln!("hotline: error: {failure}");
                if failure.status == Status::Usage {
                    unreadable = true;
                } else {
                    rejected = true;
                }
                reports.push(FileReport {
                    file: name,
                    ok: false,
                    diagnostics: vec![Diagnostic::error(None, None, failure.message)],
                    kind: None,
                    method: None,
                    status: None,
                    headers: 0,
                });
                continue;
            }
        };
        let report = match Message::parse_checked(&bytes, &cfg) {
            Ok(msg) => {
                let warnings: Vec<Diagnostic> = validator
                    .validate(&msg)
                    .into_iter()
                    .map(|w| {
                        let mut d = Diagnostic::warning(None, None, w.message);
                        d.code = Some(w.code.as_str().to_owned());
                        d
                    })
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
                        writeln!(out, "{}", w.render(&name)).map_err(write_failed)?;
                    }
                }
                FileReport {
                    file: name,
                    ok: true,
                    diagnostics: warnings,
                    kind,
                    method,
                    status,
                    headers: msg.headers().len(),
                }
            }
            Err(e) => {
                rejected = true;
                let d = Diagnostic::error(Some(e.line), Some(e.column), e.kind.to_string());
                if !json {
                    writeln!(out, "{name}: error: {e}").map_err(write_failed)?;
                }
                FileReport {
                    file: name,
                    ok: false,
                    diagnostics: vec![d],
                    kind: None,
                    method: None,
                    status: None,
                    headers: 0,
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
    let bytes = read_bytes(path, MAX_SIP_BYTES, "SIP message")?;
    let bytes = if lenient { with_crlf(bytes) } else { bytes };
    let msg = Message::parse_with(&bytes, &cfg).map_err(|e| {
        Failure::rejected(format!("{}:{}:{}: {}", path.display(), e.line, e.column, e.kind))
    })?;
    let text = hotline_sip::build::canonical(&msg);
    std::io::stdout().lock().write_all(&text).map_err(write_failed)?;
    Ok(Status::Success)
}

/// A message written with bare LF line endings (as editors save it), its header section given
/// CRLF line endings; the body is left as it is (its length is what Content-Length counts).
/// Only with `--lenient`: RFC 3261 requires CRLF.
fn with_crlf(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.windows(2).any(|w| w == b"\r\n") {
        return bytes;
    }
    let end = bytes.windows(2).position(|w| w == b"\n\n").map_or(bytes.len(), |i| i + 2);
    let mut out = Vec::with_capacity(bytes.len() + 64);
    for &b in &bytes[..end] {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out.extend_from_slice(&bytes[end..]);
    out
}

fn write_failed(e: std::io::Error) -> Failure {
    Failure::usage(format!("cannot write to standard output: {e}"))
}
