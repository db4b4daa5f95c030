//! SDP session descriptions (RFC 8866): parse, write, and the attributes a call center uses
//! (`rtpmap`, `fmtp`, `ptime`, `maxptime`, direction); [`offer_answer`] negotiates audio.
//!
//! ```
//! use hotline_sip::sdp::{Direction, SessionDescription};
//! let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
//! m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendonly\r\n";
//! let sdp = SessionDescription::parse(text)?;
//! let audio = &sdp.media[0];
//! assert_eq!(audio.port, 49170);
//! assert_eq!(audio.rtpmap(101).unwrap().encoding, "telephone-event");
//! assert_eq!(audio.rtpmap(0).unwrap().encoding, "PCMU"); // static payload type
//! assert_eq!(audio.fmtp(101), Some("0-16"));
//! assert_eq!(audio.ptime(), Some(20));
//! assert_eq!(sdp.direction(audio), Direction::SendOnly);
//! assert_eq!(sdp.to_string(), text);
//! # Ok::<(), hotline_sip::ParseError>(())
//! ```

pub mod offer_answer;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, ParseError};

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionDescription {
    /// `v=`: always 0.
    pub version: u32,
    /// `o=`
    pub origin: Origin,
    /// `s=` (may be empty when a peer sent `s=`; RFC 8866 asks for `s=-` or `s= `).
    pub name: String,
    /// `i=`
    pub info: Option<String>,
    /// `u=`
    pub uri: Option<String>,
    /// `e=` lines.
    pub emails: Vec<String>,
    /// `p=` lines.
    pub phones: Vec<String>,
    /// `c=` at session level.
    pub connection: Option<Connection>,
    /// `b=` lines at session level.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines, each with its `r=` lines.
    pub times: Vec<Timing>,
    /// `z=`
    pub zone: Option<String>,
    /// `k=`
    pub key: Option<String>,
    /// `a=` lines at session level.
    pub attributes: Vec<Attribute>,
    /// `m=` sections.
    pub media: Vec<MediaDescription>,
}

/// The `o=` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// User name (`-` when none).
    pub username: String,
    /// Session id (digits).
    pub session_id: String,
    /// Session version (digits), incremented on each change.
    pub session_version: String,
    /// Network type (`IN`).
    pub net_type: String,
    /// Address type (`IP4`, `IP6`).
    pub addr_type: String,
    /// Unicast address or host name.
    pub address: String,
}

/// A `c=` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// Network type (`IN`).
    pub net_type: String,
    /// Address type (`IP4`, `IP6`).
    pub addr_type: String,
    /// Connection address (with `/ttl` or `/count` suffixes as written).
    pub address: String,
}

/// A `b=` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bandwidth {
    /// `CT`, `AS`, `TIAS`, ...
    pub kind: String,
    /// Kilobits per second (bits per second for TIAS).
    pub value: u64,
}

/// A `t=` line and its `r=` lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Start time (NTP seconds; 0 for unbounded).
    pub start: u64,
    /// Stop time (NTP seconds; 0 for unbounded).
    pub stop: u64,
    /// `r=` lines as written.
    pub repeats: Vec<String>,
}

/// An `a=` line: `name` or `name:value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// The value after `:`, if any.
    pub value: Option<String>,
}

impl Attribute {
    /// A property attribute (`a=name`).
    pub fn flag(name: &str) -> Self {
        Attribute { name: name.to_owned(), value: None }
    }

    /// A value attribute (`a=name:value`).
    pub fn value(name: &str, value: &str) -> Self {
        Attribute { name: name.to_owned(), value: Some(value.to_owned()) }
    }
}

/// An `m=` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaDescription {
    /// `audio`, `video`, `application`, ...
    pub media: String,
    /// Transport port (0 rejects or disables the stream).
    pub port: u16,
    /// The `/number` of ports, if given.
    pub port_count: Option<u16>,
    /// `RTP/AVP`, `RTP/SAVP`, `udp`, ...
    pub proto: String,
    /// Formats (RTP payload types for RTP profiles).
    pub formats: Vec<String>,
    /// `i=`
    pub info: Option<String>,
    /// `c=` lines.
    pub connections: Vec<Connection>,
    /// `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=`
    pub key: Option<String>,
    /// `a=` lines.
    pub attributes: Vec<Attribute>,
}

