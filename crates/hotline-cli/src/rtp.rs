//! `hotline rtp ...`: RTP capture analysis and jitter-buffer evaluation (hotline-rtp).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_rtp::analyze::{AnalyzeConfig, analyze_capture};
use hotline_rtp::eval::{OurBuffer, ProfileResult, evaluate_phases, summarize};
use hotline_rtp::jitter::JitterConfig;
use hotline_rtp::network::{PROFILE_NAMES, Profile};
use hotline_rtp::pcap::PcapError;
use serde::Serialize;

use crate::report::print_json;
use crate::{Failure, Outcome, Status};

/// `hotline rtp`: RTP streams and jitter buffers.
#[derive(Debug, Args)]
pub struct RtpArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RtpCommand,
}

/// The `hotline rtp` subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum RtpCommand {
    /// Per-stream statistics of the RTP in a pcap or pcapng file: packets, loss, duplicates,
    /// order, jitter (as Wireshark computes it) and RFC 4733 events.
    #[command(after_help = "The capture is read as a stream, any size. Exit status: 0 done, 1 a \
                            corrupt capture, 2 a usage error or a file that cannot be read.")]
    Analyze(AnalyzeArgs),
    /// Runs the adaptive jitter buffer on generated network traces and prints late loss against
    /// buffering delay.
    JitterEval(JitterEvalArgs),
}

/// Arguments of `hotline rtp jitter-eval`.
#[derive(Debug, Args)]
pub struct JitterEvalArgs {
    /// The network profile: lan, wifi, internet, mobile or congested.
    #[arg(long, conflicts_with = "all", value_parser = parse_profile)]
    pub profile: Option<String>,
    /// Every profile (the default).
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Length of each trace.
    #[arg(long, default_value = "60s", value_parser = crate::units::parse_duration)]
    pub duration: std::time::Duration,
    /// Traces per profile (seeds 0, 1, ...); each is played at several phases of the receiver's
    /// pop clock.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub traces: u64,
}

/// Checks a profile name.
pub fn parse_profile(text: &str) -> Result<String, String> {
    if PROFILE_NAMES.contains(&text) {
        Ok(text.to_owned())
    } else {
        Err(format!("unknown profile `{text}`: use one of {}", PROFILE_NAMES.join(", ")))
    }
}

/// Arguments of `hotline rtp analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The clock rate of a payload type, `PT=HZ` (repeatable); dynamic types default to 8000 Hz.
    #[arg(long = "clock-rate", value_name = "PT=HZ", value_parser = parse_clock_rate)]
    pub clock_rates: Vec<(u8, u32)>,
    /// The capture file (pcap or pcapng).
    pub file: PathBuf,
}

/// Parses `PT=HZ`.
pub fn parse_clock_rate(text: &str) -> Result<(u8, u32), String> {
    let (pt, hz) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected PT=HZ, for example 101=8000"))?;
    let pt: u8 = pt
        .trim()
        .parse()
        .ok()
        .filter(|pt| *pt < 128)
        .ok_or_else(|| format!("`{text}`: the payload type must be a number from 0 to 127"))?;
    let hz: u32 = hz.trim().parse().ok().filter(|hz| *hz >= 1000).ok_or_else(|| {
        format!("`{text}`: the clock rate must be a whole number of Hz, at least 1000")
    })?;
    Ok((pt, hz))
}

/// Runs `hotline rtp ...`.
///
/// # Errors
///
/// A [`Failure`]: 2 for an unreadable file, 1 for a corrupt capture.
pub fn run(args: RtpArgs) -> Outcome {
    match args.command {
        RtpCommand::Analyze(args) => analyze(args),
        RtpCommand::JitterEval(args) => jitter_eval(args),
    }
}

/// The JSON of `hotline rtp jitter-eval`.
#[derive(Debug, Serialize)]
struct JitterEvalReport {
    /// Seconds per trace.
    trace_seconds: f64,
    /// The profiles evaluated.
    profiles: Vec<ProfileReport>,
}

#[derive(Debug, Serialize)]
struct ProfileReport {
    #[serde(flatten)]
    result: ProfileResult,
    profile_parameters: Profile,
}

