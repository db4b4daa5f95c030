//! RTP data packets (RFC 3550 §5.1) with RFC 8285 header extensions: zero-copy parsing and building.
//!
//! [`RtpPacket::parse`] borrows the datagram and checks every length before it is used: the fixed
//! header, the CSRC list, the extension header and its data, and the padding count. Errors say what
//! is wrong and at which byte offset ([`RtpError`]). [`RtpBuilder`] writes a packet into a caller's
//! buffer without allocating.
//!
//! ```
//! use hotline_rtp::packet::{RtpBuilder, RtpPacket};
//! let mut buf = [0u8; 64];
//! let len = RtpBuilder::new(0, 1000, 160, 0x1234_5678)
//!     .marker(true)
//!     .payload(&[0xff; 4])
//!     .write(&mut buf)
//!     .unwrap();
//! let packet = RtpPacket::parse(&buf[..len]).unwrap();
//! assert_eq!(packet.sequence_number(), 1000);
//! assert!(packet.marker());
//! assert_eq!(packet.payload(), &[0xff; 4]);
//! ```

/// The length of the fixed RTP header.
pub const FIXED_HEADER_LEN: usize = 12;
/// The "defined by profile" value of RFC 8285 one-byte header extensions.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// The "defined by profile" value of RFC 8285 two-byte header extensions (low 4 bits: app bits).
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// Why an RTP packet was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// The packet ends before a field that must be there.
    #[error(
        "truncated RTP packet: {what} needs {needed} bytes at offset {offset}, but the packet has {len}"
    )]
    Truncated {
        /// The field that does not fit.
        what: &'static str,
        /// Where the field starts.
        offset: usize,
        /// How many bytes the packet needs up to the end of the field.
        needed: usize,
        /// How many bytes the packet has.
        len: usize,
    },
    /// The version field (the top two bits of byte 0) is not 2.
    #[error("RTP version {version} at offset 0: only version 2 is defined")]
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// The padding bit is set but the padding count (last byte) is 0.
    #[error("padding count 0 in the last byte (offset {offset}) although the padding bit is set")]
    ZeroPadding {
        /// The offset of the padding count.
        offset: usize,
    },
    /// The padding count is longer than what follows the header.
    #[error(
        "padding of {padding} bytes (count at offset {offset}) is longer than the {available} bytes after the header"
    )]
    PaddingTooLong {
        /// The padding count.
        padding: u8,
        /// The offset of the padding count (the last byte).
        offset: usize,
        /// The bytes between the end of the header and the end of the packet.
        available: usize,
    },
    /// The header extension's length runs past the end of the packet.
    #[error(
        "header extension of {words} words at offset {offset} runs past the end of the {len}-byte packet"
    )]
    ExtensionPastEnd {
        /// The offset of the extension header.
        offset: usize,
        /// The extension length in 32-bit words.
        words: u16,
        /// The packet length.
        len: usize,
    },
    /// An RFC 8285 extension element runs past the end of the extension data.
    #[error(
        "header extension element with id {id} at offset {offset} (of the extension data) runs past its end"
    )]
    ElementPastEnd {
        /// The element's id.
        id: u8,
        /// The element's offset within the extension data.
        offset: usize,
    },
    /// A value does not fit its field when building a packet.
    #[error("cannot build RTP packet: {0}")]
    Build(&'static str),
    /// The output buffer is too small when building a packet.
    #[error("output buffer of {len} bytes is too small for the {needed}-byte packet")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        len: usize,
    },
}

/// A parsed RTP packet borrowing its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    bytes: &'a [u8],
    header_len: usize,
    payload_end: usize,
    extension: Option<HeaderExtension<'a>>,
}

