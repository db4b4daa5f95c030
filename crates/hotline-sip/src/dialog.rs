//! Dialogs (RFC 3261 §12): the state two user agents share after an INVITE, and the in-dialog
//! requests built from it.
//!
//! A [`Dialog`] is created on the UAC side from the INVITE and a response carrying a To tag
//! ([`Dialog::uac`]; a provisional response makes an early dialog, a 2xx a confirmed one, and
//! each distinct To tag of a forked INVITE makes its own dialog, told apart by [`DialogId`]), or
//! on the UAS side from the INVITE and the local tag ([`Dialog::uas`]). It keeps the route set
//! (Record-Route, reversed for the UAC), the remote target (Contact, refreshed by
//! [`Dialog::receive_request`] and [`Dialog::receive_response`] on INVITE/UPDATE), the local
//! CSeq that [`Dialog::request`] increments, and the remote CSeq that refuses requests arriving
//! out of order. [`Dialog::ack`] builds the ACK for a 2xx, which RFC 3261 leaves to the dialog.
//!
//! [`SuccessRetransmitter`] is the UAS core's retransmission of its 2xx until the ACK arrives
//! (§13.3.1.4), which RFC 6026 leaves outside the INVITE server transaction.
//!
//! Only loose routing (`;lr`) is written: a route set whose first entry lacks `lr` is handled as
//! RFC 3261 §12.2.1.1 prescribes for strict routers.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::build::MessageBuilder;
use crate::header::{HeaderValue, NameAddr};
use crate::transaction::{Remote, TimerConfig, Transmit};
use crate::{HeaderName, Leniency, Message, Method, ParseError};

/// Where a dialog stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DialogState {
    /// Created by a provisional response.
    Early,
    /// A 2xx was sent or received.
    Confirmed,
    /// A BYE was sent or received, or the early dialog ended with a failure.
    Terminated,
}

/// A dialog's identity: Call-ID and the two tags (RFC 3261 §12).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: String,
    /// This side's tag.
    pub local_tag: String,
    /// The other side's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The id of the dialog an incoming request belongs to (local tag = To tag, remote tag =
    /// From tag), or `None` when the request has no To tag (it is out of dialog).
    pub fn of_request(request: &Message<'_>) -> Option<DialogId> {
        Some(DialogId {
            call_id: request.call_id().ok()?.as_str().to_owned(),
            local_tag: request.to().ok()?.tag()?.to_owned(),
            remote_tag: request.from().ok()?.tag()?.to_owned(),
        })
    }

    /// The id of the dialog a response received by the UAC belongs to (local tag = From tag,
    /// remote tag = To tag), or `None` without both tags.
    pub fn of_response(response: &Message<'_>) -> Option<DialogId> {
        Some(DialogId {
            call_id: response.call_id().ok()?.as_str().to_owned(),
            local_tag: response.from().ok()?.tag()?.to_owned(),
            remote_tag: response.to().ok()?.tag()?.to_owned(),
        })
    }
}

/// Why a dialog could not be created or refused a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    /// A header is malformed. The parse error is the [`source`](std::error::Error::source), not
    /// repeated in this error's text.
    #[error("malformed message")]
    Parse(#[from] ParseError),
    /// A needed header or tag is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The response cannot create a dialog (100, or 300–699).
    #[error("status {0} creates no dialog")]
    NoDialog(u16),
    /// The request's CSeq is lower than the last one seen (answer 500, §12.2.2).
    #[error("CSeq {cseq} is lower than {last}")]
    OutOfOrder {
        /// The CSeq received.
        cseq: u32,
        /// The highest CSeq seen before.
        last: u32,
    },
    /// The message belongs to another dialog.
    #[error("the message belongs to another dialog")]
    WrongDialog,
}

/// One dialog. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialog {
    id: DialogId,
    state: DialogState,
    /// From value of our requests (URI and our tag).
    local: String,
    /// To value of our requests (URI and the remote tag).
    remote: String,
    local_seq: u32,
    remote_seq: Option<u32>,
    remote_target: String,
    route_set: Vec<String>,
}

fn contact_uri(msg: &Message<'_>) -> Result<Option<String>, DialogError> {
    match msg.contacts().next() {
        Some(c) => Ok(c?.address().map(|a| a.uri().as_str().to_owned())),
        None => Ok(None),
    }
}

fn with_tag(value: &str, tag: &str) -> String {
    format!("{};tag={tag}", value.trim())
}

