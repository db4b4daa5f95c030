//! The sip task: the one owner of the transaction layer, the registrar, the digest server and the
//! dialog table. It answers what needs no call (OPTIONS, REGISTER, unknown numbers and methods,
//! malformed requests), starts a call task for each INVITE to a service number, and routes each
//! leg's messages to its call task by Call-ID. Call tasks ask it, by [`SipCommand`], to answer,
//! to invite an agent and to hang up a leg; it never waits on a call.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use hotline_sip::auth::{DigestServer, DigestServerConfig, ha1};
use hotline_sip::build::response_to;
use hotline_sip::dialog::{Dialog, SuccessRetransmitter};
use hotline_sip::registrar::{Registrar, RegistrarConfig};
use hotline_sip::transaction::{Event, Remote, TimerConfig, TransactionId, Transport};
use hotline_sip::{HeaderName, Message, MessageBuilder, Method};
use tokio::sync::{mpsc, oneshot};

use crate::call::{CallEvent, CallSetup};
use crate::server::Shared;
use crate::transport::Outbound;

/// What the sip task receives.
#[derive(Debug)]
pub enum SipInput {
    /// A UDP datagram.
    Udp {
        /// Its bytes.
        bytes: Vec<u8>,
        /// The sender.
        from: SocketAddr,
    },
    /// One framed message from a TCP connection.
    Tcp {
        /// Its bytes.
        bytes: Vec<u8>,
        /// The peer.
        from: SocketAddr,
    },
    /// A TCP connection opened.
    TcpOpen {
        /// The peer.
        from: SocketAddr,
        /// Its writer.
        writer: mpsc::UnboundedSender<Vec<u8>>,
    },
    /// A TCP connection closed.
    TcpClosed {
        /// The peer.
        from: SocketAddr,
    },
    /// A call task's request.
    Command(SipCommand),
    /// Stop taking new calls (answer INVITEs 503).
    StopAccepting,
}

/// What a call task asks of the sip task; legs are named by their Call-ID.
#[derive(Debug)]
pub enum SipCommand {
    /// 200 OK with this SDP answer to the caller's INVITE.
    Answer {
        /// The caller leg.
        call_id: String,
        /// The SDP.
        sdp: String,
    },
    /// A final refusal of the caller's INVITE.
    Reject {
        /// The caller leg.
        call_id: String,
        /// The status.
        code: u16,
        /// Its reason phrase.
        reason: &'static str,
    },
    /// INVITE an agent; answered with the new leg's Call-ID, or why it cannot be placed.
    InviteAgent {
        /// The server's call number.
        call: u64,
        /// The agent's name.
        agent: String,
        /// The caller's number (shown on the agent's phone).
        caller: String,
        /// The SDP offer.
        sdp: String,
        /// Where the leg's events go.
        events: mpsc::UnboundedSender<CallEvent>,
        /// The answer.
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// Send a re-INVITE on an established leg with our SDP set to `direction` (a hold or a resume
    /// on the other leg, mirrored); a repeat of the direction last sent is not sent again.
    Reinvite {
        /// The leg.
        call_id: String,
        /// The direction this side now offers.
        direction: hotline_sip::sdp::Direction,
    },
    /// End a leg: BYE when it is established, CANCEL while an agent's phone rings, 487 while the
    /// caller's INVITE is unanswered. The leg is forgotten once its transactions end.
    Hangup {
        /// The leg.
        call_id: String,
    },
}

/// Which side of the B2BUA a leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Caller,
    Agent,
}

#[derive(Debug)]
struct Leg {
    call: u64,
    side: Side,
    events: mpsc::UnboundedSender<CallEvent>,
    remote: Remote,
    /// The INVITE received (caller) or sent (agent).
    invite: Vec<u8>,
    invite_tx: Option<TransactionId>,
    dialog: Option<Dialog>,
    local_tag: String,
    local_sdp: Option<String>,
    retransmit: Option<SuccessRetransmitter>,
    answered: bool,
    ended: bool,
}

impl Leg {
    /// A leg whose INVITE (`invite`, transaction `invite_tx`) has no answer yet.
    fn new(
        call: u64,
        side: Side,
        events: mpsc::UnboundedSender<CallEvent>,
        remote: Remote,
        invite: Vec<u8>,
        invite_tx: TransactionId,
        local_tag: String,
    ) -> Leg {
        Leg {
            call,
            side,
            events,
            remote,
            invite,
            invite_tx: Some(invite_tx),
            dialog: None,
            local_tag,
            local_sdp: None,
            retransmit: None,
            answered: false,
            ended: false,
        }
    }
}

/// A registered or static contact's address.
#[derive(Debug, Clone)]
struct Reach {
    uri: String,
    remote: Remote,
}

/// The sip task's state.
pub struct SipTask {
    shared: Arc<Shared>,
    layer: crate::recorded::RecordedLayer,
    registrar: Registrar,
    digest: DigestServer,
    out: Outbound,
    legs: HashMap<String, Leg>,
    by_tx: HashMap<TransactionId, String>,
    /// Where each agent's REGISTER came from, by contact URI (for phones behind NAT).
    sources: HashMap<String, Remote>,
    static_contacts: HashMap<String, Reach>,
    local: SocketAddr,
    counter: u64,
    salt: u64,
    accepting: bool,
    stray_remote: Option<Remote>,
    /// Our re-INVITEs in progress, by transaction: the leg's Call-ID.
    reinvites: HashMap<TransactionId, String>,
    /// Signalling-only calls in progress: when, who, which number.
    no_media: HashMap<String, (jiff::Timestamp, String, String)>,
}