impl<'a> RtpPacket<'a> {
    /// Parses an RTP packet, checking every length against the datagram.
    ///
    /// # Errors
    ///
    /// [`RtpError`] naming the field and offset that are wrong.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, RtpError> {
        let len = bytes.len();
        if len < FIXED_HEADER_LEN {
            return Err(RtpError::Truncated {
                what: "the fixed header",
                offset: 0,
                needed: FIXED_HEADER_LEN,
                len,
            });
        }
        let version = bytes[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion { version });
        }
        let csrc_count = usize::from(bytes[0] & 0x0f);
        let mut offset = FIXED_HEADER_LEN + 4 * csrc_count;
        if len < offset {
            return Err(RtpError::Truncated {
                what: "the CSRC list",
                offset: FIXED_HEADER_LEN,
                needed: offset,
                len,
            });
        }
        let mut extension = None;
        if bytes[0] & 0x10 != 0 {
            if len < offset + 4 {
                return Err(RtpError::Truncated {
                    what: "the header extension header",
                    offset,
                    needed: offset + 4,
                    len,
                });
            }
            let profile = u16::from_be_bytes([bytes[offset], bytes[offset + 1]]);
            let words = u16::from_be_bytes([bytes[offset + 2], bytes[offset + 3]]);
            let end = offset + 4 + 4 * usize::from(words);
            if len < end {
                return Err(RtpError::ExtensionPastEnd { offset, words, len });
            }
            extension = Some(HeaderExtension { profile, data: &bytes[offset + 4..end] });
            offset = end;
        }
        let mut payload_end = len;
        if bytes[0] & 0x20 != 0 {
            let padding = bytes[len - 1];
            if padding == 0 {
                return Err(RtpError::ZeroPadding { offset: len - 1 });
            }
            let available = len - offset;
            if usize::from(padding) > available {
                return Err(RtpError::PaddingTooLong { padding, offset: len - 1, available });
            }
            payload_end = len - usize::from(padding);
        }
        Ok(RtpPacket { bytes, header_len: offset, payload_end, extension })
    }

    /// The whole packet as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The version (always 2 for a parsed packet).
    pub fn version(&self) -> u8 {
        self.bytes[0] >> 6
    }

    /// Whether the padding bit is set.
    pub fn has_padding(&self) -> bool {
        self.bytes[0] & 0x20 != 0
    }

    /// The number of padding bytes at the end (0 without padding).
    pub fn padding_len(&self) -> usize {
        self.bytes.len() - self.payload_end
    }

    /// The marker bit.
    pub fn marker(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// The payload type (7 bits).
    pub fn payload_type(&self) -> u8 {
        self.bytes[1] & 0x7f
    }

    /// The sequence number.
    pub fn sequence_number(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }

    /// The RTP timestamp.
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }

    /// The synchronization source.
    pub fn ssrc(&self) -> u32 {
        u32::from_be_bytes([self.bytes[8], self.bytes[9], self.bytes[10], self.bytes[11]])
    }

    /// The number of contributing sources.
    pub fn csrc_count(&self) -> usize {
        usize::from(self.bytes[0] & 0x0f)
    }

    /// The contributing sources.
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let list = &self.bytes[FIXED_HEADER_LEN..FIXED_HEADER_LEN + 4 * self.csrc_count()];
        list.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The header extension, when the extension bit is set.
    pub fn extension(&self) -> Option<HeaderExtension<'a>> {
        self.extension
    }

    /// The length of the header: fixed part, CSRCs and extension.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The payload, without header and padding.
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.header_len..self.payload_end]
    }
}

/// The header extension of an RTP packet: the 16-bit profile value and the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderExtension<'a> {
    /// The "defined by profile" field: [`ONE_BYTE_PROFILE`], [`TWO_BYTE_PROFILE`] plus app bits,
    /// or any other (RFC 3550) value.
    pub profile: u16,
    /// The extension data (a multiple of 4 bytes).
    pub data: &'a [u8],
}

impl<'a> HeaderExtension<'a> {
    /// The RFC 8285 form of this extension, if it has one.
    pub fn form(&self) -> Option<ExtensionForm> {
        if self.profile == ONE_BYTE_PROFILE {
            Some(ExtensionForm::OneByte)
        } else if self.profile & 0xfff0 == TWO_BYTE_PROFILE {
            Some(ExtensionForm::TwoByte)
        } else {
            None
        }
    }

