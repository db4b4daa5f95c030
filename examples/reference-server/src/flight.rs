//! The flight recorder: every input the ACD engine and each call's IVR session receive, with its
//! time, and every output they give, appended to `<data_dir>/flight.jsonl` (one JSON object a
//! line). `reference-server replay FILE` builds fresh engines from the log's header, feeds them
//! the same inputs in the same order and compares each output with the logged one; it reports the
//! first divergence, or none.
//!
//! The SIP transaction layer is recorded the same way (every datagram, timer, request and
//! response the server hands it, and every datagram and event it gives back; see
//! [`crate::recorded`]). The registrar and digest checks are not replayed (the digest secret is
//! never written to the log).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Record {
    /// The first line: what the engines were built from.
    Header {
        /// The ACD configuration.
        acd: Box<hotline_acd::Config>,
        /// Each flow's source, by name.
        flows: BTreeMap<String, String>,
    },
    /// An event fed to the ACD at `at` (time since the server started).
    AcdInput {
        /// The engine's time.
        at: Duration,
        /// The event.
        event: hotline_acd::Event,
    },
    /// `Acd::handle_timeout` at `at`.
    AcdTimeout {
        /// The engine's time.
        at: Duration,
    },
    /// An action the ACD gave.
    AcdOutput {
        /// The action.
        action: hotline_acd::Action,
    },
    /// A call's IVR session started.
    IvrStart {
        /// The server's call number.
        call: u64,
        /// The flow's name.
        flow: String,
        /// When.
        at: jiff::Timestamp,
        /// The call.
        info: hotline_ivr::Call,
    },
    /// An input fed to a session.
    IvrInput {
        /// The call.
        call: u64,
        /// When.
        at: jiff::Timestamp,
        /// The input.
        input: hotline_ivr::Input,
    },
    /// `Session::handle_timeout`.
    IvrTimeout {
        /// The call.
        call: u64,
        /// When.
        at: jiff::Timestamp,
    },
    /// An output of a session.
    IvrOutput {
        /// The call.
        call: u64,
        /// The output.
        output: hotline_ivr::Output,
    },
    /// A call into the SIP transaction layer, at `at` (time since the server started).
    SipCall {
        /// The engine's time.
        at: Duration,
        /// The call.
        call: crate::recorded::SipCall,
    },
    /// An output the transaction layer gave (its `Debug` text).
    SipOutput {
        /// The output.
        output: String,
    },
}

/// The log's writer side: cheap to clone, never blocks the caller.
#[derive(Debug, Clone)]
pub struct FlightLog {
    tx: Option<std::sync::mpsc::Sender<Record>>,
}

impl FlightLog {
    /// Opens `path` for appending, writes `header`, and starts the writer thread.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn open(path: &Path, header: Record, metrics: Arc<Metrics>) -> Result<FlightLog, String> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let (tx, rx) = std::sync::mpsc::channel::<Record>();
        let _ = tx.send(header);
        std::thread::Builder::new()
            .name("flight".into())
            .spawn(move || {
                let mut out = BufWriter::new(file);
                while let Ok(first) = rx.recv() {
                    let mut next = Some(first);
                    while let Some(r) = next {
                        if serde_json::to_writer(&mut out, &r).is_ok()
                            && out.write_all(b"\n").is_ok()
                        {
                            metrics.flight_records.fetch_add(1, Ordering::Relaxed);
                        }
                        next = rx.try_recv().ok();
                    }
                    let _ = out.flush();
                }
                let _ = out.flush();
            })
            .map_err(|e| e.to_string())?;
        Ok(FlightLog { tx: Some(tx) })
    }

    /// Appends `record`.
    pub fn log(&self, record: Record) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(record);
        }
    }

    /// Whether records are kept.
    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }
}

/// What a replay found.
#[derive(Debug, PartialEq)]
pub struct ReplayReport {
    /// Lines read.
    pub records: usize,
    /// Engine inputs fed.
    pub inputs: usize,
    /// Outputs compared.
    pub outputs: usize,
    /// The first divergence: the line and what differed.
    pub divergence: Option<(usize, String)>,
}

