//! Reading captures: classic pcap and pcapng files, and UDP datagrams out of their frames.
//!
//! [`CaptureReader`] reads either format from any [`io::Read`] (the format is told by the first
//! four bytes), one record at a time, reusing one buffer. [`udp_datagram`] takes a record's link
//! layer (Ethernet with VLAN tags, Linux cooked v1 and v2, raw IP, BSD loopback) down through IPv4
//! or IPv6 to the UDP payload. [`PcapWriter`] writes classic pcap files (used by tests to make
//! captures).
//!
//! Corrupt input gives a [`PcapError`] with the byte offset of the record, never a panic, and no
//! record is allowed to claim more than [`MAX_RECORD_LEN`] bytes, so that a corrupt length cannot
//! make the reader allocate without bound.
//!
//! ```
//! use std::net::SocketAddr;
//! use std::time::Duration;
//! use hotline_rtp::pcap::{CaptureReader, PcapWriter, udp_datagram};
//! let src: SocketAddr = "10.0.0.1:4000".parse().unwrap();
//! let dst: SocketAddr = "10.0.0.2:5000".parse().unwrap();
//! let mut file = Vec::new();
//! let mut writer = PcapWriter::new(&mut file).unwrap();
//! writer.write_udp(Duration::from_secs(1), src, dst, b"hello").unwrap();
//! let mut reader = CaptureReader::new(&file[..]).unwrap();
//! let record = reader.next_record().unwrap().unwrap();
//! let udp = udp_datagram(record.link_type, record.data).unwrap().unwrap();
//! assert_eq!((udp.src, udp.dst, udp.payload), (src, dst, &b"hello"[..]));
//! ```

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The largest record (or pcapng block) accepted.
pub const MAX_RECORD_LEN: usize = 1 << 20;

/// Link-layer types (LINKTYPE_* values) that [`udp_datagram`] understands.
pub mod link {
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    pub const NULL: u32 = 0;
    /// Ethernet II, with optional 802.1Q / 802.1ad tags.
    pub const ETHERNET: u32 = 1;
    /// Raw IP (DLT_RAW on some systems).
    pub const RAW_12: u32 = 12;
    /// Raw IP (DLT_RAW on OpenBSD).
    pub const RAW_14: u32 = 14;
    /// Raw IPv4 or IPv6.
    pub const RAW: u32 = 101;
    /// Linux cooked capture v1 (SLL).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2 (SLL2).
    pub const LINUX_SLL2: u32 = 276;
}

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PcapError {
    /// Reading failed.
    #[error("reading the capture failed: {0}")]
    Io(#[from] io::Error),
    /// The file does not start with a pcap or pcapng magic number.
    #[error("not a pcap or pcapng file: magic {magic:#010x} at offset 0")]
    BadMagic {
        /// The first four bytes, big-endian.
        magic: u32,
    },
    /// The file ends inside a header or record.
    #[error("capture truncated in {what} at offset {offset}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where it started.
        offset: u64,
    },
    /// A record or block claims an impossible length.
    #[error("bad length {len} in {what} at offset {offset}")]
    BadLength {
        /// The record or block.
        what: &'static str,
        /// The length it claims.
        len: u64,
        /// Where it starts.
        offset: u64,
    },
    /// A pcapng packet names an interface that was never described.
    #[error(
        "pcapng packet block at offset {offset} names interface {interface}, which no interface description block defined"
    )]
    UnknownInterface {
        /// The interface id.
        interface: u32,
        /// The block's offset.
        offset: u64,
    },
    /// A pcapng section header has a bad byte-order magic.
    #[error("pcapng section header at offset {offset} has byte-order magic {magic:#010x}")]
    BadByteOrder {
        /// The magic found.
        magic: u32,
        /// The block's offset.
        offset: u64,
    },
}