    /// The RFC 8285 elements of a one-byte or two-byte extension; empty for other profiles.
    ///
    /// Padding bytes (0) between elements are skipped; a one-byte id of 15 ends the list, as
    /// RFC 8285 §4.2 says. An element that runs past the end yields one error and ends the list.
    pub fn elements(&self) -> ExtensionElements<'a> {
        ExtensionElements { form: self.form(), data: self.data, offset: 0, failed: false }
    }
}

/// The two RFC 8285 header extension forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ExtensionForm {
    /// One-byte headers: ids 1–14, 1–16 bytes of data.
    OneByte,
    /// Two-byte headers: ids 1–255, 0–255 bytes of data.
    TwoByte,
}

/// One RFC 8285 header extension element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionElement<'a> {
    /// The local identifier.
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

/// Iterator over the elements of an RFC 8285 header extension.
#[derive(Debug, Clone)]
pub struct ExtensionElements<'a> {
    form: Option<ExtensionForm>,
    data: &'a [u8],
    offset: usize,
    failed: bool,
}

impl<'a> Iterator for ExtensionElements<'a> {
    type Item = Result<ExtensionElement<'a>, RtpError>;

    fn next(&mut self) -> Option<Self::Item> {
        let form = self.form?;
        if self.failed {
            return None;
        }
        while self.offset < self.data.len() && self.data[self.offset] == 0 {
            self.offset += 1;
        }
        let start = self.offset;
        if start >= self.data.len() {
            return None;
        }
        let (id, len, head) = match form {
            ExtensionForm::OneByte => {
                let byte = self.data[start];
                let id = byte >> 4;
                if id == 15 {
                    self.offset = self.data.len();
                    return None;
                }
                (id, usize::from(byte & 0x0f) + 1, 1)
            }
            ExtensionForm::TwoByte => {
                let id = self.data[start];
                let Some(&len) = self.data.get(start + 1) else {
                    self.failed = true;
                    return Some(Err(RtpError::ElementPastEnd { id, offset: start }));
                };
                (id, usize::from(len), 2)
            }
        };
        let end = start + head + len;
        if end > self.data.len() {
            self.failed = true;
            return Some(Err(RtpError::ElementPastEnd { id, offset: start }));
        }
        self.offset = end;
        Some(Ok(ExtensionElement { id, data: &self.data[start + head..end] }))
    }
}

/// Encodes RFC 8285 extension elements, choosing the one-byte form when every element allows it
/// (id 1–14, 1–16 bytes) and the two-byte form otherwise; pads to a multiple of 4 bytes.
///
/// Returns the profile value to put in the extension header.
///
/// # Errors
///
/// [`RtpError::Build`] when an id is 0, or an element is longer than 255 bytes.
pub fn encode_extension_elements(
    elements: &[ExtensionElement<'_>],
    out: &mut Vec<u8>,
) -> Result<u16, RtpError> {
    if elements.iter().any(|e| e.id == 0) {
        return Err(RtpError::Build("extension element id 0 is reserved for padding"));
    }
    if elements.iter().any(|e| e.data.len() > 255) {
        return Err(RtpError::Build("extension element longer than 255 bytes"));
    }
    let one_byte = elements.iter().all(|e| e.id <= 14 && (1..=16).contains(&e.data.len()));
    let start = out.len();
    let profile = if one_byte {
        for e in elements {
            out.push((e.id << 4) | (e.data.len() as u8 - 1));
            out.extend_from_slice(e.data);
        }
        ONE_BYTE_PROFILE
    } else {
        for e in elements {
            out.push(e.id);
            out.push(e.data.len() as u8);
            out.extend_from_slice(e.data);
        }
        TWO_BYTE_PROFILE
    };
    while !(out.len() - start).is_multiple_of(4) {
        out.push(0);
    }
    Ok(profile)
}

/// Writes RTP packets without allocating.
#[derive(Debug, Clone, Copy)]
pub struct RtpBuilder<'a> {
    marker: bool,
    payload_type: u8,
    sequence_number: u16,
    timestamp: u32,
    ssrc: u32,
    csrcs: &'a [u32],
    extension: Option<HeaderExtension<'a>>,
    payload: &'a [u8],
    padding: u8,
}

