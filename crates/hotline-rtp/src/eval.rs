//! Evaluating jitter buffers on arrival traces: late loss against buffering delay.
//!
//! [`evaluate`] plays a [`Trace`] through any [`PlayoutBuffer`]: packets are pushed at their
//! arrival times and one frame is popped every frame interval of the receiver's clock. It reports
//! the late-loss rate (packets that arrived but were never played: late, or dropped by the
//! buffer) and the buffering delay of the packets played (from arrival to playout: mean and 95th
//! percentile), and the score `mean delay in ms + 20 × late-loss %` (lower is better).
//!
//! ```
//! use std::time::Duration;
//! use hotline_rtp::eval::{evaluate, OurBuffer};
//! use hotline_rtp::jitter::JitterConfig;
//! use hotline_rtp::network::Profile;
//! let trace = Profile::named("wifi").unwrap().trace(Duration::from_secs(20), 1);
//! let result = evaluate(&trace, &mut OurBuffer::new(JitterConfig::default()).unwrap());
//! assert!(result.late_loss_percent < 5.0);
//! assert!(result.mean_delay_ms < 100.0);
//! ```

use std::time::Duration;

use crate::jitter::{
    JitterBuffer, JitterConfig, JitterConfigError, JitterStats, PacketInfo, Playout,
};
use crate::network::{Trace, TracePacket};

/// What a buffer gave at one pop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popped {
    /// The packet at this index of the trace.
    Packet(usize),
    /// A concealed frame.
    Concealed,
    /// Nothing.
    Nothing,
}

/// A jitter buffer driven by [`evaluate`].
pub trait PlayoutBuffer {
    /// A packet (index `index` of the trace) arrived at `now`.
    fn push(&mut self, now: Duration, index: usize, packet: &TracePacket);
    /// The frame to play at `now`.
    fn pop(&mut self, now: Duration) -> Popped;
}

/// Our [`JitterBuffer`] as a [`PlayoutBuffer`].
#[derive(Debug, Clone)]
pub struct OurBuffer {
    /// The buffer.
    pub buffer: JitterBuffer<usize>,
}

impl OurBuffer {
    /// A buffer with the given settings.
    ///
    /// # Errors
    ///
    /// As [`JitterBuffer::new`]: a configuration that cannot work.
    pub fn new(config: JitterConfig) -> Result<Self, JitterConfigError> {
        Ok(OurBuffer { buffer: JitterBuffer::new(config)? })
    }

    /// Its statistics.
    pub fn stats(&self) -> JitterStats {
        self.buffer.stats()
    }
}

impl PlayoutBuffer for OurBuffer {
    fn push(&mut self, now: Duration, index: usize, packet: &TracePacket) {
        let info = PacketInfo {
            seq: packet.seq,
            timestamp: packet.timestamp,
            ssrc: 1,
            marker: index == 0,
        };
        self.buffer.push(now, info, index);
    }

