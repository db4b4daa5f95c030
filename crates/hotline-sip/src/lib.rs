//! Zero-copy SIP messages, URIs and SDP.
//!
//! * [`Message::parse`] splits a datagram into start line, header fields and body without
//!   allocating (up to 32 header fields are stored inline), classifying every header name
//!   case-insensitively with compact forms; [`frame`] does the same job for stream transports,
//!   httparse style ([`Status::Partial`] / [`Status::Complete`]), with CRLF keep-alives.
//! * Typed header values ([`header`]) are parsed on demand and borrow from the message:
//!   [`Message::via`], [`Message::from`], [`Message::cseq`], ... or any type through
//!   [`Message::parse_first`] / [`Message::parse_all`]. [`Message::check`] types every known
//!   header at once.
//! * [`uri`]: `sip`/`sips`, `tel` and opaque absolute URIs.
//! * [`validate`]: application-level faults with stable codes, separate from parsing.
//! * [`build`]: a message builder, responses from requests (RFC 3261 §8.2.6), and the canonical
//!   form used by `hotline sip fmt`.
//! * [`sdp`]: RFC 8866 session descriptions and an audio offer/answer helper.
//!
//! Parsing is strict by default; [`ParserConfig`] holds size [`Limits`] and named [`Leniency`]
//! switches for what RFC 4475 lets a lenient element accept. Errors ([`ParseError`]) carry the byte
//! offset, line and column of the fault.
//!
//! ```
//! use hotline_sip::{Message, Method};
//!
//! let bytes = b"INVITE sip:bob@example.com SIP/2.0\r\n\
//! Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds\r\n\
//! Max-Forwards: 70\r\n\
//! To: Bob <sip:bob@example.com>\r\n\
//! From: Alice <sip:alice@example.com>;tag=1928301774\r\n\
//! Call-ID: a84b4c76e66710@pc33.example.com\r\n\
//! CSeq: 314159 INVITE\r\n\
//! Content-Length: 0\r\n\r\n";
//! let msg = Message::parse(bytes)?;
//! assert_eq!(msg.method(), Some(Method::Invite));
//! assert_eq!(msg.top_via()?.branch(), Some("z9hG4bK776asdhds"));
//! assert_eq!(msg.from()?.tag(), Some("1928301774"));
//! assert_eq!(msg.cseq()?.seq, 314159);
//! # Ok::<(), hotline_sip::ParseError>(())
//! ```

pub mod auth;
pub mod build;
mod config;
pub mod dialog;
mod error;
mod grammar;
pub mod header;
mod message;
mod name;
mod params;
pub mod registrar;
pub mod sdp;
pub mod session_timer;
pub mod transaction;
pub mod uri;
pub mod validate;

pub use build::MessageBuilder;
pub use config::{Leniency, Limits, ParserConfig};
pub use error::{ErrorKind, ParseError};
pub use grammar::unquote;
pub use message::{Header, Headers, Message, Method, StartLine, Status, Values, frame};
pub use name::HeaderName;
pub use params::{Param, ParamIter, Params};