/// One captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The capture time, since the Unix epoch.
    pub timestamp: Duration,
    /// The link-layer type (see [`link`]).
    pub link_type: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The frame's length on the wire (at least `data.len()` in a sane file).
    pub original_len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    /// Units per second of the timestamps.
    units_per_second: u64,
}

#[derive(Debug, Clone)]
enum Format {
    Pcap { big_endian: bool, nanos: bool, link_type: u32 },
    PcapNg { big_endian: bool, interfaces: Vec<Interface> },
}

/// Reads classic pcap or pcapng records from any reader.
#[derive(Debug)]
pub struct CaptureReader<R> {
    inner: R,
    format: Format,
    buf: Vec<u8>,
    offset: u64,
}

fn u16_at(b: &[u8], at: usize, big: bool) -> u16 {
    let v = [b[at], b[at + 1]];
    if big { u16::from_be_bytes(v) } else { u16::from_le_bytes(v) }
}

fn u32_at(b: &[u8], at: usize, big: bool) -> u32 {
    let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big { u32::from_be_bytes(v) } else { u32::from_le_bytes(v) }
}

/// Reads exactly `buf.len()` bytes; `Ok(false)` on a clean end of file before the first byte.
fn read_full(
    r: &mut impl Read,
    buf: &mut [u8],
    what: &'static str,
    offset: u64,
) -> Result<bool, PcapError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(PcapError::Truncated { what, offset }),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(PcapError::Io(e)),
        }
    }
    Ok(true)
}

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

impl<R: Read> CaptureReader<R> {
    /// Reads the file header and tells the format.
    ///
    /// # Errors
    ///
    /// [`PcapError::BadMagic`] for neither format, [`PcapError::Truncated`] for a short header,
    /// [`PcapError::Io`].
    pub fn new(mut inner: R) -> Result<Self, PcapError> {
        let mut magic = [0u8; 4];
        if !read_full(&mut inner, &mut magic, "the file header", 0)? {
            return Err(PcapError::Truncated { what: "the file header", offset: 0 });
        }
        let be = u32::from_be_bytes(magic);
        let le = u32::from_le_bytes(magic);
        let pcap = |big_endian: bool, nanos: bool, inner: &mut R| -> Result<Format, PcapError> {
            let mut rest = [0u8; 20];
            if !read_full(inner, &mut rest, "the file header", 0)? {
                return Err(PcapError::Truncated { what: "the file header", offset: 0 });
            }
            // The link type's low 16 bits; the top bits may hold FCS information.
            let link_type = u32_at(&rest, 16, big_endian) & 0x0fff_ffff;
            Ok(Format::Pcap { big_endian, nanos, link_type })
        };
        let (format, offset) = match (be, le) {
            (0xa1b2_c3d4, _) => (pcap(true, false, &mut inner)?, 24),
            (0xa1b2_3c4d, _) => (pcap(true, true, &mut inner)?, 24),
            (_, 0xa1b2_c3d4) => (pcap(false, false, &mut inner)?, 24),
            (_, 0xa1b2_3c4d) => (pcap(false, true, &mut inner)?, 24),
            (PCAPNG_SHB, _) => {
                // Block total length and byte-order magic decide the endianness.
                let mut head = [0u8; 8];
                if !read_full(&mut inner, &mut head, "the section header block", 0)? {
                    return Err(PcapError::Truncated {
                        what: "the section header block",
                        offset: 0,
                    });
                }
                let big_endian = match u32::from_be_bytes([head[4], head[5], head[6], head[7]]) {
                    BYTE_ORDER_MAGIC => true,
                    _ if u32_at(&head, 4, false) == BYTE_ORDER_MAGIC => false,
                    magic => return Err(PcapError::BadByteOrder { magic, offset: 0 }),
                };
                let total = u32_at(&head, 0, big_endian) as usize;
                if !(28..=MAX_RECORD_LEN).contains(&total) || !total.is_multiple_of(4) {
                    return Err(PcapError::BadLength {
                        what: "the section header block",
                        len: total as u64,
                        offset: 0,
                    });
                }
                let mut body = vec![0u8; total - 12];
                if !read_full(&mut inner, &mut body, "the section header block", 0)? {
                    return Err(PcapError::Truncated {
                        what: "the section header block",
                        offset: 0,
                    });
                }
                (Format::PcapNg { big_endian, interfaces: Vec::new() }, total as u64)
            }
            _ => return Err(PcapError::BadMagic { magic: be }),
        };
        Ok(CaptureReader { inner, format, buf: Vec::new(), offset })
    }

