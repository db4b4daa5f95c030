//! A registrar (RFC 3261 §10.3): bindings from an address of record (AOR) to contact addresses,
//! each with an expiry and a `q` preference, and the lookup of where to send a call.
//!
//! The registrar is driven like every engine of this crate (see the [crate documentation](crate)):
//! [`Registrar::handle_register`] takes a REGISTER, [`Registrar::poll_timeout`] says when the next
//! binding expires, [`Registrar::handle_timeout`] drops the bindings due at `now`, and
//! [`Registrar::poll_event`] hands out one [`RegistrarEvent::Expired`] for each binding that
//! expired (drain it until `None` after every call).
//!
//! [`Registrar::handle_register`] processes one REGISTER atomically: it checks every Contact (the `*`
//! wildcard only alone and with `Expires: 0`; intervals below the minimum refused with 423 and
//! `Min-Expires`; a Call-ID/CSeq that is not newer than the stored one refused as out of order)
//! before changing anything. [`Registrar::response`] builds the answer. Time is passed in; the
//! registrar never reads a clock. Authentication is the caller's step before this one
//! (see [`crate::auth`]).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use hotline_sip::Message;
//! use hotline_sip::registrar::{Registrar, RegistrarConfig, RegistrarEvent};
//!
//! let mut registrar = Registrar::new(RegistrarConfig::default());
//! let now = Instant::now();
//! let bytes = b"REGISTER sip:example.com SIP/2.0\r\n\
//! Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKnashds7\r\nMax-Forwards: 70\r\n\
//! To: <sip:agent17@example.com>\r\nFrom: <sip:agent17@example.com>;tag=456248\r\n\
//! Call-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\n\
//! Contact: <sip:agent17@10.0.0.7:5060>;q=0.7, <sip:agent17@10.0.0.8>\r\n\
//! Expires: 600\r\nContent-Length: 0\r\n\r\n";
//! let register = Message::parse(bytes).unwrap();
//! let outcome = registrar.handle_register(now, &register);
//! let response = Registrar::response(&register, &outcome, "reg1").unwrap().to_bytes().unwrap();
//! assert!(response.starts_with(b"SIP/2.0 200 OK"));
//!
//! let targets = registrar.lookup(now + Duration::from_secs(60), "sip:agent17@EXAMPLE.com");
//! assert_eq!(targets[0].contact, "sip:agent17@10.0.0.8"); // q=1 before q=0.7
//! assert_eq!(targets[1].expires_in, Duration::from_secs(540));
//!
//! // The host sleeps until poll_timeout, then fires the timer and drains the events.
//! let deadline = registrar.poll_timeout().unwrap();
//! assert_eq!(deadline, now + Duration::from_secs(600));
//! registrar.handle_timeout(deadline);
//! let mut expired = Vec::new();
//! while let Some(event) = registrar.poll_event() {
//!     let RegistrarEvent::Expired { contact, .. } = event else { continue };
//!     expired.push(contact);
//! }
//! assert_eq!(expired.len(), 2);
//! assert!(registrar.is_empty());
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::build::{MessageBuilder, response_to};
use crate::header::{Contact, Expires};
use crate::uri::Uri;
use crate::{HeaderName, Message, Method, ParseError};

/// Registrar settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrarConfig {
    /// Shortest registration accepted, in seconds; shorter ones get 423 (Interval Too Brief).
    pub min_expires: u32,
    /// Longest registration granted; longer requests are shortened to this.
    pub max_expires: u32,
    /// The interval when the request names none.
    pub default_expires: u32,
    /// At most this many contacts per AOR; more are refused with 403.
    pub max_bindings: usize,
}

impl Default for RegistrarConfig {
    /// Min 60 s, max 7200 s, default 3600 s (RFC 3261 §10.2.1.1), 10 contacts per AOR.
    fn default() -> Self {
        RegistrarConfig {
            min_expires: 60,
            max_expires: 7200,
            default_expires: 3600,
            max_bindings: 10,
        }
    }
}

/// One binding as returned by [`Registrar::lookup`] and [`Registered`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    /// The contact URI.
    pub contact: String,
    /// The preference, 0 to 1 (1 when the Contact named none).
    pub q: f32,
    /// Time left before the binding expires.
    pub expires_in: Duration,
    /// The Call-ID of the REGISTER that last refreshed it.
    pub call_id: String,
    /// Its CSeq number.
    pub cseq: u32,
}

/// A successful REGISTER: the AOR and all its bindings after the change, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    /// The canonical address of record.
    pub aor: String,
    /// Every current binding of the AOR.
    pub bindings: Vec<Binding>,
}