/// An `a=rtpmap` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpMap<'a> {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name (`PCMU`, `telephone-event`).
    pub encoding: &'a str,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Channels, if given.
    pub channels: Option<u8>,
}

/// Media direction (RFC 8866 §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// `sendrecv` (the default)
    SendRecv,
    /// `sendonly`
    SendOnly,
    /// `recvonly`
    RecvOnly,
    /// `inactive`
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction the other side must answer with (RFC 3264 §6.1).
    pub fn reversed(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    fn from_attributes(attributes: &[Attribute]) -> Option<Direction> {
        attributes.iter().find_map(|a| match a.name.as_str() {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        })
    }
}

/// The static audio payload types of RFC 3551 that the helpers know.
fn static_rtpmap(pt: u8) -> Option<RtpMap<'static>> {
    let (encoding, clock_rate) = match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        18 => ("G729", 8000),
        _ => return None,
    };
    Some(RtpMap { payload_type: pt, encoding, clock_rate, channels: Some(1) })
}

impl MediaDescription {
    /// A media section with no attributes.
    pub fn new(media: &str, port: u16, proto: &str, formats: &[&str]) -> Self {
        MediaDescription {
            media: media.to_owned(),
            port,
            port_count: None,
            proto: proto.to_owned(),
            formats: formats.iter().map(|f| (*f).to_owned()).collect(),
            info: None,
            connections: Vec::new(),
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        }
    }

    /// The values of every attribute named `name`.
    pub fn attribute_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> {
        self.attributes.iter().filter(move |a| a.name == name).filter_map(|a| a.value.as_deref())
    }

    /// The `rtpmap` of payload type `pt`, falling back to the RFC 3551 static assignments.
    pub fn rtpmap(&self, pt: u8) -> Option<RtpMap<'_>> {
        self.rtpmaps().find(|m| m.payload_type == pt).or_else(|| static_rtpmap(pt))
    }

    /// Every well-formed `a=rtpmap` of this section.
    pub fn rtpmaps(&self) -> impl Iterator<Item = RtpMap<'_>> {
        self.attribute_values("rtpmap").filter_map(|v| {
            let (pt, rest) = v.split_once(' ')?;
            let mut parts = rest.trim().split('/');
            let encoding = parts.next()?;
            let clock_rate = parts.next()?.parse().ok()?;
            let channels = match parts.next() {
                Some(c) => Some(c.parse().ok()?),
                None => None,
            };
            Some(RtpMap { payload_type: pt.parse().ok()?, encoding, clock_rate, channels })
        })
    }

    /// The `fmtp` parameters of payload type `pt`.
    pub fn fmtp(&self, pt: u8) -> Option<&str> {
        self.attribute_values("fmtp").find_map(|v| {
            let (p, params) = v.split_once(' ')?;
            (p.parse::<u8>().ok()? == pt).then_some(params.trim())
        })
    }

    /// `a=ptime` in milliseconds.
    pub fn ptime(&self) -> Option<u32> {
        self.attribute_values("ptime").next()?.trim().parse().ok()
    }

    /// `a=maxptime` in milliseconds.
    pub fn maxptime(&self) -> Option<u32> {
        self.attribute_values("maxptime").next()?.trim().parse().ok()
    }

    /// The payload types, for an RTP profile.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| f.parse().ok())
    }
}

