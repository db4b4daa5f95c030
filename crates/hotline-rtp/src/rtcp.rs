//! RTCP (RFC 3550 §6, RFC 3611): SR, RR, SDES, BYE, APP and XR with VoIP metrics, in compound
//! packets; report blocks made from [`SourceStats`]; round-trip time from LSR and DLSR.
//!
//! Parsing borrows text and application data from the input; report blocks are copied out (an
//! RTCP packet holds at most 31). Every length field is checked before use: a malformed length,
//! count or item gives an [`RtcpError`] with the byte offset, never a panic.
//!
//! ```
//! use hotline_rtp::rtcp::{RtcpPacket, ReceiverReport, SdesChunk, SdesItem, parse_compound, write_compound};
//! let packets = vec![
//!     RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 7, reports: vec![] }),
//!     RtcpPacket::SourceDescription(vec![SdesChunk { ssrc: 7, items: vec![SdesItem::cname("agent7@pbx")] }]),
//! ];
//! let mut bytes = Vec::new();
//! write_compound(&packets, &mut bytes).unwrap();
//! let back = parse_compound(&bytes).unwrap();
//! assert_eq!(back, packets);
//! ```

use std::time::Duration;

use crate::stats::{ReceiverStats, SourceStats};

/// RTCP packet types.
pub mod packet_type {
    /// Sender report.
    pub const SR: u8 = 200;
    /// Receiver report.
    pub const RR: u8 = 201;
    /// Source description.
    pub const SDES: u8 = 202;
    /// Goodbye.
    pub const BYE: u8 = 203;
    /// Application-defined.
    pub const APP: u8 = 204;
    /// Extended report (RFC 3611).
    pub const XR: u8 = 207;
}

/// Why an RTCP packet was rejected or could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// Fewer bytes than a header or field needs.
    #[error("truncated RTCP: {what} at offset {offset} needs {needed} bytes, {available} left")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The version is not 2.
    #[error("RTCP version {version} at offset {offset}: only version 2 is defined")]
    BadVersion {
        /// The version found.
        version: u8,
        /// The packet's offset.
        offset: usize,
    },
    /// The length field points past the end of the datagram.
    #[error(
        "RTCP length field at offset {offset} says {words} words (+1), past the end ({available} bytes left)"
    )]
    LengthPastEnd {
        /// The packet's offset.
        offset: usize,
        /// The length field.
        words: u16,
        /// Bytes left from the packet's start.
        available: usize,
    },
    /// The padding count is 0 or longer than the packet.
    #[error("RTCP padding count {padding} at the end of the packet at offset {offset} is invalid")]
    BadPadding {
        /// The count.
        padding: u8,
        /// The packet's offset.
        offset: usize,
    },
    /// A count (report blocks, sources) does not fit the packet's length.
    #[error("RTCP packet at offset {offset}: {count} {what} do not fit its length")]
    CountMismatch {
        /// What is counted.
        what: &'static str,
        /// The count.
        count: u8,
        /// The packet's offset.
        offset: usize,
    },
    /// An SDES item, BYE reason or XR block runs past its packet.
    #[error("{what} at offset {offset} runs past the end of its RTCP packet")]
    PastEnd {
        /// The item or block.
        what: &'static str,
        /// Its offset.
        offset: usize,
    },
    /// A value does not fit its field when building.
    #[error("cannot build RTCP: {0}")]
    Build(&'static str),
}

/// A report block (RFC 3550 §6.4.1): reception statistics of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReportBlock {
    /// The source reported on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// The middle 32 bits of the NTP timestamp of the last SR from the source (0 if none).
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s (0 if none).
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    /// A report block from a source's statistics, taking the fraction lost since the previous
    /// report (A.3). `last_sr` is the middle 32 bits of the last SR's NTP timestamp and when it
    /// arrived; `now` is the time the report is sent (same origin as that arrival).
    pub fn from_stats(
        stats: &mut SourceStats,
        last_sr: Option<(u32, Duration)>,
        now: Duration,
    ) -> Self {
        let (lsr, dlsr) = match last_sr {
            Some((lsr, arrived)) => {
                let delay = now.saturating_sub(arrived);
                let units = delay.as_nanos() * 65536 / 1_000_000_000;
                (lsr, units.min(u128::from(u32::MAX)) as u32)
            }
            None => (0, 0),
        };
        ReportBlock {
            ssrc: stats.ssrc(),
            fraction_lost: stats.take_fraction_lost(),
            cumulative_lost: stats.cumulative_lost_24(),
            extended_highest_seq: stats.extended_max(),
            jitter: stats.jitter(),
            last_sr: lsr,
            delay_since_last_sr: dlsr,
        }
    }

    fn parse(b: &[u8]) -> Self {
        let lost = u32::from_be_bytes([0, b[5], b[6], b[7]]);
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        ReportBlock {
            ssrc: be32(b, 0),
            fraction_lost: b[4],
            cumulative_lost,
            extended_highest_seq: be32(b, 8),
            jitter: be32(b, 12),
            last_sr: be32(b, 16),
            delay_since_last_sr: be32(b, 20),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.push(self.fraction_lost);
        let lost = self.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32;
        out.extend_from_slice(&lost.to_be_bytes()[1..]);
        out.extend_from_slice(&self.extended_highest_seq.to_be_bytes());
        out.extend_from_slice(&self.jitter.to_be_bytes());
        out.extend_from_slice(&self.last_sr.to_be_bytes());
        out.extend_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

/// A receiver report from `reporter` on every valid source in `stats` (at most 31, in order of
/// first appearance), taking each source's fraction lost since the previous report. `last_sr`
/// gives, for a source's SSRC, the middle 32 bits of the last SR's NTP timestamp from it and
/// when that SR arrived.
pub fn receiver_report(
    reporter: u32,
    stats: &mut ReceiverStats,
    last_sr: impl Fn(u32) -> Option<(u32, Duration)>,
    now: Duration,
) -> ReceiverReport {
    let ssrcs: Vec<u32> = stats.ssrcs().to_vec();
    let reports = ssrcs
        .into_iter()
        .filter_map(|ssrc| {
            let source = stats.source_mut(ssrc)?;
            source.is_valid().then(|| ReportBlock::from_stats(source, last_sr(ssrc), now))
        })
        .take(31)
        .collect();
    ReceiverReport { ssrc: reporter, reports }
}

/// The round-trip time from a report block received at `arrival_ntp_middle` (the middle 32 bits
/// of the NTP time of arrival): A − LSR − DLSR (RFC 3550 §6.4.1), or `None` when the block carries
/// no LSR or the result is negative.
pub fn round_trip_time(arrival_ntp_middle: u32, block: &ReportBlock) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt =
        arrival_ntp_middle.wrapping_sub(block.last_sr).wrapping_sub(block.delay_since_last_sr);
    if rtt > 0x8000_0000 {
        return None;
    }
    Some(Duration::from_nanos(u64::from(rtt) * 1_000_000_000 / 65536))
}

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The 64-bit NTP timestamp of a time since the Unix epoch.
pub fn ntp_timestamp(since_unix_epoch: Duration) -> u64 {
    let secs = since_unix_epoch.as_secs().wrapping_add(NTP_UNIX_OFFSET) & 0xffff_ffff;
    let frac = (u64::from(since_unix_epoch.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// The middle 32 bits of an NTP timestamp (as LSR and RTT computations use them).
pub fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// The sender information of an SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SenderInfo {
    /// NTP timestamp of the report.
    pub ntp_timestamp: u64,
    /// The RTP timestamp of the same instant.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
}

/// A sender report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SenderReport {
    /// The sender.
    pub ssrc: u32,
    /// What it sent.
    pub info: SenderInfo,
    /// Its reception reports (at most 31).
    pub reports: Vec<ReportBlock>,
}

/// A receiver report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReceiverReport {
    /// The reporter.
    pub ssrc: u32,
    /// Its reception reports (at most 31).
    pub reports: Vec<ReportBlock>,
}

/// SDES item type CNAME.
pub const SDES_CNAME: u8 = 1;

/// One SDES item: type and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// The item type (1 CNAME, 2 NAME, 3 EMAIL, ... 8 PRIV).
    pub kind: u8,
    /// The value (UTF-8 text by the RFC, not checked).
    pub value: &'a [u8],
}

