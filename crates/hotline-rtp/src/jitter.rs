//! A sans-IO jitter buffer: [`JitterBuffer::push`] packets as they arrive, [`JitterBuffer::pop`]
//! one frame every frame interval.
//!
//! The buffer plays frames in timestamp order at a playout delay it chooses. In adaptive mode the
//! delay is the one that minimises, over the recent packets, the mean time a packet waits plus
//! [`Adaptive::late_cost_ms`] for each percent of packets that would arrive too late. The
//! candidates are the delays the playout clock can reach (whole frames from the current phase,
//! since frames are played on the caller's 20 ms clock), and each packet's "relative delay" is
//! its transit time minus the smallest transit time seen in the window, so the estimate follows
//! clock drift. The delay moves by inserting a frame (a [`Playout::Lost`] with `stretch` set:
//! conceal or stretch one frame) or by dropping one. In fixed mode the target is a constant.
//!
//! It handles:
//!
//! * reordering (packets are kept in timestamp order) and duplicates (dropped and counted);
//! * late packets (their slot has been played: dropped and counted);
//! * loss: a missing frame is reported as [`Playout::Lost`] so that the caller can conceal it;
//! * DTX and silence: when nothing has come for a while the buffer reports [`Playout::Empty`]
//!   instead of losses, and the next talkspurt starts at the target delay;
//! * clock drift (the relative-delay window follows it, and frames are inserted or dropped);
//! * timestamp jumps (a transit time more than 2 s above, or 500 ms below, the smallest seen),
//!   sequence restarts (a jump of more than 3000) and SSRC changes: the buffer restarts on the new
//!   timeline, counted in [`JitterStats::resets`].
//!
//! Statistics ([`JitterStats`]) follow WebRTC's where they overlap: concealment ratio (concealed
//! frames over frames played and concealed) and interruptions (concealment runs of 150 ms or
//! more).
//!
//! ```
//! use std::time::Duration;
//! use hotline_rtp::jitter::{JitterBuffer, JitterConfig, PacketInfo, Playout};
//! let mut jb = JitterBuffer::new(JitterConfig::default()).unwrap();
//! let ms = Duration::from_millis;
//! for i in 0..10u16 {
//!     let info = PacketInfo { seq: i, timestamp: 160 * u32::from(i), ssrc: 1, marker: i == 0 };
//!     jb.push(ms(20 * u64::from(i) + 5), info, i);
//! }
//! let mut played = Vec::new();
//! for k in 0..20u64 {
//!     if let Playout::Frame(frame) = jb.pop(ms(20 * k + 10)) {
//!         played.push(frame.payload);
//!     }
//! }
//! assert_eq!(played, (0..10).collect::<Vec<u16>>());
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use crate::RtpPacket;

/// What the buffer knows of a packet (from its RTP header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PacketInfo {
    /// Sequence number.
    pub seq: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronization source.
    pub ssrc: u32,
    /// Marker bit (start of a talkspurt).
    pub marker: bool,
}

impl From<&RtpPacket<'_>> for PacketInfo {
    /// The sequence number, timestamp, SSRC and marker bit of a parsed packet.
    fn from(packet: &RtpPacket<'_>) -> Self {
        PacketInfo {
            seq: packet.sequence_number(),
            timestamp: packet.timestamp(),
            ssrc: packet.ssrc(),
            marker: packet.marker(),
        }
    }
}

/// Adaptive-mode settings.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adaptive {
    /// The delay added per percent of late packets when choosing the target, in ms (20: one
    /// percent of late loss is worth 20 ms of delay).
    pub late_cost_ms: f64,
    /// The smallest target delay.
    pub min_delay: Duration,
    /// The largest target delay.
    pub max_delay: Duration,
    /// How many recent packets the delay estimate looks at.
    pub history: usize,
}

impl Default for Adaptive {
    fn default() -> Self {
        Adaptive {
            late_cost_ms: 20.0,
            min_delay: Duration::ZERO,
            max_delay: Duration::from_millis(1000),
            history: 1000,
        }
    }
}

/// Fixed or adaptive delay.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Mode {
    /// Choose the delay from the recent packets.
    Adaptive(Adaptive),
    /// Keep this delay beyond the smallest transit time.
    Fixed(Duration),
}