impl SessionDescription {
    /// A minimal session: `v=0`, the origin, `s=-`, `t=0 0`.
    pub fn new(origin: Origin) -> Self {
        SessionDescription {
            version: 0,
            origin,
            name: "-".to_owned(),
            info: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            times: vec![Timing { start: 0, stop: 0, repeats: Vec::new() }],
            zone: None,
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }

    /// The direction of `media`: its own attribute, else the session's, else `sendrecv`.
    pub fn direction(&self, media: &MediaDescription) -> Direction {
        Direction::from_attributes(&media.attributes)
            .or_else(|| Direction::from_attributes(&self.attributes))
            .unwrap_or(Direction::SendRecv)
    }

    /// The connection that applies to `media`: its first `c=`, else the session's.
    pub fn connection_for<'s>(&'s self, media: &'s MediaDescription) -> Option<&'s Connection> {
        media.connections.first().or(self.connection.as_ref())
    }

    /// Parses a session description. Lines end with CRLF or LF; the line types must come in the
    /// order RFC 8866 §5 gives, and an unknown type letter is an error.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] ([`ErrorKind::Sdp`]) positioned at the offending line.
    pub fn parse(text: &str) -> Result<SessionDescription, ParseError> {
        let b = text.as_bytes();
        let mut origin_seen = false;
        let mut name = None;
        // Order ranks of session-level lines (RFC 8866 §5).
        let rank = |t: u8| match t {
            b'v' => 0,
            b'o' => 1,
            b's' => 2,
            b'i' => 3,
            b'u' => 4,
            b'e' => 5,
            b'p' => 6,
            b'c' => 7,
            b'b' => 8,
            b't' | b'r' => 9,
            b'z' => 10,
            b'k' => 11,
            b'a' => 12,
            b'm' => 13,
            _ => 99,
        };
        let mut last_rank = -1;
        let mut pos = 0;
        let mut line_no = 0;
        let mut draft = SessionDescription::new(Origin {
            username: String::new(),
            session_id: String::new(),
            session_version: String::new(),
            net_type: String::new(),
            addr_type: String::new(),
            address: String::new(),
        });
        draft.times.clear();
        draft.name.clear();
        while pos < b.len() {
            let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let mut line = &text[pos..end];
            line = line.strip_suffix('\r').unwrap_or(line);
            let at = pos;
            pos = end + 1;
            if line.is_empty() && pos >= b.len() {
                break;
            }
            let err = |what| ParseError::new(ErrorKind::Sdp(what), b, at);
            let lb = line.as_bytes();
            if lb.len() < 2 || lb[1] != b'=' || !lb[0].is_ascii_lowercase() {
                return Err(err("expected a line of the form `x=value`"));
            }
            let kind = lb[0];
            let value = &line[2..];
            if line_no == 0 && kind != b'v' {
                return Err(err("a session description starts with `v=`"));
            }
            line_no += 1;
            let in_media = !draft.media.is_empty();
            if in_media {
                if !matches!(kind, b'm' | b'i' | b'c' | b'b' | b'k' | b'a') {
                    return Err(err("this line type is not allowed in a media section"));
                }
            } else {
                let r = rank(kind);
                if r == 99 {
                    return Err(err("unknown line type"));
                }
                if r < last_rank
                    || (r == last_rank
                        && matches!(kind, b'v' | b'o' | b's' | b'i' | b'u' | b'c' | b'z' | b'k'))
                {
                    return Err(err("line out of order (RFC 8866 §5)"));
                }
                last_rank = r;
            }
            match kind {
                b'v' => {
                    if value != "0" {
                        return Err(err("unsupported version (v=0 only)"));
                    }
                }
                b'o' => {
                    let f: Vec<&str> = value.split(' ').collect();
                    if f.len() != 6 || f.iter().any(|x| x.is_empty()) {
                        return Err(err("o= needs six fields"));
                    }
                    if !f[1].bytes().all(|c| c.is_ascii_digit())
                        || !f[2].bytes().all(|c| c.is_ascii_digit())
                    {
                        return Err(err("o= session id and version must be numbers"));
                    }
                    draft.origin = Origin {
                        username: f[0].to_owned(),
                        session_id: f[1].to_owned(),
                        session_version: f[2].to_owned(),
                        net_type: f[3].to_owned(),
                        addr_type: f[4].to_owned(),
                        address: f[5].to_owned(),
                    };
                    origin_seen = true;
                }
                b's' => name = Some(value.to_owned()),
                b'i' => {
                    let slot = match draft.media.last_mut() {
                        Some(m) => &mut m.info,
                        None => &mut draft.info,
                    };
                    if slot.is_some() {
                        return Err(err("only one i= per section"));
                    }
                    *slot = Some(value.to_owned());
                }
                b'u' => draft.uri = Some(value.to_owned()),
                b'e' => draft.emails.push(value.to_owned()),
                b'p' => draft.phones.push(value.to_owned()),
                b'c' => {
                    let f: Vec<&str> = value.split(' ').collect();
                    if f.len() != 3 || f.iter().any(|x| x.is_empty()) {
                        return Err(err("c= needs three fields"));
                    }
                    let c = Connection {
                        net_type: f[0].to_owned(),
                        addr_type: f[1].to_owned(),
                        address: f[2].to_owned(),
                    };
                    match draft.media.last_mut() {
                        Some(m) => m.connections.push(c),
                        None => draft.connection = Some(c),
                    }
                }
                b'b' => {
                    let (k, v) =
                        value.split_once(':').ok_or_else(|| err("b= needs `type:value`"))?;
                    let bw = Bandwidth {
                        kind: k.to_owned(),
                        value: v.parse().map_err(|_| err("b= value must be a number"))?,
                    };
                    match draft.media.last_mut() {
                        Some(m) => m.bandwidths.push(bw),
                        None => draft.bandwidths.push(bw),
                    }
                }
                b't' => {
                    let (s, e) =
                        value.split_once(' ').ok_or_else(|| err("t= needs start and stop"))?;
                    draft.times.push(Timing {
                        start: s.parse().map_err(|_| err("t= start must be a number"))?,
                        stop: e.parse().map_err(|_| err("t= stop must be a number"))?,
                        repeats: Vec::new(),
                    });
                }
                b'r' => match draft.times.last_mut() {
                    Some(t) => t.repeats.push(value.to_owned()),
                    None => return Err(err("r= must follow t=")),
                },
                b'z' => draft.zone = Some(value.to_owned()),
                b'k' => match draft.media.last_mut() {
                    Some(m) => m.key = Some(value.to_owned()),
                    None => draft.key = Some(value.to_owned()),
                },
                b'a' => {
                    if value.is_empty() {
                        return Err(err("empty attribute"));
                    }
                    let a = match value.split_once(':') {
                        Some((n, v)) => Attribute { name: n.to_owned(), value: Some(v.to_owned()) },
                        None => Attribute { name: value.to_owned(), value: None },
                    };
                    match draft.media.last_mut() {
                        Some(m) => m.attributes.push(a),
                        None => draft.attributes.push(a),
                    }
                }
                b'm' => {
                    if draft.times.is_empty() || !origin_seen || name.is_none() {
                        return Err(err("m= before the required o=, s= and t= lines"));
                    }
                    let f: Vec<&str> = value.split(' ').collect();
                    if f.len() < 4 || f.iter().any(|x| x.is_empty()) {
                        return Err(err("m= needs media, port, protocol and at least one format"));
                    }
                    let (port, count) = match f[1].split_once('/') {
                        Some((p, c)) => {
                            (p, Some(c.parse().map_err(|_| err("invalid port count"))?))
                        }
                        None => (f[1], None),
                    };
                    let mut m = MediaDescription::new(
                        f[0],
                        port.parse().map_err(|_| err("invalid port"))?,
                        f[2],
                        &f[3..],
                    );
                    m.port_count = count;
                    draft.media.push(m);
                }
                _ => return Err(err("unknown line type")),
            }
        }
        if !origin_seen {
            return Err(ParseError::new(ErrorKind::Sdp("missing o= line"), b, b.len()));
        }
        let Some(name) = name else {
            return Err(ParseError::new(ErrorKind::Sdp("missing s= line"), b, b.len()));
        };
        if draft.times.is_empty() {
            return Err(ParseError::new(ErrorKind::Sdp("missing t= line"), b, b.len()));
        }
        draft.name = name;
        Ok(draft)
    }
}

impl fmt::Display for SessionDescription {
    /// Writes the description with CRLF line ends, in RFC 8866 order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        write!(f, "v={}\r\n", self.version)?;
        write!(
            f,
            "o={} {} {} {} {} {}\r\n",
            o.username, o.session_id, o.session_version, o.net_type, o.addr_type, o.address
        )?;
        write!(f, "s={}\r\n", self.name)?;
        if let Some(i) = &self.info {
            write!(f, "i={i}\r\n")?;
        }
        if let Some(u) = &self.uri {
            write!(f, "u={u}\r\n")?;
        }
        for e in &self.emails {
            write!(f, "e={e}\r\n")?;
        }
        for p in &self.phones {
            write!(f, "p={p}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={} {} {}\r\n", c.net_type, c.addr_type, c.address)?;
        }
        for b in &self.bandwidths {
            write!(f, "b={}:{}\r\n", b.kind, b.value)?;
        }
        for t in &self.times {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                write!(f, "r={r}\r\n")?;
            }
        }
        if let Some(z) = &self.zone {
            write!(f, "z={z}\r\n")?;
        }
        if let Some(k) = &self.key {
            write!(f, "k={k}\r\n")?;
        }
        write_attributes(f, &self.attributes)?;
        for m in &self.media {
            write!(f, "m={} {}", m.media, m.port)?;
            if let Some(n) = m.port_count {
                write!(f, "/{n}")?;
            }
            write!(f, " {}", m.proto)?;
            for fmt in &m.formats {
                write!(f, " {fmt}")?;
            }
            f.write_str("\r\n")?;
            if let Some(i) = &m.info {
                write!(f, "i={i}\r\n")?;
            }
            for c in &m.connections {
                write!(f, "c={} {} {}\r\n", c.net_type, c.addr_type, c.address)?;
            }
            for b in &m.bandwidths {
                write!(f, "b={}:{}\r\n", b.kind, b.value)?;
            }
            if let Some(k) = &m.key {
                write!(f, "k={k}\r\n")?;
            }
            write_attributes(f, &m.attributes)?;
        }
        Ok(())
    }
}