impl std::fmt::Debug for SipTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipTask").field("legs", &self.legs.len()).finish_non_exhaustive()
    }
}

/// 32 bytes from the operating system's generator.
pub fn os_random() -> [u8; 32] {
    use std::io::Read;
    let mut b = [0u8; 32];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut b);
    }
    if b == [0u8; 32] {
        // No /dev/urandom (not Linux): the clock and the address of a stack value, hashed.
        let seed = format!("{:?}{:p}", std::time::SystemTime::now(), &b);
        let h = hotline_sip::auth::Algorithm::Sha256.hex(seed.as_bytes());
        for (i, c) in h.as_bytes().chunks(2).take(32).enumerate() {
            b[i] = u8::from_str_radix(std::str::from_utf8(c).unwrap_or("0"), 16).unwrap_or(0);
        }
    }
    b
}

impl SipTask {
    /// A task for `shared`, writing through `out`.
    pub fn new(shared: Arc<Shared>, out: Outbound, local: SocketAddr) -> SipTask {
        let config = &shared.settings.config;
        let mut static_contacts = HashMap::new();
        for a in &config.agents {
            if let Some(uri) = &a.contact
                && let Some(remote) = resolve_contact(uri)
            {
                static_contacts.insert(a.name.clone(), Reach { uri: uri.clone(), remote });
            }
        }
        let secret = os_random();
        let salt = u64::from_le_bytes([
            secret[0], secret[1], secret[2], secret[3], secret[4], secret[5], secret[6], secret[7],
        ]);
        let domain = config.server.domain.clone();
        SipTask {
            layer: crate::recorded::RecordedLayer::new(
                TimerConfig::new(),
                shared.flight.clone(),
                shared.epoch,
            ),
            registrar: Registrar::new(RegistrarConfig::default()),
            digest: DigestServer::new(
                digest_config(&domain, &config.server.digest_algorithms),
                secret,
            ),
            out,
            legs: HashMap::new(),
            by_tx: HashMap::new(),
            sources: HashMap::new(),
            static_contacts,
            local,
            counter: 0,
            salt,
            accepting: true,
            stray_remote: None,
            no_media: HashMap::new(),
            reinvites: HashMap::new(),
            shared,
        }
    }

    fn token(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let mixed = self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.salt;
        format!("{prefix}{mixed:016x}")
    }

    fn advertise(&self) -> IpAddr {
        self.shared.settings.advertise
    }

    /// Runs until the input channel closes.
    pub async fn run(mut self, mut rx: mpsc::UnboundedReceiver<SipInput>) {
        loop {
            let due = self.next_timer();
            tokio::select! {
                input = rx.recv() => match input {
                    Some(i) => self.input(i),
                    None => break,
                },
                _ = crate::server::sleep_until(due.map(tokio::time::Instant::from_std)) => self.timers(Instant::now()),
            }
            self.flush();
        }
    }

    fn next_timer(&self) -> Option<Instant> {
        let mut due = self.layer.poll_timeout();
        for at in [self.registrar.poll_timeout()]
            .into_iter()
            .chain(
                self.legs
                    .values()
                    .map(|l| l.retransmit.as_ref().and_then(SuccessRetransmitter::poll_timeout)),
            )
            .flatten()
        {
            due = Some(due.map_or(at, |d| d.min(at)));
        }
        due
    }

    fn timers(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        self.registrar.handle_timeout(now);
        while self.registrar.poll_event().is_some() {}
        let mut dead = Vec::new();
        for (id, leg) in &mut self.legs {
            if let Some(r) = &mut leg.retransmit {
                if r.poll_timeout().is_some_and(|t| t <= now) {
                    r.handle_timeout(now);
                }
                while let Some(t) = r.poll_transmit() {
                    self.out.send(t.remote, t.payload);
                }
                if r.outcome().is_some() {
                    if matches!(r.outcome(), Some(hotline_sip::dialog::RetransmitOutcome::GaveUp)) {
                        dead.push(id.clone());
                    }
                    leg.retransmit = None;
                }
            }
        }
        for id in dead {
            // No ACK for our 200 (RFC 3261 §13.3.1.4): the call ends with a BYE.
            if let Some(leg) = self.legs.get(&id) {
                let _ = leg.events.send(CallEvent::LegEnded { call_id: id.clone(), code: 408 });
            }
            self.hangup(&id);
        }
    }

    fn flush(&mut self) {
        while let Some(t) = self.layer.poll_transmit() {
            self.shared.metrics.sip_out.fetch_add(1, Ordering::Relaxed);
            self.out.send(t.remote, t.payload);
        }
        while let Some(ev) = self.layer.poll_event() {
            self.event(ev);
        }
        // Events can queue more messages.
        while let Some(t) = self.layer.poll_transmit() {
            self.shared.metrics.sip_out.fetch_add(1, Ordering::Relaxed);
            self.out.send(t.remote, t.payload);
        }
    }

