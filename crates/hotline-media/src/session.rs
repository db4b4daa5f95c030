//! [`MediaSession`]: the legs, mixer, sources and recorders of one call, driven sans-IO.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hotline_dsp::dtmf::DtmfGenerator;
use hotline_dsp::g711;
use hotline_dsp::tone::ToneSpec;
use hotline_rtp::event::EventSender;
use hotline_rtp::jitter::{PacketInfo, Playout, Pushed};
use hotline_rtp::rtcp::{self, ReportBlock, SenderInfo};
use hotline_rtp::stats::SourceStats;
use hotline_rtp::{RtpBuilder, RtpPacket};
use serde::{Deserialize, Serialize};

use crate::MediaError;
use crate::leg::{Leg, LegConfig, LegId, MAX_FRAME, SendingEvent, Slot, event_code, event_digit};
use crate::mixer::Mixer;
use crate::quality::{self, Quality};
use crate::recorder::{Layout, RecordingChunk};
use crate::source::{Looping, MusicOnHold, PlayQueue, Prompt, Source};

/// How long the latched stream must have been silent before audio with another SSRC from the
/// same address is taken as its restart.
pub const SSRC_RESTART_SILENCE: Duration = Duration::from_millis(60);

/// How a digit arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DigitVia {
    /// An RFC 4733 telephone-event.
    Rfc4733,
    /// DTMF tones in the audio.
    InBand,
}

/// Something the host should know, from [`MediaSession::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MediaEvent {
    /// A leg latched its peer's address and SSRC from the first valid packet (symmetric RTP).
    SourceLatched {
        /// The leg.
        leg: LegId,
        /// The peer's address.
        from: SocketAddr,
        /// The peer's SSRC.
        ssrc: u32,
    },
    /// A digit, reported once when it ends.
    Digit {
        /// The leg it came from.
        leg: LegId,
        /// `0`-`9`, `*`, `#`, `A`-`D`.
        digit: char,
        /// How long it lasted.
        duration: Duration,
        /// How it came.
        via: DigitVia,
    },
    /// A prompt of a leg's queue finished playing.
    PromptFinished {
        /// The leg.
        leg: LegId,
    },
    /// A leg's queue of prompts finished (played out, or stopped by a digit: `interrupted`).
    QueueFinished {
        /// The leg.
        leg: LegId,
        /// Whether a digit (barge-in) or the host stopped it.
        interrupted: bool,
    },
    /// Every digit the host asked a leg to send has been sent.
    DigitsSent {
        /// The leg.
        leg: LegId,
    },
    /// No packet came on a leg for its `dead_peer_after`.
    DeadPeer {
        /// The leg.
        leg: LegId,
        /// How long it has been silent.
        silent_for: Duration,
    },
    /// Packets came again on a leg reported dead.
    MediaResumed {
        /// The leg.
        leg: LegId,
    },
}

/// Whether a datagram is RTP or RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PacketKind {
    /// RTP.
    Rtp,
    /// RTCP.
    Rtcp,
}

/// A datagram to send, from [`MediaSession::poll_transmit`]. The bytes borrow the session's
/// buffer: send them before the next call into the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit<'a> {
    /// The leg (the host sends from that leg's socket).
    pub leg: LegId,
    /// Where to send it.
    pub destination: SocketAddr,
    /// RTP or RTCP.
    pub kind: PacketKind,
    /// The datagram.
    pub contents: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
struct TxMeta {
    leg: LegId,
    destination: SocketAddr,
    kind: PacketKind,
    start: usize,
    len: usize,
}

#[derive(Debug, Clone, Copy)]
struct ChunkMeta {
    recorder: usize,
    layout: Layout,
    start: usize,
    len: usize,
    first_frame: u64,
    paused: bool,
}

#[derive(Debug, Clone)]
struct Recorder {
    leg: LegId,
    layout: Layout,
    paused: bool,
    frames: u64,
}

/// The most ticks caught up in one `handle_timeout`; beyond it the clock skips ahead.
const MAX_CATCH_UP: u32 = 50;
/// An in-band digit this close to an RFC 4733 event is the same digit sent both ways.
const INBAND_SUPPRESS: Duration = Duration::from_millis(500);
/// The most datagrams, recorded chunks or events kept for a host that does not drain them.
const MAX_PENDING: usize = 1000;
/// Frames missing this soon after an RFC 4733 packet are the sender's event, not loss.
const EVENT_QUIET: Duration = Duration::from_millis(200);

/// Session-wide settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The wall-clock time (since the Unix epoch) at the session's creation, for the NTP
    /// timestamps of RTCP sender reports; round-trip times need none.
    pub wallclock_at_start: Option<Duration>,
    /// The CNAME sent in RTCP.
    pub cname: [u8; 16],
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig { wallclock_at_start: None, cname: *b"hotline-media\0\0\0" }
    }
}

/// The media of one call: its legs, what each hears (the mixer and its sources) and its
/// recorders, driven sans-IO.
///
/// ```
/// use std::time::{Duration, Instant};
/// use hotline_media::{Codec, LegConfig, MediaSession};
/// let t0 = Instant::now();
/// let mut session = MediaSession::new(t0);
/// let mut config = LegConfig::new(Codec::Pcma);
/// config.remote = Some("127.0.0.1:40000".parse().unwrap());
/// let leg = session.add_leg(t0, config).unwrap();
/// session.play_tone(leg, &hotline_dsp::tone::Plan::Itu.tone(hotline_dsp::tone::ToneKind::Ringback), -10.0).unwrap();
/// let mut sent = 0;
/// while let Some(at) = session.poll_timeout() {
///     if at >= t0 + Duration::from_millis(100) { break }
///     session.handle_timeout(at);
///     while let Some(t) = session.poll_transmit() {
///         assert_eq!(t.contents.len(), 12 + 160);
///         sent += 1;
///     }
/// }
/// assert_eq!(sent, 5);
/// ```
#[derive(Debug)]
pub struct MediaSession {
    config: SessionConfig,
    origin: Instant,
    legs: Vec<Option<Leg>>,
    tick_samples: usize,
    next_tick: Option<Instant>,
    mixer: Mixer,
    talk: Vec<i16>,
    mix: Vec<i32>,
    scratch: Vec<i32>,
    recorders: Vec<Option<Recorder>>,
    events: VecDeque<MediaEvent>,
    tx: VecDeque<TxMeta>,
    tx_bytes: Vec<u8>,
    chunks: VecDeque<ChunkMeta>,
    chunk_samples: Vec<i16>,
    rtcp_buf: Vec<u8>,
    music: Option<MusicOnHold>,
}

