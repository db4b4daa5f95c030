//! A user agent server on a real UDP socket: answers every INVITE with 180 and 200 (with an SDP
//! answer), retransmits the 200 until the ACK arrives (RFC 3261 §13.3.1.4), and answers the BYE.
//! The sans-IO transaction layer, dialogs and 2xx retransmitter are driven by a plain
//! `std::net::UdpSocket` and a timer loop. It can drop a seeded share of the datagrams it sends
//! and receives, to exercise retransmissions; the SIPp interop test (`tests/sipp.rs`) runs it.
//!
//! Run with `cargo run -p hotline-sip --example uas -- 127.0.0.1:5060 [seconds] [loss]`, then
//! call it, e.g. `sipp -sn uac -m 10 127.0.0.1:5060`.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::build::response_to;
use hotline_sip::dialog::{Dialog, DialogState, RetransmitOutcome, SuccessRetransmitter};
use hotline_sip::transaction::{
    Event, Remote, TimerConfig, TransactionId, TransactionLayer, Transport,
};

const ANSWER: &str = "v=0\r\no=hotline 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/// What the UAS counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UasStats {
    /// Distinct INVITEs answered (new calls).
    pub calls: u64,
    /// Calls whose 200 was acknowledged.
    pub acked: u64,
    /// BYEs answered with 200 in a dialog.
    pub byes: u64,
    /// 2xx retransmissions sent by the UAS core.
    pub retransmitted_2xx: u64,
    /// Calls whose 2xx was never acknowledged within 64·T1.
    pub gave_up: u64,
    /// Datagrams the loss simulation dropped on the way in.
    pub dropped_in: u64,
    /// Datagrams the loss simulation dropped on the way out.
    pub dropped_out: u64,
    /// Datagrams that did not parse.
    pub malformed: u64,
    /// Calls still open when the UAS stopped (no BYE arrived).
    pub open: u64,
    /// Of those, the calls whose 200 was never acknowledged.
    pub open_unacked: u64,
}

#[derive(Debug)]
struct Call {
    dialog: Dialog,
    retransmit: Option<SuccessRetransmitter>,
    /// Where the INVITE came from (in-dialog requests of the UAS go there).
    remote: Remote,
}

/// A SplitMix64 generator, so that a seed replays the same losses.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn chance(&mut self, p: f64) -> bool {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// The UAS: a socket, a transaction layer, the live calls.
#[derive(Debug)]
pub struct Uas {
    socket: UdpSocket,
    layer: TransactionLayer,
    calls: HashMap<String, Call>,
    rng: Rng,
    loss: f64,
    stats: UasStats,
}

impl Uas {
    /// Binds to `addr` (port 0: a free port). `loss` is the share of datagrams dropped in each
    /// direction, drawn from a generator seeded with `seed`.
    pub fn bind(addr: SocketAddr, loss: f64, seed: u64) -> std::io::Result<Uas> {
        Ok(Uas {
            socket: UdpSocket::bind(addr)?,
            layer: TransactionLayer::new(TimerConfig::default()),
            calls: HashMap::new(),
            rng: Rng(seed),
            loss,
            stats: UasStats::default(),
        })
    }

    /// The same UAS with other timer values (a short T1 makes tests fast).
    pub fn with_timers(mut self, config: TimerConfig) -> Uas {
        self.layer = TransactionLayer::new(config);
        self
    }

