//! The transaction layer with a flight recorder: every call into hotline-sip's
//! `TransactionLayer` (a datagram, a timer, a request or response the server starts) is logged
//! with its time before it is made, and every output (a datagram to send, an event) as it is
//! taken, so that `reference-server replay` can run a fresh layer on the same inputs and compare.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hotline_sip::transaction::{
    Event, Remote, TimerConfig, TransactionError, TransactionId, TransactionLayer, Transmit,
    Transport,
};
use serde::{Deserialize, Serialize};

use crate::flight::{FlightLog, Record};

/// Bytes as they were: text when they are UTF-8 (SIP almost always is), hex otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bytes {
    /// UTF-8 text.
    Text(String),
    /// Anything else, as lowercase hex.
    Hex(String),
}

impl Bytes {
    /// Wraps `b`.
    pub fn of(b: &[u8]) -> Bytes {
        match std::str::from_utf8(b) {
            Ok(t) => Bytes::Text(t.to_owned()),
            Err(_) => Bytes::Hex(b.iter().map(|x| format!("{x:02x}")).collect()),
        }
    }

    /// The bytes again.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Bytes::Text(t) => t.as_bytes().to_vec(),
            Bytes::Hex(h) => (0..h.len() / 2)
                .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
                .collect(),
        }
    }
}

/// A peer, as logged: address and transport (`UDP`, `TCP`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// The address.
    pub addr: SocketAddr,
    /// The transport's name.
    pub transport: String,
}

impl Peer {
    fn of(r: Remote) -> Peer {
        Peer { addr: r.addr, transport: r.transport.as_str().to_owned() }
    }

    fn remote(&self) -> Remote {
        let transport = match self.transport.as_str() {
            "TCP" => Transport::Tcp,
            "TLS" => Transport::Tls,
            _ => Transport::Udp,
        };
        Remote::new(self.addr, transport)
    }
}

/// One call into the layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "kebab-case")]
pub enum SipCall {
    /// `handle_datagram`.
    Datagram {
        /// From.
        peer: Peer,
        /// The message.
        bytes: Bytes,
    },
    /// `handle_timeout`.
    Timeout,
    /// `send_request`.
    SendRequest {
        /// To.
        peer: Peer,
        /// The request.
        bytes: Bytes,
    },
    /// `respond` on a transaction (named as the layer's `Debug` prints it).
    Respond {
        /// The transaction.
        id: String,
        /// The response.
        bytes: Bytes,
    },
    /// `cancel` of an INVITE client transaction.
    Cancel {
        /// The INVITE's transaction.
        id: String,
    },
    /// `send_stateless`.
    SendStateless {
        /// To.
        peer: Peer,
        /// The message.
        bytes: Bytes,
    },
}

/// The transaction layer, recorded.
#[derive(Debug)]
pub struct RecordedLayer {
    inner: TransactionLayer,
    flight: FlightLog,
    epoch: Instant,
}

impl RecordedLayer {
    /// A layer with `config` logging to `flight` (times since `epoch`).
    pub fn new(config: TimerConfig, flight: FlightLog, epoch: Instant) -> RecordedLayer {
        RecordedLayer { inner: TransactionLayer::new(config), flight, epoch }
    }

    fn log(&self, now: Instant, call: SipCall) {
        if self.flight.enabled() {
            self.flight
                .log(Record::SipCall { at: now.saturating_duration_since(self.epoch), call });
        }
    }

    /// See [`TransactionLayer::config`].
    pub fn config(&self) -> &TimerConfig {
        self.inner.config()
    }

