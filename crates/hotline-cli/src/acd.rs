//! `hotline acd ...`: automatic call distribution tools.
//!
//! * `hotline acd check CONFIG.toml [--json]` validates an ACD configuration and summarises it
//!   (queues, agents, skills, policies). Exit 1 with every problem listed when it is invalid.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_acd::{Config, ConfigError, Problem, Summary};
use serde::Serialize;

use crate::report::{self, Failure, Outcome, Status};

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
    Check {
        /// The configuration file.
        config: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The JSON form of `hotline acd check`.
#[derive(Debug, Serialize)]
struct CheckReport {
    file: String,
    valid: bool,
    /// Where the TOML text could not be parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_error: Option<ParseError>,
    problems: Vec<ProblemReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
}

#[derive(Debug, Serialize)]
struct ParseError {
    line: usize,
    column: usize,
    message: String,
}

#[derive(Debug, Serialize)]
struct ProblemReport {
    message: String,
    #[serde(flatten)]
    problem: Problem,
}

/// Runs `hotline acd ...`.
///
/// # Errors
///
/// A [`Failure`] when the file cannot be read (exit 2).
pub fn run(args: AcdArgs) -> Outcome {
    match args.command {
        AcdCommand::Check { config, json } => check(&config, json),
    }
}

fn check(path: &std::path::Path, json: bool) -> Outcome {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::unreadable(path, &e))?;
    let file = path.display().to_string();
    let (parse_error, problems, summary) = match Config::from_toml(&text) {
        Err(ConfigError::Parse { line, column, message }) => {
            (Some(ParseError { line, column, message }), Vec::new(), None)
        }
        Err(other) => {
            (Some(ParseError { line: 0, column: 0, message: other.to_string() }), Vec::new(), None)
        }
        Ok(config) => {
            let problems = config.validate();
            (None, problems, Some(config.summary()))
        }
    };
    let valid = parse_error.is_none() && problems.is_empty();
    let status = if valid { Status::Success } else { Status::Rejected };
    if json {
        let report = CheckReport {
            file,
            valid,
            parse_error,
            problems: problems
                .into_iter()
                .map(|problem| ProblemReport { message: problem.to_string(), problem })
                .collect(),
            summary,
        };
        report::print_json(&report).map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
        return Ok(status);
    }
    if let Some(e) = parse_error {
        return Err(Failure::rejected(format!("{file}:{}:{}: {}", e.line, e.column, e.message)));
    }
    if !problems.is_empty() {
        let mut message = format!("{file}: {} problem(s):", problems.len());
        for p in &problems {
            message.push_str("\n  ");
            message.push_str(&p.to_string());
        }
        return Err(Failure::rejected(message));
    }
    if let Some(s) = summary {
        println!("{file}: valid");
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
    Ok(status)
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}