/// Replays the log at `path`.
///
/// # Errors
///
/// When the file cannot be read, a line is not a record, or there is no header.
pub fn replay(path: &Path) -> Result<ReplayReport, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    replay_lines(std::io::BufReader::new(file).lines().map(|l| l.map_err(|e| e.to_string())))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Replays records given as JSON lines.
///
/// # Errors
///
/// See [`replay`].
pub fn replay_lines(
    lines: impl Iterator<Item = Result<String, String>>,
) -> Result<ReplayReport, String> {
    let mut report = ReplayReport { records: 0, inputs: 0, outputs: 0, divergence: None };
    let mut acd: Option<hotline_acd::Acd> = None;
    let mut programs: HashMap<String, Arc<hotline_ivr::Program>> = HashMap::new();
    let mut sessions: HashMap<u64, hotline_ivr::Session> = HashMap::new();
    let mut acd_pending: VecDeque<hotline_acd::Action> = VecDeque::new();
    let mut ivr_pending: HashMap<u64, VecDeque<hotline_ivr::Output>> = HashMap::new();
    let mut sip = crate::recorded::Replayer::new();
    for (i, line) in lines.enumerate() {
        let n = i + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line)
            .map_err(|e| format!("line {n}: not a flight record: {e}"))?;
        report.records += 1;
        let diverge = |what: String| Some((n, what));
        match record {
            Record::Header { acd: config, flows } => {
                // A restarted server appends a new header: engines start afresh.
                if let Some(leftover) = acd_pending.pop_front() {
                    report.divergence =
                        diverge(format!("replay gave an ACD action the log lacks: {leftover:?}"));
                    break;
                }
                acd = Some(
                    hotline_acd::Acd::new(&config)
                        .map_err(|e| format!("line {n}: the logged ACD configuration: {e}"))?,
                );
                programs.clear();
                sessions.clear();
                sip = crate::recorded::Replayer::new();
                for (name, src) in flows {
                    let (program, _) = hotline_ivr::compile(&src)
                        .map_err(|e| format!("line {n}: the logged flow {name}: {e}"))?;
                    programs.insert(name, Arc::new(program));
                }
            }
            Record::AcdInput { at, event } => {
                let engine =
                    acd.as_mut().ok_or(format!("line {n}: an ACD input before the header"))?;
                if let Some(leftover) = acd_pending.pop_front() {
                    report.divergence =
                        diverge(format!("replay gave an ACD action the log lacks: {leftover:?}"));
                    break;
                }
                report.inputs += 1;
                let _ = engine.handle_event(at, event);
                while let Some(a) = engine.poll_action() {
                    acd_pending.push_back(a);
                }
            }
            Record::AcdTimeout { at } => {
                let engine =
                    acd.as_mut().ok_or(format!("line {n}: an ACD input before the header"))?;
                if let Some(leftover) = acd_pending.pop_front() {
                    report.divergence =
                        diverge(format!("replay gave an ACD action the log lacks: {leftover:?}"));
                    break;
                }
                report.inputs += 1;
                engine.handle_timeout(at);
                while let Some(a) = engine.poll_action() {
                    acd_pending.push_back(a);
                }
            }
            // ANCHOR: compare
            Record::AcdOutput { action } => {
                report.outputs += 1;
                match acd_pending.pop_front() {
                    Some(a) if a == action => {}
                    Some(a) => {
                        report.divergence =
                            diverge(format!("ACD: logged {action:?}, replay gave {a:?}"));
                        break;
                    }
                    None => {
                        report.divergence =
                            diverge(format!("ACD: logged {action:?}, replay gave nothing"));
                        break;
                    }
                }
            }
            // ANCHOR_END: compare
            Record::IvrStart { call, flow, at, info } => {
                let program = programs
                    .get(&flow)
                    .ok_or(format!("line {n}: flow {flow} is not in the header"))?;
                let mut s = hotline_ivr::Session::new(Arc::clone(program));
                // The server journals edges (the CDR's IVR path), so the log holds them.
                s.journal_edges(true);
                report.inputs += 1;
                let _ = s.start(at, info);
                let q = ivr_pending.entry(call).or_default();
                while let Some(o) = s.poll_output() {
                    q.push_back(o);
                }
                sessions.insert(call, s);
            }
            Record::IvrInput { call, at, .. } | Record::IvrTimeout { call, at } => {
                let s = sessions
                    .get_mut(&call)
                    .ok_or(format!("line {n}: call {call} has no session"))?;
                let q = ivr_pending.entry(call).or_default();
                if let Some(left) = q.pop_front() {
                    report.divergence = diverge(format!(
                        "IVR call {call}: replay gave an output the log lacks: {left:?}"
                    ));
                    break;
                }
                report.inputs += 1;
                match record {
                    Record::IvrInput { input, .. } => {
                        let _ = s.handle(at, input);
                    }
                    _ => s.handle_timeout(at),
                }
                while let Some(o) = s.poll_output() {
                    q.push_back(o);
                }
            }
            Record::IvrOutput { call, output } => {
                report.outputs += 1;
                match ivr_pending.entry(call).or_default().pop_front() {
                    Some(o) if o == output => {}
                    got => {
                        report.divergence = diverge(format!(
                            "IVR call {call}: logged {output:?}, replay gave {got:?}"
                        ));
                        break;
                    }
                }
            }
            Record::SipCall { at, call } => {
                report.inputs += 1;
                sip.call(at, call).map_err(|e| format!("line {n}: {e}"))?;
            }
            Record::SipOutput { output } => {
                report.outputs += 1;
                match sip.next_output(&output) {
                    Some(o) if o == output => {}
                    got => {
                        report.divergence =
                            diverge(format!("SIP: logged {output:?}, replay gave {got:?}"));
                        break;
                    }
                }
            }
        }
    }
    Ok(report)
}
