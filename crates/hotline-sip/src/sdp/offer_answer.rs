//! The offer/answer model (RFC 3264) for a call center's audio: PCMU, PCMA and
//! telephone-event (RFC 4733).
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use hotline_sip::sdp::offer_answer::{answer, offer, AudioCodec, AudioConfig};
//!
//! let agent = AudioConfig::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)), 40000);
//! let mut caller = AudioConfig::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 20)), 50000);
//! caller.codecs = vec![AudioCodec::Pcma, AudioCodec::Pcmu];
//! let sdp_offer = offer(&caller).unwrap();
//! let result = answer(&sdp_offer, &agent).unwrap();
//! assert_eq!(result.codec, AudioCodec::Pcma); // the offerer's preference wins
//! assert_eq!(result.telephone_event, Some(101));
//! assert_eq!(result.remote.unwrap().port(), 50000);
//! ```

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::{Attribute, Connection, Direction, MediaDescription, Origin, SessionDescription};

/// The audio codecs the helper negotiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AudioCodec {
    /// G.711 mu-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
}

impl AudioCodec {
    /// The static RTP payload type.
    pub fn payload_type(self) -> u8 {
        match self {
            AudioCodec::Pcmu => 0,
            AudioCodec::Pcma => 8,
        }
    }

    /// The encoding name in `a=rtpmap`.
    pub fn encoding(self) -> &'static str {
        match self {
            AudioCodec::Pcmu => "PCMU",
            AudioCodec::Pcma => "PCMA",
        }
    }
}

/// One side's audio settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AudioConfig {
    /// The address to receive RTP on.
    pub address: IpAddr,
    /// The RTP port.
    pub port: u16,
    /// Supported codecs, most preferred first.
    pub codecs: Vec<AudioCodec>,
    /// The payload type to offer telephone-event with; `None` disables RFC 4733 events.
    pub telephone_event: Option<u8>,
    /// Packetization time to ask for, in ms.
    pub ptime: Option<u32>,
    /// The direction this side wants.
    pub direction: Direction,
    /// `o=` user name.
    pub username: String,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version.
    pub session_version: u64,
}

impl AudioConfig {
    /// PCMU then PCMA, telephone-event on payload type 101, 20 ms, sendrecv.
    pub fn new(address: IpAddr, port: u16) -> Self {
        AudioConfig {
            address,
            port,
            codecs: vec![AudioCodec::Pcmu, AudioCodec::Pcma],
            telephone_event: Some(101),
            ptime: Some(20),
            direction: Direction::SendRecv,
            username: "-".to_owned(),
            session_id: 1,
            session_version: 1,
        }
    }

    fn origin(&self) -> Origin {
        Origin {
            username: self.username.clone(),
            session_id: self.session_id.to_string(),
            session_version: self.session_version.to_string(),
            net_type: "IN".to_owned(),
            addr_type: addr_type(self.address).to_owned(),
            address: self.address.to_string(),
        }
    }

    fn connection(&self) -> Connection {
        Connection {
            net_type: "IN".to_owned(),
            addr_type: addr_type(self.address).to_owned(),
            address: self.address.to_string(),
        }
    }
}

fn addr_type(a: IpAddr) -> &'static str {
    if a.is_ipv4() { "IP4" } else { "IP6" }
}

/// Why no audio could be negotiated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// The offer has no active `audio` section with an RTP/AVP profile.
    #[error("the offer has no active RTP audio stream")]
    NoAudio,
    /// No offered payload type is a supported codec.
    #[error("no common audio codec (this side supports {supported})")]
    NoCommonCodec {
        /// The supported codecs, for the message.
        supported: String,
    },
    /// The answer does not match the offer (RFC 3264 §6).
    #[error("the answer does not match the offer: {0}")]
    BadAnswer(&'static str),
    /// The telephone-event payload type is the payload type of an offered codec.
    #[error("telephone-event payload type {payload_type} is {codec:?}'s payload type")]
    PayloadTypeClash {
        /// The configured telephone-event payload type.
        payload_type: u8,
        /// The codec that uses it.
        codec: AudioCodec,
    },
    /// The telephone-event payload type is above 127.
    #[error("payload type {0} is above 127")]
    InvalidPayloadType(u8),
}

/// The outcome of a negotiation, from one side's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Negotiated {
    /// The session description this side sends (the answer, for [`answer`]).
    pub sdp: SessionDescription,
    /// The audio codec both sides use.
    pub codec: AudioCodec,
    /// The telephone-event payload type, when both sides support it.
    pub telephone_event: Option<u8>,
    /// Where to send RTP.
    pub remote: Option<SocketAddr>,
    /// This side's direction.
    pub direction: Direction,
    /// Index of the negotiated `m=` section.
    pub media_index: usize,
}