/// Jitter buffer settings: [`JitterConfig::new`] (or `default()`, 8 kHz and 20 ms frames) and the
/// `with_*` methods; more settings may come, so the struct cannot be written as a literal outside
/// this crate. [`JitterBuffer::new`] refuses settings that cannot work.
///
/// ```
/// use std::time::Duration;
/// use hotline_rtp::jitter::{JitterConfig, Mode};
/// let config = JitterConfig::new(16_000, Duration::from_millis(20))
///     .with_mode(Mode::Fixed(Duration::from_millis(60)))
///     .with_capacity(64);
/// assert_eq!(config.capacity, 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct JitterConfig {
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The frame duration the caller pops at (20 ms).
    pub frame: Duration,
    /// Fixed or adaptive.
    pub mode: Mode,
    /// The most packets held; beyond it the oldest is discarded.
    pub capacity: usize,
    /// The delay used until enough packets have been seen to estimate one.
    pub initial_delay: Duration,
    /// How long without any packet before missing frames are taken as silence (DTX) rather than
    /// loss.
    pub silence_after: Duration,
    /// How long the delay must stay a frame or more above the target before a frame is dropped
    /// to reduce it (a dropped frame is a lost packet, so the buffer does not chase short dips).
    pub shrink_after: Duration,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            clock_rate: 8000,
            frame: Duration::from_millis(20),
            mode: Mode::Adaptive(Adaptive::default()),
            capacity: 256,
            initial_delay: Duration::ZERO,
            silence_after: Duration::from_millis(200),
            shrink_after: Duration::from_secs(2),
        }
    }
}

impl JitterConfig {
    /// Settings for a payload of `clock_rate` Hz popped every `frame`, the rest as
    /// [`JitterConfig::default`]: adaptive delay, 256 packets, no initial delay, silence after
    /// 200 ms, shrinking after 2 s.
    pub fn new(clock_rate: u32, frame: Duration) -> Self {
        JitterConfig { clock_rate, frame, ..JitterConfig::default() }
    }

    /// Sets fixed or adaptive delay.
    #[must_use]
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the most packets held.
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Sets the delay used until enough packets have been seen to estimate one.
    #[must_use]
    pub fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Sets how long without any packet before missing frames are taken as silence.
    #[must_use]
    pub fn with_silence_after(mut self, after: Duration) -> Self {
        self.silence_after = after;
        self
    }

    /// Sets how long the delay must stay a frame above the target before a frame is dropped.
    #[must_use]
    pub fn with_shrink_after(mut self, after: Duration) -> Self {
        self.shrink_after = after;
        self
    }
}

/// Why a [`JitterConfig`] was refused by [`JitterBuffer::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JitterConfigError {
    /// `clock_rate` is 0: no timestamp could be turned into time.
    #[error("jitter buffer clock_rate is 0 Hz: give the payload's RTP clock rate (8000 for G.711)")]
    ZeroClockRate,
    /// `capacity` is 0: the buffer could hold no packet and would play nothing.
    #[error("jitter buffer capacity is 0 packets: it could hold nothing")]
    ZeroCapacity,
    /// `frame` is zero: the caller's playout interval must be a whole frame (20 ms).
    #[error("jitter buffer frame duration is 0")]
    ZeroFrame,
}

/// What became of a packet given to [`JitterBuffer::push_checked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pushed {
    /// It is held, to be played (or dropped later: by a delay reduction, an overflow or a
    /// restart).
    Stored,
    /// Its frame has been played or concealed already: dropped.
    Late,
    /// It was received before (it is held or was played): dropped.
    Duplicate,
    /// The buffer was full and it was the oldest: dropped.
    Overflow,
}

/// A frame to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<T> {
    /// The packet's header fields.
    pub info: PacketInfo,
    /// The caller's payload.
    pub payload: T,
    /// How long it waited in the buffer.
    pub waited: Duration,
}

/// What to play now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout<T> {
    /// Play this frame.
    Frame(Frame<T>),
    /// Conceal one frame: the packet for it is missing (`stretch` false), or the buffer is
    /// growing its delay by one frame (`stretch` true: no packet is missing).
    Lost {
        /// The RTP timestamp of the frame concealed.
        timestamp: u32,
        /// Whether this is a delay increase rather than a missing packet.
        stretch: bool,
    },
    /// Nothing to play: the buffer is filling, or the sender is silent (DTX).
    Empty,
}