impl<'a> SdesItem<'a> {
    /// A CNAME item.
    pub fn cname(value: &'a str) -> Self {
        SdesItem { kind: SDES_CNAME, value: value.as_bytes() }
    }
}

/// One SDES chunk: a source and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// The source.
    pub ssrc: u32,
    /// Its items.
    pub items: Vec<SdesItem<'a>>,
}

impl SdesChunk<'_> {
    /// The CNAME, if the chunk has one in valid UTF-8.
    pub fn cname(&self) -> Option<&str> {
        self.items
            .iter()
            .find(|i| i.kind == SDES_CNAME)
            .and_then(|i| std::str::from_utf8(i.value).ok())
    }
}

/// A BYE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goodbye<'a> {
    /// The sources leaving (at most 31).
    pub sources: Vec<u32>,
    /// Why, if said.
    pub reason: Option<&'a [u8]>,
}

/// An APP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App<'a> {
    /// The subtype (5 bits).
    pub subtype: u8,
    /// The source.
    pub ssrc: u32,
    /// The four-character name.
    pub name: [u8; 4],
    /// Application data (a multiple of 4 bytes).
    pub data: &'a [u8],
}

/// The VoIP metrics report block of RFC 3611 §4.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VoipMetrics {
    /// The source reported on.
    pub ssrc: u32,
    /// Loss rate, in 1/256.
    pub loss_rate: u8,
    /// Discard rate (late or early arrivals), in 1/256.
    pub discard_rate: u8,
    /// Burst density, in 1/256.
    pub burst_density: u8,
    /// Gap density, in 1/256.
    pub gap_density: u8,
    /// Mean burst duration in ms.
    pub burst_duration: u16,
    /// Mean gap duration in ms.
    pub gap_duration: u16,
    /// Round-trip delay in ms.
    pub round_trip_delay: u16,
    /// End-system delay in ms.
    pub end_system_delay: u16,
    /// Signal level in dBm0 (127 unavailable).
    pub signal_level: i8,
    /// Noise level in dBm0 (127 unavailable).
    pub noise_level: i8,
    /// Residual echo return loss in dB (127 unavailable).
    pub rerl: u8,
    /// The gap threshold (16 recommended).
    pub gmin: u8,
    /// R factor (127 unavailable).
    pub r_factor: u8,
    /// External R factor (127 unavailable).
    pub ext_r_factor: u8,
    /// MOS listening quality ×10 (127 unavailable).
    pub mos_lq: u8,
    /// MOS conversational quality ×10 (127 unavailable).
    pub mos_cq: u8,
    /// Receiver configuration byte (PLC, jitter buffer adaptive/fixed, JB rate).
    pub rx_config: u8,
    /// Jitter buffer nominal delay in ms.
    pub jb_nominal: u16,
    /// Jitter buffer maximum delay in ms.
    pub jb_maximum: u16,
    /// Jitter buffer absolute maximum in ms.
    pub jb_abs_max: u16,
}

/// An XR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrBlock<'a> {
    /// VoIP metrics (block type 7).
    VoipMetrics(VoipMetrics),
    /// Any other block, kept as bytes.
    Other {
        /// Block type.
        block_type: u8,
        /// The type-specific byte.
        type_specific: u8,
        /// The block's contents.
        data: &'a [u8],
    },
}

/// An extended report (RFC 3611).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedReport<'a> {
    /// The reporter.
    pub ssrc: u32,
    /// Its blocks.
    pub blocks: Vec<XrBlock<'a>>,
}