/// What the registrar tells its host, from [`Registrar::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RegistrarEvent {
    /// A binding reached its expiry without a refresh and was dropped (by
    /// [`Registrar::handle_timeout`], or at the start of [`Registrar::handle_register`] when the
    /// host had not fired the timer yet).
    Expired {
        /// The canonical address of record.
        aor: String,
        /// The contact URI that is no longer reachable through the AOR.
        contact: String,
        /// The Call-ID of the REGISTER that last refreshed it.
        call_id: String,
    },
}

/// Why a REGISTER was refused; [`RegistrarError::status`] gives the response code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrarError {
    /// A header the registrar needs is missing or malformed (400).
    /// The parse error is the [`source`](std::error::Error::source), not repeated in this error's
    /// text.
    #[error("malformed REGISTER")]
    Parse(#[from] ParseError),
    /// The request is not a REGISTER (405).
    #[error("not a REGISTER request")]
    NotRegister,
    /// The To URI is not a sip, sips or tel URI (416).
    #[error("unsupported address-of-record scheme {0}")]
    UnsupportedScheme(String),
    /// `Contact: *` together with other contacts or with a non-zero Expires (400).
    #[error("Contact: * must be alone and with Expires: 0")]
    InvalidWildcard,
    /// A requested interval is below [`RegistrarConfig::min_expires`] (423).
    #[error("interval {requested} s is below the minimum {min} s")]
    IntervalTooBrief {
        /// The interval asked for.
        requested: u32,
        /// The minimum, sent back in Min-Expires.
        min: u32,
    },
    /// The Call-ID matches a binding's but the CSeq is not higher (500, §10.3 step 7).
    #[error("CSeq {cseq} is not newer than {stored} for the same Call-ID")]
    OutOfOrder {
        /// The CSeq received.
        cseq: u32,
        /// The CSeq stored with the binding.
        stored: u32,
    },
    /// The AOR would have more than [`RegistrarConfig::max_bindings`] contacts (403).
    #[error("too many contacts for one address of record")]
    TooManyBindings,
}

impl RegistrarError {
    /// The response status code for this refusal.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            RegistrarError::Parse(_) | RegistrarError::InvalidWildcard => (400, "Bad Request"),
            RegistrarError::NotRegister => (405, "Method Not Allowed"),
            RegistrarError::UnsupportedScheme(_) => (416, "Unsupported URI Scheme"),
            RegistrarError::IntervalTooBrief { .. } => (423, "Interval Too Brief"),
            RegistrarError::OutOfOrder { .. } => (500, "Server Internal Error"),
            RegistrarError::TooManyBindings => (403, "Forbidden"),
        }
    }
}

#[derive(Debug, Clone)]
struct Stored {
    contact: String,
    q_milli: u16,
    expires_at: Instant,
    call_id: String,
    cseq: u32,
    order: u64,
}

/// The registrar's binding table. See the [module documentation](self).
#[derive(Debug, Default)]
pub struct Registrar {
    config: RegistrarConfig,
    bindings: HashMap<String, Vec<Stored>>,
    counter: u64,
    /// Expiry timers: (expiry, binding order, AOR), earliest first. An entry whose binding was
    /// refreshed or removed since is stale and skipped; the top is always live (see
    /// [`Registrar::prune_timers`]), so [`Registrar::poll_timeout`] is exact.
    timers: BinaryHeap<Reverse<(Instant, u64, String)>>,
    events: VecDeque<RegistrarEvent>,
}

/// The canonical form of an address of record: `scheme:user@host[:port]`, scheme and host in
/// lowercase, URI parameters and headers dropped (RFC 3261 §10.3 step 5); a `tel` URI by its
/// number.
///
/// # Errors
///
/// [`RegistrarError::Parse`] for a malformed URI, [`RegistrarError::UnsupportedScheme`] for a
/// scheme other than sip, sips and tel.
pub fn canonical_aor(uri: &str) -> Result<String, RegistrarError> {
    match Uri::parse(uri.trim())? {
        Uri::Sip(sip) => {
            let scheme = if sip.is_secure() { "sips" } else { "sip" };
            let mut s = format!("{scheme}:");
            if let Some(user) = sip.user() {
                s.push_str(user);
                s.push('@');
            }
            s.push_str(&sip.host_str().to_ascii_lowercase());
            if let Some(port) = sip.port() {
                s.push_str(&format!(":{port}"));
            }
            Ok(s)
        }
        Uri::Tel(tel) => Ok(format!("tel:{}", tel.number())),
        other => Err(RegistrarError::UnsupportedScheme(other.scheme().to_owned())),
    }
}

