//! The `hotline` command: every hotline crate's tools from one binary.
//!
//! The binary is a thin shell over the building blocks. This library holds its command-line
//! definition ([`Cli`]) and the conventions every subcommand follows, so that they can be tested
//! without spawning a process:
//!
//! * [`units`]: durations (`250ms`, `20s`, `1.5m`, `8h`; a bare number is seconds) and percentages
//!   (`80%` or `0.8`);
//! * [`report`]: human output by default, `--json` on request (shortest round-trip floats, `null`
//!   for a value that does not exist), and the exit status: 0 success (warnings included), 1 input
//!   rejected or a check or target failed, 2 usage error or unreadable input.
//!
//! Subcommands are grouped by subject (`hotline sip ...`, `hotline dtmf ...`, `hotline erlang ...`),
//! one module per subject; the book's "Command line" chapter lists them.

use clap::{CommandFactory, Parser, Subcommand};

pub mod acd;
pub mod amd;
pub mod audio;
pub mod calendar;
pub mod dialer;
pub mod dsp;
pub mod erlang;
pub mod flow;
pub mod input;
pub mod ivr;
pub mod progress;
pub mod report;
pub mod rtp;
pub mod sim;
pub mod sip;
pub mod toml_read;
pub mod units;
pub mod wfm;

pub use report::{Failure, Outcome, Status};

/// The `hotline` command line.
#[derive(Debug, Parser)]
#[command(
    name = "hotline",
    version,
    about = "Call-center building blocks: SIP, RTP, DTMF, IVR, ACD, staffing math and work orders",
    long_about = None,
    propagate_version = true,
    arg_required_else_help = true,
    after_help = "Exit status: 0 success (warnings included); 1 the input was rejected (invalid \
                  content, a file over its size limit) or a check or target failed; 2 a usage \
                  error (a wrong flag or value) or a file that cannot be opened or read. With \
                  --json, a failure prints {\"error\": {\"message\", \"status\"}} on standard \
                  output as well."
)]
pub struct Cli {
    /// The subject and what to do with it.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommand groups, one per subject.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Business calendars: check a calendar, add working time, open or closed (hotline-calendar).
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// RTP captures and jitter buffers (hotline-rtp).
    Rtp(rtp::RtpArgs),
    /// Automatic call distribution: check ACD configurations.
    Acd(acd::AcdArgs),
    /// Staffing math: Erlang B, C and A for one staffing level.
    Erlang(erlang::ErlangArgs),
    /// Staffing: the fewest agents meeting service targets, for one interval or a day.
    Staff(erlang::StaffArgs),
    /// Media DSP: `dtmf`, `g711`, `tone` and `audio` (hotline-dsp).
    #[command(flatten)]
    Dsp(dsp::DspCommand),
    /// IVR flows: check, simulate, test, draw and import.
    Ivr {
        /// What to do.
        #[command(subcommand)]
        command: ivr::IvrCommand,
    },
    /// SIP messages: check and format (hotline-sip).
    Sip(sip::SipArgs),
    /// Work orders: deploy processes, start and act on orders, work lists, timers, KPIs, verify
    /// (hotline-flow).
    #[command(subcommand)]
    Flow(flow::FlowCommand),
    /// Call-center simulator: run scenarios and compare routing policies.
    Sim(sim::SimArgs),
    /// Outbound campaigns: check, simulate, compliance report (hotline-dialer).
    Dialer(dialer::DialerArgs),
    /// Workforce management: forecast calls, required agents, shifts and rosters (hotline-wfm).
    #[command(subcommand)]
    Wfm(wfm::WfmCommand),
}

/// The `hotline` command line with the conventions every subcommand shares applied: negative
/// numbers are values, not flags, wherever a value is expected (`--load -1` reaches the check
/// that refuses it, `--level -10` is a level). The binary parses with this.
pub fn command() -> clap::Command {
    fn conventions(cmd: clap::Command) -> clap::Command {
        // A negative duration (`--aht -30s`) reaches the duration parser, which says it is
        // negative, instead of being taken for an unknown flag `-3`.
        let durations: Vec<clap::Id> = cmd
            .get_arguments()
            .filter(|a| a.get_value_names().is_some_and(|n| n.iter().any(|n| n == "DURATION")))
            .map(|a| a.get_id().clone())
            .collect();
        let mut cmd = cmd.allow_negative_numbers(true);
        for id in durations {
            cmd = cmd.mut_arg(id, |a| a.allow_hyphen_values(true));
        }
        cmd.mut_subcommands(conventions)
    }
    conventions(Cli::command())
}

/// Whether a command line asks for JSON (`--json` before any `--` separator).
pub fn wants_json<I, T>(args: I) -> bool
where
    I: IntoIterator<Item = T>,
    T: AsRef<std::ffi::OsStr>,
{
    args.into_iter()
        .map_while(|a| (a.as_ref() != "--").then_some(a))
        .any(|a| a.as_ref() == "--json")
}

/// The JSON a command asked for with `--json` prints when it fails:
/// `{"error": {"message": ..., "status": 1|2}}`.
pub fn failure_json(message: &str, status: Status) -> serde_json::Value {
    serde_json::json!({ "error": { "message": message, "status": status.code() } })
}

/// Runs a parsed command line.
///
/// # Errors
///
/// A [`Failure`] with the message for standard error and the exit status (1 or 2).
pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        None => Err(Failure::usage("no subcommand given; see `hotline --help`")),
        Some(command) => match command {
            Command::Calendar(command) => calendar::run(command),
            Command::Rtp(args) => rtp::run(args),
            Command::Acd(args) => acd::run(args),
            Command::Erlang(args) => erlang::run_erlang(args),
            Command::Staff(args) => erlang::run_staff(args),
            Command::Dsp(command) => dsp::run(command),
            Command::Ivr { command } => ivr::run(command),
            Command::Sip(args) => sip::run(args),
            Command::Flow(command) => flow::run(command),
            Command::Sim(args) => sim::run(args),
            Command::Dialer(args) => dialer::run(args),
            Command::Wfm(command) => wfm::run(command),
        },
    }
}