/// One RTCP packet of a compound packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// SR.
    SenderReport(SenderReport),
    /// RR.
    ReceiverReport(ReceiverReport),
    /// SDES.
    SourceDescription(Vec<SdesChunk<'a>>),
    /// BYE.
    Goodbye(Goodbye<'a>),
    /// APP.
    App(App<'a>),
    /// XR.
    ExtendedReport(ExtendedReport<'a>),
    /// Another packet type, kept as bytes.
    Unknown {
        /// The packet type.
        packet_type: u8,
        /// The count field.
        count: u8,
        /// The body after the 4-byte header (padding removed).
        body: &'a [u8],
    },
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Parses a compound RTCP packet (or a single one) into its packets.
///
/// # Errors
///
/// [`RtcpError`] for the first malformed packet, with its offset.
pub fn parse_compound(bytes: &[u8]) -> Result<Vec<RtcpPacket<'_>>, RtcpError> {
    let mut packets = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let (count, pt, body, len) = split_packet(bytes, offset)?;
        packets.push(parse_one(count, pt, body, offset)?);
        offset += len;
    }
    Ok(packets)
}

/// The packet at `offset` of a compound: its count field, packet type, body (without padding)
/// and length.
fn split_packet(bytes: &[u8], offset: usize) -> Result<(u8, u8, &[u8], usize), RtcpError> {
    let rest = &bytes[offset..];
    if rest.len() < 4 {
        return Err(RtcpError::Truncated {
            what: "an RTCP header",
            offset,
            needed: 4,
            available: rest.len(),
        });
    }
    let version = rest[0] >> 6;
    if version != 2 {
        return Err(RtcpError::BadVersion { version, offset });
    }
    let words = be16(rest, 2);
    let len = (usize::from(words) + 1) * 4;
    if len > rest.len() {
        return Err(RtcpError::LengthPastEnd { offset, words, available: rest.len() });
    }
    let mut body = &rest[4..len];
    if rest[0] & 0x20 != 0 {
        let padding = rest[len - 1];
        if padding == 0 || usize::from(padding) > body.len() {
            return Err(RtcpError::BadPadding { padding, offset });
        }
        body = &body[..body.len() - usize::from(padding)];
    }
    Ok((rest[0] & 0x1f, rest[1], body, len))
}

/// The sender and receiver reports of a compound RTCP packet, read without allocating (for a
/// media engine that must not allocate per packet; [`parse_compound`] builds vectors).
///
/// The whole compound is checked first, as [`parse_compound`] checks it (the same errors, at the
/// same offsets), so that a malformed compound is refused before any of it is used.
///
/// # Errors
///
/// [`RtcpError`] for the first malformed packet, with its offset.
pub fn compound_reports(bytes: &[u8]) -> Result<Reports<'_>, RtcpError> {
    let mut offset = 0;
    while offset < bytes.len() {
        let (count, pt, body, len) = split_packet(bytes, offset)?;
        check_one(count, pt, body, offset)?;
        offset += len;
    }
    Ok(Reports { bytes, offset: 0 })
}

/// The sender and receiver reports of a checked compound packet, in order: see
/// [`compound_reports`].
#[derive(Debug, Clone)]
pub struct Reports<'a> {
    bytes: &'a [u8],
    offset: usize,
}

/// A sender or receiver report read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportView<'a> {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// The sender information, for a sender report.
    pub sender: Option<SenderInfo>,
    /// The report blocks, 24 bytes each.
    blocks: &'a [u8],
}

impl<'a> ReportView<'a> {
    /// The report blocks.
    pub fn blocks(&self) -> impl Iterator<Item = ReportBlock> + 'a {
        self.blocks.chunks_exact(24).map(ReportBlock::parse)
    }
}

impl<'a> Iterator for Reports<'a> {
    type Item = ReportView<'a>;

    fn next(&mut self) -> Option<ReportView<'a>> {
        while self.offset < self.bytes.len() {
            // Checked by `compound_reports`: an error cannot happen; were it to, reading stops.
            let (count, pt, body, len) = split_packet(self.bytes, self.offset).ok()?;
            self.offset += len;
            let blocks = 24 * usize::from(count);
            match pt {
                packet_type::SR => {
                    return Some(ReportView {
                        ssrc: be32(body, 0),
                        sender: Some(SenderInfo {
                            ntp_timestamp: (u64::from(be32(body, 4)) << 32)
                                | u64::from(be32(body, 8)),
                            rtp_timestamp: be32(body, 12),
                            packet_count: be32(body, 16),
                            octet_count: be32(body, 20),
                        }),
                        blocks: body.get(24..24 + blocks)?,
                    });
                }
                packet_type::RR => {
                    return Some(ReportView {
                        ssrc: be32(body, 0),
                        sender: None,
                        blocks: body.get(4..4 + blocks)?,
                    });
                }
                _ => {}
            }
        }
        None
    }
}