    /// See [`TransactionLayer::poll_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout()
    }

    /// See [`TransactionLayer::handle_datagram`].
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        datagram: &[u8],
        remote: Remote,
    ) -> Result<(), TransactionError> {
        self.log(now, SipCall::Datagram { peer: Peer::of(remote), bytes: Bytes::of(datagram) });
        self.inner.handle_datagram(now, datagram, remote)
    }

    /// See [`TransactionLayer::handle_timeout`] (logged only when something is due).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.inner.poll_timeout().is_some_and(|t| t <= now) {
            self.log(now, SipCall::Timeout);
            self.inner.handle_timeout(now);
        }
    }

    /// See [`TransactionLayer::send_request`].
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Vec<u8>,
        remote: Remote,
    ) -> Result<TransactionId, TransactionError> {
        self.log(now, SipCall::SendRequest { peer: Peer::of(remote), bytes: Bytes::of(&request) });
        self.inner.send_request(now, request, remote)
    }

    /// See [`TransactionLayer::respond`].
    pub fn respond(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Vec<u8>,
    ) -> Result<(), TransactionError> {
        self.log(now, SipCall::Respond { id: format!("{id:?}"), bytes: Bytes::of(&response) });
        self.inner.respond(now, id, response)
    }

    /// See [`TransactionLayer::cancel`].
    pub fn cancel(
        &mut self,
        now: Instant,
        invite: TransactionId,
    ) -> Result<TransactionId, TransactionError> {
        self.log(now, SipCall::Cancel { id: format!("{invite:?}") });
        self.inner.cancel(now, invite)
    }

    /// See [`TransactionLayer::send_stateless`].
    pub fn send_stateless(&mut self, remote: Remote, payload: Vec<u8>) {
        self.log(
            Instant::now(),
            SipCall::SendStateless { peer: Peer::of(remote), bytes: Bytes::of(&payload) },
        );
        self.inner.send_stateless(remote, payload);
    }

    /// See [`TransactionLayer::poll_transmit`].
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.inner.poll_transmit()?;
        if self.flight.enabled() {
            self.flight.log(Record::SipOutput { output: transmit_text(&t) });
        }
        Some(t)
    }

    /// See [`TransactionLayer::poll_event`].
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.inner.poll_event()?;
        if self.flight.enabled() {
            self.flight.log(Record::SipOutput { output: format!("event {e:?}") });
        }
        Some(e)
    }
}

fn transmit_text(t: &Transmit) -> String {
    format!(
        "transmit {} {} {}",
        t.remote.transport.as_str(),
        t.remote.addr,
        String::from_utf8_lossy(&t.payload)
    )
}

/// A layer being replayed: inputs from the log, outputs compared in order.
#[derive(Debug)]
pub struct Replayer {
    layer: TransactionLayer,
    base: Instant,
    ids: std::collections::HashMap<String, TransactionId>,
}

impl Replayer {
    /// A fresh layer with the server's timer settings.
    pub fn new() -> Replayer {
        Replayer {
            layer: TransactionLayer::new(TimerConfig::new()),
            base: Instant::now(),
            ids: std::collections::HashMap::new(),
        }
    }

    fn note(&mut self, id: TransactionId) {
        self.ids.insert(format!("{id:?}"), id);
    }

    /// Feeds one logged call; `Err` when it names a transaction the replay never saw.
    pub fn call(&mut self, at: Duration, call: SipCall) -> Result<(), String> {
        let now = self.base + at;
        match call {
            SipCall::Datagram { peer, bytes } => {
                let _ = self.layer.handle_datagram(now, &bytes.to_vec(), peer.remote());
            }
            SipCall::Timeout => self.layer.handle_timeout(now),
            SipCall::SendRequest { peer, bytes } => {
                if let Ok(id) = self.layer.send_request(now, bytes.to_vec(), peer.remote()) {
                    self.note(id);
                }
            }
            SipCall::Respond { id, bytes } => {
                let tx = *self
                    .ids
                    .get(&id)
                    .ok_or(format!("a response on {id}, unknown to the replay"))?;
                let _ = self.layer.respond(now, tx, bytes.to_vec());
            }
            SipCall::Cancel { id } => {
                let tx =
                    *self.ids.get(&id).ok_or(format!("a CANCEL of {id}, unknown to the replay"))?;
                if let Ok(c) = self.layer.cancel(now, tx) {
                    self.note(c);
                }
            }
            SipCall::SendStateless { peer, bytes } => {
                self.layer.send_stateless(peer.remote(), bytes.to_vec())
            }
        }
        Ok(())
    }

    /// The next output the replayed layer gives, in the order the server took them: the log
    /// says which queue (transmit or event) the server polled.
    pub fn next_output(&mut self, like: &str) -> Option<String> {
        if like.starts_with("transmit ") {
            self.layer.poll_transmit().map(|t| transmit_text(&t))
        } else {
            let e = self.layer.poll_event()?;
            if let Event::Request { id, .. } = &e {
                self.note(*id);
            }
            Some(format!("event {e:?}"))
        }
    }
}

impl Default for Replayer {
    fn default() -> Self {
        Replayer::new()
    }
}