    fn input(&mut self, input: SipInput) {
        let now = Instant::now();
        match input {
            SipInput::Udp { bytes, from } => {
                self.datagram(now, &bytes, Remote::new(from, Transport::Udp))
            }
            SipInput::Tcp { bytes, from } => {
                self.datagram(now, &bytes, Remote::new(from, Transport::Tcp))
            }
            SipInput::TcpOpen { from, writer } => {
                self.out.tcp.insert(from, writer);
            }
            SipInput::TcpClosed { from } => {
                self.out.tcp.remove(&from);
            }
            SipInput::Command(c) => self.command(now, c),
            SipInput::StopAccepting => self.stop_accepting(),
        }
    }

    fn datagram(&mut self, now: Instant, bytes: &[u8], remote: Remote) {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return; // keep-alive
        }
        self.shared.metrics.sip_in.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.layer.handle_datagram(now, bytes, remote) {
            self.shared.metrics.sip_malformed.fetch_add(1, Ordering::Relaxed);
            tracing::info!(from = %remote.addr, "malformed SIP: {e}");
            self.bad_request(bytes, remote, &e.to_string());
        }
    }

    /// 400 with the reason, for a request that can still be answered (it has the headers a
    /// response copies); anything else is dropped (RFC 3261 §16.3 / §18.2.1).
    fn bad_request(&mut self, bytes: &[u8], remote: Remote, reason: &str) {
        let Ok(msg) = Message::parse(bytes) else { return };
        if !msg.is_request() || msg.method() == Some(Method::Ack) {
            return;
        }
        let phrase: String = format!("Bad Request ({reason})")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        let tag = self.token("t");
        if let Ok(b) = response_to(&msg, 400, &phrase, &tag)
            && let Ok(bytes) = b.header("Content-Length", "0").to_bytes()
        {
            self.layer.send_stateless(remote, bytes);
        }
    }

    fn respond(
        &mut self,
        now: Instant,
        id: TransactionId,
        msg: &Message<'_>,
        code: u16,
        reason: &str,
        extra: &[(&str, &str)],
    ) {
        let tag = self.token("t");
        let Ok(mut b) = response_to(msg, code, reason, &tag) else { return };
        for (n, v) in extra {
            b.push_header(n, v);
        }
        b.push_header("Server", "hotline reference-server");
        b.push_header("Content-Length", "0");
        match b.to_bytes() {
            Ok(bytes) => {
                if let Err(e) = self.layer.respond(now, id, bytes) {
                    tracing::debug!("respond {code}: {e}");
                }
            }
            Err(e) => tracing::warn!("building a {code}: {e}"),
        }
    }

    fn event(&mut self, ev: Event) {
        let now = Instant::now();
        match ev {
            Event::Request { id, request, remote, cancels } => {
                self.request(now, id, &request, remote, cancels)
            }
            Event::Response { id, response } => self.response(now, Some(id), &response),
            Event::StrayResponse { response, remote } => {
                self.stray_remote = Some(remote);
                self.response(now, None, &response);
            }
            Event::Ack { request, .. } => {
                let Ok(msg) = Message::parse(&request) else { return };
                let Ok(cid) = msg.call_id() else { return };
                if let Some(leg) = self.legs.get_mut(cid.as_str()) {
                    if let Some(r) = &mut leg.retransmit {
                        r.ack_received();
                    }
                    leg.retransmit = None;
                    if let Some(d) = &mut leg.dialog {
                        d.confirm();
                    }
                }
            }
            Event::Timeout { id } | Event::TransportError { id } => {
                if let Some(cid) = self.by_tx.get(&id).cloned()
                    && let Some(leg) = self.legs.get(&cid)
                    && leg.side == Side::Agent
                    && !leg.answered
                {
                    let _ =
                        leg.events.send(CallEvent::LegEnded { call_id: cid.clone(), code: 408 });
                    self.legs.remove(&cid);
                }
            }
            Event::Terminated { id } => {
                if let Some(cid) = self.by_tx.remove(&id)
                    && self.legs.get(&cid).is_some_and(|l| l.ended)
                {
                    self.legs.remove(&cid);
                }
            }
            _ => {}
        }
    }

    fn request(
        &mut self,
        now: Instant,
        id: TransactionId,
        bytes: &[u8],
        remote: Remote,
        cancels: Option<TransactionId>,
    ) {
        let Ok(msg) = Message::parse(bytes) else { return };
        let Some(method) = msg.method() else { return };
        let call_id = msg.call_id().map(|c| c.as_str().to_owned()).unwrap_or_default();
        let in_dialog = msg.to().ok().and_then(|t| t.tag().map(str::to_owned)).is_some();
        match method {
            Method::Options => {
                self.respond(
                    now,
                    id,
                    &msg,
                    200,
                    "OK",
                    &[("Allow", ALLOW), ("Accept", "application/sdp"), ("Supported", "")],
                );
            }
            Method::Register => self.register(now, id, &msg, remote),
            Method::Invite if !in_dialog => self.new_call(now, id, &msg, bytes, remote),
            Method::Invite | Method::Update => {
                let Some(leg) = self.legs.get(&call_id) else {
                    self.respond(now, id, &msg, 481, "Call/Transaction Does Not Exist", &[]);
                    return;
                };
                // Hold, resume, session refresh or a new address: the leg's media follows the new
                // SDP and the answer is our SDP again (the B2BUA keeps the other leg as it is).
                let offer = std::str::from_utf8(msg.body())
                    .ok()
                    .filter(|b| !b.is_empty())
                    .map(str::to_owned);
                let _ = leg
                    .events
                    .send(CallEvent::Reoffer { call_id: call_id.clone(), sdp: offer.clone() });
                // The answer is our SDP, in the direction that answers the offer's (RFC 3264
                // §6.1: sendonly is answered recvonly, inactive inactive).
                let direction = offer
                    .as_deref()
                    .and_then(|o| hotline_sip::sdp::SessionDescription::parse(o).ok())
                    .and_then(|o| o.media.first().map(|m| o.direction(m).reversed()));
                let sdp = match (leg.local_sdp.as_deref(), direction) {
                    (Some(ours), Some(d)) => Some(with_direction(ours, d)),
                    (ours, _) => ours.map(str::to_owned),
                };
                if let (Some(leg), Some(sdp)) = (self.legs.get_mut(&call_id), &sdp) {
                    leg.local_sdp = Some(sdp.clone());
                }
                self.respond_sdp(
                    now,
                    id,
                    &msg,
                    sdp.filter(|_| offer.is_some() || method == Method::Invite),
                );
            }
            Method::Ack => {}
            Method::Bye => {
                let known = self.legs.contains_key(&call_id);
                if known {
                    self.respond(now, id, &msg, 200, "OK", &[]);
                    self.end_without_media(&call_id);
                    if let Some(mut leg) = self.legs.remove(&call_id) {
                        leg.ended = true;
                        let _ = leg
                            .events
                            .send(CallEvent::LegEnded { call_id: call_id.clone(), code: 0 });
                    }
                } else {
                    self.respond(now, id, &msg, 481, "Call/Transaction Does Not Exist", &[]);
                }
            }
            Method::Cancel => {
                self.respond(now, id, &msg, 200, "OK", &[]);
                if let Some(invite) = cancels
                    && let Some(leg) = self.legs.get_mut(&call_id)
                    && !leg.answered
                {
                    leg.ended = true;
                    let invite_bytes = leg.invite.clone();
                    let events = leg.events.clone();
                    if let Ok(inv) = Message::parse(&invite_bytes) {
                        self.respond(now, invite, &inv, 487, "Request Terminated", &[]);
                    }
                    let _ =
                        events.send(CallEvent::LegEnded { call_id: call_id.clone(), code: 487 });
                    self.legs.remove(&call_id);
                }
            }
            Method::Info => self.respond(now, id, &msg, 200, "OK", &[]),
            _ => self.respond(now, id, &msg, 501, "Not Implemented", &[("Allow", ALLOW)]),
        }
    }

    fn respond_sdp(
        &mut self,
        now: Instant,
        id: TransactionId,
        msg: &Message<'_>,
        sdp: Option<String>,
    ) {
        let tag = self.token("t");
        let Ok(mut b) = response_to(msg, 200, "OK", &tag) else { return };
        b.push_header("Contact", &format!("<sip:hotline@{}>", self.local_host()));
        if let Some(sdp) = sdp {
            b = b.body("application/sdp", sdp.as_bytes());
        } else {
            b.push_header("Content-Length", "0");
        }
        if let Ok(bytes) = b.to_bytes() {
            let _ = self.layer.respond(now, id, bytes);
        }
    }

    fn local_host(&self) -> String {
        SocketAddr::new(self.advertise(), self.local.port()).to_string()
    }

    fn register(&mut self, now: Instant, id: TransactionId, msg: &Message<'_>, remote: Remote) {
        let accounts = &self.shared.settings.config.agents;
        let realm = self.shared.settings.config.server.domain.clone();
        let auth = msg.header(HeaderName::Authorization).map(|h| h.value().to_owned());
        let Some(auth) = auth else {
            let challenges = self.digest.challenge(now, false);
            let extra: Vec<(&str, &str)> =
                challenges.iter().map(|c| ("WWW-Authenticate", c.as_str())).collect();
            self.respond(now, id, msg, 401, "Unauthorized", &extra);
            return;
        };
        let ruri = msg.request_uri_str().map(str::to_owned);
        let verified =
            self.digest.verify(now, "REGISTER", ruri.as_deref(), &auth, |user, _realm, alg| {
                accounts
                    .iter()
                    .find(|a| a.name == user)
                    .map(|a| ha1(alg, user, &realm, &a.password))
            });
        let user = match verified {
            Ok(user) => user,
            Err(e) => {
                tracing::info!(from = %remote.addr, "REGISTER refused: {e}");
                let challenges = self.digest.challenge(now, e.is_stale());
                let extra: Vec<(&str, &str)> =
                    challenges.iter().map(|c| ("WWW-Authenticate", c.as_str())).collect();
                self.respond(
                    now,
                    id,
                    msg,
                    if e.is_stale() { 401 } else { 403 },
                    if e.is_stale() { "Unauthorized" } else { "Forbidden" },
                    if e.is_stale() { &extra } else { &[] },
                );
                return;
            }
        };
        // An agent registers their own address of record only.
        let to_user =
            msg.to().ok().and_then(|t| t.uri().as_sip().and_then(|u| u.user()).map(str::to_owned));
        if to_user.as_deref() != Some(user.as_str()) {
            self.respond(now, id, msg, 403, "Forbidden (To is not the authenticated user)", &[]);
            return;
        }
        let outcome = self.registrar.handle_register(now, msg);
        if let Ok(reg) = &outcome {
            for b in &reg.bindings {
                self.sources.insert(b.contact.clone(), remote);
            }
            tracing::info!(agent = %user, contacts = reg.bindings.len(), "registered");
        }
        let tag = self.token("t");
        match Registrar::response(msg, &outcome, &tag) {
            Ok(b) => {
                if let Ok(bytes) = b.header("Content-Length", "0").to_bytes() {
                    let _ = self.layer.respond(now, id, bytes);
                }
            }
            Err(e) => tracing::warn!("REGISTER response: {e}"),
        }
    }

    // ANCHOR: new_call
    fn new_call(
        &mut self,
        now: Instant,
        id: TransactionId,
        msg: &Message<'_>,
        bytes: &[u8],
        remote: Remote,
    ) {
        let number = msg
            .request_uri()
            .ok()
            .and_then(|u| u.as_sip().and_then(|s| s.user()).map(str::to_owned))
            .unwrap_or_default();
        let Some(entry) =
            self.shared.settings.config.numbers.iter().find(|n| n.number == number).cloned()
        else {
            self.shared.metrics.calls_rejected.fetch_add(1, Ordering::Relaxed);
            self.respond(now, id, msg, 404, "Not Found", &[]);
            return;
        };
        if !self.accepting {
            self.shared.metrics.calls_rejected.fetch_add(1, Ordering::Relaxed);
            self.respond(now, id, msg, 503, "Service Unavailable", &[("Retry-After", "60")]);
            return;
        }
        if !entry.media {
            self.answer_without_media(now, id, msg, bytes, remote, &number);
            return;
        }
        let offer = std::str::from_utf8(msg.body()).unwrap_or("").to_owned();
        if offer.is_empty() {
            self.shared.metrics.calls_rejected.fetch_add(1, Ordering::Relaxed);
            self.respond(
                now,
                id,
                msg,
                488,
                "Not Acceptable Here (an INVITE without an SDP offer)",
                &[],
            );
            return;
        }
        let Ok(cid) = msg.call_id() else { return };
        let call_id = cid.as_str().to_owned();
        let caller = msg
            .from()
            .ok()
            .and_then(|f| f.uri().as_sip().and_then(|u| u.user()).map(str::to_owned))
            .unwrap_or_default();
        let local_tag = self.token("h");
        let call = self.shared.next_call.fetch_add(1, Ordering::Relaxed) + 1;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        self.legs.insert(
            call_id.clone(),
            Leg::new(call, Side::Caller, events_tx.clone(), remote, bytes.to_vec(), id, local_tag),
        );
        self.by_tx.insert(id, call_id.clone());
        self.shared.metrics.calls_started.fetch_add(1, Ordering::Relaxed);
        self.shared.live_calls.fetch_add(1, Ordering::Relaxed);
        let setup = CallSetup {
            call,
            call_id,
            caller,
            dialled: number,
            flow: entry.flow.clone(),
            language: entry.language.clone(),
            offer,
        };
        crate::call::spawn(Arc::clone(&self.shared), setup, events_tx, events_rx);
    }
    // ANCHOR_END: new_call

    /// A signalling-only number: 200 with an inactive SDP at once, the leg kept until the caller's
    /// BYE, and a CDR row then (outcome `answered-no-media`).
    fn answer_without_media(
        &mut self,
        now: Instant,
        id: TransactionId,
        msg: &Message<'_>,
        bytes: &[u8],
        remote: Remote,
        number: &str,
    ) {
        let Ok(cid) = msg.call_id() else { return };
        let call_id = cid.as_str().to_owned();
        let caller = msg
            .from()
            .ok()
            .and_then(|f| f.uri().as_sip().and_then(|u| u.user()).map(str::to_owned))
            .unwrap_or_default();
        let call = self.shared.next_call.fetch_add(1, Ordering::Relaxed) + 1;
        let ip = self.advertise();
        let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
        let sdp = format!(
            "v=0\r\no=- {call} 1 IN {family} {ip}\r\ns=-\r\nc=IN {family} {ip}\r\nt=0 0\r\n\
             m=audio 9 RTP/AVP 0 8\r\na=inactive\r\n"
        );
        let (events, _) = mpsc::unbounded_channel();
        let local_tag = self.token("h");
        self.legs.insert(
            call_id.clone(),
            Leg::new(call, Side::Caller, events, remote, bytes.to_vec(), id, local_tag),
        );
        self.no_media.insert(call_id.clone(), (jiff::Timestamp::now(), caller, number.to_owned()));
        self.shared.metrics.calls_started.fetch_add(1, Ordering::Relaxed);
        self.command(now, SipCommand::Answer { call_id, sdp });
    }

    /// The CDR row of a signalling-only call whose caller hung up.
    fn end_without_media(&mut self, call_id: &str) {
        let Some((started, caller, dialled)) = self.no_media.remove(call_id) else { return };
        let talk = jiff::Timestamp::now().duration_since(started).as_secs_f64();
        let cdr = crate::store::Cdr {
            call: 0,
            started: started.to_string(),
            caller,
            dialled,
            talk_s: talk,
            outcome: "answered-no-media".into(),
            caller_call_id: call_id.to_owned(),
            ..crate::store::Cdr::default()
        };
        self.shared.metrics.calls_ended.fetch_add(1, Ordering::Relaxed);
        let _ = self.shared.store.send(crate::store::StoreCommand::Cdr(Box::new(cdr)));
    }

    fn response(&mut self, now: Instant, id: Option<TransactionId>, bytes: &[u8]) {
        let branch = self.token("z9hG4bK");
        let host = self.local_host();
        let Ok(msg) = Message::parse(bytes) else { return };
        let Some(code) = msg.status() else { return };
        let Ok(cid) = msg.call_id() else { return };
        let call_id = cid.as_str().to_owned();
        let is_invite = msg.cseq().is_ok_and(|c| c.method == Method::Invite);
        if let Some(tx) = id
            && self.reinvites.contains_key(&tx)
        {
            if code >= 200 {
                self.reinvites.remove(&tx);
            }
            if (200..300).contains(&code)
                && let Some(leg) = self.legs.get_mut(&call_id)
                && let Some(d) = &mut leg.dialog
                && let Ok(seq) = msg.cseq().map(|c| c.seq)
                && let Ok(b) = d.ack(seq, &via(leg.remote.transport, &host, &branch))
                && let Ok(ack) = b.header("Content-Length", "0").to_bytes()
            {
                self.layer.send_stateless(leg.remote, ack);
            }
            return;
        }
        let Some(leg) = self.legs.get_mut(&call_id) else {
            // A 2xx to an INVITE whose leg is gone (the caller left meanwhile): ACK and BYE it so
            // that no agent call is left open.
            if is_invite && (200..300).contains(&code) {
                self.ack_and_bye_orphan(now, &msg);
            }
            return;
        };
        if leg.side != Side::Agent || !is_invite {
            return;
        }
        if id.is_some_and(|i| leg.invite_tx != Some(i)) {
            return;
        }
        match code {
            100 => {}
            101..=199 => {
                let _ = leg.events.send(CallEvent::AgentProgress { call_id, code });
            }
            200..=299 => {
                let Ok(invite) = Message::parse(&leg.invite) else { return };
                let first = leg.dialog.is_none();
                if first {
                    match Dialog::uac(&invite, &msg) {
                        Ok(d) => leg.dialog = Some(d),
                        Err(e) => {
                            tracing::warn!(call = leg.call, "agent's 200 makes no dialog: {e}");
                            return;
                        }
                    }
                }
                let remote = leg.remote;
                let via = via(remote.transport, &host, &branch);
                let cseq = invite.cseq().map(|c| c.seq).unwrap_or(1);
                let Some(leg) = self.legs.get_mut(&call_id) else { return };
                if let Some(d) = &mut leg.dialog {
                    d.confirm();
                    if let Ok(b) = d.ack(cseq, &via)
                        && let Ok(ack) = b.header("Content-Length", "0").to_bytes()
                    {
                        self.layer.send_stateless(remote, ack);
                    }
                }
                if first && !leg.ended {
                    leg.answered = true;
                    let sdp = String::from_utf8_lossy(msg.body()).into_owned();
                    let _ =
                        leg.events.send(CallEvent::AgentAnswered { call_id: call_id.clone(), sdp });
                } else if first && leg.ended {
                    // Cancelled meanwhile (the CANCEL crossed the 200): end it at once.
                    leg.answered = true;
                    self.send_bye(now, &call_id);
                }
            }
            _ => {
                leg.ended = true;
                let _ = leg.events.send(CallEvent::LegEnded { call_id: call_id.clone(), code });
                self.legs.remove(&call_id);
            }
        }
    }

    /// ACK and BYE a 2xx whose leg is gone (it crossed our CANCEL after the INVITE transaction
    /// ended): built from the response alone, sent where it came from, so that the agent's phone
    /// is not left in a call nobody is on (FreeSWITCH's zombie agent calls, its issue #2529).
    fn ack_and_bye_orphan(&mut self, now: Instant, response: &Message<'_>) {
        let Some(remote) = self.stray_remote.take() else { return };
        let (Ok(_), Ok(_), Ok(cid), Ok(cseq)) =
            (response.from(), response.to(), response.call_id(), response.cseq())
        else {
            return;
        };
        let target = response
            .contacts()
            .filter_map(Result::ok)
            .find_map(|c| c.address().map(|a| a.uri().as_str().to_owned()))
            .unwrap_or_else(|| format!("sip:{}", remote.addr));
        let host = self.local_host();
        let from = response
            .header(HeaderName::From)
            .map(|h| h.value().trim().to_owned())
            .unwrap_or_default();
        let to = response
            .header(HeaderName::To)
            .map(|h| h.value().trim().to_owned())
            .unwrap_or_default();
        let _ = (from.is_empty(), to.is_empty());
        for (method, seq) in [("ACK", cseq.seq), ("BYE", cseq.seq + 1)] {
            let branch = self.token("z9hG4bK");
            let b = MessageBuilder::request(method, &target)
                .header("Via", &via(remote.transport, &host, &branch))
                .header("Max-Forwards", "70")
                .header("From", &from)
                .header("To", &to)
                .header("Call-ID", cid.as_str())
                .header("CSeq", &format!("{seq} {method}"))
                .header("Content-Length", "0");
            let Ok(bytes) = b.to_bytes() else { return };
            if method == "ACK" {
                self.layer.send_stateless(remote, bytes);
            } else if let Err(e) = self.layer.send_request(now, bytes, remote) {
                tracing::warn!("BYE to an orphaned agent leg: {e}");
            }
        }
        tracing::warn!(
            call_id = cid.as_str(),
            "a 200 for an agent leg that is gone: ACKed and ended with BYE"
        );
    }

    fn command(&mut self, now: Instant, c: SipCommand) {
        match c {
            SipCommand::Answer { call_id, sdp } => {
                let host = self.local_host();
                let Some(leg) = self.legs.get_mut(&call_id) else { return };
                let (Some(id), Ok(inv)) = (leg.invite_tx, Message::parse(&leg.invite)) else {
                    return;
                };
                let Ok(b) = response_to(&inv, 200, "OK", &leg.local_tag) else { return };
                let b = b
                    .header("Contact", &format!("<sip:hotline@{host}>"))
                    .header("Allow", ALLOW)
                    .header("Server", "hotline reference-server")
                    .body("application/sdp", sdp.as_bytes());
                let Ok(bytes) = b.to_bytes() else { return };
                match Dialog::uas(&inv, &leg.local_tag, 1, true) {
                    Ok(d) => leg.dialog = Some(d),
                    Err(e) => tracing::info!(call = leg.call, "caller INVITE makes no dialog: {e}"),
                }
                leg.local_sdp = Some(sdp);
                leg.answered = true;
                if !leg.remote.transport.is_reliable() {
                    leg.retransmit = Some(SuccessRetransmitter::new(
                        now,
                        bytes.clone(),
                        leg.remote,
                        self.layer.config(),
                    ));
                }
                if let Err(e) = self.layer.respond(now, id, bytes) {
                    tracing::warn!("answering: {e}");
                }
            }
            SipCommand::Reject { call_id, code, reason } => {
                let Some(leg) = self.legs.remove(&call_id) else { return };
                let (Some(id), Ok(inv)) = (leg.invite_tx, Message::parse(&leg.invite)) else {
                    return;
                };
                self.shared.metrics.calls_rejected.fetch_add(1, Ordering::Relaxed);
                self.respond(now, id, &inv, code, reason, &[]);
            }
            SipCommand::InviteAgent { call, agent, caller, sdp, events, reply } => {
                let r = self.invite_agent(now, call, &agent, &caller, &sdp, events);
                let _ = reply.send(r);
            }
            SipCommand::Hangup { call_id } => self.hangup(&call_id),
            SipCommand::Reinvite { call_id, direction } => self.reinvite(now, &call_id, direction),
        }
    }

    fn reach(&self, now: Instant, agent: &str) -> Option<Reach> {
        if let Some(r) = self.static_contacts.get(agent) {
            return Some(r.clone());
        }
        let domain = &self.shared.settings.config.server.domain;
        let binding =
            self.registrar.lookup(now, &format!("sip:{agent}@{domain}")).into_iter().next()?;
        let remote = self
            .sources
            .get(&binding.contact)
            .copied()
            .or_else(|| resolve_contact(&binding.contact))?;
        Some(Reach { uri: binding.contact, remote })
    }

    fn invite_agent(
        &mut self,
        now: Instant,
        call: u64,
        agent: &str,
        caller: &str,
        sdp: &str,
        events: mpsc::UnboundedSender<CallEvent>,
    ) -> Result<String, String> {
        let reach = self
            .reach(now, agent)
            .ok_or_else(|| format!("agent {agent} has no registered or configured contact"))?;
        let call_id = format!("{}@{}", self.token("a"), self.advertise());
        let tag = self.token("f");
        let branch = self.token("z9hG4bK");
        let host = self.local_host();
        let domain = self.shared.settings.config.server.domain.clone();
        let caller_user: String = caller
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "+-_.".contains(*c))
            .take(32)
            .collect();
        let caller_user = if caller_user.is_empty() { "anonymous".to_owned() } else { caller_user };
        let b = MessageBuilder::request("INVITE", &reach.uri)
            .header("Via", &via(reach.remote.transport, &host, &branch))
            .header("Max-Forwards", "70")
            .header("From", &format!("<sip:{caller_user}@{domain}>;tag={tag}"))
            .header("To", &format!("<sip:{agent}@{domain}>"))
            .header("Call-ID", &call_id)
            .header("CSeq", "1 INVITE")
            .header("Contact", &format!("<sip:hotline@{host}>"))
            .header("Allow", ALLOW)
            .header("User-Agent", "hotline reference-server")
            .body("application/sdp", sdp.as_bytes());
        let bytes = b.to_bytes().map_err(|e| e.to_string())?;
        let id =
            self.layer.send_request(now, bytes.clone(), reach.remote).map_err(|e| e.to_string())?;
        self.shared.metrics.agent_invites.fetch_add(1, Ordering::Relaxed);
        self.by_tx.insert(id, call_id.clone());
        self.legs.insert(
            call_id.clone(),
            Leg::new(call, Side::Agent, events, reach.remote, bytes, id, tag),
        );
        if let Some(leg) = self.legs.get_mut(&call_id) {
            leg.local_sdp = Some(sdp.to_owned());
        }
        Ok(call_id)
    }

    fn reinvite(&mut self, now: Instant, call_id: &str, direction: hotline_sip::sdp::Direction) {
        let host = self.local_host();
        let branch = self.token("z9hG4bK");
        let Some(leg) = self.legs.get_mut(call_id) else { return };
        if leg.ended || !leg.answered {
            return;
        }
        let Some(ours) = leg.local_sdp.as_deref() else { return };
        let text = with_direction(ours, direction);
        if text == ours {
            return;
        }
        let remote = leg.remote;
        let Some(d) = &mut leg.dialog else { return };
        let Ok(b) = d.request("INVITE", &via(remote.transport, &host, &branch)) else { return };
        let b = b
            .header("Max-Forwards", "70")
            .header("Contact", &format!("<sip:hotline@{host}>"))
            .body("application/sdp", text.as_bytes());
        let Ok(bytes) = b.to_bytes() else { return };
        leg.local_sdp = Some(text);
        match self.layer.send_request(now, bytes, remote) {
            Ok(id) => {
                self.reinvites.insert(id, call_id.to_owned());
            }
            Err(e) => tracing::warn!("re-INVITE: {e}"),
        }
    }

    fn send_bye(&mut self, now: Instant, call_id: &str) {
        let host = self.local_host();
        let branch = self.token("z9hG4bK");
        let Some(leg) = self.legs.get_mut(call_id) else { return };
        leg.ended = true;
        leg.retransmit = None;
        let remote = leg.remote;
        let Some(d) = &mut leg.dialog else { return };
        let Ok(b) = d.request("BYE", &via(remote.transport, &host, &branch)) else { return };
        d.terminate();
        let Ok(bytes) = b.header("Max-Forwards", "70").header("Content-Length", "0").to_bytes()
        else {
            return;
        };
        match self.layer.send_request(now, bytes, remote) {
            Ok(id) => {
                self.by_tx.insert(id, call_id.to_owned());
            }
            Err(e) => {
                tracing::warn!("BYE: {e}");
                self.legs.remove(call_id);
            }
        }
    }

    fn hangup(&mut self, call_id: &str) {
        let now = Instant::now();
        let Some(leg) = self.legs.get_mut(call_id) else { return };
        if leg.ended {
            return;
        }
        match (leg.side, leg.answered) {
            (_, true) => self.send_bye(now, call_id),
            (Side::Agent, false) => {
                leg.ended = true;
                if let Some(id) = leg.invite_tx {
                    match self.layer.cancel(now, id) {
                        Ok(cancel) => {
                            self.by_tx.insert(cancel, call_id.to_owned());
                        }
                        Err(_) => {
                            self.legs.remove(call_id);
                        }
                    }
                }
            }
            (Side::Caller, false) => {
                let Some(leg) = self.legs.remove(call_id) else { return };
                if let (Some(id), Ok(inv)) = (leg.invite_tx, Message::parse(&leg.invite)) {
                    self.respond(now, id, &inv, 480, "Temporarily Unavailable", &[]);
                }
            }
        }
    }

    /// Stops taking new calls (SIGTERM): INVITEs get 503 from now on.
    pub fn stop_accepting(&mut self) {
        self.accepting = false;
    }
}