/// Walks the `count` chunks of an SDES body: `f(ssrc, None)` at each chunk, then
/// `f(ssrc, Some((kind, value)))` for each of its items. The one walk behind both the parser and
/// the in-place check, so that they find the same errors at the same offsets (`offset`: the
/// packet's first byte).
fn walk_sdes<'a>(
    body: &'a [u8],
    count: u8,
    offset: usize,
    mut f: impl FnMut(u32, Option<(u8, &'a [u8])>),
) -> Result<(), RtcpError> {
    let at = offset + 4;
    let mut pos = 0;
    for _ in 0..count {
        if body.len() < pos + 4 {
            return Err(RtcpError::CountMismatch { what: "SDES chunks", count, offset });
        }
        let ssrc = be32(body, pos);
        f(ssrc, None);
        pos += 4;
        loop {
            let Some(&kind) = body.get(pos) else {
                return Err(RtcpError::PastEnd { what: "an SDES chunk", offset: at + pos });
            };
            if kind == 0 {
                // End of the item list: skip to the next 32-bit boundary.
                pos = (pos + 4) & !3;
                break;
            }
            let Some(&len) = body.get(pos + 1) else {
                return Err(RtcpError::PastEnd { what: "an SDES item", offset: at + pos });
            };
            let end = pos + 2 + usize::from(len);
            if end > body.len() {
                return Err(RtcpError::PastEnd { what: "an SDES item", offset: at + pos });
            }
            f(ssrc, Some((body[pos], &body[pos + 2..end])));
            pos = end;
        }
    }
    Ok(())
}

/// Checks one packet as [`parse_one`] does (the same errors in the same order), building
/// nothing.
fn check_one(count: u8, pt: u8, body: &[u8], offset: usize) -> Result<(), RtcpError> {
    let at = offset + 4;
    let blocks = |body: &[u8]| {
        if body.len() < 24 * usize::from(count) {
            return Err(RtcpError::CountMismatch { what: "report blocks", count, offset });
        }
        Ok(())
    };
    match pt {
        packet_type::SR => {
            need(body, 24, "a sender report", at)?;
            blocks(&body[24..])
        }
        packet_type::RR => {
            need(body, 4, "a receiver report", at)?;
            blocks(&body[4..])
        }
        packet_type::SDES => walk_sdes(body, count, offset, |_, _| {}),
        packet_type::BYE => {
            let n = usize::from(count) * 4;
            if body.len() < n {
                return Err(RtcpError::CountMismatch { what: "BYE sources", count, offset });
            }
            if let Some(&len) = body.get(n)
                && n + 1 + usize::from(len) > body.len()
            {
                return Err(RtcpError::PastEnd { what: "a BYE reason", offset: at + n });
            }
            Ok(())
        }
        packet_type::APP => need(body, 8, "an APP packet", at),
        packet_type::XR => {
            need(body, 4, "an extended report", at)?;
            walk_xr(body, at, |_, _, _| {})
        }
        _ => Ok(()),
    }
}

/// Walks the blocks of an XR packet's `body` (after its 4-byte SSRC), giving `f` each block's
/// type, type-specific byte and contents; `at` is the body's offset in the compound packet, for
/// errors. The one walk behind both the in-place check and the parser.
fn walk_xr<'a>(
    body: &'a [u8],
    at: usize,
    mut f: impl FnMut(u8, u8, &'a [u8]),
) -> Result<(), RtcpError> {
    let mut pos = 4;
    while pos < body.len() {
        if body.len() < pos + 4 {
            return Err(RtcpError::PastEnd { what: "an XR block header", offset: at + pos });
        }
        let end = pos + 4 + 4 * usize::from(be16(body, pos + 2));
        if end > body.len() {
            return Err(RtcpError::PastEnd { what: "an XR block", offset: at + pos });
        }
        f(body[pos], body[pos + 1], &body[pos + 4..end]);
        pos = end;
    }
    Ok(())
}

fn need(body: &[u8], needed: usize, what: &'static str, offset: usize) -> Result<(), RtcpError> {
    if body.len() < needed {
        return Err(RtcpError::Truncated { what, offset, needed, available: body.len() });
    }
    Ok(())
}

fn report_blocks(body: &[u8], count: u8, offset: usize) -> Result<Vec<ReportBlock>, RtcpError> {
    if body.len() < 24 * usize::from(count) {
        return Err(RtcpError::CountMismatch { what: "report blocks", count, offset });
    }
    Ok(body.chunks_exact(24).take(usize::from(count)).map(ReportBlock::parse).collect())
}

fn parse_one(count: u8, pt: u8, body: &[u8], offset: usize) -> Result<RtcpPacket<'_>, RtcpError> {
    let at = offset + 4;
    Ok(match pt {
        packet_type::SR => {
            need(body, 24, "a sender report", at)?;
            let info = SenderInfo {
                ntp_timestamp: (u64::from(be32(body, 4)) << 32) | u64::from(be32(body, 8)),
                rtp_timestamp: be32(body, 12),
                packet_count: be32(body, 16),
                octet_count: be32(body, 20),
            };
            RtcpPacket::SenderReport(SenderReport {
                ssrc: be32(body, 0),
                info,
                reports: report_blocks(&body[24..], count, offset)?,
            })
        }
        packet_type::RR => {
            need(body, 4, "a receiver report", at)?;
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: be32(body, 0),
                reports: report_blocks(&body[4..], count, offset)?,
            })
        }
        packet_type::SDES => {
            let mut chunks: Vec<SdesChunk<'_>> = Vec::with_capacity(usize::from(count));
            walk_sdes(body, count, offset, |ssrc, item| match item {
                None => chunks.push(SdesChunk { ssrc, items: Vec::new() }),
                Some((kind, value)) => {
                    if let Some(c) = chunks.last_mut() {
                        c.items.push(SdesItem { kind, value });
                    }
                }
            })?;
            RtcpPacket::SourceDescription(chunks)
        }
        packet_type::BYE => {
            let n = usize::from(count) * 4;
            if body.len() < n {
                return Err(RtcpError::CountMismatch { what: "BYE sources", count, offset });
            }
            let sources = body[..n].chunks_exact(4).map(|c| be32(c, 0)).collect();
            let reason = match body.get(n) {
                Some(&len) => {
                    let end = n + 1 + usize::from(len);
                    if end > body.len() {
                        return Err(RtcpError::PastEnd { what: "a BYE reason", offset: at + n });
                    }
                    Some(&body[n + 1..end])
                }
                None => None,
            };
            RtcpPacket::Goodbye(Goodbye { sources, reason })
        }
        packet_type::APP => {
            need(body, 8, "an APP packet", at)?;
            RtcpPacket::App(App {
                subtype: count,
                ssrc: be32(body, 0),
                name: [body[4], body[5], body[6], body[7]],
                data: &body[8..],
            })
        }
        packet_type::XR => {
            need(body, 4, "an extended report", at)?;
            let mut blocks = Vec::new();
            walk_xr(body, at, |block_type, type_specific, data| {
                blocks.push(if block_type == 7 && data.len() == 32 {
                    XrBlock::VoipMetrics(VoipMetrics {
                        ssrc: be32(data, 0),
                        loss_rate: data[4],
                        discard_rate: data[5],
                        burst_density: data[6],
                        gap_density: data[7],
                        burst_duration: be16(data, 8),
                        gap_duration: be16(data, 10),
                        round_trip_delay: be16(data, 12),
                        end_system_delay: be16(data, 14),
                        signal_level: data[16] as i8,
                        noise_level: data[17] as i8,
                        rerl: data[18],
                        gmin: data[19],
                        r_factor: data[20],
                        ext_r_factor: data[21],
                        mos_lq: data[22],
                        mos_cq: data[23],
                        rx_config: data[24],
                        jb_nominal: be16(data, 26),
                        jb_maximum: be16(data, 28),
                        jb_abs_max: be16(data, 30),
                    })
                } else {
                    XrBlock::Other { block_type, type_specific, data }
                });
            })?;
            RtcpPacket::ExtendedReport(ExtendedReport { ssrc: be32(body, 0), blocks })
        }
        packet_type => RtcpPacket::Unknown { packet_type, count, body },
    })
}

