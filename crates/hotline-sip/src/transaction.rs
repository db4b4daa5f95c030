//! Sans-IO SIP transactions: RFC 3261 §17 with the RFC 6026 corrections.
//!
//! A [`TransactionLayer`] owns every client and server transaction of one endpoint. It owns no
//! socket and no clock: datagrams go in through [`TransactionLayer::handle_datagram`] (stream
//! bytes through [`TransactionLayer::handle_stream`], transport failures through
//! [`TransactionLayer::handle_transport_error`]) with the current time, requests and responses from the transaction user (TU) through
//! [`TransactionLayer::send_request`] and [`TransactionLayer::respond`]; what must go on the wire
//! comes out of [`TransactionLayer::poll_transmit`], what the TU must see out of
//! [`TransactionLayer::poll_event`], and the next deadline out of
//! [`TransactionLayer::poll_timeout`], at which the caller calls
//! [`TransactionLayer::handle_timeout`].
//!
//! * INVITE client (Calling, Proceeding, Completed, Accepted, Terminated) with timers A, B, D
//!   and M; the ACK for a 300–699 response is built and sent here, the ACK for a 2xx is left to
//!   the dialog layer (RFC 6026: 2xx retransmissions are passed up while the transaction is
//!   Accepted).
//! * Non-INVITE client (Trying, Proceeding, Completed) with timers E, F and K.
//! * INVITE server (Proceeding, Completed, Accepted, Confirmed) with timers G, H, I and L; a
//!   `100 Trying` is sent at once when [`TimerConfig::send_trying`] is set (the default); an ACK
//!   that arrives while Accepted is passed to the TU.
//! * Non-INVITE server (Trying, Proceeding, Completed) with timer J.
//!
//! Retransmission timers (A, E, G) run only over unreliable transports; over reliable ones the
//! wait timers D, I, J and K are zero (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
//!
//! Matching follows RFC 3261 §17.1.3 (client: top Via branch and CSeq method) and §17.2.3
//! (server: branch with the `z9hG4bK` magic cookie, sent-by and method, ACK matching INVITE), with
//! the RFC 2543 fallback (Request-URI, From tag, To tag, Call-ID, CSeq number and top Via) for
//! requests whose branch lacks the cookie. A CANCEL gets its own server transaction, and the event
//! names the INVITE server transaction it matches (§9.2). On the client side,
//! [`TransactionLayer::cancel`] holds a CANCEL asked for before any provisional response and sends
//! it when the first one arrives (§9.1).
//!
//! Responses of a server transaction go back to the address the request came from (the
//! behaviour RFC 3581 `rport` asks for, and what NAT traversal needs).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use hotline_sip::transaction::{Event, Remote, TimerConfig, TransactionLayer, Transport};
//!
//! let mut alice = TransactionLayer::new(TimerConfig::default());
//! let bob_addr = Remote::new("127.0.0.1:5060".parse().unwrap(), Transport::Udp);
//! let now = Instant::now();
//! let options = b"OPTIONS sip:bob@example.com SIP/2.0\r\n\
//! Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nMax-Forwards: 70\r\n\
//! To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=a\r\n\
//! Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
//! let id = alice.send_request(now, options.to_vec(), bob_addr).unwrap();
//! let first = alice.poll_transmit().unwrap();
//! assert_eq!(first.payload, options.to_vec());
//! // No answer: timer E retransmits after T1 = 500 ms.
//! assert_eq!(alice.poll_timeout(), Some(now + Duration::from_millis(500)));
//! alice.handle_timeout(now + Duration::from_millis(500));
//! assert!(alice.poll_transmit().is_some());
//! // Timer F gives up after 64*T1.
//! alice.handle_timeout(now + Duration::from_secs(32));
//! assert!(matches!(alice.poll_event(), Some(Event::Timeout { id: t }) if t == id));
//! ```

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::build::{BuildError, MessageBuilder, response_to, unfold};
use crate::{HeaderName, Message, Method, ParseError};

/// The RFC 3261 branch magic cookie: a branch that starts with it is globally unique.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// The transport a message travels over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Transport {
    /// UDP: unreliable, so the transaction layer retransmits.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// SCTP.
    Sctp,
    /// WebSocket (RFC 7118).
    Ws,
    /// Secure WebSocket.
    Wss,
}

impl Transport {
    /// Whether the transport delivers reliably (everything but UDP).
    pub fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// The name used in the Via header (`UDP`, `TCP`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }
}

/// The far end of a message: a socket address and the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Remote {
    /// The peer's address.
    pub addr: SocketAddr,
    /// The transport.
    pub transport: Transport,
}

impl Remote {
    /// A remote at `addr` over `transport`.
    pub fn new(addr: SocketAddr, transport: Transport) -> Self {
        Remote { addr, transport }
    }
}

/// Timer values (RFC 3261 Table 4). The defaults are the RFC's: T1 500 ms, T2 4 s, T4 5 s,
/// timer D 32 s.
///
/// Built from [`TimerConfig::new`] (the defaults) with the `with_*` methods, so that a field added
/// later is not a breaking change:
///
/// ```
/// use std::time::Duration;
/// use hotline_sip::transaction::TimerConfig;
///
/// let lan = TimerConfig::new().with_t1(Duration::from_millis(100)).with_send_trying(false);
/// assert_eq!(lan.t1, Duration::from_millis(100));
/// assert_eq!(lan.t2, Duration::from_secs(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TimerConfig {
    /// Round-trip time estimate; the first retransmission interval.
    pub t1: Duration,
    /// Largest retransmission interval for non-INVITE requests and INVITE responses.
    pub t2: Duration,
    /// Longest time a message stays in the network (timers I and K over UDP).
    pub t4: Duration,
    /// How long an INVITE client transaction absorbs response retransmissions over UDP
    /// (timer D, at least 32 s).
    pub timer_d: Duration,
    /// Whether an INVITE server transaction answers `100 Trying` at once (RFC 3261 §17.2.1).
    pub send_trying: bool,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            send_trying: true,
        }
    }
}

impl TimerConfig {
    /// The RFC 3261 defaults (the same as [`TimerConfig::default`]).
    pub fn new() -> Self {
        TimerConfig::default()
    }

    /// This configuration with another T1 (round-trip estimate; scales timers A, B, E, F, G, H,
    /// J, L and M).
    #[must_use]
    pub fn with_t1(mut self, t1: Duration) -> Self {
        self.t1 = t1;
        self
    }