impl Dialog {
    /// The UAC's dialog from the INVITE it sent and a 101–299 response with a To tag.
    ///
    /// # Errors
    ///
    /// [`DialogError`] when the response creates no dialog or lacks To tag or Contact.
    pub fn uac(invite: &Message<'_>, response: &Message<'_>) -> Result<Dialog, DialogError> {
        let code = response.status().ok_or(DialogError::Missing("status"))?;
        if !(101..300).contains(&code) {
            return Err(DialogError::NoDialog(code));
        }
        let id = DialogId::of_response(response).ok_or(DialogError::Missing("To tag"))?;
        let remote_target = contact_uri(response)?.ok_or(DialogError::Missing("Contact"))?;
        let mut route_set: Vec<String> =
            response.values(HeaderName::RecordRoute).map(|v| v.trim().to_owned()).collect();
        route_set.reverse();
        Ok(Dialog {
            id,
            state: if code < 200 { DialogState::Early } else { DialogState::Confirmed },
            local: invite
                .header(HeaderName::From)
                .ok_or(DialogError::Missing("From"))?
                .value()
                .trim()
                .to_owned(),
            remote: response
                .header(HeaderName::To)
                .ok_or(DialogError::Missing("To"))?
                .value()
                .trim()
                .to_owned(),
            local_seq: invite.cseq()?.seq,
            remote_seq: None,
            remote_target,
            route_set,
        })
    }

    /// The UAS's dialog from the INVITE it received, the tag it puts in its To, and the first
    /// CSeq it will use for its own requests. `confirmed` says whether the response that creates
    /// the dialog is a 2xx.
    ///
    /// # Errors
    ///
    /// [`DialogError`] when the INVITE lacks a From tag or a Contact.
    pub fn uas(
        invite: &Message<'_>,
        local_tag: &str,
        first_local_cseq: u32,
        confirmed: bool,
    ) -> Result<Dialog, DialogError> {
        let remote_tag = invite.from()?.tag().ok_or(DialogError::Missing("From tag"))?;
        Ok(Dialog {
            id: DialogId {
                call_id: invite.call_id()?.as_str().to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag: remote_tag.to_owned(),
            },
            state: if confirmed { DialogState::Confirmed } else { DialogState::Early },
            local: with_tag(
                invite.header(HeaderName::To).ok_or(DialogError::Missing("To"))?.value(),
                local_tag,
            ),
            remote: invite
                .header(HeaderName::From)
                .ok_or(DialogError::Missing("From"))?
                .value()
                .trim()
                .to_owned(),
            local_seq: first_local_cseq.saturating_sub(1),
            remote_seq: Some(invite.cseq()?.seq),
            remote_target: contact_uri(invite)?.ok_or(DialogError::Missing("Contact"))?,
            route_set: invite
                .values(HeaderName::RecordRoute)
                .map(|v| v.trim().to_owned())
                .collect(),
        })
    }

    /// The dialog's id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// The state.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// The remote target (where in-dialog requests go).
    pub fn remote_target(&self) -> &str {
        &self.remote_target
    }

    /// The route set, in the order the Route headers are written.
    pub fn route_set(&self) -> &[String] {
        &self.route_set
    }

    /// The CSeq of the last request this side sent.
    pub fn local_seq(&self) -> u32 {
        self.local_seq
    }

    /// The CSeq of the last request the other side sent, once one was seen.
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// Marks the dialog confirmed (the UAS sent its 2xx).
    pub fn confirm(&mut self) {
        if self.state == DialogState::Early {
            self.state = DialogState::Confirmed;
        }
    }