fn write_attributes(f: &mut fmt::Formatter<'_>, attributes: &[Attribute]) -> fmt::Result {
    for a in attributes {
        match &a.value {
            Some(v) => write!(f, "a={}:{v}\r\n", a.name)?,
            None => write!(f, "a={}\r\n", a.name)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "v=0\r\no=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\ns=SDP Seminar\r\n\
i=A Seminar on the session description protocol\r\nu=http://www.example.com/seminars/sdp.pdf\r\n\
e=j.doe@example.com (Jane Doe)\r\np=+1 617 555-6011\r\nc=IN IP4 224.2.17.12/127\r\nb=CT:128\r\n\
t=2873397496 2873404696\r\nr=7d 1h 0 25h\r\nz=2882844526 -1h 2898848070 0\r\nk=prompt\r\na=recvonly\r\n\
m=audio 49170 RTP/AVP 0\r\ni=voice\r\nc=IN IP4 224.2.17.12/127\r\nb=AS:64\r\nk=prompt\r\na=maxptime:40\r\n\
m=video 51372/2 RTP/AVP 99\r\na=rtpmap:99 h263-1998/90000\r\n";

    #[test]
    fn every_line_type_round_trips() {
        let sdp = SessionDescription::parse(FULL).unwrap();
        assert_eq!(sdp.media.len(), 2);
        assert_eq!(sdp.media[1].port_count, Some(2));
        assert_eq!(sdp.media[0].maxptime(), Some(40));
        assert_eq!(sdp.direction(&sdp.media[0]), Direction::RecvOnly);
        assert_eq!(sdp.times[0].repeats, ["7d 1h 0 25h"]);
        assert_eq!(sdp.to_string(), FULL);
    }

    #[test]
    fn lf_only_and_empty_name() {
        let sdp = SessionDescription::parse(
            "v=0\no=bob 1 2 IN IP4 h\ns=\nt=0 0\nm=audio 1 RTP/AVP 0\nc=IN IP6 2001:db8::1\n",
        )
        .unwrap();
        assert_eq!(sdp.name, "");
        assert_eq!(sdp.connection_for(&sdp.media[0]).unwrap().addr_type, "IP6");
    }

    #[test]
    fn rejections() {
        for bad in [
            "",
            "o=a 1 1 IN IP4 h\r\n",
            "v=1\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n",
            "v=0\r\ns=-\r\no=a 1 1 IN IP4 h\r\nt=0 0\r\n",
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\n",
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio x RTP/AVP 0\r\n",
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n",
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm =video 3227 RTP/AVP 31\r\n",
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nx=unknown\r\n",
        ] {
            assert!(SessionDescription::parse(bad).is_err(), "{bad:?}");
        }
        let e = SessionDescription::parse(
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio x RTP/AVP 0\r\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 5);
    }
}