impl MediaSession {
    /// An empty session created at `now`.
    pub fn new(now: Instant) -> Self {
        Self::with_config(now, SessionConfig::default())
    }

    /// An empty session with settings.
    pub fn with_config(now: Instant, config: SessionConfig) -> Self {
        MediaSession {
            config,
            origin: now,
            legs: Vec::new(),
            tick_samples: 160,
            next_tick: None,
            mixer: Mixer::new(),
            talk: Vec::new(),
            mix: vec![0; MAX_FRAME],
            scratch: vec![0; MAX_FRAME],
            recorders: Vec::new(),
            events: VecDeque::with_capacity(64),
            tx: VecDeque::with_capacity(64),
            tx_bytes: Vec::with_capacity(4096),
            chunks: VecDeque::with_capacity(16),
            chunk_samples: Vec::with_capacity(4 * MAX_FRAME),
            rtcp_buf: Vec::with_capacity(256),
            music: None,
        }
    }

    fn since(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.origin)
    }

    /// Adds a leg; its clock starts at `now` (the session's mixing clock starts with the first
    /// leg).
    ///
    /// # Errors
    ///
    /// [`MediaError::BadParameter`] for parameters out of range, [`MediaError::Jitter`] for
    /// jitter-buffer settings that cannot work.
    pub fn add_leg(&mut self, now: Instant, config: LegConfig) -> Result<LegId, MediaError> {
        config.validate()?;
        let id =
            LegId(u32::try_from(self.legs.len()).map_err(|_| MediaError::BadParameter {
                field: "legs",
                reason: "too many legs",
            })?);
        self.legs.push(Some(Leg::new(now, config)?));
        let n = self.legs.len();
        self.mixer.add_party();
        self.talk = vec![0; n * MAX_FRAME];
        self.retune_tick();
        if self.next_tick.is_none() {
            self.next_tick = Some(now);
        }
        Ok(id)
    }

    /// Removes a leg (its gains go to zero at once).
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn remove_leg(&mut self, leg: LegId) -> Result<(), MediaError> {
        self.leg(leg)?;
        self.legs[leg.index()] = None;
        self.mixer.remove_party(leg.index());
        self.recorders.iter_mut().for_each(|r| {
            if r.as_ref().is_some_and(|r| r.leg == leg) {
                *r = None;
            }
        });
        if self.legs.iter().all(Option::is_none) {
            self.next_tick = None;
        }
        self.retune_tick();
        Ok(())
    }

    fn retune_tick(&mut self) {
        // The mixing tick is the greatest common divisor of the legs' packet times. While the
        // session runs it only ever shrinks: the legs' positions in their packets are whole
        // ticks, which stay whole ticks of any divisor.
        let running = self.legs.iter().any(Option::is_some);
        let mut g = if running && self.next_tick.is_some() { self.tick_samples } else { 0 };
        for leg in self.legs.iter().flatten() {
            for p in [leg.ptime_samples, leg.in_ptime_samples] {
                let mut a = p;
                let mut b = g;
                while b != 0 {
                    (a, b) = (b, a % b);
                }
                g = a;
            }
        }
        self.tick_samples = if g == 0 { 160 } else { g };
    }

    fn leg(&self, leg: LegId) -> Result<&Leg, MediaError> {
        self.legs.get(leg.index()).and_then(Option::as_ref).ok_or(MediaError::NoSuchLeg(leg))
    }

    fn leg_mut(&mut self, leg: LegId) -> Result<&mut Leg, MediaError> {
        self.legs.get_mut(leg.index()).and_then(Option::as_mut).ok_or(MediaError::NoSuchLeg(leg))
    }

    /// The legs that exist.
    pub fn legs(&self) -> impl Iterator<Item = LegId> + '_ {
        self.legs.iter().enumerate().filter(|(_, l)| l.is_some()).map(|(i, _)| LegId(i as u32))
    }

    /// A leg's negotiated parameters.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn leg_config(&self, leg: LegId) -> Result<&LegConfig, MediaError> {
        Ok(&self.leg(leg)?.config)
    }

    /// The address a leg latched from its peer's first valid packet, if any yet.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn latched(&self, leg: LegId) -> Result<Option<SocketAddr>, MediaError> {
        Ok(self.leg(leg)?.latched)
    }

    /// Forgets the latched address and SSRC (after a re-INVITE that moved the peer); `remote`
    /// replaces the SDP address.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn relatch(&mut self, leg: LegId, remote: Option<SocketAddr>) -> Result<(), MediaError> {
        let l = self.leg_mut(leg)?;
        l.latched = None;
        l.ssrc_in = None;
        l.stats = None;
        l.config.remote = remote;
        Ok(())
    }

    // ----- inputs -----

    fn begin_input(&mut self) {
        // A host that does not drain its outputs loses the oldest instead of growing the session
        // without bound (about 10 s of packets or recording of a two-leg call).
        if self.tx.is_empty() || self.tx.len() > MAX_PENDING {
            self.tx.clear();
            self.tx_bytes.clear();
        }
        if self.chunks.is_empty() || self.chunks.len() > MAX_PENDING {
            self.chunks.clear();
            self.chunk_samples.clear();
        }
        while self.events.len() > MAX_PENDING {
            self.events.pop_front();
        }
    }

    /// An RTP datagram that arrived at `now` from `from` on `leg`'s socket.
    ///
    /// # Errors
    ///
    /// [`MediaError::Rtp`] (not RTP), [`MediaError::ForeignSource`] and
    /// [`MediaError::ForeignSsrc`] (not the latched peer: ignored and counted),
    /// [`MediaError::UnexpectedPayloadType`], [`MediaError::PayloadTooLong`],
    /// [`MediaError::Event`] (a malformed telephone-event), [`MediaError::NoSuchLeg`]. The
    /// session is unchanged by a refused packet except for the leg's counters.
    pub fn handle_rtp(
        &mut self,
        now: Instant,
        leg_id: LegId,
        from: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), MediaError> {
        self.begin_input();
        let since = self.since(now);
        let leg = self.leg_mut(leg_id)?;
        let packet = match RtpPacket::parse(bytes) {
            Ok(p) => p,
            Err(source) => {
                leg.counters.invalid += 1;
                return Err(MediaError::Rtp { leg: leg_id, from, source });
            }
        };
        if let Some(latched) = leg.latched
            && latched != from
        {
            leg.counters.foreign_source += 1;
            return Err(MediaError::ForeignSource { leg: leg_id, from, latched });
        }
        let pt = packet.payload_type();
        let is_event = leg.config.telephone_event == Some(pt);
        // Another SSRC from the latched address: telephone-events are taken (some senders give
        // them a stream of their own; the RFC 4733 receiver keys on the SSRC itself), and audio
        // is taken as the source's restart (RFC 3550 §8.2: a new SSRC after a restart, as SIPp
        // and phones that re-open their media do) once the old stream has been silent for
        // `SSRC_RESTART_SILENCE`; otherwise it is refused and counted.
        let mut other_stream = false;
        if let Some(ssrc) = leg.ssrc_in
            && ssrc != packet.ssrc()
        {
            let silent = leg
                .last_rx
                .is_none_or(|t| now.saturating_duration_since(t) >= SSRC_RESTART_SILENCE);
            if is_event {
                other_stream = true;
            } else if silent && pt == leg.config.payload_type {
                leg.restart_source(packet.ssrc())?;
            } else {
                leg.counters.foreign_ssrc += 1;
                return Err(MediaError::ForeignSsrc {
                    leg: leg_id,
                    ssrc: packet.ssrc(),
                    latched: ssrc,
                });
            }
        }
        if pt != leg.config.payload_type && !is_event {
            leg.counters.invalid += 1;
            return Err(MediaError::UnexpectedPayloadType { leg: leg_id, payload_type: pt });
        }
        let payload = packet.payload();
        if is_event {
            if let Err(source) = hotline_rtp::event::EventPayload::parse(payload) {
                leg.counters.invalid += 1;
                return Err(MediaError::Event { leg: leg_id, from, source });
            }
        } else if payload.len() > MAX_FRAME {
            leg.counters.invalid += 1;
            return Err(MediaError::PayloadTooLong { leg: leg_id, len: payload.len() });
        }
        // A valid packet from the peer: latch on the first one.
        if leg.latched.is_none() {
            leg.latched = Some(from);
            leg.ssrc_in = Some(packet.ssrc());
            leg.stats = Some(SourceStats::new_validated(packet.ssrc(), 8000));
            self.events.push_back(MediaEvent::SourceLatched {
                leg: leg_id,
                from,
                ssrc: packet.ssrc(),
            });
        }
        let leg = self.legs[leg_id.index()].as_mut().ok_or(MediaError::NoSuchLeg(leg_id))?;
        leg.counters.received += 1;
        leg.last_rx = Some(now);
        if leg.dead {
            leg.dead = false;
            self.events.push_back(MediaEvent::MediaResumed { leg: leg_id });
        }
        if !other_stream && let Some(stats) = leg.stats.as_mut() {
            stats.update(since, packet.sequence_number(), packet.timestamp());
        }
        if is_event {
            leg.last_rfc4733 = Some(now);
            leg.events_in.handle_rtp(since, &packet).map_err(|source| MediaError::Event {
                leg: leg_id,
                from,
                source,
            })?;
            self.drain_rfc4733(leg_id);
        } else {
            if leg.follow_peer_ptime(payload.len()) {
                self.retune_tick();
            }
            let leg = self.legs[leg_id.index()].as_mut().ok_or(MediaError::NoSuchLeg(leg_id))?;
            let info = PacketInfo::from(&packet);
            if leg.jitter.push_checked(since, info, ()) == Pushed::Stored {
                let n = leg.slots.len();
                let slot = &mut leg.slots[usize::from(info.seq) % n];
                slot.seq = info.seq;
                slot.len = payload.len() as u16;
                slot.data[..payload.len()].copy_from_slice(payload);
            }
        }
        Ok(())
    }

    fn drain_rfc4733(&mut self, leg_id: LegId) {
        let Some(leg) = self.legs[leg_id.index()].as_mut() else { return };
        let mut barge = false;
        while let Some(e) = leg.events_in.poll_digit() {
            if let Some(digit) = event_digit(e.event) {
                self.events.push_back(MediaEvent::Digit {
                    leg: leg_id,
                    digit,
                    duration: Duration::from_micros(u64::from(e.duration) * 125),
                    via: DigitVia::Rfc4733,
                });
                barge = true;
            }
        }
        if barge {
            self.barge_in(leg_id);
        }
    }

    fn barge_in(&mut self, leg_id: LegId) {
        let Some(leg) = self.legs[leg_id.index()].as_mut() else { return };
        if let Source::Prompts(q) = &mut leg.source
            && leg.barge_in
            && !q.is_empty()
        {
            let old = std::mem::take(&mut leg.source);
            leg.fading = Some(old);
            self.events.push_back(MediaEvent::QueueFinished { leg: leg_id, interrupted: true });
        }
    }

    /// An RTCP datagram that arrived at `now` from `from` for `leg`.
    ///
    /// # Errors
    ///
    /// [`MediaError::Rtcp`] for a malformed compound packet, [`MediaError::ForeignSource`] for
    /// one from another host than the latched peer, [`MediaError::NoSuchLeg`].
    pub fn handle_rtcp(
        &mut self,
        now: Instant,
        leg_id: LegId,
        from: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), MediaError> {
        self.begin_input();
        let since = self.since(now);
        let arrival = rtcp::ntp_middle(self.ntp(now));
        let leg = self.leg_mut(leg_id)?;
        if let Some(latched) = leg.latched
            && latched.ip() != from.ip()
        {
            leg.counters.foreign_source += 1;
            return Err(MediaError::ForeignSource { leg: leg_id, from, latched });
        }
        // Read in place (the whole compound checked first): no allocation per packet.
        let reports = match rtcp::compound_reports(bytes) {
            Ok(r) => r,
            Err(source) => {
                leg.counters.invalid += 1;
                return Err(MediaError::Rtcp { leg: leg_id, from, source });
            }
        };
        leg.counters.rtcp_received += 1;
        let own = leg.config.ssrc;
        for report in reports {
            if let Some(info) = report.sender
                && leg.ssrc_in.is_none_or(|s| s == report.ssrc)
            {
                leg.last_sr = Some((rtcp::ntp_middle(info.ntp_timestamp), since));
            }
            for b in report.blocks().filter(|b| b.ssrc == own) {
                if let Some(rtt) = rtcp::round_trip_time(arrival, &b) {
                    leg.rtt = Some(rtt);
                }
                leg.remote_fraction_lost = Some(f64::from(b.fraction_lost) / 256.0);
            }
        }
        Ok(())
    }

    fn ntp(&self, now: Instant) -> u64 {
        let wall = self.config.wallclock_at_start.unwrap_or_default() + self.since(now);
        rtcp::ntp_timestamp(wall)
    }

    // ----- host commands -----

    /// Sets how loud `talker` is in what `listener` hears (0 silent, 1 unity, at most 4); the
    /// change is ramped over one tick so that it makes no click.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn set_gain(
        &mut self,
        listener: LegId,
        talker: LegId,
        gain: f32,
    ) -> Result<(), MediaError> {
        self.leg(listener)?;
        self.leg(talker)?;
        self.mixer.set_gain(listener.index(), talker.index(), gain);
        Ok(())
    }

    /// How loud `talker` is (or is becoming) in what `listener` hears.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn gain(&self, listener: LegId, talker: LegId) -> Result<f32, MediaError> {
        self.leg(listener)?;
        self.leg(talker)?;
        Ok(self.mixer.gain(listener.index(), talker.index()))
    }

    /// Silences everything `leg` hears from other legs and everything others hear from it.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn isolate(&mut self, leg: LegId) -> Result<(), MediaError> {
        self.leg(leg)?;
        for i in 0..self.legs.len() {
            self.mixer.set_gain(leg.index(), i, 0.0);
            self.mixer.set_gain(i, leg.index(), 0.0);
        }
        Ok(())
    }

    /// A two-party bridge: `a` and `b` hear each other.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn bridge(&mut self, a: LegId, b: LegId) -> Result<(), MediaError> {
        self.set_gain(a, b, 1.0)?;
        self.set_gain(b, a, 1.0)
    }

    /// A conference: each of `legs` hears every other one.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn conference(&mut self, legs: &[LegId]) -> Result<(), MediaError> {
        for &l in legs {
            for &t in legs {
                self.set_gain(l, t, if l == t { 0.0 } else { 1.0 })?;
            }
        }
        Ok(())
    }

    /// Hold: `leg` hears the music on hold (silence without any) and nobody hears it, nor does it
    /// hear anybody.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn hold(&mut self, leg: LegId) -> Result<(), MediaError> {
        self.isolate(leg)?;
        self.start_music(leg)
    }

    /// Supervisor `listen`: `supervisor` hears `agent` and `caller`; nobody hears the supervisor.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn listen(
        &mut self,
        supervisor: LegId,
        agent: LegId,
        caller: LegId,
    ) -> Result<(), MediaError> {
        self.set_gain(supervisor, agent, 1.0)?;
        self.set_gain(supervisor, caller, 1.0)?;
        self.set_gain(agent, supervisor, 0.0)?;
        self.set_gain(caller, supervisor, 0.0)
    }

    /// Supervisor `whisper`: as [`listen`](Self::listen), and the agent alone hears the
    /// supervisor.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn whisper(
        &mut self,
        supervisor: LegId,
        agent: LegId,
        caller: LegId,
    ) -> Result<(), MediaError> {
        self.listen(supervisor, agent, caller)?;
        self.set_gain(agent, supervisor, 1.0)
    }

    /// Supervisor `barge`: the three hear each other.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn barge(
        &mut self,
        supervisor: LegId,
        agent: LegId,
        caller: LegId,
    ) -> Result<(), MediaError> {
        self.conference(&[supervisor, agent, caller])
    }

    fn set_source(&mut self, leg_id: LegId, source: Source) -> Result<(), MediaError> {
        let leg = self.leg_mut(leg_id)?;
        let old = std::mem::replace(&mut leg.source, source);
        let interrupted = matches!(&old, Source::Prompts(q) if !q.is_empty());
        if !matches!(old, Source::Silence) {
            leg.fading = Some(old);
        }
        if interrupted {
            self.events.push_back(MediaEvent::QueueFinished { leg: leg_id, interrupted: true });
        }
        Ok(())
    }

    /// Queues a prompt for `leg` (starting a queue when none plays; a tone or music stops).
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn play(&mut self, leg_id: LegId, prompt: Prompt) -> Result<(), MediaError> {
        let leg = self.leg_mut(leg_id)?;
        if let Source::Prompts(q) = &mut leg.source {
            q.push(prompt);
            return Ok(());
        }
        let mut q = PlayQueue::new();
        q.push(prompt);
        self.set_source(leg_id, Source::Prompts(q))
    }

    /// Whether a digit from `leg` stops its queue of prompts (barge-in); it holds for the queues
    /// played to the leg until changed.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn set_barge_in(&mut self, leg_id: LegId, barge_in: bool) -> Result<(), MediaError> {
        self.leg_mut(leg_id)?.barge_in = barge_in;
        Ok(())
    }

    /// Plays a call-progress tone to `leg` in a loop at `level_dbm0`.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn play_tone(
        &mut self,
        leg: LegId,
        tone: &ToneSpec,
        level_dbm0: f64,
    ) -> Result<(), MediaError> {
        self.set_source(leg, Source::Loop(Looping::new(Prompt::tone(tone, level_dbm0), 0)))
    }

    /// Sets the session's music on hold (shared: each listener keeps its own position).
    pub fn set_music_on_hold(&mut self, music: MusicOnHold) {
        self.music = Some(music);
    }

    /// Starts the music on hold for `leg` from its beginning (silence when none is set).
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn start_music(&mut self, leg: LegId) -> Result<(), MediaError> {
        let source = match &self.music {
            Some(m) => Source::Loop(Looping::new(m.prompt().clone(), 0)),
            None => Source::Silence,
        };
        self.set_source(leg, source)
    }

    /// Stops whatever the session plays to `leg` (prompts, tone, music): it hears only the mixer.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn stop_playing(&mut self, leg: LegId) -> Result<(), MediaError> {
        self.set_source(leg, Source::Silence)
    }

    /// Sends `digits` on `leg`: as RFC 4733 events when the leg negotiated telephone-event,
    /// otherwise as DTMF tones in the audio. [`MediaEvent::DigitsSent`] follows.
    ///
    /// # Errors
    ///
    /// [`MediaError::BadDigit`], [`MediaError::DigitQueueFull`] (more than 32 waiting),
    /// [`MediaError::NoSuchLeg`].
    pub fn send_digits(&mut self, leg_id: LegId, digits: &str) -> Result<(), MediaError> {
        if let Some(digit) = digits.chars().find(|&c| event_code(c).is_none()) {
            return Err(MediaError::BadDigit { digit });
        }
        let leg = self.leg_mut(leg_id)?;
        if leg.config.telephone_event.is_some() {
            if leg.digits_out.len() + digits.chars().count() > 32 {
                return Err(MediaError::DigitQueueFull(leg_id));
            }
            leg.digits_out.extend(digits.chars());
        } else {
            let ms = leg.config.digit_duration.as_secs_f64() * 1000.0;
            let tones = DtmfGenerator::new()
                .on_ms(ms)
                .off_ms(ms)
                .level_dbm0(-8.0)
                .generate(digits)
                .map_err(|_| MediaError::BadDigit { digit: '?' })?;
            leg.inband_out.push(Prompt::from_samples(tones));
        }
        Ok(())
    }

    /// Starts recording `leg`: left (or the first mono stream) what its party says, right what it
    /// hears. Returns the recorder's number for [`RecordingChunk::recorder`].
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn start_recording(&mut self, leg: LegId, layout: Layout) -> Result<usize, MediaError> {
        self.leg(leg)?;
        self.recorders.push(Some(Recorder { leg, layout, paused: false, frames: 0 }));
        Ok(self.recorders.len() - 1)
    }

    fn recorder_mut(&mut self, id: usize) -> Result<&mut Recorder, MediaError> {
        self.recorders.get_mut(id).and_then(Option::as_mut).ok_or(MediaError::NoSuchRecorder(id))
    }

    /// Pauses (`true`) or resumes a recorder: while paused it records silence, marked as paused.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchRecorder`].
    pub fn pause_recording(&mut self, id: usize, paused: bool) -> Result<(), MediaError> {
        self.recorder_mut(id)?.paused = paused;
        Ok(())
    }

    /// Stops a recorder (the host finishes its file).
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchRecorder`].
    pub fn stop_recording(&mut self, id: usize) -> Result<(), MediaError> {
        self.recorder_mut(id)?;
        self.recorders[id] = None;
        Ok(())
    }

    /// A leg's quality figures now.
    ///
    /// # Errors
    ///
    /// [`MediaError::NoSuchLeg`].
    pub fn quality(&self, leg_id: LegId) -> Result<Quality, MediaError> {
        let leg = self.leg(leg_id)?;
        let jb = leg.jitter.stats();
        let (lost, expected, jitter_ms) = match &leg.stats {
            Some(s) => (s.cumulative_lost(), u64::from(s.expected()), s.jitter_seconds() * 1000.0),
            None => (0, 0, 0.0),
        };
        let mut q = Quality {
            packets_received: leg.counters.received,
            packets_sent: leg.counters.sent,
            lost,
            expected,
            jitter_ms,
            late: jb.late,
            duplicates: jb.duplicates,
            concealed_frames: jb.concealed,
            played_frames: jb.played,
            jitter_buffer_ms: jb.current_delay_ms,
            foreign_source: leg.counters.foreign_source,
            foreign_ssrc: leg.counters.foreign_ssrc,
            invalid: leg.counters.invalid,
            rtcp_received: leg.counters.rtcp_received,
            rtcp_sent: leg.counters.rtcp_sent,
            rtt_ms: leg.rtt.map(|r| r.as_secs_f64() * 1000.0),
            remote_fraction_lost: leg.remote_fraction_lost,
            ..Quality::default()
        };
        let ptime_ms = leg.config.ptime.as_secs_f64() * 1000.0;
        q.one_way_delay_ms =
            q.rtt_ms.unwrap_or(0.0) / 2.0 + jb.current_delay_ms.max(0.0) + ptime_ms;
        // Late packets are lost to the listener too.
        let loss = if expected == 0 {
            0.0
        } else {
            #[allow(clippy::cast_precision_loss)]
            let l = (lost.max(0) as f64 + jb.late as f64) / expected as f64 * 100.0;
            l
        };
        q.r_factor = quality::r_factor(loss, q.one_way_delay_ms);
        q.mos = quality::mos(q.r_factor);
        Ok(q)
    }

    // ----- the clock -----

    /// When [`handle_timeout`](Self::handle_timeout) is next due: the next mixing tick (every
    /// greatest common divisor of the legs' packet times), or `None` without legs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_tick
    }

    /// Runs every tick due at `now`: plays out the jitter buffers, decodes, conceals, detects
    /// DTMF, mixes, records, encodes and packetises, sends digits and RTCP, and checks for dead
    /// peers. More than 50 ticks behind, the clock skips ahead.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.begin_input();
        let step = Duration::from_micros(self.tick_samples as u64 * 125);
        let mut done = 0;
        while let Some(at) = self.next_tick {
            if at > now {
                break;
            }
            if done >= MAX_CATCH_UP {
                self.next_tick = Some(now + step);
                break;
            }
            self.tick(at);
            self.next_tick = Some(at + step);
            done += 1;
        }
    }

    fn tick(&mut self, now: Instant) {
        let n = self.tick_samples;
        let since = self.since(now);
        let count = self.legs.len();
        // 1. What each leg says this tick.
        for i in 0..count {
            let Some(leg) = self.legs[i].as_mut() else { continue };
            if leg.in_pos + n > leg.in_ptime_samples {
                // While the peer sends RFC 4733 events it usually sends no audio: the frames
                // missing then are not loss, and are played as silence rather than concealed.
                let in_event = leg.events_in.poll_timeout().is_some()
                    || leg
                        .last_rfc4733
                        .is_some_and(|t| now.saturating_duration_since(t) < EVENT_QUIET);
                pull_frame(leg, since, in_event);
                leg.in_pos = 0;
                // Digits: in band first (their detector ran on this frame), then RFC 4733 timeouts.
                let id = LegId(i as u32);
                let suppress = leg
                    .last_rfc4733
                    .is_some_and(|t| now.saturating_duration_since(t) < INBAND_SUPPRESS)
                    || leg.events_in.poll_timeout().is_some();
                let mut barge = false;
                for d in leg.detected.drain(..) {
                    if !suppress {
                        self.events.push_back(MediaEvent::Digit {
                            leg: id,
                            digit: d.digit,
                            duration: Duration::from_micros(d.duration_samples * 125),
                            via: DigitVia::InBand,
                        });
                        barge = true;
                    }
                }
                leg.events_in.handle_timeout(since);
                self.drain_rfc4733(id);
                if barge {
                    self.barge_in(id);
                }
            }
            let Some(leg) = self.legs[i].as_mut() else { continue };
            let from = leg.in_pos;
            self.talk[i * MAX_FRAME..i * MAX_FRAME + n]
                .copy_from_slice(&leg.inbound[from..from + n]);
            leg.in_pos += n;
        }
        // 2. What each leg hears, recorded and sent.
        for l in 0..count {
            if self.legs[l].is_none() {
                continue;
            }
            let mix = &mut self.mix[..n];
            mix.fill(0);
            self.mixer.mix(l, &self.talk, MAX_FRAME, mix);
            let leg = self.legs[l].as_mut().expect("checked above");
            let id = LegId(l as u32);
            let finished = match &mut leg.source {
                Source::Silence => 0,
                Source::Prompts(q) => {
                    let before = q.is_empty();
                    let f = q.mix_into(mix);
                    if f > 0 && q.is_empty() && !before {
                        for _ in 0..f {
                            self.events.push_back(MediaEvent::PromptFinished { leg: id });
                        }
                        self.events
                            .push_back(MediaEvent::QueueFinished { leg: id, interrupted: false });
                        0
                    } else {
                        f
                    }
                }
                Source::Loop(lp) => {
                    lp.mix_into(mix);
                    0
                }
            };
            for _ in 0..finished {
                self.events.push_back(MediaEvent::PromptFinished { leg: id });
            }
            if let Some(mut old) = leg.fading.take() {
                let s = &mut self.scratch[..n];
                s.fill(0);
                match &mut old {
                    Source::Silence => {}
                    Source::Prompts(q) => {
                        q.mix_into(s);
                    }
                    Source::Loop(lp) => lp.mix_into(s),
                }
                for (k, (m, &v)) in mix.iter_mut().zip(s.iter()).enumerate() {
                    *m += (v * (n - 1 - k) as i32) / n as i32;
                }
            }
            if !leg.inband_out.is_empty()
                && leg.inband_out.mix_into(mix) > 0
                && leg.inband_out.is_empty()
            {
                self.events.push_back(MediaEvent::DigitsSent { leg: id });
            }
            if leg.out_len + n > leg.ptime_samples {
                leg.out_len = 0; // unreachable while the tick divides the packet time
            }
            let out = &mut leg.outbound[leg.out_len..leg.out_len + n];
            for (o, &m) in out.iter_mut().zip(mix.iter()) {
                *o = m.clamp(-32768, 32767) as i16;
            }
            leg.out_len += n;
            // Recorders of this leg.
            for (r_index, r) in self.recorders.iter_mut().enumerate() {
                let Some(r) = r.as_mut() else { continue };
                if r.leg != id {
                    continue;
                }
                let start = self.chunk_samples.len();
                self.chunk_samples.resize(start + 2 * n, 0);
                if !r.paused {
                    let said = &self.talk[l * MAX_FRAME..l * MAX_FRAME + n];
                    let heard = &leg.outbound[leg.out_len - n..leg.out_len];
                    let chunk = &mut self.chunk_samples[start..];
                    for (pair, (&a, &b)) in chunk.chunks_exact_mut(2).zip(said.iter().zip(heard)) {
                        pair[0] = a;
                        pair[1] = b;
                    }
                }
                self.chunks.push_back(ChunkMeta {
                    recorder: r_index,
                    layout: r.layout,
                    start,
                    len: 2 * n,
                    first_frame: r.frames,
                    paused: r.paused,
                });
                r.frames += n as u64;
            }
            if leg.out_len >= leg.ptime_samples {
                leg.out_len = 0;
                self.packetise(l);
            }
        }
        // 3. Dead peers and RTCP.
        for i in 0..count {
            let Some(leg) = self.legs[i].as_mut() else { continue };
            let id = LegId(i as u32);
            let last = leg.last_rx.unwrap_or(leg.created);
            let silent = now.saturating_duration_since(last);
            if !leg.dead && silent >= leg.config.dead_peer_after {
                leg.dead = true;
                self.events.push_back(MediaEvent::DeadPeer { leg: id, silent_for: silent });
            }
            if now >= leg.next_rtcp {
                leg.next_rtcp = now + leg.config.rtcp_interval;
                self.send_rtcp(i, now);
            }
        }
    }

    fn push_tx(
        &mut self,
        leg: LegId,
        destination: SocketAddr,
        kind: PacketKind,
        len: usize,
        start: usize,
    ) {
        self.tx.push_back(TxMeta { leg, destination, kind, start, len });
    }

    fn packetise(&mut self, l: usize) {
        let Some(leg) = self.legs[l].as_mut() else { return };
        let id = LegId(l as u32);
        let ps = leg.ptime_samples;
        let dest = leg.rtp_destination();
        let ts_now = leg.timestamp;
        leg.timestamp = leg.timestamp.wrapping_add(ps as u32);
        // RFC 4733: start the next digit when none is being sent and the pause is over.
        if leg.sending.is_none()
            && leg.pause_until_ts.is_none_or(|t| ts_now.wrapping_sub(t) < 0x8000_0000)
        {
            leg.pause_until_ts = None;
            if let Some(code) = leg.digits_out.pop_front().and_then(event_code) {
                let units = (leg.config.digit_duration.as_millis() as u32) * 8;
                let packets = EventSender::new(ps as u32).packets(code, ts_now, units);
                leg.sending = Some(SendingEvent { packets, pending: None, elapsed: 0 });
            }
        }
        if let (Some(sending), Some(te)) = (leg.sending.as_mut(), leg.config.telephone_event) {
            let mut finished = false;
            loop {
                let next = match sending.pending.take() {
                    Some(p) => Some(p),
                    None => sending.packets.next(),
                };
                let Some(p) = next else {
                    finished = true;
                    break;
                };
                if p.send_at > sending.elapsed {
                    sending.pending = Some(p);
                    break;
                }
                let payload = p.payload.to_bytes();
                let builder = RtpBuilder::new(te, leg.seq, p.timestamp, leg.config.ssrc)
                    .marker(p.marker)
                    .payload(&payload);
                leg.seq = leg.seq.wrapping_add(1);
                if let Some(dest) = dest {
                    let start = self.tx_bytes.len();
                    self.tx_bytes.resize(start + builder.len(), 0);
                    if let Ok(len) = builder.write(&mut self.tx_bytes[start..]) {
                        leg.counters.sent += 1;
                        leg.counters.sent_octets += payload.len() as u64;
                        self.tx.push_back(TxMeta {
                            leg: id,
                            destination: dest,
                            kind: PacketKind::Rtp,
                            start,
                            len,
                        });
                    }
                }
            }
            sending.elapsed = sending.elapsed.saturating_add(ps as u32);
            if finished {
                leg.sending = None;
                leg.marker_next = true;
                leg.pause_until_ts = Some(
                    leg.timestamp.wrapping_add((leg.config.digit_duration.as_millis() as u32) * 8),
                );
                if leg.digits_out.is_empty() {
                    self.events.push_back(MediaEvent::DigitsSent { leg: id });
                }
            }
            return;
        }
        let frame = &leg.outbound[..ps];
        if leg.config.suppress_silence && frame.iter().all(|&s| s == 0) {
            leg.marker_next = true;
            return;
        }
        let Some(dest) = dest else { return };
        let mut codes = [0u8; MAX_FRAME];
        // `frame` and `codes[..ps]` are both `ps` long, so this cannot fail; were it ever to, the
        // frame is not sent rather than sent with stale codes.
        if g711::encode(leg.law, frame, &mut codes[..ps]).is_err() {
            return;
        }
        let builder = RtpBuilder::new(leg.config.payload_type, leg.seq, ts_now, leg.config.ssrc)
            .marker(leg.marker_next)
            .payload(&codes[..ps]);
        leg.seq = leg.seq.wrapping_add(1);
        leg.marker_next = false;
        let start = self.tx_bytes.len();
        self.tx_bytes.resize(start + builder.len(), 0);
        if let Ok(len) = builder.write(&mut self.tx_bytes[start..]) {
            leg.counters.sent += 1;
            leg.counters.sent_octets += ps as u64;
            self.push_tx(id, dest, PacketKind::Rtp, len, start);
        }
    }

    fn send_rtcp(&mut self, l: usize, now: Instant) {
        let since = self.since(now);
        let ntp = self.ntp(now);
        let cname_len = self.config.cname.iter().position(|&b| b == 0).unwrap_or(16);
        let cname = std::str::from_utf8(&self.config.cname[..cname_len]).unwrap_or("hotline");
        let Some(leg) = self.legs[l].as_mut() else { return };
        let Some(dest) = leg.rtcp_destination() else { return };
        // Written in place (no report or chunk vectors): no allocation per report.
        let block =
            leg.stats.as_mut().map(|stats| ReportBlock::from_stats(stats, leg.last_sr, since));
        let sender = (leg.counters.sent > 0).then_some(SenderInfo {
            ntp_timestamp: ntp,
            rtp_timestamp: leg.timestamp,
            packet_count: leg.counters.sent as u32,
            octet_count: leg.counters.sent_octets as u32,
        });
        self.rtcp_buf.clear();
        let written = rtcp::write_report(
            &mut self.rtcp_buf,
            leg.config.ssrc,
            sender.as_ref(),
            block.as_slice(),
        )
        .and_then(|()| rtcp::write_cname(&mut self.rtcp_buf, leg.config.ssrc, cname));
        if written.is_ok() {
            leg.counters.rtcp_sent += 1;
            let start = self.tx_bytes.len();
            self.tx_bytes.extend_from_slice(&self.rtcp_buf);
            let len = self.rtcp_buf.len();
            self.push_tx(LegId(l as u32), dest, PacketKind::Rtcp, len, start);
        }
    }

    // ----- outputs -----

    /// The next datagram to send; drain until `None` after every call into the session.
    pub fn poll_transmit(&mut self) -> Option<Transmit<'_>> {
        let m = self.tx.pop_front()?;
        Some(Transmit {
            leg: m.leg,
            destination: m.destination,
            kind: m.kind,
            contents: &self.tx_bytes[m.start..m.start + m.len],
        })
    }

    /// The next event; drain until `None` after every call into the session.
    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.events.pop_front()
    }

    /// The next recorded chunk (one per recorder and tick); drain until `None` after every call
    /// into the session and hand each to the recorder's writer
    /// ([`WavRecording`](crate::WavRecording)).
    pub fn poll_recording(&mut self) -> Option<RecordingChunk<'_>> {
        let m = self.chunks.pop_front()?;
        Some(RecordingChunk {
            recorder: m.recorder,
            layout: m.layout,
            samples: &self.chunk_samples[m.start..m.start + m.len],
            first_frame: m.first_frame,
            paused: m.paused,
        })
    }

    /// Bytes this session holds, for capacity planning: its legs (with the packet slots their
    /// jitter buffers reserve, [`jitter_packet_bytes`] each), mixer and buffers; shared prompts
    /// and music not counted. `tests/memory.rs` checks it against a counting allocator.
    pub fn memory_bytes(&self) -> usize {
        let mut total = std::mem::size_of::<Self>()
            + self.legs.len() * self.legs.len() * 8
            + self.talk.capacity() * 2
            + (self.mix.capacity() + self.scratch.capacity()) * 4
            + self.tx_bytes.capacity()
            + self.chunk_samples.capacity() * 2
            + self.rtcp_buf.capacity()
            + self.events.capacity() * std::mem::size_of::<MediaEvent>()
            + self.tx.capacity() * std::mem::size_of::<TxMeta>()
            + self.chunks.capacity() * std::mem::size_of::<ChunkMeta>();
        for leg in self.legs.iter().flatten() {
            total += leg_memory_without_packets(leg) + jitter_packet_bytes(&leg.config);
        }
        total
    }
}

/// A leg's bytes besides the packets its jitter buffer holds: the leg itself (two 60 ms sample
/// frames and its sender and receiver state), the DTMF detector and its block history, the
/// concealer's history and pattern, the jitter buffer's delay history, and the small queues.
/// (The session's per-leg share of its own buffers, a 60 ms frame of what the leg says, is
/// counted by [`MediaSession::memory_bytes`].)
pub(crate) fn leg_memory_without_packets(leg: &Leg) -> usize {
    std::mem::size_of::<Option<Leg>>()
        + leg
            .detector
            .as_ref()
            .map_or(0, |d| std::mem::size_of::<hotline_dsp::dtmf::DtmfDetector>() + d.heap_bytes())
        + leg.detected.capacity() * std::mem::size_of::<hotline_dsp::dtmf::DtmfEvent>()
        + leg.digits_out.capacity() * std::mem::size_of::<char>()
        + leg.concealer.heap_bytes()
        + leg.jitter.history_bytes()
}

/// Bytes a leg reserves for the packets its jitter buffer holds: for each, a payload slot of 60 ms
/// and the buffer's own entry.
pub fn jitter_packet_bytes(config: &LegConfig) -> usize {
    config.jitter.capacity.max(1)
        * (std::mem::size_of::<Slot>() + hotline_rtp::jitter::JitterBuffer::<()>::slot_bytes())
}

/// Plays out one packet's worth of a leg's jitter buffer into `leg.inbound`.
fn pull_frame(leg: &mut Leg, since: Duration, in_event: bool) {
    let ps = leg.in_ptime_samples;
    let frame = &mut leg.inbound[..ps];
    match leg.jitter.pop(since) {
        Playout::Frame(f) => {
            let n = leg.slots.len();
            let slot = &leg.slots[usize::from(f.info.seq) % n];
            if slot.seq == f.info.seq {
                let len = usize::from(slot.len).min(ps);
                // Both slices are `len` long: decoding cannot fail. Were it ever to, the frame is
                // silence rather than stale audio.
                if g711::decode(leg.law, &slot.data[..len], &mut frame[..len]).is_err() {
                    frame[..len].fill(0);
                }
                frame[len..].fill(0);
                leg.concealer.good_frame(frame);
            } else {
                // Overwritten by a packet `n` sequence numbers later (see `Slot`).
                leg.concealer.lost_frame(frame);
            }
        }
        Playout::Lost { .. } if in_event => {
            frame.fill(0);
            leg.concealer.good_frame(frame);
        }
        Playout::Lost { .. } => leg.concealer.lost_frame(frame),
        Playout::Empty => {
            frame.fill(0);
            leg.concealer.good_frame(frame);
        }
    }
    if let Some(d) = leg.detector.as_mut() {
        d.process_into(frame, &mut leg.detected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Codec;

    #[test]
    fn removing_a_leg_never_grows_the_tick_mid_packet() {
        // Regression (found by the script property test): a 60 ms leg and a 10 ms leg tick every
        // 10 ms; after three ticks the 60 ms leg is 30 ms into its packet, and removing the 10 ms
        // leg made the tick 60 ms, reading past the end of the packet.
        let t0 = Instant::now();
        let mut s = MediaSession::new(t0);
        let mut c = LegConfig::new(Codec::Pcmu);
        c.ptime = Duration::from_millis(60);
        c.remote = Some("127.0.0.1:4000".parse().unwrap());
        let a = s.add_leg(t0, c).unwrap();
        c.ptime = Duration::from_millis(10);
        let b = s.add_leg(t0, c).unwrap();
        s.handle_timeout(t0 + Duration::from_millis(25));
        while s.poll_transmit().is_some() {}
        s.remove_leg(b).unwrap();
        s.handle_timeout(t0 + Duration::from_millis(200));
        let mut sizes = Vec::new();
        while let Some(t) = s.poll_transmit() {
            assert_eq!(t.leg, a);
            sizes.push(t.contents.len());
        }
        assert_eq!(sizes, [12 + 480; 3]);
    }

    #[test]
    fn a_payload_slot_overwritten_by_a_later_packet_is_concealed_not_played() {
        // Slots are chosen by sequence number modulo the buffer's capacity: with packets 0 and
        // 4 both held in a buffer of 4 (a fixed delay of 100 ms holds packet 0 until packet 4
        // has come), packet 4's payload took packet 0's slot. At packet 0's turn the slot's tag
        // says so, and the frame is concealed rather than played with packet 4's audio.
        for with_later in [false, true] {
            let t0 = Instant::now();
            let ms = Duration::from_millis;
            let mut s = MediaSession::new(t0);
            let mut c = LegConfig::new(Codec::Pcma);
            c.jitter =
                c.jitter.with_capacity(4).with_mode(hotline_rtp::jitter::Mode::Fixed(ms(100)));
            let l = s.add_leg(t0, c).unwrap();
            let from: SocketAddr = "127.0.0.1:4000".parse().unwrap();
            let packet = |seq: u16| {
                RtpBuilder::new(8, seq, 160 * u32::from(seq), 7)
                    .payload(&[0x55 ^ seq as u8; 160])
                    .to_vec()
                    .unwrap()
            };
            s.handle_rtp(t0, l, from, &packet(0)).unwrap();
            s.handle_timeout(t0 + ms(60));
            if with_later {
                s.handle_rtp(t0 + ms(80), l, from, &packet(4)).unwrap();
            }
            s.handle_timeout(t0 + ms(100));
            let leg = s.leg(l).unwrap();
            let stats = leg.jitter.stats();
            assert_eq!((stats.played, stats.late), (1, 0), "{stats:?}");
            assert_eq!(leg.concealer.in_loss(), with_later, "later packet held: {with_later}");
        }
    }

    #[test]
    fn a_leg_takes_at_most_16_kib_besides_its_jitter_buffer_packets() {
        let t0 = Instant::now();
        let mut s = MediaSession::new(t0);
        let mut c = LegConfig::new(Codec::Pcma);
        c.inband_dtmf = crate::InbandDtmf::On;
        let l = s.add_leg(t0, c).unwrap();
        let leg = s.leg(l).unwrap();
        let bytes = leg_memory_without_packets(leg);
        eprintln!(
            "leg {bytes} bytes (Leg {} , detector {}), packets {} bytes, session with one leg {}",
            std::mem::size_of::<Leg>(),
            std::mem::size_of::<hotline_dsp::dtmf::DtmfDetector>(),
            jitter_packet_bytes(&c),
            s.memory_bytes()
        );
        assert!(bytes <= 16 * 1024, "{bytes}");
    }
}