    fn pop(&mut self, now: Duration) -> Popped {
        match self.buffer.pop(now) {
            Playout::Frame(f) => Popped::Packet(f.payload),
            Playout::Lost { .. } => Popped::Concealed,
            Playout::Empty => Popped::Nothing,
        }
    }
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EvalResult {
    /// Packets sent.
    pub sent: usize,
    /// Packets the network lost.
    pub network_lost: usize,
    /// Packets that arrived but were never played, in percent of those that arrived.
    pub late_loss_percent: f64,
    /// Mean buffering delay of the packets played, in ms.
    pub mean_delay_ms: f64,
    /// 95th percentile of the buffering delay, in ms.
    pub p95_delay_ms: f64,
    /// `mean_delay_ms + 20 × late_loss_percent`.
    pub score: f64,
    /// Frames concealed.
    pub concealed: usize,
    /// The lower bound of the mean delay: every packet that arrived played at the first pop
    /// after its arrival, in ms.
    pub floor_delay_ms: f64,
}

fn ms(v: f64) -> Duration {
    Duration::from_secs_f64(v.max(0.0) / 1000.0)
}

/// The phase of the receiver's pop clock used by [`evaluate`]: its first pop comes this long after
/// the first arrival, in ms.
pub const DEFAULT_PHASE_MS: f64 = 7.3;

/// Plays `trace` through `buffer` (see the module documentation), with the pop clock at
/// [`DEFAULT_PHASE_MS`].
pub fn evaluate(trace: &Trace, buffer: &mut impl PlayoutBuffer) -> EvalResult {
    evaluate_at_phase(trace, buffer, DEFAULT_PHASE_MS)
}

/// How many phases of the pop clock [`phases`] gives for one trace.
pub const PHASES_PER_TRACE: u64 = 8;

/// The phases of the receiver's pop clock (ms from the first arrival to the first pop) at which
/// trace number `seed` is evaluated: [`PHASES_PER_TRACE`] phases evenly spread over the frame,
/// shifted by `seed`, so that 8 consecutive seeds together cover 64 evenly spaced phases.
///
/// A receiver's sound-card clock has no relation to the sender's, so every phase is equally
/// likely; one fixed phase measures one case, in which buffers can tie or differ by accident.
///
/// ```
/// let p = hotline_rtp::eval::phases(1, 20.0);
/// assert_eq!(p.len(), 8);
/// assert!((p[0] - 0.3125).abs() < 1e-9 && (p[7] - 17.8125).abs() < 1e-9);
/// ```
pub fn phases(seed: u64, frame_ms: f64) -> Vec<f64> {
    let n = PHASES_PER_TRACE as f64;
    let shift = (seed % PHASES_PER_TRACE) as f64 / n;
    (0..PHASES_PER_TRACE).map(|k| frame_ms * (k as f64 + shift) / n).collect()
}

/// Plays trace number `seed` at each of its [`phases`], each time through a fresh buffer from
/// `new_buffer`: the evaluation behind the book's comparison with speexdsp and behind
/// `hotline rtp jitter-eval`.
pub fn evaluate_phases<B: PlayoutBuffer>(
    trace: &Trace,
    seed: u64,
    mut new_buffer: impl FnMut() -> B,
) -> Vec<EvalResult> {
    phases(seed, trace.frame_ms)
        .into_iter()
        .map(|phase| evaluate_at_phase(trace, &mut new_buffer(), phase))
        .collect()
}

/// As [`evaluate`], with the receiver's first pop `phase_ms` after the first arrival.
pub fn evaluate_at_phase(
    trace: &Trace,
    buffer: &mut impl PlayoutBuffer,
    phase_ms: f64,
) -> EvalResult {
    let order = trace.arrival_order();
    let arrived = order.len();
    let Some(&first) = order.first() else {
        return EvalResult {
            sent: trace.packets.len(),
            network_lost: trace.packets.len(),
            late_loss_percent: 0.0,
            mean_delay_ms: 0.0,
            p95_delay_ms: 0.0,
            score: 0.0,
            concealed: 0,
            floor_delay_ms: 0.0,
        };
    };
    let start = trace.packets[first].arrival_ms.unwrap_or(0.0);
    let last = order.iter().filter_map(|&i| trace.packets[i].arrival_ms).fold(start, f64::max);
    // The receiver's pop clock: every frame from a phase unrelated to the sender's.
    let mut tick = start + phase_ms;
    let end = last + 3000.0;
    let mut next = 0;
    let mut played = vec![false; trace.packets.len()];
    let mut delays = Vec::with_capacity(arrived);
    let mut concealed = 0;
    let first_tick = start + phase_ms;
    let floor_delay_ms = order
        .iter()
        .filter_map(|&i| trace.packets[i].arrival_ms)
        .map(|a| {
            let k = ((a - first_tick) / trace.frame_ms).ceil().max(0.0);
            first_tick + k * trace.frame_ms - a
        })
        .sum::<f64>()
        / arrived as f64;
    while tick < end {
        while next < order.len() && trace.packets[order[next]].arrival_ms.unwrap_or(0.0) <= tick {
            let i = order[next];
            buffer.push(ms(trace.packets[i].arrival_ms.unwrap_or(0.0)), i, &trace.packets[i]);
            next += 1;
        }
        match buffer.pop(ms(tick)) {
            Popped::Packet(i) if i < played.len() && !played[i] => {
                played[i] = true;
                delays.push(tick - trace.packets[i].arrival_ms.unwrap_or(tick));
            }
            Popped::Concealed => concealed += 1,
            _ => {}
        }
        tick += trace.frame_ms;
    }
    let played_count = delays.len();
    let late_loss_percent = 100.0 * (arrived - played_count) as f64 / arrived as f64;
    delays.sort_by(f64::total_cmp);
    let mean_delay_ms =
        if delays.is_empty() { 0.0 } else { delays.iter().sum::<f64>() / delays.len() as f64 };
    let p95_delay_ms = percentile(&delays, 0.95);
    EvalResult {
        sent: trace.packets.len(),
        network_lost: trace.packets.len() - arrived,
        late_loss_percent,
        mean_delay_ms,
        p95_delay_ms,
        score: mean_delay_ms + 20.0 * late_loss_percent,
        concealed,
        floor_delay_ms,
    }
}

/// The `q` quantile of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Results averaged over several traces.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProfileResult {
    /// The profile.
    pub profile: String,
    /// Traces evaluated.
    pub traces: usize,
    /// Mean late-loss percent.
    pub late_loss_percent: f64,
    /// Mean buffering delay, ms.
    pub mean_delay_ms: f64,
    /// Mean of the traces' 95th percentiles, ms.
    pub p95_delay_ms: f64,
    /// Mean network loss percent.
    pub network_loss_percent: f64,
    /// `mean_delay_ms + 20 × late_loss_percent`.
    pub score: f64,
    /// The mean lower bound of the mean delay (see [`EvalResult::floor_delay_ms`]).
    pub floor_delay_ms: f64,
}

/// Averages results of one profile.
pub fn summarize(profile: &str, results: &[EvalResult]) -> ProfileResult {
    let n = results.len().max(1) as f64;
    let mean = |f: fn(&EvalResult) -> f64| results.iter().map(f).sum::<f64>() / n;
    let late = mean(|r| r.late_loss_percent);
    let delay = mean(|r| r.mean_delay_ms);
    ProfileResult {
        profile: profile.to_owned(),
        traces: results.len(),
        late_loss_percent: late,
        mean_delay_ms: delay,
        p95_delay_ms: mean(|r| r.p95_delay_ms),
        network_loss_percent: mean(|r| 100.0 * r.network_lost as f64 / r.sent.max(1) as f64),
        score: delay + 20.0 * late,
        floor_delay_ms: mean(|r| r.floor_delay_ms),
    }
}
