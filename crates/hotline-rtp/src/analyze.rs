//! Per-stream analysis of the RTP in a capture, as Wireshark's "RTP Streams" statistics compute it.
//!
//! [`Analyzer`] takes UDP datagrams in capture order (or [`analyze_capture`] reads a whole pcap or
//! pcapng file) and reports, for each stream (keyed by SSRC, source and destination, in order of
//! first appearance): packets, lost, duplicates, out of order, mean and max jitter in
//! milliseconds, and the RFC 4733 events decoded from it.
//!
//! * **Recognising RTP** without SDP follows `tshark -o rtp.heuristic_rtp:TRUE`: a UDP payload of
//!   at least 12 bytes with version 2, sent to an even destination port, and not an RTCP packet in
//!   disguise (marker bit set with payload type 64–95).
//! * **Lost** is the RFC 3550 A.3 cumulative loss (expected from the first to the highest extended
//!   sequence number, minus packets received, so duplicates make it negative) of a source taken as
//!   valid from its first packet. This is what Wireshark prints, except when the last packet of a
//!   stream in the file is a late one: Wireshark takes the last packet's number as the highest.
//! * **Jitter** is Wireshark's: for each packet, the difference `D` in milliseconds between its
//!   arrival and the arrival expected from the previous in-order packet and the timestamp
//!   difference, smoothed as `J = (15·J + |D|) / 16` (the previous packet in capture order, as
//!   tshark 4.0 does, so a reordered packet counts twice). The maximum and the mean skip the first
//!   packet, packets with the marker bit, and comfort noise (PT 13 and 19) and the packet after
//!   it; the mean is Wireshark's running mean `M = (M·(n−1) + J) / n`, `n` counting the packets
//!   before this one. Jitter needs a clock rate: RFC 3551's for static payload types, 8000 Hz for
//!   dynamic ones unless [`AnalyzeConfig::clock_rates`] says otherwise; telephone-event packets
//!   (a dynamic payload type with a 4-byte payload) carry no jitter, as their timestamps stand
//!   still.
//!
//! Wireshark itself knows no clock rate for a dynamic payload type without SDP and so reports zero
//! jitter for such streams; ours uses 8000 Hz there.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use crate::event::{EventPayload, EventReceiver, EventReceiverConfig};
use crate::packet::RtpPacket;
use crate::pcap::{CaptureReader, PcapError, udp_datagram};
use crate::stats::SourceStats;

/// The RTP clock rate of a static payload type (RFC 3551 §6), if it has one.
pub fn static_clock_rate(payload_type: u8) -> Option<u32> {
    Some(match payload_type {
        0 | 1 | 2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 13 | 15 | 18 | 19 => 8000,
        6 => 16000,
        10 | 11 => 44100,
        16 => 11025,
        17 => 22050,
        14 | 25 | 26 | 28 | 31 | 32 | 33 | 34 => 90000,
        _ => return None,
    })
}

/// Settings of an analysis.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AnalyzeConfig {
    /// Clock rates by payload type, overriding RFC 3551 and the 8000 Hz default of dynamic types.
    pub clock_rates: HashMap<u8, u32>,
}

impl AnalyzeConfig {
    /// The clock rate used for a payload type: the configured one, RFC 3551's, or 8000 Hz for a
    /// dynamic type; `None` for a reserved or unassigned static type.
    pub fn clock_rate(&self, payload_type: u8) -> Option<u32> {
        if let Some(&rate) = self.clock_rates.get(&payload_type) {
            return (rate > 0).then_some(rate);
        }
        match payload_type {
            96..=127 => Some(8000),
            pt => static_clock_rate(pt),
        }
    }
}

/// A telephone-event decoded from a stream.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventReport {
    /// The digit (`0`–`9`, `*`, `#`, `A`–`D`, `flash`, or `event N`).
    pub digit: String,
    /// When its first packet arrived, in ms after the first packet of the file.
    pub start_ms: f64,
    /// Its duration in ms (from the event's duration field and the clock rate).
    pub duration_ms: f64,
}

/// The analysis of one RTP stream.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StreamReport {
    /// The SSRC.
    pub ssrc: u32,
    /// The payload type of the stream's first packet.
    pub payload_type: u8,
    /// The source address and port.
    #[cfg_attr(feature = "serde", serde(with = "addr_string"))]
    pub src: SocketAddr,
    /// The destination address and port.
    #[cfg_attr(feature = "serde", serde(with = "addr_string"))]
    pub dst: SocketAddr,
    /// Packets in the stream.
    pub packets: u64,
    /// RFC 3550 cumulative loss (negative with duplicates).
    pub lost: i64,
    /// Packets whose sequence number was seen before.
    pub duplicates: u64,
    /// Packets that came after a higher sequence number (duplicates excluded).
    pub out_of_order: u64,
    /// The largest jitter, in ms.
    pub max_jitter_ms: f64,
    /// Wireshark's mean jitter, in ms.
    pub mean_jitter_ms: f64,
    /// The RFC 4733 events decoded, in order.
    pub events: Vec<EventReport>,
}