/// Jitter buffer statistics.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JitterStats {
    /// The playout delay now, beyond the smallest transit time, in ms.
    pub current_delay_ms: f64,
    /// The delay the buffer aims at, in ms.
    pub target_delay_ms: f64,
    /// Packets pushed.
    pub received: u64,
    /// Packets that arrived after their frame was played (or concealed).
    pub late: u64,
    /// Frames reported lost (missing packets, not counting stretches).
    pub lost: u64,
    /// Packets dropped: late, duplicates, overflow, to reduce the delay, or on a restart.
    pub discarded: u64,
    /// Packets received twice.
    pub duplicates: u64,
    /// Packets that came after a packet with a higher sequence number.
    pub reordered: u64,
    /// Frames played.
    pub played: u64,
    /// Frames concealed (lost and stretched).
    pub concealed: u64,
    /// Frames dropped to reduce the delay.
    pub dropped_for_delay: u64,
    /// Concealment runs of at least 150 ms (WebRTC's interruption count).
    pub interruptions: u64,
    /// Restarts on a new SSRC, sequence or timeline.
    pub resets: u64,
    /// Sum of the waits of frames played, in ms (mean wait = this / played).
    pub total_wait_ms: f64,
}

impl JitterStats {
    /// Concealed frames over frames played and concealed.
    pub fn concealment_ratio(&self) -> f64 {
        let total = self.played + self.concealed;
        if total == 0 { 0.0 } else { self.concealed as f64 / total as f64 }
    }

    /// The mean time a played frame waited, in ms.
    pub fn mean_wait_ms(&self) -> f64 {
        if self.played == 0 { 0.0 } else { self.total_wait_ms / self.played as f64 }
    }
}

#[derive(Debug, Clone)]
struct Entry<T> {
    ts: i64,
    info: PacketInfo,
    arrival: Duration,
    payload: T,
}

/// The jitter buffer; `T` is the caller's payload (bytes, a buffer handle, an index).
#[derive(Debug, Clone)]
pub struct JitterBuffer<T> {
    config: JitterConfig,
    frame_ts: i64,
    packets: VecDeque<Entry<T>>,
    ssrc: Option<u32>,
    // Timestamp unwrapping.
    last_ts: u32,
    ext_base: Option<i64>,
    // Sequence tracking.
    highest_seq: Option<i64>,
    played_seqs: [u16; 64],
    played_seq_count: usize,
    // Playout.
    next_ts: Option<i64>,
    last_pop: Option<Duration>,
    over_target_since: Option<Duration>,
    last_arrival: Option<Duration>,
    concealed_run: u32,
    /// Frames reported lost in a row with nothing buffered (silence, if it goes on).
    empty_lost_run: u64,
    /// The sequence number last played, and the losses reported before a silence began.
    last_seq: Option<u16>,
    silence: Option<(Option<u16>, u64)>,
    // Delay estimation: transits (ms) of recent packets, in arrival order and sorted (kept
    // sorted as packets come and go, so that an estimate needs no sort).
    transits: VecDeque<f64>,
    sorted: Vec<f64>,
    since_estimate: usize,
    min_transit: f64,
    target_ms: f64,
    stats: JitterStats,
}

