//! `hotline acd ...`: automatic call distribution tools.
//!
//! * `hotline acd check CONFIG.toml [--json]` validates an ACD configuration (at most 1 MiB) and
//!   summarises it (queues, agents, skills, policies). Exit 1 with every problem listed, each at
//!   its line where the configuration writes the place as a table or key of its own.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_acd::{Config, Summary};
use serde::Serialize;

use crate::input::{MAX_TOML_BYTES, read_text, toml_place};
use crate::report::{self, CheckReport, Diagnostic, Outcome, write_failed};

/// `hotline acd`: automatic call distribution.
#[derive(Debug, Args)]
pub struct AcdArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AcdCommand,
}

/// The `hotline acd` subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum AcdCommand {
    /// Validate an ACD configuration (TOML) and summarise it; exit 1 listing every problem.
    #[command(after_help = "The configuration file is at most 1 MiB. Exit status: 0 valid, 1 \
                            invalid (or over the limit), 2 a file that cannot be read.")]
    Check {
        /// The configuration file.
        config: PathBuf,
        /// Print `{"file", "ok", "diagnostics": [{severity, line, column, message}], "summary"}`.
        #[arg(long)]
        json: bool,
    },
}

/// What `acd check` adds to the check report: the summary of a configuration that parsed.
#[derive(Debug, Serialize)]
struct CheckExtra {
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
}

/// Runs `hotline acd ...`.
///
/// # Errors
///
/// A [`Failure`](crate::Failure) when the file cannot be read (exit 2).
pub fn run(args: AcdArgs) -> Outcome {
    match args.command {
        AcdCommand::Check { config, json } => check(&config, json),
    }
}

fn check(path: &std::path::Path, json: bool) -> Outcome {
    let file = path.display().to_string();
    let text = match read_text(path, MAX_TOML_BYTES, "TOML") {
        Ok(text) => text,
        Err(failure) if json => {
            return report::check_unread(file, &failure, CheckExtra { summary: None });
        }
        Err(failure) => return Err(failure),
    };
    // Each queue and agent is read on its own (memory in proportion to the file), and every
    // error of the file is found, not only the first.
    let read = crate::toml_read::from_str_all::<Config>(&text, &["queues", "agents"]);
    let (diagnostics, summary) = match read {
        Err(errors) => (crate::toml_read::diagnostics(&text, errors), None),
        Ok(config) => {
            let mut diagnostics: Vec<Diagnostic> = config
                .validate()
                .into_iter()
                .map(|problem| {
                    let place = serde_json::to_value(&problem)
                        .ok()
                        .and_then(|v| v.get("at").and_then(|a| a.as_str().map(str::to_owned)))
                        .or_else(|| {
                            matches!(problem, hotline_acd::Problem::QueueWithoutAgents { .. })
                                .then(|| problem.to_string())
                        });
                    let (line, column) = place
                        .and_then(|p| toml_place(&text, &p))
                        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
                    let mut d = Diagnostic::error(line, column, problem.to_string());
                    d.code = serde_json::to_value(&problem)
                        .ok()
                        .and_then(|v| v.get("kind").and_then(|k| k.as_str().map(str::to_owned)));
                    d
                })
                .collect();
            if config.queues.is_empty() {
                diagnostics.push(Diagnostic::error(
                    None,
                    None,
                    "no queues: an ACD configuration needs at least one [[queues]] table",
                ));
            }
            (diagnostics, Some(config.summary()))
        }
    };
    let report = CheckReport::new(file, diagnostics, CheckExtra { summary });
    if json {
        report::print_json(&report).map_err(write_failed)?;
        return Ok(report.status());
    }
    report.print_text();
    if let (true, Some(s)) = (report.ok, &report.extra.summary) {
        println!("  queues: {}", s.queues.len());
        for q in &s.queues {
            println!(
                "    {}: {}, {} agent(s), weight {}, {} overflow step(s)",
                q.name, q.policy, q.agents, q.weight, q.overflow_steps
            );
        }
        println!("  agents: {}", s.agents);
        println!("  skills: {}", list(&s.skills));
        println!("  languages: {}", list(&s.languages));
        println!("  policies: {}", list(&s.policies));
        println!("  queue selection: {}", s.queue_selection);
    }
    Ok(report.status())
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}