fn jitter_eval(args: JitterEvalArgs) -> Outcome {
    if args.duration.as_secs_f64() < 1.0 || args.duration.as_secs_f64() > 3600.0 {
        return Err(Failure::usage("--duration must be from 1s to 1h"));
    }
    let profiles: Vec<Profile> = match &args.profile {
        Some(name) => Profile::named(name).into_iter().collect(),
        None => Profile::all(),
    };
    let mut report =
        JitterEvalReport { trace_seconds: args.duration.as_secs_f64(), profiles: Vec::new() };
    for profile in profiles {
        // Each trace is played at several phases of the receiver's pop clock, as the book's
        // comparison with speexdsp does, so the figures here match the book's table.
        let results: Vec<_> = (0..args.traces)
            .flat_map(|seed| {
                let trace = profile.trace(args.duration, seed);
                evaluate_phases(&trace, seed, || {
                    OurBuffer::new(JitterConfig::default())
                        .expect("the default configuration is valid")
                })
            })
            .collect();
        report.profiles.push(ProfileReport {
            result: summarize(&profile.name, &results),
            profile_parameters: profile,
        });
    }
    if args.json {
        print_json(&report).map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
        return Ok(Status::Success);
    }
    println!(
        "{:<10} {:>9} {:>12} {:>11} {:>10} {:>11}",
        "profile", "late loss", "mean delay", "p95 delay", "score", "net loss"
    );
    for p in &report.profiles {
        let r = &p.result;
        println!(
            "{:<10} {:>8.3}% {:>9.1} ms {:>8.1} ms {:>10.1} {:>10.2}%",
            r.profile,
            r.late_loss_percent,
            r.mean_delay_ms,
            r.p95_delay_ms,
            r.score,
            r.network_loss_percent
        );
    }
    println!(
        "({} traces of {:.0} s each, each played at {} pop-clock phases; \
         score = mean delay in ms + 20 x late-loss %)",
        args.traces,
        args.duration.as_secs_f64(),
        hotline_rtp::eval::PHASES_PER_TRACE
    );
    Ok(Status::Success)
}

fn analyze(args: AnalyzeArgs) -> Outcome {
    let file = File::open(&args.file).map_err(|e| Failure::unreadable(&args.file, &e))?;
    let config = AnalyzeConfig { clock_rates: args.clock_rates.into_iter().collect() };
    let analysis = analyze_capture(BufReader::new(file), config).map_err(|e| match e {
        PcapError::Io(io) => Failure::unreadable(&args.file, &io),
        other => Failure::rejected(format!("{}: {other}", args.file.display())),
    })?;
    if args.json {
        print_json(&analysis).map_err(|e| Failure::usage(format!("cannot write output: {e}")))?;
        return Ok(Status::Success);
    }
    println!(
        "{:>10}  {:>3}  {:>22}  {:>22}  {:>7}  {:>6}  {:>5}  {:>5}  {:>9}  {:>9}",
        "SSRC",
        "PT",
        "source",
        "destination",
        "packets",
        "lost",
        "dup",
        "ooo",
        "mean jit",
        "max jit"
    );
    for s in &analysis.streams {
        println!(
            "0x{:08X}  {:>3}  {:>22}  {:>22}  {:>7}  {:>6}  {:>5}  {:>5}  {:>6.3} ms  {:>6.3} ms",
            s.ssrc,
            s.payload_type,
            s.src.to_string(),
            s.dst.to_string(),
            s.packets,
            s.lost,
            s.duplicates,
            s.out_of_order,
            s.mean_jitter_ms,
            s.max_jitter_ms
        );
        for e in &s.events {
            println!(
                "            event {:<6} at {:.3} ms, lasting {:.3} ms",
                e.digit, e.start_ms, e.duration_ms
            );
        }
    }
    if analysis.streams.is_empty() {
        println!("no RTP streams found");
    }
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_rate_argument() {
        assert_eq!(parse_clock_rate("101=8000"), Ok((101, 8000)));
        assert_eq!(parse_clock_rate(" 96 = 48000"), Ok((96, 48000)));
        assert!(parse_clock_rate("96").is_err());
        assert!(parse_clock_rate("128=8000").is_err());
        assert!(parse_clock_rate("96=0").is_err());
        assert!(parse_clock_rate("x=8000").is_err());
    }

    #[test]
    fn profile_argument() {
        assert_eq!(parse_profile("mobile"), Ok("mobile".to_owned()));
        assert!(parse_profile("5g").unwrap_err().contains("lan, wifi"));
    }
}