impl<T> JitterBuffer<T> {
    /// An empty buffer.
    ///
    /// # Errors
    ///
    /// [`JitterConfigError`] for a configuration that cannot work: a clock rate of 0, a capacity
    /// of 0 or a frame duration of 0.
    pub fn new(config: JitterConfig) -> Result<Self, JitterConfigError> {
        if config.clock_rate == 0 {
            return Err(JitterConfigError::ZeroClockRate);
        }
        if config.capacity == 0 {
            return Err(JitterConfigError::ZeroCapacity);
        }
        if config.frame.is_zero() {
            return Err(JitterConfigError::ZeroFrame);
        }
        let frame_ts =
            (config.frame.as_nanos() * u128::from(config.clock_rate) / 1_000_000_000).max(1) as i64;
        let target_ms = match config.mode {
            Mode::Fixed(d) => d.as_secs_f64() * 1000.0,
            Mode::Adaptive(_) => config.initial_delay.as_secs_f64() * 1000.0,
        };
        let history = match config.mode {
            Mode::Adaptive(a) => a.history.max(16),
            Mode::Fixed(_) => 500,
        };
        Ok(JitterBuffer {
            config,
            frame_ts,
            packets: VecDeque::with_capacity(config.capacity.max(1)),
            ssrc: None,
            last_ts: 0,
            ext_base: None,
            highest_seq: None,
            played_seqs: [0; 64],
            played_seq_count: 0,
            next_ts: None,
            last_pop: None,
            over_target_since: None,
            last_arrival: None,
            concealed_run: 0,
            empty_lost_run: 0,
            last_seq: None,
            silence: None,
            transits: VecDeque::with_capacity(history),
            sorted: Vec::with_capacity(history),
            since_estimate: 0,
            min_transit: f64::INFINITY,
            target_ms,
            stats: JitterStats { target_delay_ms: target_ms, ..Default::default() },
        })
    }

    /// The statistics so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Bytes one packet slot takes (the caller's payload and the buffer's bookkeeping): the
    /// buffer reserves [`JitterConfig::capacity`] of them.
    pub fn slot_bytes() -> usize {
        std::mem::size_of::<Entry<T>>()
    }

    /// Bytes it holds on the heap besides its packet slots (the delay history, twice: in arrival
    /// order and sorted), for capacity planning.
    pub fn history_bytes(&self) -> usize {
        (self.transits.capacity() + self.sorted.capacity()) * std::mem::size_of::<f64>()
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// Whether no packet is held.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    fn ms_of_ts(&self, ts: i64) -> f64 {
        ts as f64 * 1000.0 / f64::from(self.config.clock_rate.max(1))
    }

    fn history(&self) -> usize {
        match self.config.mode {
            Mode::Adaptive(a) => a.history.max(16),
            Mode::Fixed(_) => 500,
        }
    }

    /// Starts over on a new timeline (SSRC change, timestamp jump, sequence restart).
    fn reset(&mut self) {
        self.stats.discarded += self.packets.len() as u64;
        self.packets.clear();
        self.ext_base = None;
        self.highest_seq = None;
        self.played_seq_count = 0;
        self.next_ts = None;
        self.transits.clear();
        self.sorted.clear();
        self.min_transit = f64::INFINITY;
        self.last_seq = None;
        self.silence = None;
        self.empty_lost_run = 0;
        self.over_target_since = None;
        self.stats.resets += 1;
    }

    fn extend_ts(&mut self, ts: u32) -> i64 {
        let ext = match self.ext_base {
            None => i64::from(ts) + (1 << 32),
            Some(last) => last + i64::from(ts.wrapping_sub(self.last_ts) as i32),
        };
        self.ext_base = Some(ext);
        self.last_ts = ts;
        ext
    }

    /// Takes a packet that arrived at `now` (time since any fixed origin).
    pub fn push(&mut self, now: Duration, info: PacketInfo, payload: T) {
        self.push_checked(now, info, payload);
    }