    /// This configuration with another T2 (the longest retransmission interval).
    #[must_use]
    pub fn with_t2(mut self, t2: Duration) -> Self {
        self.t2 = t2;
        self
    }

    /// This configuration with another T4 (timers I and K over UDP).
    #[must_use]
    pub fn with_t4(mut self, t4: Duration) -> Self {
        self.t4 = t4;
        self
    }

    /// This configuration with another timer D.
    #[must_use]
    pub fn with_timer_d(mut self, timer_d: Duration) -> Self {
        self.timer_d = timer_d;
        self
    }

    /// This configuration with or without the automatic `100 Trying` for a new INVITE.
    #[must_use]
    pub fn with_send_trying(mut self, send_trying: bool) -> Self {
        self.send_trying = send_trying;
        self
    }
}

/// Identifies a transaction within one [`TransactionLayer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(u64);

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx{}", self.0)
    }
}

/// The four kinds of transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransactionKind {
    /// INVITE client transaction (§17.1.1).
    InviteClient,
    /// Non-INVITE client transaction (§17.1.2).
    NonInviteClient,
    /// INVITE server transaction (§17.2.1).
    InviteServer,
    /// Non-INVITE server transaction (§17.2.2).
    NonInviteServer,
}

impl TransactionKind {
    fn is_client(self) -> bool {
        matches!(self, TransactionKind::InviteClient | TransactionKind::NonInviteClient)
    }
}

/// Transaction states (RFC 3261 figures 5–8, with RFC 6026's Accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransactionState {
    /// INVITE client: request sent, no response yet.
    Calling,
    /// Non-INVITE client or server: no response yet.
    Trying,
    /// A provisional response was received or sent.
    Proceeding,
    /// A final 300–699 (INVITE) or any final (non-INVITE) response; absorbing retransmissions.
    Completed,
    /// INVITE: a 2xx was received or sent (RFC 6026).
    Accepted,
    /// INVITE server: the ACK for a 300–699 arrived.
    Confirmed,
}

/// A message to put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub remote: Remote,
    /// The bytes.
    pub payload: Vec<u8>,
}

/// What the transaction layer tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new request created server transaction `id` (retransmissions are absorbed). The TU answers
    /// with [`TransactionLayer::respond`].
    Request {
        /// The new server transaction.
        id: TransactionId,
        /// The request bytes.
        request: Vec<u8>,
        /// Where it came from (responses go back there).
        remote: Remote,
        /// For a CANCEL: the INVITE server transaction it matches, if any (§9.2).
        cancels: Option<TransactionId>,
    },
    /// A response for client transaction `id` (retransmissions of a final response are absorbed,
    /// except 2xx to an INVITE, which are passed up while Accepted so that the dialog can
    /// re-send its ACK).
    Response {
        /// The client transaction.
        id: TransactionId,
        /// The response bytes.
        response: Vec<u8>,
    },
    /// An ACK that belongs to no transaction the layer absorbs: the ACK for a 2xx (for the dialog
    /// layer), or one that matches nothing.
    ///
    /// The ACK for a 2xx is a transaction of its own (RFC 3261 §17.1.1.3): it carries a new
    /// branch, so it matches the INVITE server transaction by its branch only in the legacy
    /// RFC 2543 case. `invite` is therefore usually `None` for a standard 2xx ACK, and the TU
    /// finds its dialog by Call-ID and tags ([`crate::dialog::DialogId::of_request`]). It is
    /// `Some` when the ACK did match an INVITE server transaction that is Accepted (the same
    /// branch, as some peers send, or RFC 2543 matching), so the TU can stop retransmitting the
    /// 2xx of that transaction at once. An ACK for a 300–699 never shows up here: the layer
    /// absorbs it in the INVITE server transaction.
    Ack {
        /// The INVITE server transaction it matched while Accepted, if any; `None` for an ACK
        /// with a branch of its own, the usual 2xx ACK (see above).
        invite: Option<TransactionId>,
        /// The ACK bytes.
        request: Vec<u8>,
        /// Where it came from.
        remote: Remote,
    },
    /// A response that matches no client transaction (a 2xx retransmission after the INVITE
    /// transaction ended, or a response to someone else).
    StrayResponse {
        /// The response bytes.
        response: Vec<u8>,
        /// Where it came from.
        remote: Remote,
    },
    /// Timer B, F or H fired: the peer did not answer (client) or did not ACK (INVITE server).
    Timeout {
        /// The transaction, now terminated.
        id: TransactionId,
    },
    /// The transport reported a failure for the transaction (RFC 3261 §17.1.4, §17.2.4); it is
    /// terminated.
    TransportError {
        /// The transaction, now terminated.
        id: TransactionId,
    },
    /// The transaction ended and was forgotten.
    Terminated {
        /// The transaction.
        id: TransactionId,
    },
}