    /// Ends the dialog (a BYE, or a failure ending an early dialog).
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
    }

    /// UAC: a further response on this dialog. A 2xx confirms an early dialog and takes the
    /// route set anew (§12.1.2); a Contact refreshes the remote target; a 300–699 to the INVITE
    /// ends an early dialog.
    ///
    /// # Errors
    ///
    /// [`DialogError::WrongDialog`] when the tags or Call-ID differ.
    pub fn receive_response(&mut self, response: &Message<'_>) -> Result<(), DialogError> {
        if DialogId::of_response(response).as_ref() != Some(&self.id) {
            return Err(DialogError::WrongDialog);
        }
        let code = response.status().ok_or(DialogError::Missing("status"))?;
        let method = response.cseq()?.method;
        if (200..300).contains(&code)
            && self.state == DialogState::Early
            && method == Method::Invite
        {
            self.state = DialogState::Confirmed;
            let mut routes: Vec<String> =
                response.values(HeaderName::RecordRoute).map(|v| v.trim().to_owned()).collect();
            routes.reverse();
            self.route_set = routes;
        }
        if code >= 300 && self.state == DialogState::Early && method == Method::Invite {
            self.state = DialogState::Terminated;
        }
        if matches!(method, Method::Invite | Method::Update)
            && (101..300).contains(&code)
            && let Some(target) = contact_uri(response)?
        {
            self.remote_target = target;
        }
        Ok(())
    }

    /// UAS or UAC: a request received within the dialog. Checks the CSeq order (ACK and CANCEL
    /// carry the INVITE's number and are exempt), refreshes the remote target on INVITE and
    /// UPDATE, and ends the dialog on BYE.
    ///
    /// # Errors
    ///
    /// [`DialogError::OutOfOrder`] (answer 500) or [`DialogError::WrongDialog`].
    pub fn receive_request(&mut self, request: &Message<'_>) -> Result<(), DialogError> {
        if DialogId::of_request(request).as_ref() != Some(&self.id) {
            return Err(DialogError::WrongDialog);
        }
        let cseq = request.cseq()?;
        let method = request.method().ok_or(DialogError::Missing("method"))?;
        if !matches!(method, Method::Ack | Method::Cancel) {
            if let Some(last) = self.remote_seq
                && cseq.seq <= last
            {
                return Err(DialogError::OutOfOrder { cseq: cseq.seq, last });
            }
            self.remote_seq = Some(cseq.seq);
        }
        if matches!(method, Method::Invite | Method::Update)
            && let Some(target) = contact_uri(request)?
        {
            self.remote_target = target;
        }
        if method == Method::Bye {
            self.state = DialogState::Terminated;
        }
        Ok(())
    }

    fn base(&self, method: &str, cseq: u32, via: &str) -> Result<MessageBuilder, DialogError> {
        // §12.2.1.1: loose routing keeps the remote target as Request-URI; a strict router
        // (first route without `lr`) becomes the Request-URI and the target goes last.
        let first_is_strict = match self.route_set.first() {
            Some(r) => !NameAddr::parse(r, &Leniency::default())?
                .uri()
                .as_sip()
                .is_some_and(|u| u.params().contains("lr")),
            None => false,
        };
        let (uri, routes): (String, Vec<String>) = if first_is_strict {
            let first = NameAddr::parse(&self.route_set[0], &Leniency::default())?;
            let mut rest: Vec<String> = self.route_set[1..].to_vec();
            rest.push(format!("<{}>", self.remote_target));
            (first.uri().as_str().to_owned(), rest)
        } else {
            (self.remote_target.clone(), self.route_set.clone())
        };
        let mut b = MessageBuilder::request(method, &uri);
        b.push_header("Via", via);
        for r in &routes {
            b.push_header("Route", r);
        }
        b.push_header("Max-Forwards", "70");
        b.push_header("From", &self.local);
        b.push_header("To", &self.remote);
        b.push_header("Call-ID", &self.id.call_id);
        b.push_header("CSeq", &format!("{cseq} {method}"));
        Ok(b)
    }

    /// A new in-dialog request (re-INVITE, BYE, INFO, UPDATE, OPTIONS, ...) with the next local
    /// CSeq. `via` is the full top Via value, with a fresh branch. Add Contact (for target
    /// refresh requests) and a body to the returned builder as needed.
    ///
    /// # Errors
    ///
    /// [`DialogError::Parse`] when a stored route does not parse.
    pub fn request(&mut self, method: &str, via: &str) -> Result<MessageBuilder, DialogError> {
        self.local_seq += 1;
        let b = self.base(method, self.local_seq, via)?;
        if method == "BYE" {
            self.state = DialogState::Terminated;
        }
        Ok(b)
    }

    /// The ACK for a 2xx to the INVITE with CSeq `invite_cseq` (§13.2.2.4): same CSeq number, a
    /// new branch in `via`.
    ///
    /// # Errors
    ///
    /// [`DialogError::Parse`] when a stored route does not parse.
    pub fn ack(&self, invite_cseq: u32, via: &str) -> Result<MessageBuilder, DialogError> {
        self.base("ACK", invite_cseq, via)
    }
}