    /// Takes a packet that arrived at `now`, as [`push`](Self::push), and says whether it was
    /// stored (a caller that keeps the payloads itself, keyed by sequence number, writes only
    /// those: a late or duplicate packet must not overwrite a stored one).
    pub fn push_checked(&mut self, now: Duration, info: PacketInfo, payload: T) -> Pushed {
        self.stats.received += 1;
        if self.ssrc.is_some_and(|s| s != info.ssrc) {
            self.reset();
        }
        self.ssrc = Some(info.ssrc);
        // Sequence numbers: reordering, and restarts (a jump of more than 3000 either way).
        let seq = match self.highest_seq {
            None => i64::from(info.seq) + (1 << 16),
            Some(h) => h + i64::from(info.seq.wrapping_sub(h as u16) as i16),
        };
        if let Some(h) = self.highest_seq {
            if (seq - h).abs() > 3000 {
                self.reset();
                return self.push_after_reset(now, info, payload);
            }
            if seq < h {
                self.stats.reordered += 1;
            }
        }
        self.highest_seq = Some(self.highest_seq.map_or(seq, |h| h.max(seq)));
        let previous_ext = self.ext_base;
        let ts = self.extend_ts(info.timestamp);
        let now_ms = now.as_secs_f64() * 1000.0;
        let transit = now_ms - self.ms_of_ts(ts);
        // A timestamp jump: the transit grows by more than 2 s (no network delays packets that
        // long), or shrinks by more than 500 ms below the smallest seen.
        if previous_ext.is_some()
            && self.min_transit.is_finite()
            && (transit - self.min_transit > 2000.0 || self.min_transit - transit > 500.0)
        {
            self.reset();
            return self.push_after_reset(now, info, payload);
        }
        self.last_arrival = Some(now);
        self.note_transit(transit);
        if let Some(next) = self.next_ts
            && ts < next
        {
            self.stats.discarded += 1;
            return if self.was_played(info.seq) {
                self.stats.duplicates += 1;
                Pushed::Duplicate
            } else {
                self.stats.late += 1;
                Pushed::Late
            };
        }
        // Insert in timestamp order (usually at the back).
        let at = self.packets.partition_point(|e| e.ts <= ts);
        if at > 0 && self.packets[at - 1].ts == ts {
            self.stats.duplicates += 1;
            self.stats.discarded += 1;
            return Pushed::Duplicate;
        }
        self.packets.insert(at, Entry { ts, info, arrival: now, payload });
        if self.packets.len() > self.config.capacity.max(1) {
            self.packets.pop_front();
            self.stats.discarded += 1;
            if at == 0 {
                // The oldest was this one.
                return Pushed::Overflow;
            }
        }
        Pushed::Stored
    }

    fn push_after_reset(&mut self, now: Duration, info: PacketInfo, payload: T) -> Pushed {
        self.stats.received -= 1;
        self.push_checked(now, info, payload)
    }

    fn was_played(&self, seq: u16) -> bool {
        self.played_seqs[..self.played_seq_count.min(64)].contains(&seq)
    }

    fn note_transit(&mut self, transit: f64) {
        if self.transits.len() == self.history()
            && let Some(old) = self.transits.pop_front()
        {
            let at = self.sorted.partition_point(|t| t.total_cmp(&old).is_lt());
            if self.sorted.get(at).is_some_and(|t| t.total_cmp(&old).is_eq()) {
                self.sorted.remove(at);
            }
        }
        self.transits.push_back(transit);
        let at = self.sorted.partition_point(|t| t.total_cmp(&transit).is_le());
        self.sorted.insert(at, transit);
        self.since_estimate += 1;
        // Every 8 packets; on every packet while the window is young, so that the first
        // estimate comes after a few packets rather than after the first late ones.
        if self.since_estimate >= 8 || self.transits.len() < 32 || self.min_transit.is_infinite() {
            self.since_estimate = 0;
            self.min_transit = self.sorted.first().copied().unwrap_or(f64::INFINITY);
            self.estimate();
        } else if transit < self.min_transit {
            self.min_transit = transit;
        }
    }

    /// Chooses the target delay (adaptive mode) from the recent relative delays.
    fn estimate(&mut self) {
        let Mode::Adaptive(a) = self.config.mode else { return };
        if self.transits.len() < MIN_ESTIMATE_PACKETS {
            return;
        }
        let frame_ms = self.config.frame.as_secs_f64() * 1000.0;
        // The relative delays, in order, are the sorted transits minus the smallest.
        let min = self.min_transit;
        let n = self.sorted.len() as f64;
        let mean_rel = self.sorted.iter().map(|t| t - min).sum::<f64>() / n;
        // Candidate delays lie on the playout clock's grid: the current phase plus whole frames
        // (also between talkspurts, from the last pop).
        let phase = self.current_delay_ms().or_else(|| self.pop_phase_ms()).unwrap_or(0.0);
        let phase = phase.rem_euclid(frame_ms);
        let lo = a.min_delay.as_secs_f64() * 1000.0;
        let hi = a.max_delay.as_secs_f64() * 1000.0;
        let mut best = (f64::INFINITY, self.target_ms);
        let mut d = phase;
        while d <= hi + frame_ms {
            if d >= lo - frame_ms {
                let late =
                    self.sorted.len() - self.sorted.partition_point(|&t| on_time(t - min, d));
                let cost = (d - mean_rel).max(0.0) + a.late_cost_ms * 100.0 * late as f64 / n;
                if cost < best.0 {
                    best = (cost, d);
                }
            }
            if late_is_zero(&self.sorted, min, d) {
                break;
            }
            d += frame_ms;
        }
        self.target_ms = best.1.clamp(lo.min(hi), hi);
        self.stats.target_delay_ms = self.target_ms;
    }