fn audio_media(
    cfg: &AudioConfig,
    codecs: &[AudioCodec],
    te: Option<u8>,
    direction: Direction,
) -> MediaDescription {
    let mut formats: Vec<String> = codecs.iter().map(|c| c.payload_type().to_string()).collect();
    if let Some(pt) = te {
        formats.push(pt.to_string());
    }
    let refs: Vec<&str> = formats.iter().map(String::as_str).collect();
    let mut m = MediaDescription::new("audio", cfg.port, "RTP/AVP", &refs);
    for c in codecs {
        m.attributes.push(Attribute::value(
            "rtpmap",
            &format!("{} {}/8000", c.payload_type(), c.encoding()),
        ));
    }
    if let Some(pt) = te {
        m.attributes.push(Attribute::value("rtpmap", &format!("{pt} telephone-event/8000")));
        m.attributes.push(Attribute::value("fmtp", &format!("{pt} 0-16")));
    }
    if let Some(p) = cfg.ptime {
        m.attributes.push(Attribute::value("ptime", &p.to_string()));
    }
    m.attributes.push(Attribute::flag(direction.as_str()));
    m
}

/// Builds an offer with one audio section.
///
/// # Errors
///
/// [`NegotiationError::PayloadTypeClash`] when the telephone-event payload type is one a codec
/// uses (`Some(0)` would offer `0 8 0`), and [`NegotiationError::InvalidPayloadType`] when it is
/// above 127 (RTP payload types have 7 bits).
pub fn offer(cfg: &AudioConfig) -> Result<SessionDescription, NegotiationError> {
    if let Some(pt) = cfg.telephone_event {
        if pt > 127 {
            return Err(NegotiationError::InvalidPayloadType(pt));
        }
        if let Some(codec) = cfg.codecs.iter().find(|c| c.payload_type() == pt) {
            return Err(NegotiationError::PayloadTypeClash { payload_type: pt, codec: *codec });
        }
    }
    let mut sdp = SessionDescription::new(cfg.origin());
    sdp.connection = Some(cfg.connection());
    sdp.media.push(audio_media(cfg, &cfg.codecs, cfg.telephone_event, cfg.direction));
    Ok(sdp)
}

fn codec_of(m: &MediaDescription, pt: u8) -> Option<AudioCodec> {
    let map = m.rtpmap(pt)?;
    if map.clock_rate != 8000 {
        return None;
    }
    if map.encoding.eq_ignore_ascii_case("PCMU") {
        Some(AudioCodec::Pcmu)
    } else if map.encoding.eq_ignore_ascii_case("PCMA") {
        Some(AudioCodec::Pcma)
    } else {
        None
    }
}

fn telephone_event_of(m: &MediaDescription) -> Option<u8> {
    m.payload_types().find(|&pt| {
        m.rtpmap(pt).is_some_and(|r| {
            r.encoding.eq_ignore_ascii_case("telephone-event") && r.clock_rate == 8000
        })
    })
}

fn remote(sdp: &SessionDescription, m: &MediaDescription) -> Option<SocketAddr> {
    let c = sdp.connection_for(m)?;
    let host = c.address.split('/').next()?;
    Some(SocketAddr::new(host.parse().ok()?, m.port))
}

fn combine(mine: Direction, theirs: Direction) -> Direction {
    let send = matches!(mine, Direction::SendRecv | Direction::SendOnly)
        && matches!(theirs, Direction::SendRecv | Direction::RecvOnly);
    let recv = matches!(mine, Direction::SendRecv | Direction::RecvOnly)
        && matches!(theirs, Direction::SendRecv | Direction::SendOnly);
    match (send, recv) {
        (true, true) => Direction::SendRecv,
        (true, false) => Direction::SendOnly,
        (false, true) => Direction::RecvOnly,
        (false, false) => Direction::Inactive,
    }
}

/// Answers `offer`: accepts the first active RTP/AVP audio section, choosing the first offered
/// codec this side supports (the offerer's preference) and telephone-event when both support
/// it; every other section is rejected with port 0, as RFC 3264 §6 requires.
///
/// # Errors
///
/// [`NegotiationError::NoAudio`] or [`NegotiationError::NoCommonCodec`].
pub fn answer(
    offer: &SessionDescription,
    cfg: &AudioConfig,
) -> Result<Negotiated, NegotiationError> {
    let mut sdp = SessionDescription::new(cfg.origin());
    sdp.connection = Some(cfg.connection());
    let mut chosen = None;
    let mut saw_audio = false;
    for (i, m) in offer.media.iter().enumerate() {
        let usable = chosen.is_none()
            && m.media == "audio"
            && m.port != 0
            && m.proto.eq_ignore_ascii_case("RTP/AVP");
        if usable {
            saw_audio = true;
            let codec =
                m.payload_types().filter_map(|pt| codec_of(m, pt)).find(|c| cfg.codecs.contains(c));
            if let Some(codec) = codec {
                let te = telephone_event_of(m).filter(|_| cfg.telephone_event.is_some());
                let direction = combine(cfg.direction, offer.direction(m));
                let mut media = audio_media(cfg, &[codec], te, direction);
                if let Some(p) = m.ptime() {
                    media.attributes.retain(|a| a.name != "ptime");
                    media.attributes.insert(
                        media.attributes.len() - 1,
                        Attribute::value("ptime", &p.to_string()),
                    );
                }
                sdp.media.push(media);
                chosen = Some((i, codec, te, remote(offer, m), direction));
                continue;
            }
        }
        let formats: Vec<&str> = m.formats.iter().map(String::as_str).collect();
        sdp.media.push(MediaDescription::new(&m.media, 0, &m.proto, &formats));
    }
    match chosen {
        Some((media_index, codec, telephone_event, remote, direction)) => {
            Ok(Negotiated { sdp, codec, telephone_event, remote, direction, media_index })
        }
        None if saw_audio => Err(NegotiationError::NoCommonCodec {
            supported: cfg.codecs.iter().map(|c| c.encoding()).collect::<Vec<_>>().join(", "),
        }),
        None => Err(NegotiationError::NoAudio),
    }
}

