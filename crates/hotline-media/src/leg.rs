//! Legs: one per RTP peer, set up from the parameters the host negotiated in SDP.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hotline_dsp::dtmf::{DtmfDetector, DtmfEvent};
use hotline_dsp::g711::Law;
use hotline_dsp::plc::Concealer;
use hotline_rtp::event::{EventPacket, EventPackets, EventReceiver, EventReceiverConfig};
use hotline_rtp::jitter::{JitterBuffer, JitterConfig};
use hotline_rtp::stats::SourceStats;
use serde::{Deserialize, Serialize};

use crate::MediaError;
use crate::source::{PlayQueue, Source};

/// The most samples a packet (60 ms at 8 kHz) or a mixing tick holds.
pub const MAX_FRAME: usize = 480;

/// A leg of a session (its index; stable while the leg exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LegId(pub(crate) u32);

impl LegId {
    /// The id of the leg at `index` (what [`LegId::index`] returns); an id no leg has is refused
    /// by every call with [`MediaError::NoSuchLeg`].
    pub fn from_index(index: usize) -> Self {
        LegId(u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// The index of the leg in its session.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for LegId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "leg{}", self.0)
    }
}

/// The audio codec of a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Codec {
    /// G.711 μ-law (static payload type 0).
    Pcmu,
    /// G.711 A-law (static payload type 8).
    Pcma,
}

impl Codec {
    /// The static payload type of RFC 3551.
    pub fn static_payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The companding law.
    pub fn law(self) -> Law {
        match self {
            Codec::Pcmu => Law::U,
            Codec::Pcma => Law::A,
        }
    }
}

/// Whether a leg listens for DTMF tones in the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum InbandDtmf {
    /// Always (a tone during or within 500 ms after an RFC 4733 event is not reported again).
    On,
    /// Never.
    Off,
    /// Only when the peer negotiated no telephone-event.
    Auto,
}

/// A leg's negotiated parameters (what the host takes from the SDP offer/answer).
///
/// Build it with [`LegConfig::new`] and set the fields that differ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LegConfig {
    /// The audio codec.
    pub codec: Codec,
    /// The audio payload type (the codec's static one unless the SDP mapped another).
    pub payload_type: u8,
    /// The RFC 4733 telephone-event payload type, if negotiated (any dynamic type).
    pub telephone_event: Option<u8>,
    /// Packet time, 10 to 60 ms in steps of 10 ms.
    pub ptime: Duration,
    /// Where to send before the peer's first packet latches its address (the SDP's `c=`/`m=`).
    pub remote: Option<SocketAddr>,
    /// Whether RTCP shares the RTP port (RFC 5761); otherwise it goes to the RTP port + 1.
    pub rtcp_mux: bool,
    /// In-band DTMF detection.
    pub inband_dtmf: InbandDtmf,
    /// How long without any packet before [`MediaEvent::DeadPeer`](crate::MediaEvent::DeadPeer).
    pub dead_peer_after: Duration,
    /// Jitter buffer settings (clock rate and frame are taken from the codec and `ptime`).
    pub jitter: JitterConfig,
    /// The SSRC of what this leg sends.
    pub ssrc: u32,
    /// The first sequence number sent.
    pub initial_sequence: u16,
    /// The first RTP timestamp sent.
    pub initial_timestamp: u32,
    /// How often an RTCP report is sent.
    pub rtcp_interval: Duration,
    /// Whether a frame of digital silence is not sent (the next packet then carries the marker).
    pub suppress_silence: bool,
    /// How long each digit sent lasts (RFC 4733 or in band); the pause between digits is as long.
    pub digit_duration: Duration,
}