/// How a [`SuccessRetransmitter`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RetransmitOutcome {
    /// The ACK arrived ([`SuccessRetransmitter::ack_received`]).
    Acknowledged,
    /// The caller stopped it ([`SuccessRetransmitter::stop`]), e.g. because a BYE ended the
    /// dialog first.
    Stopped,
    /// No ACK came within 64·T1: the dialog is confirmed but the session should be ended with a
    /// BYE (RFC 3261 §13.3.1.4).
    GaveUp,
}

/// The UAS core's retransmission of a 2xx to an INVITE (RFC 3261 §13.3.1.4), sans-IO.
///
/// The INVITE server transaction sends the 2xx once and leaves it to the core (RFC 6026). Start
/// this right after that first send: it hands the same bytes out again T1 later, then at
/// intervals doubling up to T2, until [`SuccessRetransmitter::ack_received`] or
/// [`SuccessRetransmitter::stop`] is called. 64·T1 after the first send it gives up and reports
/// [`RetransmitOutcome::GaveUp`], so that the dialog layer can send a BYE. The retransmissions
/// run over every transport, reliable ones too: the 2xx is retransmitted end to end, and a later
/// hop may be UDP.
///
/// ```
/// use std::time::{Duration, Instant};
/// use hotline_sip::dialog::{RetransmitOutcome, SuccessRetransmitter};
/// use hotline_sip::transaction::{Remote, TimerConfig, Transport};
///
/// let t0 = Instant::now();
/// let to = Remote::new("127.0.0.1:5070".parse().unwrap(), Transport::Udp);
/// let mut r = SuccessRetransmitter::new(t0, b"SIP/2.0 200 OK\r\n...".to_vec(), to, &TimerConfig::default());
/// assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_millis(500)));
/// r.handle_timeout(t0 + Duration::from_millis(500));
/// assert!(r.poll_transmit().is_some());
/// r.ack_received();
/// assert_eq!(r.outcome(), Some(RetransmitOutcome::Acknowledged));
/// assert_eq!(r.poll_timeout(), None);
/// ```
#[derive(Debug, Clone)]
pub struct SuccessRetransmitter {
    response: Vec<u8>,
    remote: Remote,
    t2: Duration,
    interval: Duration,
    next: Instant,
    give_up: Instant,
    pending: Option<Transmit>,
    retransmissions: u32,
    outcome: Option<RetransmitOutcome>,
}

impl SuccessRetransmitter {
    /// Starts retransmitting `response` (a 2xx the transaction layer sent at `now`) to `remote`
    /// with the timers of `config`.
    pub fn new(now: Instant, response: Vec<u8>, remote: Remote, config: &TimerConfig) -> Self {
        SuccessRetransmitter {
            response,
            remote,
            t2: config.t2,
            interval: config.t1,
            next: now + config.t1,
            give_up: now + 64 * config.t1,
            pending: None,
            retransmissions: 0,
            outcome: None,
        }
    }

    /// The next instant at which [`SuccessRetransmitter::handle_timeout`] must be called, or
    /// `None` once it ended.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.outcome {
            Some(_) => None,
            None => Some(self.next.min(self.give_up)),
        }
    }

    /// Fires what is due at `now`: a retransmission (then [`SuccessRetransmitter::poll_transmit`]
    /// returns it) or, at 64·T1, the end with [`RetransmitOutcome::GaveUp`].
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.outcome.is_some() {
            return;
        }
        if now >= self.give_up {
            self.outcome = Some(RetransmitOutcome::GaveUp);
            self.pending = None;
            return;
        }
        if now >= self.next {
            self.pending = Some(Transmit { remote: self.remote, payload: self.response.clone() });
            self.retransmissions += 1;
            self.interval = (self.interval * 2).min(self.t2);
            self.next = now + self.interval;
        }
    }

    /// The retransmission to put on the wire, if one is due.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.pending.take()
    }

    /// The ACK for the 2xx arrived: retransmissions stop.
    pub fn ack_received(&mut self) {
        self.finish(RetransmitOutcome::Acknowledged);
    }

    /// Stops without an ACK (the dialog ended some other way).
    pub fn stop(&mut self) {
        self.finish(RetransmitOutcome::Stopped);
    }

    fn finish(&mut self, outcome: RetransmitOutcome) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
            self.pending = None;
        }
    }

    /// How it ended, or `None` while it still runs.
    pub fn outcome(&self) -> Option<RetransmitOutcome> {
        self.outcome
    }

    /// How many retransmissions were handed out so far.
    pub fn retransmissions(&self) -> u32 {
        self.retransmissions
    }

    /// The response being retransmitted.
    pub fn response(&self) -> &[u8] {
        &self.response
    }
}