impl RtcpPacket<'_> {
    /// Appends this packet to `out` (padded to 32 bits with zeros where the format allows).
    ///
    /// # Errors
    ///
    /// [`RtcpError::Build`] for more than 31 blocks, chunks or sources, an SDES item or BYE
    /// reason over 255 bytes, APP data that is not a multiple of 4 bytes, a subtype over 31, or a
    /// packet over the 16-bit length field.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpError> {
        let start = out.len();
        let header = |out: &mut Vec<u8>, count: usize, pt: u8| -> Result<(), RtcpError> {
            if count > 31 {
                return Err(RtcpError::Build("more than 31 items in one packet"));
            }
            out.extend_from_slice(&[0x80 | count as u8, pt, 0, 0]);
            Ok(())
        };
        match self {
            RtcpPacket::SenderReport(sr) => {
                header(out, sr.reports.len(), packet_type::SR)?;
                out.extend_from_slice(&sr.ssrc.to_be_bytes());
                out.extend_from_slice(&sr.info.ntp_timestamp.to_be_bytes());
                out.extend_from_slice(&sr.info.rtp_timestamp.to_be_bytes());
                out.extend_from_slice(&sr.info.packet_count.to_be_bytes());
                out.extend_from_slice(&sr.info.octet_count.to_be_bytes());
                sr.reports.iter().for_each(|r| r.write(out));
            }
            RtcpPacket::ReceiverReport(rr) => {
                header(out, rr.reports.len(), packet_type::RR)?;
                out.extend_from_slice(&rr.ssrc.to_be_bytes());
                rr.reports.iter().for_each(|r| r.write(out));
            }
            RtcpPacket::SourceDescription(chunks) => {
                header(out, chunks.len(), packet_type::SDES)?;
                for chunk in chunks {
                    out.extend_from_slice(&chunk.ssrc.to_be_bytes());
                    for item in &chunk.items {
                        if item.kind == 0 || item.value.len() > 255 {
                            return Err(RtcpError::Build("SDES item of type 0 or over 255 bytes"));
                        }
                        out.push(item.kind);
                        out.push(item.value.len() as u8);
                        out.extend_from_slice(item.value);
                    }
                    // At least one null octet, then up to the next 32-bit boundary.
                    out.push(0);
                    while !(out.len() - start).is_multiple_of(4) {
                        out.push(0);
                    }
                }
            }
            RtcpPacket::Goodbye(bye) => {
                header(out, bye.sources.len(), packet_type::BYE)?;
                bye.sources.iter().for_each(|s| out.extend_from_slice(&s.to_be_bytes()));
                if let Some(reason) = bye.reason {
                    if reason.len() > 255 {
                        return Err(RtcpError::Build("BYE reason over 255 bytes"));
                    }
                    out.push(reason.len() as u8);
                    out.extend_from_slice(reason);
                    while !(out.len() - start).is_multiple_of(4) {
                        out.push(0);
                    }
                }
            }
            RtcpPacket::App(app) => {
                if app.data.len() % 4 != 0 {
                    return Err(RtcpError::Build("APP data must be a multiple of 4 bytes"));
                }
                header(out, usize::from(app.subtype), packet_type::APP)?;
                out.extend_from_slice(&app.ssrc.to_be_bytes());
                out.extend_from_slice(&app.name);
                out.extend_from_slice(app.data);
            }
            RtcpPacket::ExtendedReport(xr) => {
                header(out, 0, packet_type::XR)?;
                out.extend_from_slice(&xr.ssrc.to_be_bytes());
                for block in &xr.blocks {
                    match block {
                        XrBlock::VoipMetrics(m) => {
                            out.extend_from_slice(&[7, 0, 0, 8]);
                            out.extend_from_slice(&m.ssrc.to_be_bytes());
                            out.extend_from_slice(&[
                                m.loss_rate,
                                m.discard_rate,
                                m.burst_density,
                                m.gap_density,
                            ]);
                            for v in [
                                m.burst_duration,
                                m.gap_duration,
                                m.round_trip_delay,
                                m.end_system_delay,
                            ] {
                                out.extend_from_slice(&v.to_be_bytes());
                            }
                            out.extend_from_slice(&[
                                m.signal_level as u8,
                                m.noise_level as u8,
                                m.rerl,
                                m.gmin,
                                m.r_factor,
                                m.ext_r_factor,
                                m.mos_lq,
                                m.mos_cq,
                                m.rx_config,
                                0,
                            ]);
                            for v in [m.jb_nominal, m.jb_maximum, m.jb_abs_max] {
                                out.extend_from_slice(&v.to_be_bytes());
                            }
                        }
                        XrBlock::Other { block_type, type_specific, data } => {
                            if data.len() % 4 != 0 || data.len() / 4 > usize::from(u16::MAX) {
                                return Err(RtcpError::Build(
                                    "XR block data must be a multiple of 4 bytes",
                                ));
                            }
                            out.extend_from_slice(&[*block_type, *type_specific]);
                            out.extend_from_slice(&((data.len() / 4) as u16).to_be_bytes());
                            out.extend_from_slice(data);
                        }
                    }
                }
            }
            RtcpPacket::Unknown { packet_type, count, body } => {
                if body.len() % 4 != 0 {
                    return Err(RtcpError::Build("packet body must be a multiple of 4 bytes"));
                }
                header(out, usize::from(*count), *packet_type)?;
                out.extend_from_slice(body);
            }
        }
        let len = out.len() - start;
        let words = len / 4 - 1;
        if words > usize::from(u16::MAX) {
            out.truncate(start);
            return Err(RtcpError::Build("packet longer than the 16-bit length field allows"));
        }
        out[start + 2..start + 4].copy_from_slice(&(words as u16).to_be_bytes());
        Ok(())
    }
}