/// Errors of the transaction layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// The message does not parse, or a header the layer needs is malformed. The parse error is
    /// the [`source`](std::error::Error::source), not repeated in this error's text.
    #[error("malformed message")]
    Parse(#[from] ParseError),
    /// A message the layer builds (an ACK, a CANCEL, a `100 Trying`) cannot be written from the
    /// request's fields; the build error is the [`source`](std::error::Error::source).
    #[error("cannot build a message from the request")]
    Build(#[from] BuildError),
    /// A response given to [`TransactionLayer::respond`] belongs to another request: its top Via
    /// branch, Call-ID, CSeq or From tag differs from the request of the transaction.
    #[error("the response's {field} does not match the request of transaction {id}")]
    ResponseMismatch {
        /// The server transaction.
        id: TransactionId,
        /// The first field that differs: `Via branch`, `Call-ID`, `CSeq` or `From tag`.
        field: &'static str,
    },
    /// A request was expected.
    #[error("expected a request")]
    NotARequest,
    /// A response was expected.
    #[error("expected a response")]
    NotAResponse,
    /// A request the TU sends must carry a top Via with a `z9hG4bK` branch.
    #[error("the top Via has no branch starting with z9hG4bK")]
    MissingBranch,
    /// A header the layer needs is missing.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// ACK is sent with [`TransactionLayer::send_stateless`]: it has no transaction.
    #[error("an ACK has no client transaction; send it with send_stateless")]
    AckWithoutTransaction,
    /// A client transaction with the same branch and method exists already.
    #[error("a transaction with branch {0} and this method exists already")]
    DuplicateBranch(String),
    /// No such transaction (it may have terminated).
    #[error("no transaction {0}")]
    UnknownTransaction(TransactionId),
    /// The transaction cannot do this in its state or role.
    #[error("transaction {id} ({kind:?}) cannot do this in state {state:?}")]
    WrongState {
        /// The transaction.
        id: TransactionId,
        /// Its kind.
        kind: TransactionKind,
        /// Its state.
        state: TransactionState,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Client { branch: String, method: String },
    Server { branch: String, sent_by: String, method: String },
    Legacy(LegacyKey),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LegacyKey {
    request_uri: String,
    from_tag: String,
    to_tag: String,
    call_id: String,
    cseq: u32,
    via: String,
    method: String,
}

#[derive(Debug)]
struct Transaction {
    kind: TransactionKind,
    state: TransactionState,
    remote: Remote,
    key: Key,
    request: Vec<u8>,
    last_response: Option<Vec<u8>>,
    ack: Option<Vec<u8>>,
    /// Timer A, E or G.
    retransmit: Option<Instant>,
    interval: Duration,
    /// Timer B, F, H (a timeout) or L, M (Accepted ends).
    deadline: Option<Instant>,
    /// Timer D, I, J or K.
    linger: Option<Instant>,
    /// INVITE client: a CANCEL asked for before any provisional response, held until one
    /// arrives (RFC 3261 §9.1); the id its transaction will have.
    pending_cancel: Option<TransactionId>,
    /// The instant under which the transaction sits in the layer's timer queue, if any.
    queued: Option<Instant>,
}

impl Transaction {
    fn next_timer(&self) -> Option<Instant> {
        [self.retransmit, self.deadline, self.linger].into_iter().flatten().min()
    }
}

/// Every transaction of one SIP endpoint, as a sans-IO state machine. See the
/// [module documentation](self).
#[derive(Debug)]
pub struct TransactionLayer {
    config: TimerConfig,
    next_id: u64,
    transactions: HashMap<TransactionId, Transaction>,
    index: HashMap<Key, TransactionId>,
    /// Every live transaction with a timer, by its earliest timer: (instant, id). Kept exact on
    /// every change (see [`TransactionLayer::reschedule`]), so the first entry is the next
    /// deadline and the due transactions are a prefix.
    timers: BTreeSet<(Instant, TransactionId)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

fn method_key(m: Method<'_>) -> String {
    match m {
        Method::Ack => "INVITE".to_owned(),
        other => other.as_str().to_owned(),
    }
}

fn top_via_value<'a>(msg: &Message<'a>) -> Option<&'a str> {
    msg.values(HeaderName::Via).next()
}

fn client_key(msg: &Message<'_>) -> Result<Key, TransactionError> {
    let via = msg.top_via()?;
    let branch = via.branch().ok_or(TransactionError::MissingBranch)?;
    Ok(Key::Client { branch: branch.to_owned(), method: msg.cseq()?.method.as_str().to_owned() })
}

/// The server-side key of `msg` with `method` as the method to match.
fn server_key(
    msg: &Message<'_>,
    method: &str,
    to_tag: Option<&str>,
) -> Result<Key, TransactionError> {
    let via = msg.top_via()?;
    if via.has_rfc3261_branch() {
        let sent_by = match via.host() {
            crate::uri::Host::Domain(d) => d.to_ascii_lowercase(),
            crate::uri::Host::Ipv4(a) => a.to_string(),
            crate::uri::Host::Ipv6(a) => a.to_ascii_lowercase(),
        };
        let sent_by = format!("{sent_by}:{}", via.port().unwrap_or(0));
        return Ok(Key::Server {
            branch: via.branch().unwrap_or_default().to_owned(),
            sent_by,
            method: method.to_owned(),
        });
    }
    Ok(Key::Legacy(LegacyKey {
        request_uri: msg.request_uri_str().unwrap_or_default().to_owned(),
        from_tag: msg.from()?.tag().unwrap_or_default().to_owned(),
        to_tag: to_tag.unwrap_or_default().to_owned(),
        call_id: msg.call_id()?.as_str().to_owned(),
        cseq: msg.cseq()?.seq,
        via: top_via_value(msg).unwrap_or_default().to_owned(),
        method: method.to_owned(),
    }))
}

/// The first field in which `response` does not answer `request` (RFC 3261 §8.2.6.2: the top Via
/// branch, Call-ID, CSeq number and method, and From tag are copied), or `None`.
fn response_mismatch(
    request: &Message<'_>,
    response: &Message<'_>,
) -> Result<Option<&'static str>, TransactionError> {
    if request.top_via()?.branch() != response.top_via()?.branch() {
        return Ok(Some("Via branch"));
    }
    if request.call_id()?.as_str() != response.call_id()?.as_str() {
        return Ok(Some("Call-ID"));
    }
    let (req_cseq, resp_cseq) = (request.cseq()?, response.cseq()?);
    if req_cseq.seq != resp_cseq.seq || req_cseq.method != resp_cseq.method {
        return Ok(Some("CSeq"));
    }
    if request.from()?.tag() != response.from()?.tag() {
        return Ok(Some("From tag"));
    }
    Ok(None)
}

/// Builds the ACK for a 300–699 response (RFC 3261 §17.1.1.3).
fn build_ack(request: &Message<'_>, response: &Message<'_>) -> Result<Vec<u8>, TransactionError> {
    let uri = request.request_uri_str().ok_or(TransactionError::NotARequest)?;
    let mut b = MessageBuilder::request("ACK", uri);
    let via = top_via_value(request).ok_or(TransactionError::MissingHeader("Via"))?;
    b.push_header("Via", &unfold(via));
    for route in request.values(HeaderName::Route) {
        b.push_header("Route", &unfold(route));
    }
    b.push_header("Max-Forwards", "70");
    for (name, kind, msg) in [
        ("From", HeaderName::From, request),
        ("To", HeaderName::To, response),
        ("Call-ID", HeaderName::CallId, request),
    ] {
        let h = msg.header(kind).ok_or(TransactionError::MissingHeader(name))?;
        b.push_header(name, &unfold(h.value()));
    }
    b.push_header("CSeq", &format!("{} ACK", request.cseq()?.seq));
    b.push_header("Content-Length", "0");
    Ok(b.to_bytes()?)
}

/// Builds the CANCEL for an INVITE (RFC 3261 §9.1): Request-URI, top Via, Route, From, To,
/// Call-ID and CSeq number of the INVITE.
fn build_cancel(request: &Message<'_>) -> Result<Vec<u8>, TransactionError> {
    let uri = request.request_uri_str().ok_or(TransactionError::NotARequest)?;
    let mut b = MessageBuilder::request("CANCEL", uri);
    let via = top_via_value(request).ok_or(TransactionError::MissingHeader("Via"))?;
    b.push_header("Via", &unfold(via));
    for route in request.values(HeaderName::Route) {
        b.push_header("Route", &unfold(route));
    }
    b.push_header("Max-Forwards", "70");
    for (name, kind) in
        [("From", HeaderName::From), ("To", HeaderName::To), ("Call-ID", HeaderName::CallId)]
    {
        let h = request.header(kind).ok_or(TransactionError::MissingHeader(name))?;
        b.push_header(name, &unfold(h.value()));
    }
    b.push_header("CSeq", &format!("{} CANCEL", request.cseq()?.seq));
    b.push_header("Content-Length", "0");
    Ok(b.to_bytes()?)
}

impl TransactionLayer {
    /// An empty layer with the given timers.
    pub fn new(config: TimerConfig) -> Self {
        TransactionLayer {
            config,
            next_id: 0,
            transactions: HashMap::new(),
            index: HashMap::new(),
            timers: BTreeSet::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The timer configuration.
    pub fn config(&self) -> &TimerConfig {
        &self.config
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    /// Whether no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    /// The state of transaction `id`, or `None` once it terminated.
    pub fn state(&self, id: TransactionId) -> Option<TransactionState> {
        self.transactions.get(&id).map(|t| t.state)
    }

    /// The kind of transaction `id`, or `None` once it terminated.
    pub fn kind(&self, id: TransactionId) -> Option<TransactionKind> {
        self.transactions.get(&id).map(|t| t.kind)
    }

    /// The request that created transaction `id`.
    pub fn request(&self, id: TransactionId) -> Option<&[u8]> {
        self.transactions.get(&id).map(|t| t.request.as_slice())
    }

    /// The next message to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the TU, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest instant at which [`TransactionLayer::handle_timeout`] must be called.
    /// O(log n) in the number of transactions: the first entry of the timer queue.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|&(at, _)| at)
    }

    /// The same answer as [`TransactionLayer::poll_timeout`], found by scanning every
    /// transaction as the layer did before it kept a timer queue: O(n). A reference for tests and
    /// benchmarks, not for hosts.
    #[doc(hidden)]
    pub fn poll_timeout_by_scan(&self) -> Option<Instant> {
        self.transactions.values().filter_map(Transaction::next_timer).min()
    }

    /// Puts transaction `id` in the timer queue under its current earliest timer (or takes it
    /// out when it has none). Called after every change of its timers.
    fn reschedule(&mut self, id: TransactionId) {
        let Some(tx) = self.transactions.get_mut(&id) else { return };
        let next = tx.next_timer();
        if next == tx.queued {
            return;
        }
        if let Some(old) = tx.queued {
            self.timers.remove(&(old, id));
        }
        if let Some(at) = next {
            self.timers.insert((at, id));
        }
        tx.queued = next;
    }

    /// Queues `payload` for `remote` without a transaction: the ACK for a 2xx, a stateless
    /// response, a 2xx retransmission by the UAS core.
    pub fn send_stateless(&mut self, remote: Remote, payload: Vec<u8>) {
        self.transmits.push_back(Transmit { remote, payload });
    }

    fn allocate(&mut self) -> TransactionId {
        self.next_id += 1;
        TransactionId(self.next_id)
    }

    fn send(&mut self, remote: Remote, payload: &[u8]) {
        self.transmits.push_back(Transmit { remote, payload: payload.to_vec() });
    }

    fn terminate(&mut self, id: TransactionId) {
        if let Some(tx) = self.transactions.remove(&id) {
            if let Some(at) = tx.queued {
                self.timers.remove(&(at, id));
            }
            if self.index.get(&tx.key) == Some(&id) {
                self.index.remove(&tx.key);
            }
            self.events.push_back(Event::Terminated { id });
            if let Some(cancel) = tx.pending_cancel {
                // The held CANCEL is never sent: its transaction ends with the INVITE's.
                self.events.push_back(Event::Terminated { id: cancel });
            }
        }
    }

    /// Starts a client transaction for `request` (any method but ACK) and sends it to `remote`.
    /// The top Via must carry a branch with the magic cookie.
    ///
    /// # Errors
    ///
    /// [`TransactionError`] when the bytes are not a well-formed request, the method is ACK, the
    /// branch is missing, or a transaction with the same branch and method exists.
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Vec<u8>,
        remote: Remote,
    ) -> Result<TransactionId, TransactionError> {
        self.start_client(now, request, remote, None)
    }

    /// Starts a client transaction, with the id `reserved` when one was handed out before.
    fn start_client(
        &mut self,
        now: Instant,
        request: Vec<u8>,
        remote: Remote,
        reserved: Option<TransactionId>,
    ) -> Result<TransactionId, TransactionError> {
        let msg = Message::parse(&request)?;
        let method = msg.method().ok_or(TransactionError::NotARequest)?;
        if method == Method::Ack {
            return Err(TransactionError::AckWithoutTransaction);
        }
        let via = msg.top_via()?;
        if !via.has_rfc3261_branch() {
            return Err(TransactionError::MissingBranch);
        }
        let key = client_key(&msg)?;
        if self.index.contains_key(&key) {
            let branch = via.branch().unwrap_or_default().to_owned();
            return Err(TransactionError::DuplicateBranch(branch));
        }
        let invite = method == Method::Invite;
        let t1 = self.config.t1;
        let id = match reserved {
            Some(id) => id,
            None => self.allocate(),
        };
        let tx = Transaction {
            kind: if invite {
                TransactionKind::InviteClient
            } else {
                TransactionKind::NonInviteClient
            },
            state: if invite { TransactionState::Calling } else { TransactionState::Trying },
            remote,
            key: key.clone(),
            request,
            last_response: None,
            ack: None,
            pending_cancel: None,
            retransmit: (!remote.transport.is_reliable()).then(|| now + t1),
            interval: t1,
            deadline: Some(now + 64 * t1),
            linger: None,
            queued: None,
        };
        self.send(remote, &tx.request);
        self.index.insert(key, id);
        self.transactions.insert(id, tx);
        self.reschedule(id);
        Ok(id)
    }

    /// Builds and sends a CANCEL for INVITE client transaction `invite` (RFC 3261 §9.1), and
    /// returns the CANCEL's own non-INVITE client transaction.
    ///
    /// Once a provisional response arrived (Proceeding) the CANCEL goes out at once. Before any
    /// (Calling) it must not be sent yet: it is held, and sent when the first provisional response
    /// arrives; the id returned already names its transaction ([`TransactionLayer::state`] says
    /// `None` until then, and asking again returns the same id). If a final response or a timeout
    /// ends the INVITE first, the held CANCEL is never sent and its id is reported
    /// [`Event::Terminated`].
    ///
    /// # Errors
    ///
    /// [`TransactionError::UnknownTransaction`] or [`TransactionError::WrongState`] when there is
    /// nothing to cancel (not an INVITE client transaction, or a final response arrived).
    pub fn cancel(
        &mut self,
        now: Instant,
        invite: TransactionId,
    ) -> Result<TransactionId, TransactionError> {
        let tx =
            self.transactions.get(&invite).ok_or(TransactionError::UnknownTransaction(invite))?;
        let wrong = TransactionError::WrongState { id: invite, kind: tx.kind, state: tx.state };
        if tx.kind != TransactionKind::InviteClient {
            return Err(wrong);
        }
        match tx.state {
            TransactionState::Proceeding => {
                let (bytes, remote) = (build_cancel(&Message::parse(&tx.request)?)?, tx.remote);
                self.send_request(now, bytes, remote)
            }
            TransactionState::Calling => {
                if let Some(held) = tx.pending_cancel {
                    return Ok(held);
                }
                // Check now that the CANCEL can be built, so that holding it cannot fail later.
                build_cancel(&Message::parse(&tx.request)?)?;
                let id = self.allocate();
                if let Some(tx) = self.transactions.get_mut(&invite) {
                    tx.pending_cancel = Some(id);
                }
                Ok(id)
            }
            _ => Err(wrong),
        }
    }

    /// Sends the CANCEL held for INVITE client transaction `invite`, if any.
    fn send_held_cancel(&mut self, now: Instant, invite: TransactionId) {
        let Some(tx) = self.transactions.get_mut(&invite) else { return };
        let Some(id) = tx.pending_cancel.take() else { return };
        let remote = tx.remote;
        let started = Message::parse(&tx.request)
            .map_err(TransactionError::from)
            .and_then(|req| build_cancel(&req))
            .and_then(|bytes| self.start_client(now, bytes, remote, Some(id)));
        if started.is_err() {
            // Checked when it was held; should it still fail, the CANCEL's transaction ends.
            self.events.push_back(Event::Terminated { id });
        }
    }

    /// Sends `response` on server transaction `id`: provisional, 2xx or 300–699 for INVITE (a 2xx
    /// may be sent again while Accepted: the UAS core retransmits it until the ACK), provisional
    /// or final for non-INVITE.
    ///
    /// # Errors
    ///
    /// [`TransactionError`] when the bytes are not a response, the transaction is unknown, or it
    /// cannot send this response in its state.
    pub fn respond(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Vec<u8>,
    ) -> Result<(), TransactionError> {
        let msg = Message::parse(&response)?;
        let code = msg.status().ok_or(TransactionError::NotAResponse)?;
        let config = self.config;
        let tx = self.transactions.get_mut(&id).ok_or(TransactionError::UnknownTransaction(id))?;
        if let Some(field) = response_mismatch(&Message::parse(&tx.request)?, &msg)? {
            return Err(TransactionError::ResponseMismatch { id, field });
        }
        let unreliable = !tx.remote.transport.is_reliable();
        let wrong = TransactionError::WrongState { id, kind: tx.kind, state: tx.state };
        let mut terminate = false;
        match (tx.kind, tx.state) {
            (TransactionKind::InviteServer, TransactionState::Proceeding) => {
                if code >= 300 {
                    tx.state = TransactionState::Completed;
                    tx.interval = config.t1;
                    tx.retransmit = unreliable.then(|| now + config.t1);
                    tx.deadline = Some(now + 64 * config.t1);
                } else if code >= 200 {
                    tx.state = TransactionState::Accepted;
                    tx.deadline = Some(now + 64 * config.t1);
                }
            }
            (TransactionKind::InviteServer, TransactionState::Accepted)
                if (200..300).contains(&code) => {}
            (
                TransactionKind::NonInviteServer,
                TransactionState::Trying | TransactionState::Proceeding,
            ) => {
                if code >= 200 {
                    tx.state = TransactionState::Completed;
                    if unreliable {
                        tx.linger = Some(now + 64 * config.t1);
                    } else {
                        terminate = true;
                    }
                } else {
                    tx.state = TransactionState::Proceeding;
                }
            }
            _ => return Err(wrong),
        }
        let remote = tx.remote;
        self.send(remote, &response);
        if let Some(tx) = self.transactions.get_mut(&id) {
            tx.last_response = Some(response);
        }
        if terminate {
            self.terminate(id);
        } else {
            self.reschedule(id);
        }
        Ok(())
    }

    /// Feeds one datagram (or one framed stream message) received from `remote`.
    ///
    /// # Errors
    ///
    /// [`TransactionError::Parse`] when the message is malformed or lacks a header needed for
    /// matching; it is dropped (RFC 3261 §17.1.3, §18.1.2, §18.2.1).
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        datagram: &[u8],
        remote: Remote,
    ) -> Result<(), TransactionError> {
        let msg = Message::parse(datagram)?;
        if msg.is_request() {
            self.handle_request(now, &msg, remote)
        } else {
            self.handle_response(now, &msg, remote)
        }
    }

    /// Feeds bytes received on a stream connection (TCP, TLS) from `remote`: frames every whole
    /// message at the start of `buf` with the parser's incremental mode ([`crate::frame`]) and
    /// handles each, answers a double-CRLF keep-alive ping with a CRLF pong (RFC 5626 §4.4.1),
    /// and returns how many bytes were consumed; the caller drops them and keeps the rest for
    /// the next read.
    ///
    /// # Errors
    ///
    /// [`TransactionError::Parse`] when the stream cannot be framed or a framed message is
    /// malformed; the connection should then be closed.
    pub fn handle_stream(
        &mut self,
        now: Instant,
        buf: &[u8],
        remote: Remote,
    ) -> Result<usize, TransactionError> {
        let config = crate::ParserConfig::default();
        let mut at = 0;
        while at < buf.len() {
            match crate::frame(&buf[at..], &config)? {
                crate::Frame::Partial => break,
                crate::Frame::KeepAlive(n) => {
                    if n >= 4 {
                        self.send(remote, b"\r\n");
                    }
                    at += n;
                }
                crate::Frame::Complete(n) => {
                    let message = &buf[at..at + n];
                    at += n;
                    self.handle_datagram(now, message, remote)?;
                }
            }
        }
        Ok(at)
    }

    fn find_server(
        &self,
        msg: &Message<'_>,
        method: &str,
    ) -> Result<Option<TransactionId>, TransactionError> {
        let to_tag = msg.to()?.tag();
        let key = server_key(msg, method, to_tag)?;
        if let Some(id) = self.index.get(&key) {
            return Ok(Some(*id));
        }
        // RFC 2543 ACK or CANCEL: the INVITE had no To tag; the ACK carries the tag of the
        // response (§17.2.3).
        if let Key::Legacy(mut legacy) = key
            && to_tag.is_some()
            && msg.method() == Some(Method::Ack)
        {
            legacy.to_tag.clear();
            if let Some(id) = self.index.get(&Key::Legacy(legacy)) {
                let tx = &self.transactions[id];
                let tag_matches = tx
                    .last_response
                    .as_deref()
                    .and_then(|r| Message::parse(r).ok())
                    .and_then(|r| r.to().ok().and_then(|t| t.tag().map(str::to_owned)))
                    .is_some_and(|t| Some(t.as_str()) == to_tag);
                if tag_matches {
                    return Ok(Some(*id));
                }
            }
        }
        if let Key::Legacy(mut legacy) = server_key(msg, method, to_tag)?
            && msg.method() == Some(Method::Cancel)
        {
            legacy.to_tag.clear();
            if let Some(id) = self.index.get(&Key::Legacy(legacy)) {
                return Ok(Some(*id));
            }
        }
        Ok(None)
    }

    fn handle_request(
        &mut self,
        now: Instant,
        msg: &Message<'_>,
        remote: Remote,
    ) -> Result<(), TransactionError> {
        let method = msg.method().ok_or(TransactionError::NotARequest)?;
        msg.cseq()?;
        msg.call_id()?;
        msg.from()?;
        let method_name = method_key(method);
        let found = self.find_server(msg, &method_name)?;
        if method == Method::Ack {
            let Some(id) = found else {
                self.events.push_back(Event::Ack {
                    invite: None,
                    request: msg.as_bytes().to_vec(),
                    remote,
                });
                return Ok(());
            };
            let t4 = self.config.t4;
            let tx =
                self.transactions.get_mut(&id).ok_or(TransactionError::UnknownTransaction(id))?;
            match tx.state {
                TransactionState::Completed => {
                    tx.state = TransactionState::Confirmed;
                    tx.retransmit = None;
                    tx.deadline = None;
                    if tx.remote.transport.is_reliable() {
                        self.terminate(id);
                    } else {
                        tx.linger = Some(now + t4);
                        self.reschedule(id);
                    }
                }
                TransactionState::Accepted => self.events.push_back(Event::Ack {
                    invite: Some(id),
                    request: msg.as_bytes().to_vec(),
                    remote,
                }),
                _ => {}
            }
            return Ok(());
        }
        if let Some(id) = found {
            // A retransmission: re-send the last response where the state machine says so.
            let tx = &self.transactions[&id];
            let resend = match (tx.kind, tx.state) {
                (TransactionKind::InviteServer, TransactionState::Proceeding)
                | (TransactionKind::InviteServer, TransactionState::Completed)
                | (TransactionKind::NonInviteServer, TransactionState::Proceeding)
                | (TransactionKind::NonInviteServer, TransactionState::Completed) => {
                    tx.last_response.clone()
                }
                _ => None,
            };
            if let Some(resp) = resend {
                let remote = tx.remote;
                self.send(remote, &resp);
            }
            return Ok(());
        }
        let cancels =
            if method == Method::Cancel { self.find_server(msg, "INVITE")? } else { None };
        let key = server_key(msg, &method_name, msg.to()?.tag())?;
        let id = self.allocate();
        let invite = method == Method::Invite;
        let mut tx = Transaction {
            kind: if invite {
                TransactionKind::InviteServer
            } else {
                TransactionKind::NonInviteServer
            },
            state: if invite { TransactionState::Proceeding } else { TransactionState::Trying },
            remote,
            key: key.clone(),
            request: msg.as_bytes().to_vec(),
            last_response: None,
            ack: None,
            pending_cancel: None,
            retransmit: None,
            interval: self.config.t1,
            deadline: None,
            linger: None,
            queued: None,
        };
        if invite && self.config.send_trying {
            let trying = response_to(msg, 100, "Trying", "")?.to_bytes()?;
            self.send(remote, &trying);
            tx.last_response = Some(trying);
        }
        self.events.push_back(Event::Request { id, request: tx.request.clone(), remote, cancels });
        self.index.insert(key, id);
        self.transactions.insert(id, tx);
        self.reschedule(id);
        Ok(())
    }

    fn handle_response(
        &mut self,
        now: Instant,
        msg: &Message<'_>,
        remote: Remote,
    ) -> Result<(), TransactionError> {
        let code = msg.status().ok_or(TransactionError::NotAResponse)?;
        let key = client_key(msg);
        let Some(&id) = key.as_ref().ok().and_then(|k| self.index.get(k)) else {
            self.events
                .push_back(Event::StrayResponse { response: msg.as_bytes().to_vec(), remote });
            return Ok(());
        };
        let config = self.config;
        let tx = self.transactions.get_mut(&id).ok_or(TransactionError::UnknownTransaction(id))?;
        let unreliable = !tx.remote.transport.is_reliable();
        let bytes = msg.as_bytes().to_vec();
        // Built before any state changes, so that a failure leaves the transaction as it was.
        let failure_ack = if code >= 300
            && tx.kind == TransactionKind::InviteClient
            && matches!(tx.state, TransactionState::Calling | TransactionState::Proceeding)
        {
            Some(build_ack(&Message::parse(&tx.request)?, msg)?)
        } else {
            None
        };
        let mut pass_up = false;
        let mut terminate = false;
        let mut send_ack = None;
        let mut send_cancel = false;
        if code >= 200
            && let Some(held) = tx.pending_cancel.take()
        {
            // A final response before any provisional: the held CANCEL is not sent (§9.1).
            self.events.push_back(Event::Terminated { id: held });
        }
        match (tx.kind, tx.state) {
            (
                TransactionKind::InviteClient,
                TransactionState::Calling | TransactionState::Proceeding,
            ) => {
                pass_up = true;
                tx.retransmit = None;
                if code < 200 {
                    tx.state = TransactionState::Proceeding;
                    tx.deadline = None;
                    send_cancel = tx.pending_cancel.is_some();
                } else if code < 300 {
                    tx.state = TransactionState::Accepted;
                    tx.deadline = Some(now + 64 * config.t1);
                } else {
                    tx.state = TransactionState::Completed;
                    tx.deadline = None;
                    send_ack.clone_from(&failure_ack);
                    tx.ack = failure_ack;
                    if unreliable {
                        tx.linger = Some(now + config.timer_d);
                    } else {
                        terminate = true;
                    }
                }
            }
            (TransactionKind::InviteClient, TransactionState::Accepted) => {
                pass_up = (200..300).contains(&code);
            }
            (TransactionKind::InviteClient, TransactionState::Completed) if code >= 300 => {
                send_ack = tx.ack.clone();
            }
            (
                TransactionKind::NonInviteClient,
                TransactionState::Trying | TransactionState::Proceeding,
            ) => {
                pass_up = true;
                if code < 200 {
                    if tx.state == TransactionState::Trying && unreliable {
                        // Timer E now fires every T2 (§17.1.2.2).
                        tx.interval = config.t2;
                    }
                    tx.state = TransactionState::Proceeding;
                } else {
                    tx.state = TransactionState::Completed;
                    tx.retransmit = None;
                    tx.deadline = None;
                    if unreliable {
                        tx.linger = Some(now + config.t4);
                    } else {
                        terminate = true;
                    }
                }
            }
            _ => {}
        }
        let remote = tx.remote;
        if let Some(ack) = send_ack {
            self.send(remote, &ack);
        }
        if pass_up {
            self.events.push_back(Event::Response { id, response: bytes });
        }
        if terminate {
            self.terminate(id);
        } else {
            self.reschedule(id);
        }
        if send_cancel {
            self.send_held_cancel(now, id);
        }
        Ok(())
    }

    /// Fires every timer due at `now`: retransmissions (A, E, G), timeouts (B, F, H: an
    /// [`Event::Timeout`]), and the ends of the wait states (D, I, J, K, L, M). Each due
    /// transaction fires its earliest kind of timer once, in the order of transaction ids.
    /// O(k log n) for k due transactions: they are the front of the timer queue.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut due: Vec<TransactionId> =
            self.timers.iter().take_while(|&&(at, _)| at <= now).map(|&(_, id)| id).collect();
        due.sort_unstable();
        self.fire(now, due);
    }

    /// [`TransactionLayer::handle_timeout`] finding the due transactions by scanning every
    /// transaction, as the layer did before it kept a timer queue: O(n). A reference for tests and
    /// benchmarks, not for hosts.
    #[doc(hidden)]
    pub fn handle_timeout_by_scan(&mut self, now: Instant) {
        let mut due: Vec<TransactionId> = self
            .transactions
            .iter()
            .filter(|(_, t)| t.next_timer().is_some_and(|at| at <= now))
            .map(|(id, _)| *id)
            .collect();
        due.sort_unstable();
        self.fire(now, due);
    }

    /// Fires the earliest due timer of each transaction in `due`, in that order.
    fn fire(&mut self, now: Instant, due: Vec<TransactionId>) {
        let config = self.config;
        for id in due {
            let Some(tx) = self.transactions.get_mut(&id) else { continue };
            if tx.deadline.is_some_and(|at| at <= now) {
                let timeout = tx.state != TransactionState::Accepted;
                self.terminate_with(id, timeout);
                continue;
            }
            if tx.linger.is_some_and(|at| at <= now) {
                self.terminate(id);
                continue;
            }
            if tx.retransmit.is_some_and(|at| at <= now) {
                let payload = match tx.kind {
                    TransactionKind::InviteClient => {
                        tx.interval *= 2;
                        Some(tx.request.clone())
                    }
                    TransactionKind::NonInviteClient => {
                        tx.interval = if tx.state == TransactionState::Proceeding {
                            config.t2
                        } else {
                            (tx.interval * 2).min(config.t2)
                        };
                        Some(tx.request.clone())
                    }
                    TransactionKind::InviteServer => {
                        tx.interval = (tx.interval * 2).min(config.t2);
                        tx.last_response.clone()
                    }
                    TransactionKind::NonInviteServer => None,
                };
                tx.retransmit = Some(now + tx.interval);
                let remote = tx.remote;
                if let Some(p) = payload {
                    self.send(remote, &p);
                }
                self.reschedule(id);
            }
        }
    }

    fn terminate_with(&mut self, id: TransactionId, timeout: bool) {
        if timeout {
            self.events.push_back(Event::Timeout { id });
        }
        self.terminate(id);
    }

    /// Tells the layer that sending for transaction `id` failed (ICMP unreachable, a closed
    /// connection, a failed DNS lookup): the transaction reports [`Event::TransportError`] and
    /// ends (RFC 3261 §17.1.4, §17.2.4).
    ///
    /// # Errors
    ///
    /// [`TransactionError::UnknownTransaction`] when `id` names no live transaction (it may have
    /// ended already); nothing changes then.
    pub fn handle_transport_error(&mut self, id: TransactionId) -> Result<(), TransactionError> {
        if !self.transactions.contains_key(&id) {
            return Err(TransactionError::UnknownTransaction(id));
        }
        self.events.push_back(Event::TransportError { id });
        self.terminate(id);
        Ok(())
    }

    /// Whether transaction `id` is a client transaction.
    pub fn is_client(&self, id: TransactionId) -> Option<bool> {
        self.transactions.get(&id).map(|t| t.kind.is_client())
    }
}