    /// Whether the file is pcapng (rather than classic pcap).
    pub fn is_pcapng(&self) -> bool {
        matches!(self.format, Format::PcapNg { .. })
    }

    /// The next record, or `None` at the end of the file.
    ///
    /// # Errors
    ///
    /// [`PcapError`] for a truncated or corrupt record, with its offset.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, PcapError> {
        let (big_endian, nanos, link_type) = match self.format {
            Format::Pcap { big_endian, nanos, link_type } => (big_endian, nanos, link_type),
            Format::PcapNg { .. } => return self.next_pcapng(),
        };
        let offset = self.offset;
        let mut head = [0u8; 16];
        if !read_full(&mut self.inner, &mut head, "a record header", offset)? {
            return Ok(None);
        }
        let secs = u32_at(&head, 0, big_endian);
        let frac = u32_at(&head, 4, big_endian);
        let caplen = u32_at(&head, 8, big_endian) as usize;
        let original_len = u32_at(&head, 12, big_endian);
        if caplen > MAX_RECORD_LEN {
            return Err(PcapError::BadLength { what: "a record", len: caplen as u64, offset });
        }
        self.buf.resize(caplen, 0);
        if caplen > 0 && !read_full(&mut self.inner, &mut self.buf, "a record", offset)? {
            return Err(PcapError::Truncated { what: "a record", offset });
        }
        self.offset += 16 + caplen as u64;
        let sub = if nanos { u64::from(frac) } else { u64::from(frac) * 1000 };
        let timestamp = Duration::from_secs(u64::from(secs)) + Duration::from_nanos(sub);
        Ok(Some(Record { timestamp, link_type, data: &self.buf, original_len }))
    }

    fn next_pcapng(&mut self) -> Result<Option<Record<'_>>, PcapError> {
        loop {
            let Format::PcapNg { big_endian, .. } = self.format else { return Ok(None) };
            let offset = self.offset;
            let mut head = [0u8; 8];
            if !read_full(&mut self.inner, &mut head, "a block header", offset)? {
                return Ok(None);
            }
            let block_type = u32_at(&head, 0, big_endian);
            let mut big = big_endian;
            if block_type == PCAPNG_SHB {
                // A new section: the byte order may change, interfaces are forgotten.
                let mut magic = [0u8; 4];
                if !read_full(&mut self.inner, &mut magic, "the section header block", offset)? {
                    return Err(PcapError::Truncated { what: "the section header block", offset });
                }
                big = match u32::from_be_bytes(magic) {
                    BYTE_ORDER_MAGIC => true,
                    _ if u32::from_le_bytes(magic) == BYTE_ORDER_MAGIC => false,
                    magic => return Err(PcapError::BadByteOrder { magic, offset }),
                };
                let total = u32_at(&head, 4, big) as usize;
                if !(28..=MAX_RECORD_LEN).contains(&total) || !total.is_multiple_of(4) {
                    return Err(PcapError::BadLength {
                        what: "the section header block",
                        len: total as u64,
                        offset,
                    });
                }
                self.buf.resize(total - 12, 0);
                if !read_full(&mut self.inner, &mut self.buf, "the section header block", offset)? {
                    return Err(PcapError::Truncated { what: "the section header block", offset });
                }
                self.offset += total as u64;
                self.format = Format::PcapNg { big_endian: big, interfaces: Vec::new() };
                continue;
            }
            let total = u32_at(&head, 4, big) as usize;
            if !(12..=MAX_RECORD_LEN).contains(&total) || !total.is_multiple_of(4) {
                return Err(PcapError::BadLength { what: "a block", len: total as u64, offset });
            }
            self.buf.resize(total - 8, 0);
            if !read_full(&mut self.inner, &mut self.buf, "a block", offset)? {
                return Err(PcapError::Truncated { what: "a block", offset });
            }
            self.offset += total as u64;
            let body_len = total - 12;
            let Format::PcapNg { interfaces, .. } = &mut self.format else { return Ok(None) };
            match block_type {
                1 => {
                    // Interface description: link type, reserved, snap length, options.
                    if body_len < 8 {
                        return Err(PcapError::BadLength {
                            what: "an interface description block",
                            len: total as u64,
                            offset,
                        });
                    }
                    let link_type = u32::from(u16_at(&self.buf, 0, big));
                    let mut units_per_second = 1_000_000;
                    let mut at = 8;
                    while at + 4 <= body_len {
                        let code = u16_at(&self.buf, at, big);
                        let len = usize::from(u16_at(&self.buf, at + 2, big));
                        if code == 0 || at + 4 + len > body_len {
                            break;
                        }
                        if code == 9 && len >= 1 {
                            let v = self.buf[at + 4];
                            let exp = u32::from(v & 0x7f);
                            units_per_second = if v & 0x80 != 0 {
                                1u64.checked_shl(exp).unwrap_or(0)
                            } else {
                                10u64.checked_pow(exp).unwrap_or(0)
                            };
                        }
                        at += 4 + len.div_ceil(4) * 4;
                    }
                    interfaces.push(Interface { link_type, units_per_second });
                }
                6 | 2 => {
                    // Enhanced packet block (6) or the obsolete packet block (2).
                    if body_len < 20 {
                        return Err(PcapError::BadLength {
                            what: "a packet block",
                            len: total as u64,
                            offset,
                        });
                    }
                    let interface = if block_type == 6 {
                        u32_at(&self.buf, 0, big)
                    } else {
                        u32::from(u16_at(&self.buf, 0, big))
                    };
                    let Some(iface) = interfaces.get(interface as usize).copied() else {
                        return Err(PcapError::UnknownInterface { interface, offset });
                    };
                    let ts = (u64::from(u32_at(&self.buf, 4, big)) << 32)
                        | u64::from(u32_at(&self.buf, 8, big));
                    let caplen = u32_at(&self.buf, 12, big) as usize;
                    let original_len = u32_at(&self.buf, 16, big);
                    if caplen > body_len - 20 {
                        return Err(PcapError::BadLength {
                            what: "a packet block's captured length",
                            len: caplen as u64,
                            offset,
                        });
                    }
                    let timestamp = ts_to_duration(ts, iface.units_per_second);
                    return Ok(Some(Record {
                        timestamp,
                        link_type: iface.link_type,
                        data: &self.buf[20..20 + caplen],
                        original_len,
                    }));
                }
                3 => {
                    // Simple packet block: original length, then the data (no timestamp).
                    if body_len < 4 {
                        return Err(PcapError::BadLength {
                            what: "a simple packet block",
                            len: total as u64,
                            offset,
                        });
                    }
                    let Some(iface) = interfaces.first().copied() else {
                        return Err(PcapError::UnknownInterface { interface: 0, offset });
                    };
                    let original_len = u32_at(&self.buf, 0, big);
                    let caplen = (original_len as usize).min(body_len - 4);
                    return Ok(Some(Record {
                        timestamp: Duration::ZERO,
                        link_type: iface.link_type,
                        data: &self.buf[4..4 + caplen],
                        original_len,
                    }));
                }
                _ => {} // Name resolution, statistics, custom blocks: skipped.
            }
        }
    }
}