impl<'a> RtpBuilder<'a> {
    /// A packet with the given payload type, sequence number, timestamp and SSRC, no marker, no
    /// CSRCs, no extension, an empty payload and no padding.
    pub fn new(payload_type: u8, sequence_number: u16, timestamp: u32, ssrc: u32) -> Self {
        RtpBuilder {
            marker: false,
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            csrcs: &[],
            extension: None,
            payload: &[],
            padding: 0,
        }
    }

    /// Sets the marker bit.
    pub fn marker(mut self, marker: bool) -> Self {
        self.marker = marker;
        self
    }

    /// Sets the contributing sources (at most 15).
    pub fn csrcs(mut self, csrcs: &'a [u32]) -> Self {
        self.csrcs = csrcs;
        self
    }

    /// Sets the header extension (its data must be a multiple of 4 bytes; see
    /// [`encode_extension_elements`]).
    pub fn extension(mut self, profile: u16, data: &'a [u8]) -> Self {
        self.extension = Some(HeaderExtension { profile, data });
        self
    }

    /// Sets the payload.
    pub fn payload(mut self, payload: &'a [u8]) -> Self {
        self.payload = payload;
        self
    }

    /// Adds `padding` bytes of padding (0 for none); the last one holds the count.
    pub fn padding(mut self, padding: u8) -> Self {
        self.padding = padding;
        self
    }

    /// The length of the packet this builder writes.
    pub fn len(&self) -> usize {
        FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + self.extension.map_or(0, |e| 4 + e.data.len())
            + self.payload.len()
            + usize::from(self.padding)
    }