    /// The current playout delay beyond the smallest transit, in ms, if playing.
    fn current_delay_ms(&self) -> Option<f64> {
        let next = self.next_ts?;
        let last_pop = self.last_pop?;
        if !self.min_transit.is_finite() {
            return None;
        }
        Some(last_pop.as_secs_f64() * 1000.0 - self.ms_of_ts(next) - self.min_transit)
    }

    /// Where the pop clock falls on the delay axis when not playing: the delay the latest packet
    /// would have if played at the last pop (its phase is what matters).
    fn pop_phase_ms(&self) -> Option<f64> {
        let last_pop = self.last_pop?;
        let ts = self.ext_base?;
        if !self.min_transit.is_finite() {
            return None;
        }
        Some(last_pop.as_secs_f64() * 1000.0 - self.ms_of_ts(ts) - self.min_transit)
    }

    /// The frame to play at `now`; call once every frame interval.
    pub fn pop(&mut self, now: Duration) -> Playout<T> {
        let previous_pop = self.last_pop.replace(now);
        let frame_ms = self.config.frame.as_secs_f64() * 1000.0;
        let now_ms = now.as_secs_f64() * 1000.0;
        let Some(next) = self.next_ts else {
            return self.start(now, now_ms, frame_ms, previous_pop);
        };
        let delay = now_ms - self.ms_of_ts(next) - self.min_transit;
        self.stats.current_delay_ms = delay;
        // Silence: nothing buffered and nothing heard for a while: stop and wait for the next
        // talkspurt.
        let silent = self.packets.is_empty()
            && self.last_arrival.is_none_or(|a| now.saturating_sub(a) >= self.config.silence_after);
        if silent {
            // Whether the frames concealed since the buffer ran dry were losses or the start of a
            // silence is told by the next packet's sequence number (see `start`).
            self.silence = Some((self.last_seq, self.empty_lost_run));
            self.empty_lost_run = 0;
            self.next_ts = None;
            self.end_concealment();
            return Playout::Empty;
        }
        // Grow the delay by one frame.
        if delay < self.target_ms - frame_ms / 2.0 {
            return self.conceal(next, true);
        }
        // Shrink it by one frame (drop the frame due now, play the next one), once the delay has
        // stayed a frame above the target for `shrink_after`; then a frame every 10 frames.
        let over = delay > self.target_ms + frame_ms * 0.75;
        if !over {
            self.over_target_since = None;
        }
        let since = *self.over_target_since.get_or_insert(now);
        if over && now.saturating_sub(since) >= self.config.shrink_after {
            self.over_target_since = Some(now - self.config.shrink_after + self.config.frame * 10);
            self.stats.dropped_for_delay += 1;
            if self.packets.front().is_some_and(|e| e.ts == next) {
                self.packets.pop_front();
                self.stats.discarded += 1;
            }
            self.next_ts = Some(next + self.frame_ts);
            return self.play_or_conceal(now, next + self.frame_ts);
        }
        self.play_or_conceal(now, next)
    }

