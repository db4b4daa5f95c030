//! Zero-copy SIP messages, URIs and SDP.
//!
//! * [`Message::parse`] splits a datagram into start line, header fields and body without
//!   allocating (up to 32 header fields are stored inline), classifying every header name
//!   case-insensitively with compact forms; [`frame`] does the same job for stream transports,
//!   httparse style ([`Frame::Partial`] / [`Frame::Complete`]), with CRLF keep-alives.
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
//! Above the messages sit sans-IO state machines that own no socket, thread or clock:
//!
//! * [`transaction`]: the [`TransactionLayer`](transaction::TransactionLayer), every client and
//!   server transaction of an endpoint (RFC 3261 §17 with RFC 6026), timers A–M, retransmission,
//!   matching, CANCEL; and [`response_route`](transaction::response_route), where a response goes.
//! * [`dialog`]: UAC and UAS dialogs (route sets, CSeq, target refresh, the 2xx ACK) and the UAS
//!   core's 2xx retransmission ([`SuccessRetransmitter`](dialog::SuccessRetransmitter)).
//! * [`registrar`]: the [`Registrar`](registrar::Registrar), bindings from addresses of record to
//!   contacts with expiry and `q`, and the lookup of where to send a call.
//! * [`session_timer`]: RFC 4028 session timers; [`auth`]: digest authentication (RFC 7616).
//!
//! # Driving an engine
//!
//! Every engine of this crate ([`TransactionLayer`](transaction::TransactionLayer),
//! [`Registrar`](registrar::Registrar), and the small timers
//! [`SuccessRetransmitter`](dialog::SuccessRetransmitter) and
//! [`SessionTimer`](session_timer::SessionTimer)) is driven with one vocabulary, the one every
//! hotline engine follows, with [`std::time::Instant`] as its time type:
//!
//! | call | what it does |
//! |---|---|
//! | `handle_<input>(now, input) -> Result<_, Error>` | feeds one input: [`handle_datagram`](transaction::TransactionLayer::handle_datagram), [`handle_stream`](transaction::TransactionLayer::handle_stream), [`handle_transport_error`](transaction::TransactionLayer::handle_transport_error), [`handle_register`](registrar::Registrar::handle_register). An input that does not apply (a malformed message, an unknown transaction, a request that is not a REGISTER) is an error the host can log, never silently dropped. |
//! | `handle_timeout(now)` | fires every timer due at `now`; the host calls it at or after `poll_timeout()` (calling it early does nothing) |
//! | `poll_timeout() -> Option<Instant>` | when the engine next needs the clock; `None` when no timer runs |
//! | `poll_<output>() -> Option<Output>` | drained until `None` after every call above: [`poll_transmit`](transaction::TransactionLayer::poll_transmit) and [`poll_event`](transaction::TransactionLayer::poll_event) of the transaction layer, [`poll_event`](registrar::Registrar::poll_event) of the registrar |
//!
//! The transaction user's commands ([`send_request`](transaction::TransactionLayer::send_request),
//! [`respond`](transaction::TransactionLayer::respond),
//! [`cancel`](transaction::TransactionLayer::cancel)) are verbs that also return a `Result`;
//! what they send comes out of the same `poll_*` calls. One run loop drives any of them:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use hotline_sip::transaction::{Event, Remote, TimerConfig, TransactionLayer, Transport};
//!
//! let mut layer = TransactionLayer::new(TimerConfig::default());
//! let peer = Remote::new("127.0.0.1:5060".parse().unwrap(), Transport::Udp);
//! let start = Instant::now();
//! let options = b"OPTIONS sip:bob@example.com SIP/2.0\r\n\
//! Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-loop\r\nMax-Forwards: 70\r\n\
//! To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=a\r\n\
//! Call-ID: loop1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
//! layer.send_request(start, options.to_vec(), peer)?;
//! let (mut sent, mut timed_out) = (0, false);
//! // The host's loop: no datagram ever arrives, so only the clock drives the layer.
//! while let Some(deadline) = layer.poll_timeout() {
//!     while layer.poll_transmit().is_some() {
//!         sent += 1;
//!     }
//!     layer.handle_timeout(deadline); // a real host sleeps until `deadline` or a datagram
//!     while let Some(event) = layer.poll_event() {
//!         timed_out |= matches!(event, Event::Timeout { .. });
//!     }
//! }
//! assert!(timed_out);
//! assert_eq!(sent, 11); // the request and its timer E retransmissions until timer F (32 s)
//! # Ok::<(), hotline_sip::transaction::TransactionError>(())
//! ```
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

/// The README's examples, compiled and run as doctests so that they keep working as an external
/// crate would use them.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

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
pub use message::{Frame, Header, Headers, Message, Method, StartLine, Values, frame};
pub use name::HeaderName;
pub use params::{Param, ParamIter, Params};

/// Hooks for the fuzz targets, built only under `cfg(fuzzing)` (which cargo-fuzz sets): they
/// reach internals that have no place in the public API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Splits the head of `bytes` with both the fast and the checked path and panics if the fast
    /// path answers and the checked path disagrees on any field; returns whether the fast path
    /// answered.
    pub fn head_paths_agree(bytes: &[u8], cfg: &crate::ParserConfig) -> bool {
        crate::message::assert_paths_agree(bytes, cfg)
    }
}