fn ts_to_duration(ts: u64, units_per_second: u64) -> Duration {
    if units_per_second == 0 {
        return Duration::ZERO;
    }
    let secs = ts / units_per_second;
    let rem = ts % units_per_second;
    let nanos = (u128::from(rem) * 1_000_000_000 / u128::from(units_per_second)) as u64;
    Duration::from_secs(secs) + Duration::from_nanos(nanos)
}

/// A UDP datagram taken out of a captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpDatagram<'a> {
    /// The source address and port.
    pub src: SocketAddr,
    /// The destination address and port.
    pub dst: SocketAddr,
    /// The UDP payload.
    pub payload: &'a [u8],
}

/// Takes the UDP datagram out of a frame of link type `link_type`.
///
/// `Ok(None)` for frames that are not UDP over IPv4/IPv6 (other protocols, IP fragments after the
/// first, unknown link types).
///
/// # Errors
///
/// [`PcapError::Truncated`] (offset within the frame) when a header is cut short.
pub fn udp_datagram(link_type: u32, frame: &[u8]) -> Result<Option<UdpDatagram<'_>>, PcapError> {
    let short = |what, offset: usize| PcapError::Truncated { what, offset: offset as u64 };
    let (ethertype, at) = match link_type {
        link::ETHERNET => {
            let mut at = 12;
            loop {
                let Some(t) = frame.get(at..at + 2) else {
                    return Err(short("an Ethernet header", 0));
                };
                let t = u16::from_be_bytes([t[0], t[1]]);
                if matches!(t, 0x8100 | 0x88a8 | 0x9100) {
                    at += 4;
                } else {
                    break (t, at + 2);
                }
            }
        }
        link::LINUX_SLL => {
            let Some(t) = frame.get(14..16) else { return Err(short("a Linux cooked header", 0)) };
            (u16::from_be_bytes([t[0], t[1]]), 16)
        }
        link::LINUX_SLL2 => {
            let Some(t) = frame.get(0..2) else { return Err(short("a Linux cooked v2 header", 0)) };
            if frame.len() < 20 {
                return Err(short("a Linux cooked v2 header", 0));
            }
            (u16::from_be_bytes([t[0], t[1]]), 20)
        }
        link::NULL => {
            let Some(f) = frame.get(0..4) else { return Err(short("a loopback header", 0)) };
            // The family is in the capturing host's byte order; IPv4 is 2, IPv6 is 24, 28 or 30.
            let family = if f[0] == 0 && f[1] == 0 { u32::from(f[3]) } else { u32::from(f[0]) };
            match family {
                2 => (0x0800, 4),
                24 | 28 | 30 => (0x86dd, 4),
                _ => return Ok(None),
            }
        }
        link::RAW | link::RAW_12 | link::RAW_14 => match frame.first().map(|b| b >> 4) {
            Some(4) => (0x0800, 0),
            Some(6) => (0x86dd, 0),
            Some(_) => return Ok(None),
            None => return Err(short("an IP header", 0)),
        },
        link::IPV4 => (0x0800, 0),
        link::IPV6 => (0x86dd, 0),
        _ => return Ok(None),
    };
    let ip = &frame[at.min(frame.len())..];
    let (src_ip, dst_ip, udp, udp_at): (IpAddr, IpAddr, &[u8], usize) = match ethertype {
        0x0800 => {
            if ip.len() < 20 {
                return Err(short("an IPv4 header", at));
            }
            if ip[0] >> 4 != 4 {
                return Ok(None);
            }
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            if ihl < 20 || ip.len() < ihl {
                return Err(short("an IPv4 header", at));
            }
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            let flags_frag = u16::from_be_bytes([ip[6], ip[7]]);
            if ip[9] != 17 || flags_frag & 0x3fff != 0 {
                return Ok(None); // Not UDP, or a fragment we cannot reassemble.
            }
            let end = if total >= ihl { total.min(ip.len()) } else { ip.len() };
            let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
            let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
            (src.into(), dst.into(), &ip[ihl..end], at + ihl)
        }
        0x86dd => {
            if ip.len() < 40 {
                return Err(short("an IPv6 header", at));
            }
            if ip[0] >> 4 != 6 {
                return Ok(None);
            }
            let payload_len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            let mut next = ip[6];
            let mut off = 40;
            let end = (40 + payload_len).min(ip.len());
            let end = if payload_len == 0 { ip.len() } else { end };
            // Skip hop-by-hop, routing and destination options headers.
            while matches!(next, 0 | 43 | 60) {
                let Some(h) = ip.get(off..off + 2) else {
                    return Err(short("an IPv6 extension header", at + off));
                };
                next = h[0];
                off += (usize::from(h[1]) + 1) * 8;
            }
            if next != 17 || off > end {
                return Ok(None);
            }
            let mut s = [0u8; 16];
            s.copy_from_slice(&ip[8..24]);
            let mut d = [0u8; 16];
            d.copy_from_slice(&ip[24..40]);
            (Ipv6Addr::from(s).into(), Ipv6Addr::from(d).into(), &ip[off..end], at + off)
        }
        _ => return Ok(None),
    };
    if udp.len() < 8 {
        return Err(short("a UDP header", udp_at));
    }
    let sport = u16::from_be_bytes([udp[0], udp[1]]);
    let dport = u16::from_be_bytes([udp[2], udp[3]]);
    let len = usize::from(u16::from_be_bytes([udp[4], udp[5]]));
    let end = if len >= 8 { len.min(udp.len()) } else { udp.len() };
    Ok(Some(UdpDatagram {
        src: SocketAddr::new(src_ip, sport),
        dst: SocketAddr::new(dst_ip, dport),
        payload: &udp[8..end],
    }))
}