/// A place to send to: an address, or a host to look up with RFC 3263 §5.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Destination {
    /// A socket address, ready to use.
    Addr(SocketAddr),
    /// A host name (sent-by or `maddr`) to resolve with the server procedures of RFC 3263 §5;
    /// `port` is `None` when the Via gave none (RFC 3263 then looks up SRV records).
    Resolve {
        /// The host name.
        host: String,
        /// The port, if given.
        port: Option<u16>,
    },
}

/// Where a server transport sends a response, by RFC 3261 §18.2.2 with RFC 3581 §4 (`rport`).
/// Made by [`response_route`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRoute {
    /// The transport named in the top Via (sent-protocol).
    pub transport: Transport,
    /// Reliable transports: the connection the request arrived on. The response MUST go there
    /// while it is open; only when it closed is a new connection opened to
    /// [`ResponseRoute::destination`].
    pub connection: Option<Remote>,
    /// Where to send the response (unreliable transports), or where to open a new connection
    /// (reliable transports whose connection closed).
    pub destination: Destination,
    /// The multicast TTL, when `maddr` names a multicast address (the `ttl` parameter, or 1).
    pub ttl: Option<u8>,
    /// Where to try next when sending to [`ResponseRoute::destination`] fails (an ICMP port
    /// unreachable, a refused connection): the sent-by host and port, resolved with RFC 3263 §5.
    /// `None` when the destination is that already.
    pub fallback: Option<Destination>,
}