    /// The address the UAS listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Serves until `stop` is set (checked at least every 50 ms), then returns the counts.
    pub fn run(mut self, stop: &AtomicBool) -> std::io::Result<UasStats> {
        let mut buf = vec![0u8; 65_535];
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            let wait = self
                .next_timeout()
                .map_or(Duration::from_millis(50), |at| at.saturating_duration_since(now))
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            self.socket.set_read_timeout(Some(wait))?;
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    if self.rng.chance(self.loss) {
                        self.stats.dropped_in += 1;
                    } else if self
                        .layer
                        .handle_datagram(
                            Instant::now(),
                            &buf[..n],
                            Remote::new(from, Transport::Udp),
                        )
                        .is_err()
                    {
                        self.stats.malformed += 1;
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(e),
            }
            let now = Instant::now();
            if self.layer.poll_timeout().is_some_and(|at| at <= now) {
                self.layer.handle_timeout(now);
            }
            self.serve_events(now);
            self.retransmit(now);
            self.flush()?;
        }
        self.stats.open = self.calls.len() as u64;
        self.stats.open_unacked = self
            .calls
            .values()
            .filter(|c| c.retransmit.as_ref().is_some_and(|r| r.outcome().is_none()))
            .count() as u64;
        Ok(self.stats)
    }

    fn next_timeout(&self) -> Option<Instant> {
        let calls = self.calls.values().filter_map(|c| c.retransmit.as_ref()?.poll_timeout());
        self.layer.poll_timeout().into_iter().chain(calls).min()
    }

    /// The UAS core: answers requests and takes ACKs.
    fn serve_events(&mut self, now: Instant) {
        while let Some(event) = self.layer.poll_event() {
            match event {
                Event::Request { id, request, remote, .. } => {
                    let Ok(req) = Message::parse(&request) else { continue };
                    let Ok(call_id) = req.call_id().map(|c| c.as_str().to_owned()) else {
                        continue;
                    };
                    let answer = match req.method().map(|m| m.as_str()) {
                        Some("INVITE") if !self.calls.contains_key(&call_id) => {
                            self.answer_invite(now, id, &req, remote, call_id);
                            None
                        }
                        Some("BYE") => {
                            let known = self
                                .calls
                                .get_mut(&call_id)
                                .is_some_and(|c| c.dialog.receive_request(&req).is_ok());
                            if known {
                                // The BYE ends the dialog; a 2xx still unacknowledged stops.
                                self.calls.remove(&call_id);
                                self.stats.byes += 1;
                                Some((200, "OK"))
                            } else {
                                Some((481, "Call/Transaction Does Not Exist"))
                            }
                        }
                        Some("OPTIONS") => Some((200, "OK")),
                        Some("INVITE") => Some((488, "Not Acceptable Here")),
                        _ => Some((501, "Not Implemented")),
                    };
                    if let Some((code, reason)) = answer
                        && let Ok(resp) = response_to(&req, code, reason, "uas")
                    {
                        let _ = self.layer.respond(now, id, resp.to_bytes().unwrap());
                    }
                }
                Event::Ack { request, .. } => {
                    let Ok(ack) = Message::parse(&request) else { continue };
                    let Ok(call_id) = ack.call_id() else { continue };
                    if let Some(call) = self.calls.get_mut(call_id.as_str())
                        && call.dialog.receive_request(&ack).is_ok()
                        && let Some(r) = call.retransmit.as_mut()
                        && r.outcome().is_none()
                    {
                        r.ack_received();
                        self.stats.acked += 1;
                    }
                }
                _ => {}
            }
        }
    }

    /// Rings and answers a new INVITE, and starts retransmitting the 200 until the ACK.
    fn answer_invite(
        &mut self,
        now: Instant,
        id: TransactionId,
        req: &Message<'_>,
        remote: Remote,
        call_id: String,
    ) -> Option<()> {
        self.stats.calls += 1;
        let tag = format!("uas{}", self.stats.calls);
        let contact = format!("<sip:uas@{}>", self.socket.local_addr().ok()?);
        let ringing = response_to(req, 180, "Ringing", &tag).ok()?;
        self.layer.respond(now, id, ringing.to_bytes().unwrap()).ok()?;
        let ok = response_to(req, 200, "OK", &tag)
            .ok()?
            .header("Contact", &contact)
            .body("application/sdp", ANSWER.as_bytes())
            .to_bytes()
            .unwrap();
        self.layer.respond(now, id, ok.clone()).ok()?;
        let dialog = Dialog::uas(req, &tag, 1, true).ok()?;
        let retransmit = SuccessRetransmitter::new(now, ok, remote, self.layer.config());
        self.calls.insert(call_id, Call { dialog, retransmit: Some(retransmit), remote });
        Some(())
    }

    /// Fires the 2xx retransmitters that are due.
    fn retransmit(&mut self, now: Instant) {
        let local = self.socket.local_addr().ok();
        for call in self.calls.values_mut() {
            let Some(r) = call.retransmit.as_mut() else { continue };
            if r.poll_timeout().is_some_and(|at| at <= now) {
                r.handle_timeout(now);
                if let Some(t) = r.poll_transmit() {
                    self.stats.retransmitted_2xx += 1;
                    self.layer.send_stateless(t.remote, t.payload);
                }
                if r.outcome() == Some(RetransmitOutcome::GaveUp) {
                    // No ACK within 64*T1: the dialog is confirmed, but the session ends with a
                    // BYE (§13.3.1.4).
                    self.stats.gave_up += 1;
                    if let Some(local) = local {
                        let via = format!(
                            "SIP/2.0/UDP {local};branch=z9hG4bK-uas-bye-{}",
                            self.stats.gave_up
                        );
                        if let Ok(bye) = call.dialog.request("BYE", &via) {
                            let bye = bye.header("Content-Length", "0").to_bytes().unwrap();
                            let _ = self.layer.send_request(now, bye, call.remote);
                        }
                    }
                    call.dialog.terminate();
                }
            }
        }
        self.calls.retain(|_, c| c.dialog.state() != DialogState::Terminated);
    }

    fn flush(&mut self) -> std::io::Result<()> {
        while let Some(t) = self.layer.poll_transmit() {
            if self.rng.chance(self.loss) {
                self.stats.dropped_out += 1;
                continue;
            }
            self.socket.send_to(&t.payload, t.remote.addr)?;
        }
        Ok(())
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:5060".to_owned())
        .parse()
        .expect("an address like 127.0.0.1:5060");
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(30);
    let loss: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let uas = Uas::bind(addr, loss, 1)?;
    println!("UAS listening on {} for {seconds} s, loss {loss}", uas.local_addr()?);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        flag.store(true, Ordering::Relaxed);
    });
    let stats = uas.run(&stop)?;
    println!("{stats:?}");
    Ok(())
}