#[cfg(feature = "serde")]
mod addr_string {
    use std::net::SocketAddr;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(addr: &SocketAddr, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(addr)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The analysis of a capture: its RTP streams in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Analysis {
    /// The streams.
    pub streams: Vec<StreamReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct StreamKey {
    ssrc: u32,
    src: SocketAddr,
    dst: SocketAddr,
}

#[derive(Debug)]
struct StreamState {
    key: StreamKey,
    payload_type: u8,
    packets: u64,
    stats: SourceStats,
    // Extended sequence numbers, for duplicates and order.
    seen: HashSet<u64>,
    highest: u64,
    last_ext_seq: u64,
    duplicates: u64,
    out_of_order: u64,
    // Wireshark-style jitter.
    last_ts: u32,
    ext_ts: i64,
    seq_ext_ts: i64,
    time_ms: f64,
    jitter: f64,
    max_jitter: f64,
    mean_jitter: f64,
    total: u64,
    last_pt: u8,
    // Events.
    events: EventReceiver,
    event_rate: u32,
}

/// Recognises RTP by content as Wireshark's heuristic does (see the module documentation).
pub fn looks_like_rtp(dst_port: u16, payload: &[u8]) -> bool {
    if payload.len() < 12 || payload[0] >> 6 != 2 || !dst_port.is_multiple_of(2) {
        return false;
    }
    let marker = payload[1] & 0x80 != 0;
    let pt = payload[1] & 0x7f;
    !(marker && (64..=95).contains(&pt))
}

fn is_telephone_event(payload_type: u8, payload: &[u8]) -> bool {
    (96..=127).contains(&payload_type) && payload.len() == 4
}

/// Analyses RTP streams from UDP datagrams given in capture order.
#[derive(Debug, Default)]
pub struct Analyzer {
    config: AnalyzeConfig,
    streams: Vec<StreamState>,
    index: HashMap<StreamKey, usize>,
    first: Option<Duration>,
}

impl Analyzer {
    /// An analyzer with the given settings.
    pub fn new(config: AnalyzeConfig) -> Self {
        Analyzer { config, ..Default::default() }
    }

    /// Notes a captured frame that is not RTP: the first frame of the file sets time zero.
    pub fn handle_frame(&mut self, time: Duration) {
        self.first.get_or_insert(time);
    }

    /// Takes one UDP datagram captured at `time`; returns whether it was taken as RTP.
    pub fn handle_datagram(
        &mut self,
        time: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
    ) -> bool {
        let first = *self.first.get_or_insert(time);
        if !looks_like_rtp(dst.port(), payload) {
            return false;
        }
        let Ok(packet) = RtpPacket::parse(payload) else {
            // Version 2 but inconsistent lengths: Wireshark still counts the header.
            return self.take(time, first, src, dst, payload, None);
        };
        self.take(time, first, src, dst, payload, Some(packet))
    }

    fn take(
        &mut self,
        time: Duration,
        first: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        bytes: &[u8],
        packet: Option<RtpPacket<'_>>,
    ) -> bool {
        let seq = u16::from_be_bytes([bytes[2], bytes[3]]);
        let ts = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let ssrc = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let pt = bytes[1] & 0x7f;
        let marker = bytes[1] & 0x80 != 0;
        let payload = packet.map_or(&bytes[12..], |p| p.payload());
        let key = StreamKey { ssrc, src, dst };
        let now_ms = (time.saturating_sub(first)).as_nanos() as f64 / 1e6;
        let event_rate = self.config.clock_rate(pt).unwrap_or(8000);
        let index = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.streams.len();
                self.index.insert(key, i);
                self.streams.push(StreamState {
                    key,
                    payload_type: pt,
                    packets: 0,
                    stats: SourceStats::new_validated(ssrc, 8000),
                    seen: HashSet::new(),
                    highest: 0,
                    last_ext_seq: 0,
                    duplicates: 0,
                    out_of_order: 0,
                    last_ts: ts,
                    ext_ts: i64::from(ts),
                    seq_ext_ts: i64::from(ts),
                    time_ms: now_ms,
                    jitter: 0.0,
                    max_jitter: 0.0,
                    mean_jitter: 0.0,
                    total: 0,
                    last_pt: pt,
                    events: EventReceiver::new(EventReceiverConfig::default()),
                    event_rate,
                });
                i
            }
        };
        let clock_rate =
            if is_telephone_event(pt, payload) { None } else { self.config.clock_rate(pt) };
        let s = &mut self.streams[index];
        s.packets += 1;
        s.stats.update(time, seq, ts);

        // Extended sequence number closest to the last one, for duplicates and order.
        let ext_seq = if s.packets == 1 {
            u64::from(seq) + (1 << 16)
        } else {
            let delta = i64::from(seq.wrapping_sub(s.last_ext_seq as u16) as i16);
            (s.last_ext_seq as i64 + delta).max(0) as u64
        };
        s.last_ext_seq = ext_seq;
        if !s.seen.insert(ext_seq) {
            s.duplicates += 1;
        } else if ext_seq < s.highest {
            s.out_of_order += 1;
        }
        s.highest = s.highest.max(ext_seq);

        // Extended timestamp, unwrapped against the previous packet's.
        if s.packets > 1 {
            s.ext_ts += i64::from(ts.wrapping_sub(s.last_ts) as i32);
        }
        s.last_ts = ts;

        if s.packets == 1 {
            s.total = 1;
        } else {
            let cn = matches!(pt, 13 | 19);
            let follows_cn = matches!(s.last_pt, 13 | 19);
            s.last_pt = pt;
            let mut current_jitter = 0.0;
            if let Some(rate) = clock_rate {
                // Wireshark divides by the clock rate in kHz, rounded down to an integer.
                let per_ms = f64::from(rate / 1000);
                if per_ms > 0.0 {
                    let nominal_diff = (s.ext_ts - s.seq_ext_ts) as f64 / per_ms;
                    let expected = s.time_ms + nominal_diff;
                    let diff = (now_ms - expected).abs();
                    current_jitter = (15.0 * s.jitter + diff) / 16.0;
                    s.jitter = current_jitter;
                }
            }
            // Wireshark 4.0 counts packets whose timestamp goes backwards as regular too.
            let regular = !marker && !cn && !follows_cn;
            if regular && clock_rate.is_some_and(|r| r >= 1000) {
                if s.jitter > s.max_jitter {
                    s.max_jitter = s.jitter;
                }
                let n = s.total as f64;
                s.mean_jitter = (s.mean_jitter * (n - 1.0) + current_jitter) / n;
            }
            // The next packet's expected arrival is reckoned from this one, in order or not.
            s.time_ms = now_ms;
            s.seq_ext_ts = s.ext_ts;
            s.total += 1;
        }

        if is_telephone_event(pt, payload) && EventPayload::parse(payload).is_ok() {
            s.event_rate = event_rate;
            let _ = s.events.handle_packet(time, ssrc, marker, ts, payload);
        } else {
            s.events.handle_timeout(time);
        }
        true
    }

    /// Ends the analysis and reports the streams.
    pub fn finish(mut self) -> Analysis {
        let first = self.first.unwrap_or_default();
        let streams = self
            .streams
            .iter_mut()
            .map(|s| {
                s.events.finish();
                let mut events = Vec::new();
                while let Some(e) = s.events.poll_digit() {
                    events.push(EventReport {
                        digit: e.name(),
                        start_ms: e.start.saturating_sub(first).as_nanos() as f64 / 1e6,
                        duration_ms: f64::from(e.duration) * 1000.0
                            / f64::from(s.event_rate.max(1)),
                    });
                }
                StreamReport {
                    ssrc: s.key.ssrc,
                    payload_type: s.payload_type,
                    src: s.key.src,
                    dst: s.key.dst,
                    packets: s.packets,
                    lost: s.stats.cumulative_lost(),
                    duplicates: s.duplicates,
                    out_of_order: s.out_of_order,
                    max_jitter_ms: s.max_jitter,
                    mean_jitter_ms: s.mean_jitter,
                    events,
                }
            })
            .collect();
        Analysis { streams }
    }
}

/// Reads a pcap or pcapng capture and analyses its RTP streams.
///
/// Frames that are not UDP over IPv4/IPv6, and UDP payloads that do not look like RTP, are
/// skipped; frames whose headers are cut short are skipped too.
///
/// # Errors
///
/// [`PcapError`] when the file itself is corrupt or cannot be read.
pub fn analyze_capture(reader: impl Read, config: AnalyzeConfig) -> Result<Analysis, PcapError> {
    let mut capture = CaptureReader::new(reader)?;
    let mut analyzer = Analyzer::new(config);
    while let Some(record) = capture.next_record()? {
        analyzer.handle_frame(record.timestamp);
        if let Ok(Some(udp)) = udp_datagram(record.link_type, record.data) {
            analyzer.handle_datagram(record.timestamp, udp.src, udp.dst, udp.payload);
        }
    }
    Ok(analyzer.finish())
}