/// The transport named in a Via's sent-protocol, or `None` for one this crate does not know.
pub fn via_transport(via: &crate::header::Via<'_>) -> Option<Transport> {
    let t = via.transport();
    [Transport::Udp, Transport::Tcp, Transport::Tls, Transport::Sctp, Transport::Ws, Transport::Wss]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(t))
}

fn default_port(transport: Transport) -> u16 {
    match transport {
        Transport::Tls => 5061,
        Transport::Ws => 80,
        Transport::Wss => 443,
        Transport::Udp | Transport::Tcp | Transport::Sctp => 5060,
    }
}

fn parse_ip(text: &str) -> Option<std::net::IpAddr> {
    let text = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
    text.parse().ok()
}

fn sent_by_ip(via: &crate::header::Via<'_>) -> Option<std::net::IpAddr> {
    match via.host() {
        crate::uri::Host::Domain(_) => None,
        crate::uri::Host::Ipv4(a) => Some(a.into()),
        host @ crate::uri::Host::Ipv6(_) => host.ipv6().map(Into::into),
    }
}

/// The `received` and `rport` values a server puts in the top Via of a request that arrived
/// from `source` (RFC 3261 §18.2.1, RFC 3581 §4): `received` when the sent-by host is not the
/// source address (a domain name always differs) or when `rport` was asked for; `rport` filled
/// with the source port when the request carries an empty `rport`. A value already present in the
/// Via is kept.
pub fn receiver_tags(
    via: &crate::header::Via<'_>,
    source: SocketAddr,
) -> (Option<std::net::IpAddr>, Option<u16>) {
    let rport = match via.rport() {
        Some(Some(port)) => Some(port),
        Some(None) => Some(source.port()),
        None => None,
    };
    let received = match via.received().and_then(parse_ip) {
        Some(ip) => Some(ip),
        None if rport.is_some() || sent_by_ip(via) != Some(source.ip()) => Some(source.ip()),
        None => None,
    };
    (received, rport)
}