/// Writes classic pcap files (microsecond timestamps, little-endian), one UDP datagram a record.
#[derive(Debug)]
pub struct PcapWriter<W> {
    out: W,
    link_type: u32,
    frame: Vec<u8>,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header of an Ethernet capture.
    ///
    /// # Errors
    ///
    /// Writing failed.
    pub fn new(out: W) -> io::Result<Self> {
        Self::with_link_type(out, link::ETHERNET)
    }

    /// Writes the file header of a capture of link type [`link::ETHERNET`], [`link::RAW`] or
    /// [`link::LINUX_SLL`].
    ///
    /// # Errors
    ///
    /// Writing failed, or the link type is not one of those.
    pub fn with_link_type(mut out: W, link_type: u32) -> io::Result<Self> {
        if !matches!(link_type, link::ETHERNET | link::RAW | link::LINUX_SLL) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "unsupported link type"));
        }
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&65535u32.to_le_bytes());
        h.extend_from_slice(&link_type.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, link_type, frame: Vec::new() })
    }

    /// Writes one UDP datagram from `src` to `dst` captured at `timestamp` (since the epoch).
    /// Both addresses must be of the same family.
    ///
    /// # Errors
    ///
    /// Writing failed, or the addresses are of different families, or the payload is too long.
    pub fn write_udp(
        &mut self,
        timestamp: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
    ) -> io::Result<()> {
        let f = &mut self.frame;
        f.clear();
        let ethertype: u16 = if src.is_ipv4() { 0x0800 } else { 0x86dd };
        match self.link_type {
            link::ETHERNET => {
                f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]);
                f.extend_from_slice(&ethertype.to_be_bytes());
            }
            link::LINUX_SLL => {
                f.extend_from_slice(&[0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0]);
                f.extend_from_slice(&ethertype.to_be_bytes());
            }
            _ => {}
        }
        let udp_len = payload.len() + 8;
        if udp_len > 65_000 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "payload too long"));
        }
        match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let total = (20 + udp_len) as u16;
                let mut ip = [0u8; 20];
                ip[0] = 0x45;
                ip[2..4].copy_from_slice(&total.to_be_bytes());
                ip[6] = 0x40; // don't fragment
                ip[8] = 64;
                ip[9] = 17;
                ip[12..16].copy_from_slice(&s.octets());
                ip[16..20].copy_from_slice(&d.octets());
                let mut sum: u32 = 0;
                for pair in ip.chunks_exact(2) {
                    sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
                }
                while sum > 0xffff {
                    sum = (sum & 0xffff) + (sum >> 16);
                }
                ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
                f.extend_from_slice(&ip);
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                f.extend_from_slice(&[0x60, 0, 0, 0]);
                f.extend_from_slice(&(udp_len as u16).to_be_bytes());
                f.extend_from_slice(&[17, 64]);
                f.extend_from_slice(&s.octets());
                f.extend_from_slice(&d.octets());
            }
            _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, "mixed address families")),
        }
        f.extend_from_slice(&src.port().to_be_bytes());
        f.extend_from_slice(&dst.port().to_be_bytes());
        f.extend_from_slice(&(udp_len as u16).to_be_bytes());
        f.extend_from_slice(&[0, 0]); // no checksum
        f.extend_from_slice(payload);
        let mut head = [0u8; 16];
        head[0..4].copy_from_slice(&(timestamp.as_secs() as u32).to_le_bytes());
        head[4..8].copy_from_slice(&timestamp.subsec_micros().to_le_bytes());
        head[8..12].copy_from_slice(&(f.len() as u32).to_le_bytes());
        head[12..16].copy_from_slice(&(f.len() as u32).to_le_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(f)
    }

    /// Flushes and returns the writer.
    ///
    /// # Errors
    ///
    /// Flushing failed.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn writes_and_reads_every_link_type() {
        for lt in [link::ETHERNET, link::RAW, link::LINUX_SLL] {
            for (s, d) in
                [("10.0.0.1:4000", "10.0.0.2:5000"), ("[2001:db8::1]:4000", "[2001:db8::2]:5000")]
            {
                let mut file = Vec::new();
                let mut w = PcapWriter::with_link_type(&mut file, lt).unwrap();
                w.write_udp(Duration::from_micros(1_500_000), addr(s), addr(d), b"abc").unwrap();
                w.write_udp(Duration::from_micros(1_520_000), addr(d), addr(s), b"").unwrap();
                let mut r = CaptureReader::new(&file[..]).unwrap();
                let rec = r.next_record().unwrap().unwrap();
                assert_eq!(rec.timestamp, Duration::from_micros(1_500_000));
                assert_eq!(rec.link_type, lt);
                let u = udp_datagram(rec.link_type, rec.data).unwrap().unwrap();
                assert_eq!((u.src, u.dst, u.payload), (addr(s), addr(d), &b"abc"[..]));
                let rec = r.next_record().unwrap().unwrap();
                let u = udp_datagram(rec.link_type, rec.data).unwrap().unwrap();
                assert_eq!(u.payload, b"");
                assert!(r.next_record().unwrap().is_none());
            }
        }
    }

    fn pcapng_block(kind: u32, body: &[u8]) -> Vec<u8> {
        let total = 12 + body.len().div_ceil(4) * 4;
        let mut b = Vec::new();
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&(total as u32).to_le_bytes());
        b.extend_from_slice(body);
        b.resize(total - 4, 0);
        b.extend_from_slice(&(total as u32).to_le_bytes());
        b
    }

    fn pcapng_file(tsresol: Option<u8>, frame: &[u8], ts: u64) -> Vec<u8> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        let mut idb = Vec::new();
        idb.extend_from_slice(&(link::RAW as u16).to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&65535u32.to_le_bytes());
        if let Some(r) = tsresol {
            idb.extend_from_slice(&9u16.to_le_bytes());
            idb.extend_from_slice(&1u16.to_le_bytes());
            idb.extend_from_slice(&[r, 0, 0, 0]);
            idb.extend_from_slice(&[0, 0, 0, 0]);
        }
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(frame);
        let mut file = pcapng_block(PCAPNG_SHB, &shb);
        file.extend(pcapng_block(1, &idb));
        file.extend(pcapng_block(4, b"name resolution: skipped"));
        file.extend(pcapng_block(6, &epb));
        file
    }

    fn raw_frame() -> Vec<u8> {
        let mut file = Vec::new();
        let mut w = PcapWriter::with_link_type(&mut file, link::RAW).unwrap();
        w.write_udp(Duration::ZERO, addr("192.0.2.1:1000"), addr("192.0.2.2:2000"), b"xyz")
            .unwrap();
        file[24 + 16..].to_vec()
    }

    #[test]
    fn reads_pcapng_with_resolutions() {
        let frame = raw_frame();
        for (res, ts, want) in [
            (None, 2_000_001u64, Duration::from_micros(2_000_001)),
            (Some(9u8), 3_000_000_007, Duration::from_nanos(3_000_000_007)),
            (Some(0x80 | 10), 2048 + 512, Duration::from_millis(2500)),
        ] {
            let file = pcapng_file(res, &frame, ts);
            let mut r = CaptureReader::new(&file[..]).unwrap();
            assert!(r.is_pcapng());
            let rec = r.next_record().unwrap().unwrap();
            assert_eq!(rec.timestamp, want);
            let u = udp_datagram(rec.link_type, rec.data).unwrap().unwrap();
            assert_eq!(u.payload, b"xyz");
            assert!(r.next_record().unwrap().is_none());
        }
    }

    #[test]
    fn corrupt_files_are_errors() {
        assert!(matches!(CaptureReader::new(&b"nope"[..]), Err(PcapError::BadMagic { .. })));
        assert!(matches!(CaptureReader::new(&b"\xd4\xc3"[..]), Err(PcapError::Truncated { .. })));
        let mut file = Vec::new();
        let mut w = PcapWriter::new(&mut file).unwrap();
        w.write_udp(Duration::ZERO, addr("10.0.0.1:1"), addr("10.0.0.2:2"), b"abc").unwrap();
        // Cut inside the record.
        let cut = &file[..file.len() - 2];
        let mut r = CaptureReader::new(cut).unwrap();
        assert!(matches!(
            r.next_record(),
            Err(PcapError::Truncated { what: "a record", offset: 24 })
        ));
        // A huge captured length.
        let mut huge = file.clone();
        huge[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut r = CaptureReader::new(&huge[..]).unwrap();
        assert!(matches!(r.next_record(), Err(PcapError::BadLength { .. })));
        // pcapng packet on an undefined interface.
        let mut file = pcapng_file(None, &raw_frame(), 0);
        let epb_at = file.len() - (12 + 20 + raw_frame().len().div_ceil(4) * 4);
        file[epb_at + 8] = 3;
        let mut r = CaptureReader::new(&file[..]).unwrap();
        assert!(matches!(r.next_record(), Err(PcapError::UnknownInterface { interface: 3, .. })));
    }

    #[test]
    fn truncated_frames_are_errors_not_panics() {
        let frame = raw_frame();
        for len in 0..frame.len() {
            let _ = udp_datagram(link::RAW, &frame[..len]);
            let _ = udp_datagram(link::ETHERNET, &frame[..len]);
            let _ = udp_datagram(link::LINUX_SLL2, &frame[..len]);
            let _ = udp_datagram(link::NULL, &frame[..len]);
        }
        assert!(udp_datagram(link::RAW, &frame[..25]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(mut r) = CaptureReader::new(&bytes[..]) {
                for _ in 0..50 {
                    match r.next_record() {
                        Ok(Some(rec)) => { let _ = udp_datagram(rec.link_type, rec.data); }
                        _ => break,
                    }
                }
            }
        }
    }
}
