//! `hotline rtp ...`: RTP capture analysis and jitter-buffer evaluation (hotline-rtp).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use hotline_rtp::analyze::{AnalyzeConfig, analyze_capture};
use hotline_rtp::pcap::PcapError;

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
    Analyze(AnalyzeArgs),
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
    }
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
}
