//! The crate's error type.

use std::net::SocketAddr;

use crate::LegId;

/// Why an input to a [`MediaSession`](crate::MediaSession) or a file operation did not apply.
///
/// Every `handle_*` input that does not apply is one of these, never silently dropped; the session
/// also counts the packet kinds in its per-leg [`Quality`](crate::Quality) figures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// No leg has this id (never added, or removed).
    #[error("no leg {0:?} in this session")]
    NoSuchLeg(LegId),
    /// No recorder has this id.
    #[error("no recorder {0} in this session")]
    NoSuchRecorder(usize),
    /// A datagram is not an RTP packet.
    #[error("RTP datagram from {from} on leg {leg:?} rejected: {source}")]
    Rtp {
        /// The leg it arrived on.
        leg: LegId,
        /// Where it came from.
        from: SocketAddr,
        /// What the parser found (with the byte offset).
        source: hotline_rtp::RtpError,
    },
    /// A datagram is not an RTCP compound packet.
    #[error("RTCP datagram from {from} on leg {leg:?} rejected: {source}")]
    Rtcp {
        /// The leg it arrived on.
        leg: LegId,
        /// Where it came from.
        from: SocketAddr,
        /// What the parser found (with the byte offset).
        source: hotline_rtp::rtcp::RtcpError,
    },
    /// A telephone-event payload is malformed.
    #[error("RFC 4733 payload from {from} on leg {leg:?} rejected: {source}")]
    Event {
        /// The leg it arrived on.
        leg: LegId,
        /// Where it came from.
        from: SocketAddr,
        /// What was wrong.
        source: hotline_rtp::event::EventError,
    },
    /// A packet came from another address than the one the leg latched (symmetric RTP).
    #[error("packet from {from} on leg {leg:?} ignored: the leg is latched to {latched}")]
    ForeignSource {
        /// The leg.
        leg: LegId,
        /// Where the packet came from.
        from: SocketAddr,
        /// The address the leg latched from its first valid packet.
        latched: SocketAddr,
    },
    /// A packet came with another SSRC than the one the leg latched.
    #[error(
        "packet with SSRC {ssrc:#010x} on leg {leg:?} ignored: the leg is latched to {latched:#010x}"
    )]
    ForeignSsrc {
        /// The leg.
        leg: LegId,
        /// The packet's SSRC.
        ssrc: u32,
        /// The SSRC latched.
        latched: u32,
    },
    /// A packet with a payload type that was not negotiated.
    #[error("payload type {payload_type} on leg {leg:?} was not negotiated")]
    UnexpectedPayloadType {
        /// The leg.
        leg: LegId,
        /// The payload type.
        payload_type: u8,
    },
    /// An audio payload longer than the largest frame the leg holds (60 ms).
    #[error("payload of {len} bytes on leg {leg:?} exceeds the 480-byte (60 ms) frame")]
    PayloadTooLong {
        /// The leg.
        leg: LegId,
        /// The payload length.
        len: usize,
    },
    /// A leg's parameters are out of range.
    #[error("bad leg parameter {field}: {reason}")]
    BadParameter {
        /// The field.
        field: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The leg's jitter-buffer settings cannot work (capacity 0).
    #[error("bad jitter buffer settings: {0}")]
    Jitter(#[from] hotline_rtp::jitter::JitterConfigError),
    /// A digit the RFC 4733 or in-band sender cannot send.
    #[error("cannot send {digit:?} as DTMF (0-9, *, #, A-D)")]
    BadDigit {
        /// The offending character.
        digit: char,
    },
    /// Too many digits queued for sending on one leg.
    #[error("the digit queue of leg {0:?} is full")]
    DigitQueueFull(LegId),
    /// A WAV file could not be read or written.
    #[error("WAV: {0}")]
    Wav(#[from] hotline_dsp::wav::WavError),
    /// A prompt could not be resampled.
    #[error("resampling: {0}")]
    Resample(#[from] hotline_dsp::resample::ResampleError),
    /// A file operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A recording cannot be repaired.
    #[error("cannot repair: {reason} (at byte {offset})")]
    Repair {
        /// What is wrong.
        reason: &'static str,
        /// The byte offset.
        offset: u64,
    },
}