    /// Whether the packet would be empty (never: the header is 12 bytes).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the packet to the start of `out` and returns its length.
    ///
    /// # Errors
    ///
    /// [`RtpError::Build`] for a payload type above 127, more than 15 CSRCs or extension data that
    /// is not a multiple of 4 bytes (or longer than 65535 words); [`RtpError::BufferTooSmall`].
    pub fn write(&self, out: &mut [u8]) -> Result<usize, RtpError> {
        if self.payload_type > 127 {
            return Err(RtpError::Build("payload type above 127"));
        }
        if self.csrcs.len() > 15 {
            return Err(RtpError::Build("more than 15 CSRCs"));
        }
        if let Some(ext) = self.extension
            && (ext.data.len() % 4 != 0 || ext.data.len() / 4 > usize::from(u16::MAX))
        {
            return Err(RtpError::Build(
                "extension data must be a multiple of 4 bytes, at most 65535 words",
            ));
        }
        let needed = self.len();
        if out.len() < needed {
            return Err(RtpError::BufferTooSmall { needed, len: out.len() });
        }
        out[0] = 0x80
            | if self.padding > 0 { 0x20 } else { 0 }
            | if self.extension.is_some() { 0x10 } else { 0 }
            | self.csrcs.len() as u8;
        out[1] = (u8::from(self.marker) << 7) | self.payload_type;
        out[2..4].copy_from_slice(&self.sequence_number.to_be_bytes());
        out[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        out[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        let mut at = FIXED_HEADER_LEN;
        for csrc in self.csrcs {
            out[at..at + 4].copy_from_slice(&csrc.to_be_bytes());
            at += 4;
        }
        if let Some(ext) = self.extension {
            out[at..at + 2].copy_from_slice(&ext.profile.to_be_bytes());
            out[at + 2..at + 4].copy_from_slice(&((ext.data.len() / 4) as u16).to_be_bytes());
            out[at + 4..at + 4 + ext.data.len()].copy_from_slice(ext.data);
            at += 4 + ext.data.len();
        }
        out[at..at + self.payload.len()].copy_from_slice(self.payload);
        at += self.payload.len();
        if self.padding > 0 {
            let pad = usize::from(self.padding);
            out[at..at + pad - 1].fill(0);
            out[at + pad - 1] = self.padding;
            at += pad;
        }
        Ok(at)
    }

    /// Writes the packet into a new vector.
    ///
    /// # Errors
    ///
    /// As [`RtpBuilder::write`].
    pub fn to_vec(&self) -> Result<Vec<u8>, RtpError> {
        let mut out = vec![0; self.len()];
        let len = self.write(&mut out)?;
        out.truncate(len);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header(first: u8) -> Vec<u8> {
        let mut v = vec![first, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        v.resize(12, 0);
        v
    }

    #[test]
    fn parses_fixed_header() {
        let bytes = [0x80, 0x88, 0x12, 0x34, 0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
        let p = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(p.version(), 2);
        assert!(p.marker());
        assert_eq!(p.payload_type(), 8);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 256);
        assert_eq!(p.ssrc(), 0xdead_beef);
        assert_eq!(p.payload(), &[1, 2, 3]);
        assert_eq!(p.csrcs().count(), 0);
        assert!(p.extension().is_none());
    }

    #[test]
    fn truncated_headers_are_errors() {
        for len in 0..12 {
            let bytes = vec![0x80; len];
            assert!(matches!(
                RtpPacket::parse(&bytes),
                Err(RtpError::Truncated { what: "the fixed header", .. })
            ));
        }
        let mut bytes = header(0x82);
        bytes.extend_from_slice(&[0, 0, 0, 1]);
        assert!(matches!(
            RtpPacket::parse(&bytes),
            Err(RtpError::Truncated { what: "the CSRC list", needed: 20, .. })
        ));
        let bytes = header(0x90);
        assert!(matches!(
            RtpPacket::parse(&bytes),
            Err(RtpError::Truncated { what: "the header extension header", offset: 12, .. })
        ));
    }

    #[test]
    fn bad_version() {
        let bytes = header(0x40);
        assert_eq!(RtpPacket::parse(&bytes), Err(RtpError::BadVersion { version: 1 }));
    }

    #[test]
    fn padding_rules() {
        let mut bytes = header(0xa0);
        bytes.extend_from_slice(&[9, 9, 0, 3]);
        let p = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(p.payload(), &[9]);
        assert_eq!(p.padding_len(), 3);
        let mut long = header(0xa0);
        long.extend_from_slice(&[9, 9, 0, 5]);
        assert_eq!(
            RtpPacket::parse(&long),
            Err(RtpError::PaddingTooLong { padding: 5, offset: 15, available: 4 })
        );
        let mut zero = header(0xa0);
        zero.extend_from_slice(&[0]);
        assert_eq!(RtpPacket::parse(&zero), Err(RtpError::ZeroPadding { offset: 12 }));
    }

    #[test]
    fn extension_past_end() {
        let mut bytes = header(0x90);
        bytes.extend_from_slice(&[0xbe, 0xde, 0, 2, 0x10, 0xaa, 0, 0]);
        assert_eq!(
            RtpPacket::parse(&bytes),
            Err(RtpError::ExtensionPastEnd { offset: 12, words: 2, len: 20 })
        );
    }

    #[test]
    fn one_byte_elements_with_padding_and_stop() {
        let mut bytes = header(0x90);
        bytes.extend_from_slice(&[0xbe, 0xde, 0, 2, 0x10, 0xaa, 0, 0x22, 1, 2, 3, 0]);
        let p = RtpPacket::parse(&bytes).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
        let elements: Vec<_> = ext.elements().map(Result::unwrap).collect();
        assert_eq!(
            elements,
            vec![
                ExtensionElement { id: 1, data: &[0xaa] },
                ExtensionElement { id: 2, data: &[1, 2, 3] }
            ]
        );
        let stop = HeaderExtension { profile: ONE_BYTE_PROFILE, data: &[0xf0, 0x10, 0xaa, 0] };
        assert_eq!(stop.elements().count(), 0);
        let bad = HeaderExtension { profile: ONE_BYTE_PROFILE, data: &[0x13, 1, 2, 0] };
        let got: Vec<_> = bad.elements().collect();
        assert_eq!(got, vec![Err(RtpError::ElementPastEnd { id: 1, offset: 0 })]);
    }

    #[test]
    fn two_byte_elements() {
        let ext = HeaderExtension { profile: 0x1003, data: &[5, 0, 7, 2, 1, 2, 0, 0] };
        assert_eq!(ext.form(), Some(ExtensionForm::TwoByte));
        let elements: Vec<_> = ext.elements().map(Result::unwrap).collect();
        assert_eq!(
            elements,
            vec![ExtensionElement { id: 5, data: &[] }, ExtensionElement { id: 7, data: &[1, 2] }]
        );
        let bad = HeaderExtension { profile: 0x1000, data: &[5, 9, 0, 0] };
        assert_eq!(bad.elements().next(), Some(Err(RtpError::ElementPastEnd { id: 5, offset: 0 })));
        let other = HeaderExtension { profile: 0x1234, data: &[1, 2, 3, 4] };
        assert_eq!(other.elements().count(), 0);
    }

    #[test]
    fn builder_errors() {
        let mut small = [0u8; 11];
        assert_eq!(
            RtpBuilder::new(0, 0, 0, 0).write(&mut small),
            Err(RtpError::BufferTooSmall { needed: 12, len: 11 })
        );
        assert!(RtpBuilder::new(128, 0, 0, 0).to_vec().is_err());
        assert!(RtpBuilder::new(0, 0, 0, 0).csrcs(&[0; 16]).to_vec().is_err());
        assert!(RtpBuilder::new(0, 0, 0, 0).extension(1, &[1, 2, 3]).to_vec().is_err());
        let mut out = Vec::new();
        assert!(
            encode_extension_elements(&[ExtensionElement { id: 0, data: &[1] }], &mut out).is_err()
        );
    }

    proptest! {
        #[test]
        fn round_trip(
            marker: bool,
            pt in 0u8..128,
            seq: u16,
            ts: u32,
            ssrc: u32,
            csrcs in proptest::collection::vec(any::<u32>(), 0..16),
            elements in proptest::collection::vec((1u8..=255, proptest::collection::vec(any::<u8>(), 0..20)), 0..4),
            with_ext: bool,
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            padding in 0u8..8,
        ) {
            let elements: Vec<ExtensionElement<'_>> =
                elements.iter().map(|(id, d)| ExtensionElement { id: *id, data: d }).collect();
            let mut ext = Vec::new();
            let profile = encode_extension_elements(&elements, &mut ext).unwrap();
            let mut b = RtpBuilder::new(pt, seq, ts, ssrc)
                .marker(marker).csrcs(&csrcs).payload(&payload).padding(padding);
            if with_ext {
                b = b.extension(profile, &ext);
            }
            let bytes = b.to_vec().unwrap();
            prop_assert_eq!(bytes.len(), b.len());
            let p = RtpPacket::parse(&bytes).unwrap();
            prop_assert_eq!(p.marker(), marker);
            prop_assert_eq!(p.payload_type(), pt);
            prop_assert_eq!(p.sequence_number(), seq);
            prop_assert_eq!(p.timestamp(), ts);
            prop_assert_eq!(p.ssrc(), ssrc);
            prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
            prop_assert_eq!(p.payload(), &payload[..]);
            prop_assert_eq!(p.padding_len(), usize::from(padding));
            if with_ext {
                let got: Vec<_> = p.extension().unwrap().elements().map(Result::unwrap).collect();
                prop_assert_eq!(got, elements);
            }
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(p) = RtpPacket::parse(&bytes) {
                let _ = p.payload();
                let _ = p.csrcs().count();
                if let Some(ext) = p.extension() {
                    let _ = ext.elements().count();
                }
            }
        }
    }
}