/// Appends a sender report (with `sender`) or a receiver report (without) from `ssrc` with
/// `blocks` to `out`, byte for byte what [`RtcpPacket::write`] writes for the same report, without
/// building one (its blocks are a vector).
///
/// # Errors
///
/// [`RtcpError::Build`] for more than 31 blocks.
pub fn write_report(
    out: &mut Vec<u8>,
    ssrc: u32,
    sender: Option<&SenderInfo>,
    blocks: &[ReportBlock],
) -> Result<(), RtcpError> {
    if blocks.len() > 31 {
        return Err(RtcpError::Build("more than 31 items in one packet"));
    }
    let start = out.len();
    let pt = if sender.is_some() { packet_type::SR } else { packet_type::RR };
    out.extend_from_slice(&[0x80 | blocks.len() as u8, pt, 0, 0]);
    out.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(info) = sender {
        out.extend_from_slice(&info.ntp_timestamp.to_be_bytes());
        out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&info.packet_count.to_be_bytes());
        out.extend_from_slice(&info.octet_count.to_be_bytes());
    }
    blocks.iter().for_each(|r| r.write(out));
    let words = (out.len() - start) / 4 - 1;
    out[start + 2..start + 4].copy_from_slice(&(words as u16).to_be_bytes());
    Ok(())
}

/// Appends a source description of one chunk, `ssrc` with its CNAME, to `out`: what
/// [`RtcpPacket::write`] writes for it, without building one.
///
/// # Errors
///
/// [`RtcpError::Build`] for a CNAME over 255 bytes.
pub fn write_cname(out: &mut Vec<u8>, ssrc: u32, cname: &str) -> Result<(), RtcpError> {
    if cname.len() > 255 {
        return Err(RtcpError::Build("SDES item of type 0 or over 255 bytes"));
    }
    let start = out.len();
    out.extend_from_slice(&[0x81, packet_type::SDES, 0, 0]);
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.push(1);
    out.push(cname.len() as u8);
    out.extend_from_slice(cname.as_bytes());
    out.push(0);
    while !(out.len() - start).is_multiple_of(4) {
        out.push(0);
    }
    let words = (out.len() - start) / 4 - 1;
    out[start + 2..start + 4].copy_from_slice(&(words as u16).to_be_bytes());
    Ok(())
}