    fn start(
        &mut self,
        now: Duration,
        now_ms: f64,
        frame_ms: f64,
        previous_pop: Option<Duration>,
    ) -> Playout<T> {
        // Playout can only start at the delays the pop clock reaches: a buffered packet's delay
        // now, plus or minus whole frames. The target is taken to the nearest of them (not below
        // the phase itself, the least delay there is), so that a packet that came a fraction of
        // a frame before this pop is not mistaken for a late one.
        let target = match self.packets.front() {
            Some(first) if self.min_transit.is_finite() => {
                let phase =
                    (now_ms - self.ms_of_ts(first.ts) - self.min_transit).rem_euclid(frame_ms);
                phase + frame_ms * ((self.target_ms - phase) / frame_ms).round().max(0.0)
            }
            _ => self.target_ms,
        };
        // Packets already later than the target (the tail of a delay spike that looked like
        // silence) are dropped as late, so that playout restarts at the target delay. A packet
        // that arrived at the very instant of the previous pop but was handed over after it (a
        // host that runs its timer before its socket) is judged by its delay at that pop, as if
        // it had come just before it.
        while self.min_transit.is_finite() {
            let Some(first) = self.packets.front() else { break };
            let mut delay = now_ms - self.ms_of_ts(first.ts) - self.min_transit;
            if let Some(p) = previous_pop.filter(|&p| p == first.arrival) {
                delay -= now.saturating_sub(p).as_secs_f64() * 1000.0;
            }
            if delay <= target + frame_ms / 2.0 {
                break;
            }
            self.packets.pop_front();
            self.stats.late += 1;
            self.stats.discarded += 1;
        }
        let Some(first) = self.packets.front() else { return Playout::Empty };
        let delay = if self.min_transit.is_finite() {
            now_ms - self.ms_of_ts(first.ts) - self.min_transit
        } else {
            0.0
        };
        self.stats.current_delay_ms = delay;
        if delay + frame_ms / 2.0 < target {
            return Playout::Empty;
        }
        let ts = first.ts;
        let seq = first.info.seq;
        if let Some((last_seq, reported)) = self.silence.take() {
            // Packets missing between the last one played and this one were lost; the rest of
            // the frames reported lost before the silence were silence.
            let missing = last_seq.map_or(0, |l| u64::from(seq.wrapping_sub(l).wrapping_sub(1)));
            let missing = if missing > 3000 { 0 } else { missing };
            self.stats.lost = self.stats.lost - reported.min(self.stats.lost) + missing;
            let frame_ms = frame_ms.max(f64::MIN_POSITIVE);
            let was = reported as f64 * frame_ms >= 150.0;
            let is = missing as f64 * frame_ms >= 150.0;
            if was && !is {
                self.stats.interruptions = self.stats.interruptions.saturating_sub(1);
            } else if is && !was {
                self.stats.interruptions += 1;
            }
        }
        self.next_ts = Some(ts);
        self.play_or_conceal(now, ts)
    }

    fn play_or_conceal(&mut self, now: Duration, ts: i64) -> Playout<T> {
        // Drop anything older than the frame due (only possible after a drop).
        while self.packets.front().is_some_and(|e| e.ts < ts) {
            self.packets.pop_front();
            self.stats.discarded += 1;
        }
        self.next_ts = Some(ts + self.frame_ts);
        match self.packets.front() {
            Some(e) if e.ts == ts => {
                let Some(e) = self.packets.pop_front() else { return Playout::Empty };
                self.end_concealment();
                self.empty_lost_run = 0;
                let waited = now.saturating_sub(e.arrival);
                self.stats.played += 1;
                self.stats.total_wait_ms += waited.as_secs_f64() * 1000.0;
                self.played_seqs[self.played_seq_count % 64] = e.info.seq;
                self.last_seq = Some(e.info.seq);
                self.played_seq_count += 1;
                Playout::Frame(Frame { info: e.info, payload: e.payload, waited })
            }
            _ => {
                self.stats.lost += 1;
                if self.packets.is_empty() {
                    self.empty_lost_run += 1;
                } else {
                    self.empty_lost_run = 0;
                }
                self.conceal_counted(ts)
            }
        }
    }

    fn conceal(&mut self, next: i64, stretch: bool) -> Playout<T> {
        // A stretch keeps `next_ts` where it is.
        self.next_ts = Some(next);
        self.conceal_counted(next).with_stretch(stretch)
    }

    fn conceal_counted(&mut self, ts: i64) -> Playout<T> {
        self.stats.concealed += 1;
        self.concealed_run += 1;
        let frame_ms = self.config.frame.as_secs_f64() * 1000.0;
        if f64::from(self.concealed_run) * frame_ms >= 150.0
            && f64::from(self.concealed_run - 1) * frame_ms < 150.0
        {
            self.stats.interruptions += 1;
        }
        Playout::Lost { timestamp: ts as u32, stretch: false }
    }

    fn end_concealment(&mut self) {
        self.concealed_run = 0;
    }
}

