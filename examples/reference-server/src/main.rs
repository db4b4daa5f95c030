//! The hotline reference call-center server. `cargo run --release -p reference-server` starts a
//! working call center on 127.0.0.1 from the embedded defaults; see the book's chapter "Build your
//! own call center" for a walk through the code.

mod acd;
mod api;
mod call;
mod config;
mod flight;
mod media;
mod metrics;
mod prompts;
mod recorded;
mod server;
mod sip;
mod store;
mod transport;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The hotline reference call-center server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Read this configuration instead of the embedded defaults (keys it leaves out keep their
    /// default).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The address every listener binds.
    #[arg(long)]
    bind: Option<IpAddr>,
    /// SIP port (UDP and TCP); 0 picks a free one.
    #[arg(long)]
    sip_port: Option<u16>,
    /// HTTP port; 0 picks a free one.
    #[arg(long)]
    http_port: Option<u16>,
    /// RTP port range, FIRST-LAST.
    #[arg(long)]
    rtp_ports: Option<String>,
    /// Folder of the database, recordings and flight log.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Folder of the prompts.
    #[arg(long)]
    prompts: Option<PathBuf>,
    /// Media worker threads (0: one per core).
    #[arg(long)]
    media_workers: Option<usize>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the configuration and exit (0 when it is valid, 2 when not).
    Check,
    /// Re-run the engines on a flight log and report the first divergence.
    Replay {
        /// The log (`<data_dir>/flight.jsonl`).
        log: PathBuf,
    },
    /// Write every prompt of the configured flows as 8 kHz WAV with espeak-ng.
    MakePrompts {
        /// Where to write (the configured prompt folder when left out).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level())
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let flags = config::Overrides {
        bind: cli.bind,
        sip_port: cli.sip_port,
        http_port: cli.http_port,
        rtp_ports: cli.rtp_ports.clone(),
        data_dir: cli.data_dir.clone(),
        prompts: cli.prompts.clone(),
        media_workers: cli.media_workers,
    };
    if let Some(Command::Replay { log }) = &cli.command {
        return match flight::replay(log) {
            Ok(r) => {
                println!(
                    "{} records, {} inputs replayed, {} outputs compared",
                    r.records, r.inputs, r.outputs
                );
                match r.divergence {
                    None => {
                        println!("no divergence");
                        ExitCode::SUCCESS
                    }
                    Some((line, what)) => {
                        println!("first divergence at line {line}: {what}");
                        ExitCode::from(1)
                    }
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    if let Some(Command::MakePrompts { out }) = &cli.command {
        // Prompts are what is being made: check everything else without them.
        let dir = out
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("prompts"));
        let mut programs: Vec<hotline_ivr::Program> = config::BUILTIN_FLOWS
            .iter()
            .filter_map(|(_, src)| hotline_ivr::compile(src).ok().map(|(p, _)| p))
            .collect();
        match prompts::announcements() {
            Ok(p) => programs.push(p),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        for p in &programs {
            match prompts::make(&dir, p) {
                Ok(files) => eprintln!("{}: {} files", p.title().unwrap_or("flow"), files.len()),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        return ExitCode::SUCCESS;
    }
    let settings = match config::Settings::load(cli.config.as_deref(), &flags) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Check) = cli.command {
        println!("{}: valid", settings.origin);
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(settings, stop_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn level() -> tracing::Level {
    match std::env::var("HOTLINE_LOG").as_deref() {
        Ok("debug") => tracing::Level::DEBUG,
        Ok("warn") => tracing::Level::WARN,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    }
}

/// SIGTERM or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