/// The offerer's view of an `answer` to its `offer` made with `cfg`.
///
/// # Errors
///
/// [`NegotiationError::BadAnswer`] when the sections do not line up, or the errors of
/// [`answer`] when no audio was accepted.
pub fn accept_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
    cfg: &AudioConfig,
) -> Result<Negotiated, NegotiationError> {
    if offer.media.len() != answer.media.len() {
        return Err(NegotiationError::BadAnswer("the number of m= sections differs"));
    }
    for (i, (o, a)) in offer.media.iter().zip(&answer.media).enumerate() {
        if o.media != a.media {
            return Err(NegotiationError::BadAnswer("m= sections are not in the offer's order"));
        }
        if a.media != "audio" || a.port == 0 {
            continue;
        }
        let codec = a
            .payload_types()
            .filter_map(|pt| codec_of(a, pt))
            .find(|c| cfg.codecs.contains(c))
            .ok_or(NegotiationError::BadAnswer("the answer chose a codec that was not offered"))?;
        let te = telephone_event_of(a).filter(|_| cfg.telephone_event.is_some());
        return Ok(Negotiated {
            sdp: offer.clone(),
            codec,
            telephone_event: te,
            remote: remote(answer, a),
            direction: combine(cfg.direction, answer.direction(a)),
            media_index: i,
        });
    }
    Err(NegotiationError::NoAudio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn cfg(port: u16) -> AudioConfig {
        AudioConfig::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), port)
    }

    #[test]
    fn round_trip_offer_answer() {
        let a = cfg(4000);
        let b = cfg(5000);
        let o = offer(&a).unwrap();
        let text = o.to_string();
        let parsed = SessionDescription::parse(&text).unwrap();
        assert_eq!(parsed, o);
        let ans = answer(&parsed, &b).unwrap();
        assert_eq!(ans.codec, AudioCodec::Pcmu);
        assert_eq!(ans.telephone_event, Some(101));
        assert_eq!(ans.sdp.media[0].fmtp(101), Some("0-16"));
        let back = accept_answer(&o, &SessionDescription::parse(&ans.sdp.to_string()).unwrap(), &a)
            .unwrap();
        assert_eq!(back.codec, AudioCodec::Pcmu);
        assert_eq!(back.remote, Some("192.0.2.1:5000".parse().unwrap()));
        assert_eq!(back.direction, Direction::SendRecv);
    }

    #[test]
    fn rejects_video_and_follows_offer_order_and_direction() {
        let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
m=video 5002 RTP/AVP 31\r\nm=audio 5000 RTP/AVP 18 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\na=sendonly\r\na=ptime:30\r\n";
        let o = SessionDescription::parse(text).unwrap();
        let ans = answer(&o, &cfg(6000)).unwrap();
        assert_eq!(ans.codec, AudioCodec::Pcma);
        assert_eq!(ans.telephone_event, Some(96));
        assert_eq!(ans.media_index, 1);
        assert_eq!(ans.sdp.media[0].port, 0);
        assert_eq!(ans.direction, Direction::RecvOnly);
        assert_eq!(ans.sdp.media[1].ptime(), Some(30));
        assert_eq!(ans.sdp.direction(&ans.sdp.media[1]), Direction::RecvOnly);
    }

    #[test]
    fn failures() {
        let o = SessionDescription::parse(
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18\r\n",
        )
        .unwrap();
        assert!(matches!(answer(&o, &cfg(1)), Err(NegotiationError::NoCommonCodec { .. })));
        let o = SessionDescription::parse(
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=video 5000 RTP/AVP 31\r\n",
        )
        .unwrap();
        assert_eq!(answer(&o, &cfg(1)).unwrap_err(), NegotiationError::NoAudio);
    }

    #[test]
    fn a_telephone_event_payload_type_that_clashes_is_refused() {
        let mut a = AudioConfig::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 4000);
        a.telephone_event = Some(0);
        assert_eq!(
            offer(&a).unwrap_err(),
            NegotiationError::PayloadTypeClash { payload_type: 0, codec: AudioCodec::Pcmu }
        );
        a.telephone_event = Some(8);
        assert!(matches!(offer(&a), Err(NegotiationError::PayloadTypeClash { .. })));
        a.telephone_event = Some(200);
        assert_eq!(offer(&a).unwrap_err(), NegotiationError::InvalidPayloadType(200));
        a.telephone_event = Some(96);
        assert!(offer(&a).is_ok());
    }
}