impl<T> Playout<T> {
    fn with_stretch(self, stretch: bool) -> Self {
        match self {
            Playout::Lost { timestamp, .. } => Playout::Lost { timestamp, stretch },
            other => other,
        }
    }
}

/// The fewest transit times the adaptive estimate is made from (until then the target is
/// [`JitterConfig::initial_delay`]).
const MIN_ESTIMATE_PACKETS: usize = 4;

/// How much earlier than its playout point a packet must arrive to count as on time in the
/// delay estimate, ms. A packet that arrives at the very instant of the pop that plays it may be
/// handed to the buffer after that pop (a host that runs its timer before its socket), and is
/// then late: a delay that puts the pops exactly on the arrivals is not one that works. The
/// margin (1 µs) is far above the rounding of the millisecond arithmetic and far below any real
/// network's jitter.
const ON_TIME_MARGIN_MS: f64 = 0.001;

/// Whether a packet of relative delay `r` is played in time at delay `d` (both ms).
fn on_time(r: f64, d: f64) -> bool {
    r + ON_TIME_MARGIN_MS <= d
}

/// Whether no transit of `sorted` (ascending) is late at delay `d` beyond `min`.
fn late_is_zero(sorted: &[f64], min: f64, d: f64) -> bool {
    sorted.last().is_none_or(|&max| on_time(max - min, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_checked_says_what_became_of_a_packet() {
        let config = JitterConfig::default().with_capacity(3);
        let mut jb = JitterBuffer::new(config).unwrap();
        let ms = Duration::from_millis;
        let info =
            |seq: u16| PacketInfo { seq, timestamp: 160 * u32::from(seq), ssrc: 1, marker: false };
        assert_eq!(jb.push_checked(ms(0), info(0), ()), Pushed::Stored);
        assert_eq!(jb.push_checked(ms(1), info(0), ()), Pushed::Duplicate);
        assert!(matches!(jb.pop(ms(10)), Playout::Frame(f) if f.info.seq == 0));
        // Played: a duplicate of one played; then a frame concealed: late.
        assert_eq!(jb.push_checked(ms(12), info(0), ()), Pushed::Duplicate);
        assert!(matches!(jb.pop(ms(30)), Playout::Lost { .. }));
        assert_eq!(jb.push_checked(ms(31), info(1), ()), Pushed::Late);
        // Full: a newer one pushes the oldest out; one older than all is itself the oldest.
        for seq in 3..6 {
            assert_eq!(jb.push_checked(ms(32), info(seq), ()), Pushed::Stored);
        }
        assert_eq!(jb.push_checked(ms(33), info(2), ()), Pushed::Overflow);
        assert_eq!(jb.len(), 3);
        let s = jb.stats();
        assert_eq!((s.received, s.late, s.duplicates, s.discarded), (8, 1, 2, 4));
    }

    #[test]
    fn the_sorted_transits_are_the_window_sorted() {
        // The delay estimate reads the window of transits from a vector kept sorted as packets
        // come and go (no sort per estimate): after every packet it holds exactly the window, in
        // order, through jitter, reordering, duplicates, window overflow and restarts.
        let config = JitterConfig::default()
            .with_mode(Mode::Adaptive(Adaptive { history: 40, ..Adaptive::default() }));
        let mut jb = JitterBuffer::new(config).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..5000u32 {
            // Some packets come twice, some with the same transit as an earlier one, and a
            // sequence jump every 1000 restarts the timeline.
            let seq = (i + (i / 1000) * 5000) as u16;
            let jitter = if next() % 4 == 0 { 0 } else { next() % 60 };
            let at = Duration::from_millis(u64::from(i) * 20 + jitter);
            let info = PacketInfo { seq, timestamp: i * 160, ssrc: 3, marker: false };
            jb.push(at, info, ());
            if next() % 10 == 0 {
                jb.push(at, info, ());
            }
            if i % 2 == 0 {
                jb.pop(Duration::from_millis(u64::from(i) * 20 + 30));
            }
            let mut expected: Vec<f64> = jb.transits.iter().copied().collect();
            expected.sort_by(f64::total_cmp);
            assert_eq!(jb.sorted, expected, "packet {i}");
        }
        assert!(jb.stats().resets >= 4, "{:?}", jb.stats());
        assert_eq!(jb.sorted.len(), 40);
    }
}