fn same_contact(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn format_q(milli: u16) -> String {
    if milli >= 1000 {
        return "1".to_owned();
    }
    let s = format!("0.{milli:03}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl Registrar {
    /// An empty registrar.
    pub fn new(config: RegistrarConfig) -> Self {
        Registrar {
            config,
            bindings: HashMap::new(),
            counter: 0,
            timers: BinaryHeap::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// Whether timer entry `(at, order)` of `aor` still names a stored binding.
    fn is_live(&self, at: Instant, order: u64, aor: &str) -> bool {
        self.bindings
            .get(aor)
            .is_some_and(|list| list.iter().any(|b| b.order == order && b.expires_at == at))
    }

    /// Pops stale timer entries off the top, so that the top is the next real expiry.
    fn prune_timers(&mut self) {
        while let Some(Reverse((at, order, aor))) = self.timers.peek() {
            if self.is_live(*at, *order, aor) {
                break;
            }
            self.timers.pop();
        }
    }

    /// Fires the expiry timers due at `now`: drops every binding whose expiry is at or before
    /// `now` and queues a [`RegistrarEvent::Expired`] for each, earliest first. The host calls it
    /// at or after [`Registrar::poll_timeout`]; calling it early does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.prune_timers();
        while let Some(Reverse((at, _, _))) = self.timers.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, order, aor))) = self.timers.pop() else { break };
            if let Some(list) = self.bindings.get_mut(&aor)
                && let Some(i) = list.iter().position(|b| b.order == order && b.expires_at == at)
            {
                let b = list.remove(i);
                if list.is_empty() {
                    self.bindings.remove(&aor);
                }
                self.events.push_back(RegistrarEvent::Expired {
                    aor,
                    contact: b.contact,
                    call_id: b.call_id,
                });
            }
            self.prune_timers();
        }
    }

    /// When the next binding expires: the host calls [`Registrar::handle_timeout`] then.
    /// O(1): the timer queue's top is kept live.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _, _))| *at)
    }

    /// The next event for the host ([`RegistrarEvent::Expired`]), if any; drain it until `None`
    /// after every call of [`Registrar::handle_register`] and [`Registrar::handle_timeout`].
    pub fn poll_event(&mut self) -> Option<RegistrarEvent> {
        self.events.pop_front()
    }

    /// How many AORs have at least one binding.
    pub fn len(&self) -> usize {
        self.bindings.len()
    }

    /// Whether no AOR is registered.
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    fn view(now: Instant, list: &[Stored]) -> Vec<Binding> {
        let mut live: Vec<&Stored> = list.iter().filter(|b| b.expires_at > now).collect();
        live.sort_by(|a, b| b.q_milli.cmp(&a.q_milli).then(b.order.cmp(&a.order)));
        live.into_iter()
            .map(|b| Binding {
                contact: b.contact.clone(),
                q: f32::from(b.q_milli) / 1000.0,
                expires_in: b.expires_at - now,
                call_id: b.call_id.clone(),
                cseq: b.cseq,
            })
            .collect()
    }

    /// Where to send a call for `aor` (any form [`canonical_aor`] accepts): the live bindings,
    /// highest `q` first, the most recently refreshed first among equals. Empty when the AOR is
    /// unknown or `aor` is not a valid URI.
    pub fn lookup(&self, now: Instant, aor: &str) -> Vec<Binding> {
        let Ok(key) = canonical_aor(aor) else { return Vec::new() };
        self.bindings.get(&key).map(|list| Self::view(now, list)).unwrap_or_default()
    }

    /// Processes a REGISTER at `now`: adds, refreshes and removes bindings, all or nothing.
    /// Bindings already expired at `now` are dropped first, with their
    /// [`RegistrarEvent::Expired`] events, as [`Registrar::handle_timeout`] would.
    ///
    /// # Errors
    ///
    /// A [`RegistrarError`] when the request is refused (also a request that is not a REGISTER);
    /// no binding was changed then.
    pub fn handle_register(
        &mut self,
        now: Instant,
        request: &Message<'_>,
    ) -> Result<Registered, RegistrarError> {
        if request.method() != Some(Method::Register) {
            return Err(RegistrarError::NotRegister);
        }
        let aor = canonical_aor(request.to()?.uri().as_str())?;
        let call_id = request.call_id()?.as_str().to_owned();
        let cseq = request.cseq()?.seq;
        let header_expires: Option<u32> =
            request.parse_first::<Expires>(HeaderName::Expires)?.map(|e| e.0);
        let contacts: Vec<Contact<'_>> = request.contacts().collect::<Result<_, _>>()?;
        self.handle_timeout(now);
        let existing = self.bindings.get(&aor).cloned().unwrap_or_default();

        if contacts.iter().any(|c| matches!(c, Contact::Wildcard)) {
            if contacts.len() != 1 || header_expires != Some(0) {
                return Err(RegistrarError::InvalidWildcard);
            }
            let kept: Vec<Stored> =
                existing.into_iter().filter(|b| b.call_id == call_id && cseq <= b.cseq).collect();
            if let Some(b) = kept.first() {
                return Err(RegistrarError::OutOfOrder { cseq, stored: b.cseq });
            }
            self.bindings.remove(&aor);
            self.prune_timers();
            return Ok(Registered { aor, bindings: Vec::new() });
        }

        // Check every contact before changing anything.
        let mut updates = Vec::with_capacity(contacts.len());
        for c in &contacts {
            let Some(addr) = c.address() else { continue };
            let requested = c.expires().or(header_expires).unwrap_or(self.config.default_expires);
            if requested != 0 && requested < self.config.min_expires {
                return Err(RegistrarError::IntervalTooBrief {
                    requested,
                    min: self.config.min_expires,
                });
            }
            let expires = requested.min(self.config.max_expires);
            let contact = addr.uri().as_str().to_owned();
            if let Some(b) = existing.iter().find(|b| same_contact(&b.contact, &contact))
                && b.call_id == call_id
                && cseq <= b.cseq
            {
                return Err(RegistrarError::OutOfOrder { cseq, stored: b.cseq });
            }
            let q = c.q().map_or(1000, |q| (q * 1000.0).round() as u16);
            updates.push((contact, expires, q));
        }
        let mut list = existing;
        let mut counter = self.counter;
        for (contact, expires, q_milli) in updates {
            list.retain(|b| !same_contact(&b.contact, &contact));
            if expires > 0 {
                counter += 1;
                list.push(Stored {
                    contact,
                    q_milli,
                    expires_at: now + Duration::from_secs(u64::from(expires)),
                    call_id: call_id.clone(),
                    cseq,
                    order: counter,
                });
            }
        }
        if list.len() > self.config.max_bindings {
            return Err(RegistrarError::TooManyBindings);
        }
        for b in list.iter().filter(|b| b.order > self.counter) {
            self.timers.push(Reverse((b.expires_at, b.order, aor.clone())));
        }
        self.counter = counter;
        let bindings = Self::view(now, &list);
        if list.is_empty() {
            self.bindings.remove(&aor);
        } else {
            self.bindings.insert(aor.clone(), list);
        }
        self.prune_timers();
        Ok(Registered { aor, bindings })
    }

    /// The response to `request` for `outcome` (RFC 3261 §10.3 step 8): 200 with one Contact per
    /// binding (`expires` and, when not 1, `q`), 423 with Min-Expires, or the refusal's code.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when `request` is not a request with a valid To.
    pub fn response(
        request: &Message<'_>,
        outcome: &Result<Registered, RegistrarError>,
        to_tag: &str,
    ) -> Result<MessageBuilder, ParseError> {
        match outcome {
            Ok(registered) => {
                let mut b = response_to(request, 200, "OK", to_tag)?;
                for binding in &registered.bindings {
                    let q_milli = (binding.q * 1000.0).round() as u16;
                    let mut value =
                        format!("<{}>;expires={}", binding.contact, binding.expires_in.as_secs());
                    if q_milli < 1000 {
                        value.push_str(";q=");
                        value.push_str(&format_q(q_milli));
                    }
                    b.push_header("Contact", &value);
                }
                Ok(b)
            }
            Err(e) => {
                let (code, reason) = e.status();
                let mut b = response_to(request, code, reason, to_tag)?;
                if let RegistrarError::IntervalTooBrief { min, .. } = e {
                    b.push_header("Min-Expires", &min.to_string());
                }
                if let RegistrarError::NotRegister = e {
                    b.push_header("Allow", "REGISTER");
                }
                Ok(b)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_aor_drops_params_and_lowercases_host() {
        assert_eq!(
            canonical_aor("sip:Bob@EXAMPLE.com;transport=tcp").unwrap(),
            "sip:Bob@example.com"
        );
        assert_eq!(
            canonical_aor("sips:bob@example.com:5061").unwrap(),
            "sips:bob@example.com:5061"
        );
        assert_eq!(canonical_aor("tel:+1-201-555-0123").unwrap(), "tel:+1-201-555-0123");
        assert!(
            matches!(canonical_aor("mailto:a@b"), Err(RegistrarError::UnsupportedScheme(s)) if s == "mailto")
        );
    }

    #[test]
    fn q_is_written_short() {
        assert_eq!(format_q(1000), "1");
        assert_eq!(format_q(500), "0.5");
        assert_eq!(format_q(125), "0.125");
        assert_eq!(format_q(0), "0");
    }
}