impl LegConfig {
    /// Defaults for `codec`: its static payload type, no telephone-event, 20 ms, in-band DTMF
    /// detection `Auto`, dead peer after 30 s, RTCP every 5 s, digits of 100 ms, and a jitter
    /// buffer of at most 50 packets (1 s at 20 ms) and a 250-packet (5 s) delay history, which
    /// keeps a 20 ms leg within 16 KiB besides the packets (measured by `tests/memory.rs`:
    /// 15.7 KB).
    // JitterConfig may become #[non_exhaustive]: never a struct literal.
    #[allow(clippy::field_reassign_with_default)]
    pub fn new(codec: Codec) -> Self {
        let mut jitter = JitterConfig::default();
        jitter.capacity = 50;
        if let hotline_rtp::jitter::Mode::Adaptive(mut a) = jitter.mode {
            a.history = 250;
            jitter.mode = hotline_rtp::jitter::Mode::Adaptive(a);
        }
        LegConfig {
            codec,
            payload_type: codec.static_payload_type(),
            telephone_event: None,
            ptime: Duration::from_millis(20),
            remote: None,
            rtcp_mux: false,
            inband_dtmf: InbandDtmf::Auto,
            dead_peer_after: Duration::from_secs(30),
            jitter,
            ssrc: 0x484c_0001,
            initial_sequence: 0,
            initial_timestamp: 0,
            rtcp_interval: Duration::from_secs(5),
            suppress_silence: false,
            digit_duration: Duration::from_millis(100),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), MediaError> {
        let ms = self.ptime.as_millis();
        if !(10..=60).contains(&ms)
            || !ms.is_multiple_of(10)
            || !self.ptime.subsec_nanos().is_multiple_of(1_000_000)
        {
            return Err(MediaError::BadParameter {
                field: "ptime",
                reason: "must be 10 to 60 ms in steps of 10 ms",
            });
        }
        if self.payload_type > 127 {
            return Err(MediaError::BadParameter { field: "payload_type", reason: "above 127" });
        }
        if let Some(te) = self.telephone_event
            && (te > 127 || te == self.payload_type)
        {
            return Err(MediaError::BadParameter {
                field: "telephone_event",
                reason: "above 127 or equal to the audio payload type",
            });
        }
        if self.digit_duration < Duration::from_millis(40)
            || self.digit_duration > Duration::from_secs(5)
        {
            return Err(MediaError::BadParameter {
                field: "digit_duration",
                reason: "must be 40 ms to 5 s",
            });
        }
        Ok(())
    }

    pub(crate) fn ptime_samples(&self) -> usize {
        (self.ptime.as_millis() as usize) * 8
    }
}

/// The payload of a packet the jitter buffer holds, kept beside it in a slot chosen by sequence
/// number (`seq % slots`): the payload is copied once, from the datagram into its slot, and
/// decoded from there; the jitter buffer itself only orders the packets' headers. A slot is
/// written only when the buffer stored its packet, and tagged with its sequence number: should a
/// packet `slots` numbers later be stored before it is played (more than a second of packets
/// held), the older one is found overwritten at its turn and concealed rather than played with
/// the newer one's audio.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    pub seq: u16,
    pub len: u16,
    pub data: [u8; MAX_FRAME],
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slot(seq {}, {} bytes)", self.seq, self.len)
    }
}

/// An RFC 4733 event being sent.
#[derive(Debug)]
pub(crate) struct SendingEvent {
    pub packets: EventPackets,
    pub pending: Option<EventPacket>,
    pub elapsed: u32,
}

/// Counters kept beside the jitter buffer's and RFC 3550's.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    pub received: u64,
    pub sent: u64,
    pub sent_octets: u64,
    pub foreign_source: u64,
    pub foreign_ssrc: u64,
    pub invalid: u64,
    pub rtcp_received: u64,
    pub rtcp_sent: u64,
    /// Streams restarted with a new SSRC from the latched address.
    pub restarts: u64,
}

/// One leg's state.
#[derive(Debug)]
pub(crate) struct Leg {
    pub config: LegConfig,
    pub ptime_samples: usize,
    /// The packet time the peer actually sends (its first audio packet's length), in samples.
    pub in_ptime_samples: usize,
    pub law: Law,
    pub created: Instant,
    // Receiving.
    pub latched: Option<SocketAddr>,
    pub ssrc_in: Option<u32>,
    pub stats: Option<SourceStats>,
    pub jitter: JitterBuffer<()>,
    /// The payloads of the packets the jitter buffer holds (one slot per packet it may hold).
    pub slots: Box<[Slot]>,
    pub events_in: EventReceiver,
    pub concealer: Concealer,
    pub detector: Option<Box<DtmfDetector>>,
    pub detected: Vec<DtmfEvent>,
    pub last_rfc4733: Option<Instant>,
    pub inbound: [i16; MAX_FRAME],
    pub in_pos: usize,
    pub last_rx: Option<Instant>,
    pub dead: bool,
    pub last_sr: Option<(u32, Duration)>,
    pub rtt: Option<Duration>,
    pub remote_fraction_lost: Option<f64>,
    // Sending.
    pub outbound: [i16; MAX_FRAME],
    pub out_len: usize,
    pub seq: u16,
    pub timestamp: u32,
    pub marker_next: bool,
    pub digits_out: VecDeque<char>,
    pub sending: Option<SendingEvent>,
    pub pause_until_ts: Option<u32>,
    pub inband_out: PlayQueue,
    pub next_rtcp: Instant,
    // What it hears besides other legs.
    pub source: Source,
    pub barge_in: bool,
    pub fading: Option<Source>,
    pub counters: Counters,
}