/// Appends a compound packet made of `packets` to `out`.
///
/// # Errors
///
/// As [`RtcpPacket::write`].
pub fn write_compound(packets: &[RtcpPacket<'_>], out: &mut Vec<u8>) -> Result<(), RtcpError> {
    packets.iter().try_for_each(|p| p.write(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn metrics() -> VoipMetrics {
        VoipMetrics {
            ssrc: 9,
            loss_rate: 12,
            discard_rate: 3,
            burst_density: 40,
            gap_density: 2,
            burst_duration: 120,
            gap_duration: 5000,
            round_trip_delay: 80,
            end_system_delay: 45,
            signal_level: -20,
            noise_level: -70,
            rerl: 127,
            gmin: 16,
            r_factor: 85,
            ext_r_factor: 127,
            mos_lq: 41,
            mos_cq: 40,
            rx_config: 0b1011_0000,
            jb_nominal: 60,
            jb_maximum: 120,
            jb_abs_max: 300,
        }
    }

    #[test]
    fn every_packet_type_round_trips_in_one_compound() {
        let block = ReportBlock {
            ssrc: 5,
            fraction_lost: 25,
            cumulative_lost: -3,
            extended_highest_seq: 0x1_0005,
            jitter: 77,
            last_sr: 0xabcd_0123,
            delay_since_last_sr: 65536,
        };
        let packets = vec![
            RtcpPacket::SenderReport(SenderReport {
                ssrc: 1,
                info: SenderInfo {
                    ntp_timestamp: 0x0102_0304_0506_0708,
                    rtp_timestamp: 9,
                    packet_count: 10,
                    octet_count: 1600,
                },
                reports: vec![block],
            }),
            RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 1, reports: vec![block, block] }),
            RtcpPacket::SourceDescription(vec![
                SdesChunk {
                    ssrc: 1,
                    items: vec![SdesItem::cname("a@b"), SdesItem { kind: 2, value: b"Agent" }],
                },
                SdesChunk { ssrc: 2, items: vec![SdesItem::cname("abcd")] },
            ]),
            RtcpPacket::Goodbye(Goodbye { sources: vec![1, 2], reason: Some(b"done") }),
            RtcpPacket::App(App { subtype: 3, ssrc: 1, name: *b"HOTL", data: &[1, 2, 3, 4] }),
            RtcpPacket::ExtendedReport(ExtendedReport {
                ssrc: 1,
                blocks: vec![
                    XrBlock::VoipMetrics(metrics()),
                    XrBlock::Other {
                        block_type: 4,
                        type_specific: 0,
                        data: &[0, 0, 0, 1, 0, 0, 0, 2],
                    },
                ],
            }),
        ];
        let mut bytes = Vec::new();
        write_compound(&packets, &mut bytes).unwrap();
        assert_eq!(bytes.len() % 4, 0);
        let back = parse_compound(&bytes).unwrap();
        assert_eq!(back, packets);
        let RtcpPacket::SourceDescription(chunks) = &back[2] else { panic!() };
        assert_eq!(chunks[0].cname(), Some("a@b"));
        // A CNAME of 4 bytes fills its word: the chunk needs a whole word of null octets.
        assert_eq!(chunks[1].cname(), Some("abcd"));
    }

    #[test]
    fn known_bytes_of_a_receiver_report() {
        let bytes = [
            0x81, 201, 0, 7, 0, 0, 0, 1, // RR, 1 block, SSRC 1
            0, 0, 0, 2, 0x40, 0xff, 0xff, 0xfe, // SSRC 2, fraction 64, lost -2
            0, 1, 0, 3, 0, 0, 0, 10, // ext seq 65539, jitter 10
            0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let p = parse_compound(&bytes).unwrap();
        let RtcpPacket::ReceiverReport(rr) = &p[0] else { panic!() };
        assert_eq!(rr.reports[0].fraction_lost, 64);
        assert_eq!(rr.reports[0].cumulative_lost, -2);
        assert_eq!(rr.reports[0].extended_highest_seq, 65539);
        assert_eq!(rr.reports[0].jitter, 10);
    }

    #[test]
    fn malformed_lengths_are_errors() {
        assert!(matches!(parse_compound(&[0x80, 201]), Err(RtcpError::Truncated { .. })));
        assert!(matches!(
            parse_compound(&[0x40, 201, 0, 0]),
            Err(RtcpError::BadVersion { version: 1, .. })
        ));
        assert_eq!(
            parse_compound(&[0x80, 201, 0, 5, 0, 0, 0, 1]),
            Err(RtcpError::LengthPastEnd { offset: 0, words: 5, available: 8 })
        );
        // Count says 2 report blocks in a packet with room for none.
        assert_eq!(
            parse_compound(&[0x82, 201, 0, 1, 0, 0, 0, 1]),
            Err(RtcpError::CountMismatch { what: "report blocks", count: 2, offset: 0 })
        );
        // Padding longer than the packet, and zero padding.
        assert!(matches!(
            parse_compound(&[0xa0, 201, 0, 1, 0, 0, 0, 9]),
            Err(RtcpError::BadPadding { .. })
        ));
        assert!(matches!(
            parse_compound(&[0xa0, 201, 0, 1, 0, 0, 0, 0]),
            Err(RtcpError::BadPadding { .. })
        ));
        // SDES item running past the end.
        assert!(matches!(
            parse_compound(&[0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'a', b'b']),
            Err(RtcpError::PastEnd { what: "an SDES item", offset: 8 })
        ));
        // XR block running past the end.
        assert!(matches!(
            parse_compound(&[0x80, 207, 0, 2, 0, 0, 0, 1, 7, 0, 0, 8]),
            Err(RtcpError::PastEnd { what: "an XR block", offset: 8 })
        ));
        // The second packet of a compound is bad: its offset is reported.
        let mut two = vec![0x80, 201, 0, 1, 0, 0, 0, 1];
        two.extend_from_slice(&[0x80, 201, 0, 9]);
        assert!(matches!(parse_compound(&two), Err(RtcpError::LengthPastEnd { offset: 8, .. })));
    }

    #[test]
    fn builder_limits() {
        let rr = RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 1,
            reports: vec![ReportBlock::default(); 32],
        });
        assert!(rr.write(&mut Vec::new()).is_err());
        let app = RtcpPacket::App(App { subtype: 0, ssrc: 1, name: *b"TEST", data: &[1] });
        assert!(app.write(&mut Vec::new()).is_err());
    }

    #[test]
    fn rtt_from_lsr_and_dlsr() {
        // RFC 3550 §6.4.1's example: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
        // (46853.125 s), DLSR = 0x0005:4000 (5.250 s): RTT 6.125 s.
        let block = ReportBlock {
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..Default::default()
        };
        assert_eq!(round_trip_time(0xb710_8000, &block), Some(Duration::from_millis(6125)));
        assert_eq!(round_trip_time(0xb710_8000, &ReportBlock::default()), None);
        // A negative result (clock trouble) is no RTT.
        let bad = ReportBlock {
            last_sr: 0xb710_8000,
            delay_since_last_sr: 0x0001_0000,
            ..Default::default()
        };
        assert_eq!(round_trip_time(0xb710_8000, &bad), None);
    }

    #[test]
    fn ntp_conversion() {
        let ntp = ntp_timestamp(Duration::from_millis(1500));
        assert_eq!(ntp >> 32, NTP_UNIX_OFFSET + 1);
        assert_eq!(ntp as u32, 0x8000_0000);
        assert_eq!(ntp_middle(ntp), (((NTP_UNIX_OFFSET + 1) as u32) << 16) | 0x8000);
    }

    #[test]
    fn report_from_statistics() {
        let mut stats = SourceStats::new_validated(0x55, 8000);
        for (i, seq) in [10u16, 11, 13, 14].iter().enumerate() {
            stats.update(Duration::from_millis(20 * i as u64), *seq, 160 * u32::from(*seq));
        }
        let lsr_arrival = Duration::from_millis(100);
        let block = ReportBlock::from_stats(
            &mut stats,
            Some((0x1234_5678, lsr_arrival)),
            Duration::from_millis(600),
        );
        assert_eq!(block.ssrc, 0x55);
        assert_eq!(block.cumulative_lost, 1);
        assert_eq!(block.fraction_lost, (256 / 5) as u8);
        assert_eq!(block.extended_highest_seq, 14);
        assert_eq!(block.last_sr, 0x1234_5678);
        assert_eq!(block.delay_since_last_sr, 32768);
        // The next report covers a new interval.
        let again = ReportBlock::from_stats(&mut stats, None, Duration::from_millis(700));
        assert_eq!(again.fraction_lost, 0);
        assert_eq!((again.last_sr, again.delay_since_last_sr), (0, 0));
    }

    #[test]
    fn receiver_report_covers_valid_sources() {
        let mut stats = ReceiverStats::new();
        for i in 0..10u16 {
            let now = Duration::from_millis(20 * u64::from(i));
            stats.update(now, 0xa, 100 + i, 160 * u32::from(i), 8000);
            if i != 3 {
                stats.update(now, 0xb, 7 + i, 160 * u32::from(i), 8000);
            }
        }
        // 0xc is still in probation: not reported.
        stats.update(Duration::from_millis(200), 0xc, 1, 0, 8000);
        let rr = receiver_report(
            0x99,
            &mut stats,
            |s| (s == 0xa).then_some((0x1234, Duration::ZERO)),
            Duration::from_secs(1),
        );
        assert_eq!(rr.ssrc, 0x99);
        let ssrcs: Vec<u32> = rr.reports.iter().map(|r| r.ssrc).collect();
        assert_eq!(ssrcs, vec![0xa, 0xb]);
        assert_eq!(rr.reports[0].last_sr, 0x1234);
        assert_eq!(rr.reports[0].delay_since_last_sr, 65536);
        assert_eq!(rr.reports[1].cumulative_lost, 1);
        assert_eq!(rr.reports[1].last_sr, 0);
    }

    /// What `parse_compound` says of `bytes`, as `compound_reports` says it: the reports (SSRC,
    /// sender information, blocks) or the error.
    #[allow(clippy::type_complexity)]
    fn reports_by_parsing(
        bytes: &[u8],
    ) -> Result<Vec<(u32, Option<SenderInfo>, Vec<ReportBlock>)>, RtcpError> {
        Ok(parse_compound(bytes)?
            .into_iter()
            .filter_map(|p| match p {
                RtcpPacket::SenderReport(sr) => Some((sr.ssrc, Some(sr.info), sr.reports)),
                RtcpPacket::ReceiverReport(rr) => Some((rr.ssrc, None, rr.reports)),
                _ => None,
            })
            .collect())
    }

    #[allow(clippy::type_complexity)]
    fn reports_in_place(
        bytes: &[u8],
    ) -> Result<Vec<(u32, Option<SenderInfo>, Vec<ReportBlock>)>, RtcpError> {
        Ok(compound_reports(bytes)?.map(|r| (r.ssrc, r.sender, r.blocks().collect())).collect())
    }

    /// A compound of every packet type (two reports among them), as bytes.
    fn every_type_compound() -> Vec<u8> {
        let block = ReportBlock { ssrc: 5, fraction_lost: 25, jitter: 77, ..Default::default() };
        let packets = vec![
            RtcpPacket::SenderReport(SenderReport {
                ssrc: 1,
                info: SenderInfo {
                    ntp_timestamp: 7,
                    rtp_timestamp: 9,
                    packet_count: 10,
                    octet_count: 16,
                },
                reports: vec![block],
            }),
            RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc: 1,
                items: vec![SdesItem::cname("a@b")],
            }]),
            RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 2, reports: vec![block, block] }),
            RtcpPacket::Goodbye(Goodbye { sources: vec![1, 2], reason: Some(b"done") }),
            RtcpPacket::App(App { subtype: 3, ssrc: 1, name: *b"HOTL", data: &[1, 2, 3, 4] }),
            RtcpPacket::ExtendedReport(ExtendedReport {
                ssrc: 1,
                blocks: vec![
                    XrBlock::VoipMetrics(metrics()),
                    XrBlock::Other { block_type: 4, type_specific: 0, data: &[0, 0, 0, 1] },
                ],
            }),
        ];
        let mut bytes = Vec::new();
        write_compound(&packets, &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn reports_read_in_place_are_the_parsed_ones() {
        let bytes = every_type_compound();
        let parsed = reports_by_parsing(&bytes).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(reports_in_place(&bytes), Ok(parsed));
        // Every truncation and every single-byte change: the same reports or the same error.
        for cut in 0..bytes.len() {
            assert_eq!(
                reports_in_place(&bytes[..cut]),
                reports_by_parsing(&bytes[..cut]),
                "cut {cut}"
            );
        }
        for at in 0..bytes.len() {
            for v in [0u8, 1, 3, 0x20, 0x7f, 0x80, 0xa0, 0xff] {
                let mut b = bytes.clone();
                b[at] ^= v;
                assert_eq!(reports_in_place(&b), reports_by_parsing(&b), "byte {at} ^ {v:#x}");
            }
        }
    }

    #[test]
    fn reports_and_cnames_written_in_place_are_the_built_ones() {
        let block =
            ReportBlock { ssrc: 5, fraction_lost: 25, cumulative_lost: -3, ..Default::default() };
        let info = SenderInfo {
            ntp_timestamp: 0x0102_0304_0506_0708,
            rtp_timestamp: 9,
            packet_count: 10,
            octet_count: 1600,
        };
        for blocks in [vec![], vec![block], vec![block; 31]] {
            for sender in [None, Some(info)] {
                let built = match sender {
                    Some(info) => RtcpPacket::SenderReport(SenderReport {
                        ssrc: 1,
                        info,
                        reports: blocks.clone(),
                    }),
                    None => RtcpPacket::ReceiverReport(ReceiverReport {
                        ssrc: 1,
                        reports: blocks.clone(),
                    }),
                };
                let mut expected = vec![9];
                built.write(&mut expected).unwrap();
                let mut out = vec![9];
                write_report(&mut out, 1, sender.as_ref(), &blocks).unwrap();
                assert_eq!(out, expected);
            }
        }
        assert!(write_report(&mut Vec::new(), 1, None, &[block; 32]).is_err());
        for cname in ["", "a", "ab", "abc", "abcd", "hotline-media", &"x".repeat(255)] {
            let built = RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc: 7,
                items: vec![SdesItem::cname(cname)],
            }]);
            let mut expected = Vec::new();
            built.write(&mut expected).unwrap();
            let mut out = Vec::new();
            write_cname(&mut out, 7, cname).unwrap();
            assert_eq!(out, expected, "{cname:?}");
        }
        assert!(write_cname(&mut Vec::new(), 7, &"x".repeat(256)).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_compound(&bytes);
        }

        #[test]
        fn reports_read_in_place_agree_with_parsing(bytes in proptest::collection::vec(any::<u8>(), 0..200), header in any::<bool>()) {
            // Arbitrary bytes, and arbitrary bytes behind a valid version and a length that
            // fits (so that the packet bodies get checked, not only the first header).
            let mut bytes = bytes;
            if header && bytes.len() >= 4 {
                bytes[0] = 0x80 | (bytes[0] & 0x3f);
                let words = (bytes.len() / 4 - 1) as u16;
                let words = words.min(u16::from(bytes[3])).to_be_bytes();
                bytes[2..4].copy_from_slice(&words);
                bytes[1] = 200 + bytes[1] % 8;
            }
            prop_assert_eq!(reports_in_place(&bytes), reports_by_parsing(&bytes));
        }

        #[test]
        fn report_blocks_round_trip(ssrc: u32, fraction: u8, lost in -0x80_0000i32..=0x7f_ffff, seq: u32, jitter: u32, lsr: u32, dlsr: u32) {
            let block = ReportBlock { ssrc, fraction_lost: fraction, cumulative_lost: lost, extended_highest_seq: seq, jitter, last_sr: lsr, delay_since_last_sr: dlsr };
            let p = RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 1, reports: vec![block] });
            let mut bytes = Vec::new();
            p.write(&mut bytes).unwrap();
            prop_assert_eq!(parse_compound(&bytes).unwrap(), vec![p]);
        }
    }
}