/// `sdp` with every media section's direction set to `direction`; the origin's version goes up
/// when that changes anything (RFC 3264 §8).
fn with_direction(sdp: &str, direction: hotline_sip::sdp::Direction) -> String {
    let Ok(mut d) = hotline_sip::sdp::SessionDescription::parse(sdp) else { return sdp.to_owned() };
    if d.media.iter().all(|m| d.direction(m) == direction) {
        return sdp.to_owned();
    }
    let version = d.origin.session_version.parse::<u64>().unwrap_or(1) + 1;
    d.origin.session_version = version.to_string();
    for m in &mut d.media {
        m.attributes.retain(|a| {
            !matches!(a.name.as_str(), "sendrecv" | "sendonly" | "recvonly" | "inactive")
        });
        m.attributes.push(hotline_sip::sdp::Attribute::flag(direction.as_str()));
    }
    d.to_string()
}

fn digest_config(realm: &str, names: &[String]) -> DigestServerConfig {
    let mut c = DigestServerConfig::new(realm);
    c.algorithms =
        names.iter().filter_map(|n| hotline_sip::auth::Algorithm::from_name(n)).collect();
    c
}

/// The methods the server answers.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, INFO";

fn via(transport: Transport, host: &str, branch: &str) -> String {
    format!("SIP/2.0/{} {host};branch={branch};rport", transport.as_str())
}

/// `sip:user@1.2.3.4:5060;transport=tcp` as an address (IP literals only: the server does no DNS).
fn resolve_contact(uri: &str) -> Option<Remote> {
    let parsed = hotline_sip::uri::Uri::parse(uri).ok()?;
    let u = parsed.as_sip()?;
    let ip: IpAddr = u.host_str().trim_start_matches('[').trim_end_matches(']').parse().ok()?;
    let transport = if uri.to_ascii_lowercase().contains("transport=tcp") {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    Some(Remote::new(SocketAddr::new(ip, u.port().unwrap_or(5060)), transport))
}