/// Digits a leg can send or report.
pub(crate) fn event_code(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        'a'..='d' => Some(digit as u8 - b'a' + 12),
        _ => None,
    }
}

pub(crate) fn event_digit(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

impl Leg {
    pub fn new(now: Instant, config: LegConfig) -> Result<Self, MediaError> {
        let ptime_samples = config.ptime_samples();
        let mut jitter_config = config.jitter;
        jitter_config.clock_rate = 8000;
        jitter_config.frame = config.ptime;
        let inband = match config.inband_dtmf {
            InbandDtmf::On => true,
            InbandDtmf::Off => false,
            InbandDtmf::Auto => config.telephone_event.is_none(),
        };
        Ok(Leg {
            config,
            ptime_samples,
            in_ptime_samples: ptime_samples,
            law: config.codec.law(),
            created: now,
            latched: None,
            ssrc_in: None,
            stats: None,
            jitter: JitterBuffer::new(jitter_config)?,
            slots: vec![
                Slot { seq: 0, len: 0, data: [0; MAX_FRAME] };
                config.jitter.capacity.max(1)
            ]
            .into_boxed_slice(),
            events_in: EventReceiver::new(EventReceiverConfig::default()),
            concealer: Concealer::with_frame(ptime_samples),
            detector: inband.then(|| Box::new(DtmfDetector::new())),
            detected: Vec::with_capacity(4),
            last_rfc4733: None,
            inbound: [0; MAX_FRAME],
            in_pos: ptime_samples,
            last_rx: None,
            dead: false,
            last_sr: None,
            rtt: None,
            remote_fraction_lost: None,
            outbound: [0; MAX_FRAME],
            out_len: 0,
            seq: config.initial_sequence,
            timestamp: config.initial_timestamp,
            marker_next: true,
            digits_out: VecDeque::with_capacity(32),
            sending: None,
            pause_until_ts: None,
            inband_out: PlayQueue::new(),
            next_rtcp: now + config.rtcp_interval,
            source: Source::Silence,
            barge_in: false,
            fading: None,
            counters: Counters::default(),
        })
    }

    /// Starts receiving a new stream `ssrc` from the latched peer (a restarted source): fresh
    /// statistics, an empty jitter buffer and concealer.
    pub fn restart_source(&mut self, ssrc: u32) -> Result<(), MediaError> {
        let mut jitter_config = self.config.jitter;
        jitter_config.clock_rate = 8000;
        jitter_config.frame = self.config.ptime;
        self.jitter = JitterBuffer::new(jitter_config)?;
        self.concealer = Concealer::with_frame(self.in_ptime_samples);
        self.ssrc_in = Some(ssrc);
        self.stats = Some(SourceStats::new_validated(ssrc, 8000));
        self.counters.restarts += 1;
        Ok(())
    }

    /// Follows the peer's packet time when its first audio packet is another whole multiple of
    /// 10 ms (up to 60 ms) than negotiated: the jitter buffer restarts with that frame length.
    /// Returns whether it changed.
    pub fn follow_peer_ptime(&mut self, payload_len: usize) -> bool {
        if payload_len == self.in_ptime_samples
            || payload_len == 0
            || !payload_len.is_multiple_of(80)
            || payload_len > MAX_FRAME
            || self.jitter.stats().received > 0
        {
            return false;
        }
        self.in_ptime_samples = payload_len;
        self.in_pos = payload_len;
        self.concealer = Concealer::with_frame(payload_len);
        let mut jitter_config = self.config.jitter;
        jitter_config.clock_rate = 8000;
        jitter_config.frame = Duration::from_micros(payload_len as u64 * 125);
        // The same settings as at construction with another whole frame of 10-60 ms: they were
        // accepted then, so they are accepted now; keep the old buffer if not.
        match JitterBuffer::new(jitter_config) {
            Ok(jitter) => self.jitter = jitter,
            Err(_) => return false,
        }
        true
    }

    /// Where RTP goes: the latched address, or the SDP's.
    pub fn rtp_destination(&self) -> Option<SocketAddr> {
        self.latched.or(self.config.remote)
    }

    /// Where RTCP goes.
    pub fn rtcp_destination(&self) -> Option<SocketAddr> {
        let mut a = self.rtp_destination()?;
        if !self.config.rtcp_mux {
            a.set_port(a.port().wrapping_add(1));
        }
        Some(a)
    }
}