/// The top Via value `via` of a request from `source`, written again with the receiver tags of
/// [`receiver_tags`] (`received=`, `rport=`) so that a response built from the request carries
/// them (RFC 3261 §18.2.1, RFC 3581 §4). Other parameters keep their order and spelling.
pub fn stamp_via(via: &crate::header::Via<'_>, source: SocketAddr) -> String {
    let (received, rport) = receiver_tags(via, source);
    let mut out =
        format!("{}/{}/{} {}", via.protocol(), via.version(), via.transport(), via.host());
    if let Some(port) = via.port() {
        out.push_str(&format!(":{port}"));
    }
    for p in via.params().iter() {
        if p.name.eq_ignore_ascii_case("received") {
            continue;
        }
        if p.name.eq_ignore_ascii_case("rport") {
            if let Some(port) = rport {
                out.push_str(&format!(";rport={port}"));
            }
            continue;
        }
        out.push(';');
        out.push_str(p.name);
        if let Some(v) = p.value {
            out.push('=');
            out.push_str(v);
        }
    }
    if let Some(ip) = received {
        out.push_str(&format!(";received={ip}"));
    }
    out
}

/// Where to send the response to a request whose top Via is `via` and which arrived from
/// `source`, following RFC 3261 §18.2.2 in order, with RFC 3581 §4:
///
/// 1. reliable sent-protocol (TCP, TLS, SCTP, WS): the same connection; if it closed, a new one
///    to `received` (or the sent-by address) at the sent-by port or the transport's default;
/// 2. otherwise, with `maddr`: that address at the sent-by port or 5060, with the `ttl` (default
///    1) when it is multicast;
/// 3. otherwise, with `received` (present in the Via, or due because the sent-by host is not the
///    source address): that address at the `rport` port when `rport` is there (RFC 3581), else at
///    the sent-by port or 5060;
/// 4. otherwise the sent-by address itself.
///
/// The receiver tags are worked out from `source` as §18.2.1 asks ([`receiver_tags`]), so `via`
/// may be the request's Via as received or one already stamped. A sent-protocol this crate does
/// not know is treated as unreliable. The [`TransactionLayer`] itself answers to the request's
/// source address and port, which is this route for every UDP request with `rport` and for the
/// usual case of a sent-by equal to the source.
pub fn response_route(via: &crate::header::Via<'_>, source: Remote) -> ResponseRoute {
    let transport = via_transport(via).unwrap_or(Transport::Udp);
    let sent_by_port = via.port();
    let sent_by = match sent_by_ip(via) {
        Some(ip) => Destination::Addr(SocketAddr::new(ip, sent_by_port.unwrap_or(5060))),
        None => Destination::Resolve { host: via.host().to_string(), port: sent_by_port },
    };
    let (received, rport) = receiver_tags(via, source.addr);
    let with_fallback = |destination: Destination, ttl: Option<u8>| {
        let fallback = (destination != sent_by).then(|| sent_by.clone());
        (destination, ttl, fallback)
    };
    let (connection, (destination, ttl, fallback)) = if transport.is_reliable() {
        let port = sent_by_port.unwrap_or(default_port(transport));
        let destination = match received.or_else(|| sent_by_ip(via)) {
            Some(ip) => Destination::Addr(SocketAddr::new(ip, port)),
            None => Destination::Resolve { host: via.host().to_string(), port: sent_by_port },
        };
        (Some(source), with_fallback(destination, None))
    } else if let Some(maddr) = via.maddr() {
        let port = sent_by_port.unwrap_or(5060);
        match parse_ip(maddr) {
            Some(ip) => {
                let ttl = ip.is_multicast().then(|| via.ttl().unwrap_or(1));
                (None, with_fallback(Destination::Addr(SocketAddr::new(ip, port)), ttl))
            }
            None => {
                let host = Destination::Resolve { host: maddr.to_owned(), port: Some(port) };
                (None, with_fallback(host, None))
            }
        }
    } else if let Some(ip) = received {
        let port = rport.or(sent_by_port).unwrap_or(5060);
        (None, with_fallback(Destination::Addr(SocketAddr::new(ip, port)), None))
    } else {
        (None, (sent_by.clone(), None, None))
    };
    ResponseRoute { transport, connection, destination, ttl, fallback }
}
