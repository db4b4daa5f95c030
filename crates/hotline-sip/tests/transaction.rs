//! Behaviour of the transaction layer: every transaction type and timer path, with a simulated
//! clock and, for the end-to-end runs, a seeded link that drops, duplicates and reorders.

use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::build::response_to;
use hotline_sip::dialog::{RetransmitOutcome, SuccessRetransmitter};
use hotline_sip::transaction::{
    Event, Remote, TimerConfig, TransactionError, TransactionId, TransactionLayer,
    TransactionState, Transmit, Transport,
};

const MS: Duration = Duration::from_millis(1);

fn udp(port: u16) -> Remote {
    Remote::new(format!("127.0.0.1:{port}").parse().unwrap(), Transport::Udp)
}

fn tcp(port: u16) -> Remote {
    Remote::new(format!("127.0.0.1:{port}").parse().unwrap(), Transport::Tcp)
}

fn request(method: &str, branch: &str, cseq: u32) -> Vec<u8> {
    format!(
        "{method} sip:bob@127.0.0.1:5060 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n\
         Max-Forwards: 70\r\n\
         To: Bob <sip:bob@example.com>\r\n\
         From: Alice <sip:alice@example.com>;tag=a1\r\n\
         Call-ID: call-{branch}\r\n\
         CSeq: {cseq} {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn response(req: &[u8], code: u16) -> Vec<u8> {
    let msg = Message::parse(req).unwrap();
    response_to(&msg, code, "Reason", "b1").unwrap().to_bytes().unwrap()
}

fn start_line(bytes: &[u8]) -> String {
    Message::parse(bytes).unwrap().start_line().to_owned()
}

/// What one layer sent (offset, start line) and reported (offset, event).
type Trace = (Vec<(Duration, String)>, Vec<(Duration, Event)>);

/// Drives one layer alone: fires every timer up to `until`, returning the offsets at which
/// something was transmitted and the events with their offsets.
fn run_alone(layer: &mut TransactionLayer, t0: Instant, until: Duration) -> Trace {
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut now = t0;
    loop {
        while let Some(t) = layer.poll_transmit() {
            sent.push((now - t0, start_line(&t.payload)));
        }
        while let Some(e) = layer.poll_event() {
            events.push((now - t0, e));
        }
        match layer.poll_timeout() {
            Some(at) if at <= t0 + until => {
                now = at;
                layer.handle_timeout(now);
            }
            _ => break,
        }
    }
    (sent, events)
}

fn offsets(sent: &[(Duration, String)]) -> Vec<u128> {
    sent.iter().map(|(d, _)| d.as_millis()).collect()
}

#[test]
fn non_invite_client_timer_e_backs_off_to_t2_and_timer_f_times_out() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let id = a.send_request(t0, request("OPTIONS", "z9hG4bK-e", 1), udp(5060)).unwrap();
    let (sent, events) = run_alone(&mut a, t0, Duration::from_secs(60));
    assert_eq!(
        offsets(&sent),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(events[0], (Duration::from_secs(32), Event::Timeout { id }));
    assert_eq!(events[1], (Duration::from_secs(32), Event::Terminated { id }));
    assert!(a.is_empty());
}

#[test]
fn invite_client_timer_a_doubles_without_cap_and_timer_b_times_out() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let id = a.send_request(t0, request("INVITE", "z9hG4bK-a", 1), udp(5060)).unwrap();
    assert_eq!(a.state(id), Some(TransactionState::Calling));
    let (sent, events) = run_alone(&mut a, t0, Duration::from_secs(60));
    assert_eq!(offsets(&sent), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert_eq!(events[0], (Duration::from_secs(32), Event::Timeout { id }));
}

#[test]
fn reliable_transport_never_retransmits_but_still_times_out() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let inv = a.send_request(t0, request("INVITE", "z9hG4bK-r1", 1), tcp(5060)).unwrap();
    let opt = a.send_request(t0, request("OPTIONS", "z9hG4bK-r2", 1), tcp(5060)).unwrap();
    let (sent, events) = run_alone(&mut a, t0, Duration::from_secs(60));
    assert_eq!(offsets(&sent), [0, 0]);
    let timeouts: Vec<_> = events
        .iter()
        .filter_map(|(d, e)| match e {
            Event::Timeout { id } => Some((*d, *id)),
            _ => None,
        })
        .collect();
    assert_eq!(timeouts, [(Duration::from_secs(32), inv), (Duration::from_secs(32), opt)]);
}

#[test]
fn configured_t1_scales_every_timer() {
    let t0 = Instant::now();
    let config = TimerConfig::new().with_t1(Duration::from_millis(100));
    let mut a = TransactionLayer::new(config);
    a.send_request(t0, request("INVITE", "z9hG4bK-t1", 1), udp(5060)).unwrap();
    let (sent, events) = run_alone(&mut a, t0, Duration::from_secs(60));
    assert_eq!(offsets(&sent), [0, 100, 300, 700, 1500, 3100, 6300]);
    assert!(matches!(events[0], (d, Event::Timeout { .. }) if d == 6400 * MS));
}

#[test]
fn non_invite_client_retransmits_every_t2_once_proceeding_and_timer_k_absorbs_finals() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("REGISTER", "z9hG4bK-k", 1);
    let id = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    a.poll_transmit().unwrap();
    a.handle_datagram(t0 + 100 * MS, &response(&req, 100), udp(5060)).unwrap();
    assert_eq!(a.state(id), Some(TransactionState::Proceeding));
    assert!(matches!(a.poll_event(), Some(Event::Response { id: i, .. }) if i == id));
    // Timer E was due at 500 ms; after it, every T2 = 4 s.
    let (sent, _) = run_alone(&mut a, t0, Duration::from_millis(9000));
    assert_eq!(offsets(&sent), [500, 4500, 8500]);
    let now = t0 + Duration::from_secs(9);
    a.handle_datagram(now, &response(&req, 200), udp(5060)).unwrap();
    assert_eq!(a.state(id), Some(TransactionState::Completed));
    assert!(matches!(a.poll_event(), Some(Event::Response { .. })));
    // A retransmitted final response is absorbed.
    a.handle_datagram(now + MS, &response(&req, 200), udp(5060)).unwrap();
    assert_eq!(a.poll_event(), None);
    assert_eq!(a.poll_timeout(), Some(now + Duration::from_secs(5)), "timer K = T4");
    a.handle_timeout(now + Duration::from_secs(5));
    assert_eq!(a.poll_event(), Some(Event::Terminated { id }));
    assert!(a.poll_transmit().is_none());
}

#[test]
fn non_invite_client_over_tcp_terminates_on_the_final_response() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("BYE", "z9hG4bK-tcp", 2);
    let id = a.send_request(t0, req.clone(), tcp(5060)).unwrap();
    a.handle_datagram(t0, &response(&req, 200), tcp(5060)).unwrap();
    assert!(matches!(a.poll_event(), Some(Event::Response { .. })));
    assert_eq!(a.poll_event(), Some(Event::Terminated { id }));
}

#[test]
fn invite_client_acks_a_failure_itself_and_timer_d_absorbs_retransmissions() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("INVITE", "z9hG4bK-d", 7);
    let id = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    a.poll_transmit().unwrap();
    let busy = response(&req, 486);
    a.handle_datagram(t0 + 50 * MS, &busy, udp(5060)).unwrap();
    assert_eq!(a.state(id), Some(TransactionState::Completed));
    let ack = a.poll_transmit().unwrap();
    let ack = Message::parse(&ack.payload).unwrap();
    assert_eq!(ack.start_line(), "ACK sip:bob@127.0.0.1:5060 SIP/2.0");
    assert_eq!(ack.cseq().unwrap().seq, 7);
    assert_eq!(ack.to().unwrap().tag(), Some("b1"), "To of the response");
    assert_eq!(ack.top_via().unwrap().branch(), Some("z9hG4bK-d"), "same branch");
    assert!(matches!(a.poll_event(), Some(Event::Response { .. })));
    // The 486 again: the ACK again, nothing for the TU.
    a.handle_datagram(t0 + 600 * MS, &busy, udp(5060)).unwrap();
    assert_eq!(start_line(&a.poll_transmit().unwrap().payload), ack.start_line());
    assert_eq!(a.poll_event(), None);
    assert_eq!(a.poll_timeout(), Some(t0 + 50 * MS + Duration::from_secs(32)));
    a.handle_timeout(t0 + 50 * MS + Duration::from_secs(32));
    assert_eq!(a.poll_event(), Some(Event::Terminated { id }));
}

#[test]
fn invite_client_passes_2xx_retransmissions_up_while_accepted_then_timer_m_ends_it() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("INVITE", "z9hG4bK-m", 1);
    let id = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    a.poll_transmit().unwrap();
    let ok = response(&req, 200);
    a.handle_datagram(t0 + 10 * MS, &ok, udp(5060)).unwrap();
    assert_eq!(a.state(id), Some(TransactionState::Accepted));
    assert!(a.poll_transmit().is_none(), "the ACK for a 2xx belongs to the dialog");
    a.handle_datagram(t0 + 510 * MS, &ok, udp(5060)).unwrap();
    let responses = std::iter::from_fn(|| a.poll_event())
        .filter(|e| matches!(e, Event::Response { .. }))
        .count();
    assert_eq!(responses, 2);
    a.handle_timeout(t0 + 10 * MS + Duration::from_secs(32));
    assert_eq!(a.poll_event(), Some(Event::Terminated { id }), "timer M, no timeout");
    // After that a 2xx retransmission is stray: the dialog layer still sees it.
    a.handle_datagram(t0 + Duration::from_secs(40), &ok, udp(5060)).unwrap();
    assert!(matches!(a.poll_event(), Some(Event::StrayResponse { .. })));
}

fn server_with_invite(
    transport: Remote,
    branch: &str,
) -> (TransactionLayer, TransactionId, Vec<u8>, Instant) {
    let t0 = Instant::now();
    let mut b = TransactionLayer::new(TimerConfig::default());
    let req = request("INVITE", branch, 1);
    b.handle_datagram(t0, &req, transport).unwrap();
    let Some(Event::Request { id, cancels: None, .. }) = b.poll_event() else {
        panic!("expected a request")
    };
    (b, id, req, t0)
}

#[test]
fn invite_server_sends_100_trying_and_repeats_it_on_retransmission() {
    let (mut b, id, req, t0) = server_with_invite(udp(5070), "z9hG4bK-100");
    let trying = b.poll_transmit().unwrap();
    assert_eq!(start_line(&trying.payload), "SIP/2.0 100 Trying");
    assert_eq!(trying.remote, udp(5070), "back to the source");
    b.handle_datagram(t0 + 500 * MS, &req, udp(5070)).unwrap();
    assert_eq!(b.poll_event(), None, "a retransmission is absorbed");
    assert_eq!(start_line(&b.poll_transmit().unwrap().payload), "SIP/2.0 100 Trying");
    b.respond(t0 + 600 * MS, id, response(&req, 180)).unwrap();
    b.poll_transmit().unwrap();
    b.handle_datagram(t0 + Duration::from_millis(1500), &req, udp(5070)).unwrap();
    assert_eq!(start_line(&b.poll_transmit().unwrap().payload), "SIP/2.0 180 Reason");
    assert_eq!(b.poll_timeout(), None, "no timer runs while Proceeding");

    let config = TimerConfig::new().with_send_trying(false);
    let mut quiet = TransactionLayer::new(config);
    quiet.handle_datagram(t0, &req, udp(5070)).unwrap();
    assert!(quiet.poll_transmit().is_none());
}

#[test]
fn invite_server_timer_g_retransmits_a_failure_and_timer_h_times_out_without_ack() {
    let (mut b, id, req, t0) = server_with_invite(udp(5070), "z9hG4bK-gh");
    b.poll_transmit().unwrap();
    b.respond(t0, id, response(&req, 486)).unwrap();
    assert_eq!(b.state(id), Some(TransactionState::Completed));
    let (sent, events) = run_alone(&mut b, t0, Duration::from_secs(60));
    assert_eq!(
        offsets(&sent),
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert!(sent.iter().all(|(_, l)| l == "SIP/2.0 486 Reason"));
    assert_eq!(events[0], (Duration::from_secs(32), Event::Timeout { id }));
}

#[test]
fn invite_server_confirmed_by_ack_then_timer_i() {
    let (mut b, id, req, t0) = server_with_invite(udp(5070), "z9hG4bK-i");
    b.respond(t0, id, response(&req, 603)).unwrap();
    let ack = request("ACK", "z9hG4bK-i", 1);
    b.handle_datagram(t0 + 700 * MS, &ack, udp(5070)).unwrap();
    assert_eq!(b.state(id), Some(TransactionState::Confirmed));
    assert_eq!(b.poll_event(), None, "the ACK for a failure stays in the transaction");
    // ACK retransmissions are absorbed; no more response retransmissions.
    b.handle_datagram(t0 + 800 * MS, &ack, udp(5070)).unwrap();
    assert_eq!(b.poll_event(), None);
    assert_eq!(b.poll_timeout(), Some(t0 + 700 * MS + Duration::from_secs(5)), "timer I = T4");
    while b.poll_transmit().is_some() {}
    b.handle_timeout(t0 + 700 * MS + Duration::from_secs(5));
    assert!(b.poll_transmit().is_none());
    assert_eq!(b.poll_event(), Some(Event::Terminated { id }));
}

#[test]
fn invite_server_over_tcp_sends_the_failure_once_and_ends_on_ack() {
    let (mut b, id, req, t0) = server_with_invite(tcp(5070), "z9hG4bK-tcpi");
    b.respond(t0, id, response(&req, 486)).unwrap();
    let (sent, _) = run_alone(&mut b, t0, Duration::from_secs(10));
    assert_eq!(offsets(&sent), [0, 0], "100 Trying and the 486, never again");
    b.handle_datagram(t0 + Duration::from_secs(10), &request("ACK", "z9hG4bK-tcpi", 1), tcp(5070))
        .unwrap();
    assert_eq!(b.poll_event(), Some(Event::Terminated { id }), "timer I is zero");
}

#[test]
fn invite_server_accepted_passes_ack_up_and_timer_l_ends_it() {
    let (mut b, id, req, t0) = server_with_invite(udp(5070), "z9hG4bK-l");
    b.respond(t0, id, response(&req, 200)).unwrap();
    assert_eq!(b.state(id), Some(TransactionState::Accepted));
    // The UAS core may retransmit its 2xx through the transaction.
    b.respond(t0 + 500 * MS, id, response(&req, 200)).unwrap();
    assert!(matches!(
        b.respond(t0 + 500 * MS, id, response(&req, 486)),
        Err(TransactionError::WrongState { .. })
    ));
    // An INVITE retransmission is absorbed without a response: the core owns 2xx retransmission.
    while b.poll_transmit().is_some() {}
    b.handle_datagram(t0 + 600 * MS, &req, udp(5070)).unwrap();
    assert!(b.poll_transmit().is_none());
    let ack = request("ACK", "z9hG4bK-2xx-ack", 1);
    b.handle_datagram(t0 + 700 * MS, &ack, udp(5070)).unwrap();
    assert!(matches!(b.poll_event(), Some(Event::Ack { invite: None, .. })));
    // An ACK with the INVITE's branch (as a stateless proxy might send) while Accepted.
    b.handle_datagram(t0 + 700 * MS, &request("ACK", "z9hG4bK-l", 1), udp(5070)).unwrap();
    assert!(matches!(b.poll_event(), Some(Event::Ack { invite: Some(i), .. }) if i == id));
    assert_eq!(b.poll_timeout(), Some(t0 + Duration::from_secs(32)));
    b.handle_timeout(t0 + Duration::from_secs(32));
    assert_eq!(b.poll_event(), Some(Event::Terminated { id }), "timer L, no timeout");
}

#[test]
fn non_invite_server_timer_j_absorbs_retransmissions() {
    let t0 = Instant::now();
    let mut b = TransactionLayer::new(TimerConfig::default());
    let req = request("OPTIONS", "z9hG4bK-j", 3);
    b.handle_datagram(t0, &req, udp(5070)).unwrap();
    let Some(Event::Request { id, .. }) = b.poll_event() else { panic!() };
    assert_eq!(b.state(id), Some(TransactionState::Trying));
    assert!(b.poll_transmit().is_none(), "no 100 for non-INVITE");
    b.handle_datagram(t0 + 500 * MS, &req, udp(5070)).unwrap();
    assert!(b.poll_transmit().is_none(), "Trying absorbs silently");
    b.respond(t0 + 600 * MS, id, response(&req, 200)).unwrap();
    b.poll_transmit().unwrap();
    b.handle_datagram(t0 + 1500 * MS, &req, udp(5070)).unwrap();
    assert_eq!(start_line(&b.poll_transmit().unwrap().payload), "SIP/2.0 200 Reason");
    assert_eq!(b.poll_event(), None);
    assert_eq!(b.poll_timeout(), Some(t0 + 600 * MS + Duration::from_secs(32)), "timer J");
    b.handle_timeout(t0 + 600 * MS + Duration::from_secs(32));
    assert_eq!(b.poll_event(), Some(Event::Terminated { id }));
    assert!(matches!(
        b.respond(t0 + Duration::from_secs(40), id, response(&req, 200)),
        Err(TransactionError::UnknownTransaction(_))
    ));
}

#[test]
fn cancel_is_its_own_transaction_and_names_the_invite_it_matches() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let mut b = TransactionLayer::new(TimerConfig::default());
    let req = request("INVITE", "z9hG4bK-c", 1);
    let inv = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    b.handle_datagram(t0, &a.poll_transmit().unwrap().payload, udp(5070)).unwrap();
    let Some(Event::Request { id: server_inv, .. }) = b.poll_event() else { panic!() };
    a.handle_datagram(t0, &b.poll_transmit().unwrap().payload, udp(5060)).unwrap();
    assert_eq!(a.state(inv), Some(TransactionState::Proceeding));
    let can = a.cancel(t0 + MS, inv).unwrap();
    assert_ne!(can, inv);
    let cancel = a.poll_transmit().unwrap();
    let msg = Message::parse(&cancel.payload).unwrap();
    assert_eq!(msg.start_line(), "CANCEL sip:bob@127.0.0.1:5060 SIP/2.0");
    assert_eq!(msg.cseq().unwrap().seq, 1);
    b.handle_datagram(t0 + 2 * MS, &cancel.payload, udp(5070)).unwrap();
    let Some(Event::Request { id: server_can, cancels, .. }) = b.poll_event() else { panic!() };
    assert_eq!(cancels, Some(server_inv));
    assert_ne!(server_can, server_inv);
    // The TU answers 200 to the CANCEL and 487 to the INVITE.
    b.respond(t0 + 3 * MS, server_can, response(&cancel.payload, 200)).unwrap();
    b.respond(t0 + 3 * MS, server_inv, response(&req, 487)).unwrap();
    while let Some(t) = b.poll_transmit() {
        a.handle_datagram(t0 + 4 * MS, &t.payload, udp(5060)).unwrap();
    }
    let finals: Vec<_> = std::iter::from_fn(|| a.poll_event())
        .filter_map(|e| match e {
            Event::Response { id, response } => {
                Some((id, Message::parse(&response).unwrap().status().unwrap()))
            }
            _ => None,
        })
        .filter(|(_, status)| *status >= 200)
        .collect();
    assert_eq!(finals, [(can, 200), (inv, 487)]);
    // The ACK for the 487 reaches b's INVITE transaction.
    let ack = a.poll_transmit().unwrap();
    b.handle_datagram(t0 + 5 * MS, &ack.payload, udp(5070)).unwrap();
    assert_eq!(b.state(server_inv), Some(TransactionState::Confirmed));
}

/// The start lines of everything `layer` wants to send now.
fn drain_lines(layer: &mut TransactionLayer) -> Vec<String> {
    std::iter::from_fn(|| layer.poll_transmit()).map(|t| start_line(&t.payload)).collect()
}

#[test]
fn cancel_before_any_provisional_is_held_until_the_first_one() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("INVITE", "z9hG4bK-held", 7);
    let inv = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    assert_eq!(drain_lines(&mut a).len(), 1);
    let can = a.cancel(t0 + MS, inv).unwrap();
    assert_ne!(can, inv);
    assert_eq!(a.cancel(t0 + 2 * MS, inv).unwrap(), can, "asking again names the same CANCEL");
    assert!(drain_lines(&mut a).is_empty(), "no CANCEL before a provisional response (§9.1)");
    assert_eq!(a.state(can), None, "the CANCEL's transaction does not exist yet");
    // Timer A still retransmits the INVITE, and only the INVITE.
    a.handle_timeout(t0 + 500 * MS);
    assert_eq!(drain_lines(&mut a), ["INVITE sip:bob@127.0.0.1:5060 SIP/2.0"]);
    // The first provisional releases the CANCEL, with the INVITE's branch and CSeq number.
    a.handle_datagram(t0 + 600 * MS, &response(&req, 100), udp(5060)).unwrap();
    let cancel = a.poll_transmit().unwrap();
    assert_eq!(a.poll_transmit(), None);
    let msg = Message::parse(&cancel.payload).unwrap();
    assert_eq!(msg.start_line(), "CANCEL sip:bob@127.0.0.1:5060 SIP/2.0");
    assert_eq!(msg.cseq().unwrap().seq, 7);
    assert_eq!(msg.top_via().unwrap().branch(), Some("z9hG4bK-held"));
    assert_eq!(a.state(can), Some(TransactionState::Trying));
    assert_eq!(a.request(can), Some(cancel.payload.as_slice()));
    // It is a full non-INVITE client transaction under the reserved id: timer E retransmits
    // it, and its 200 is reported under that id.
    a.handle_timeout(t0 + 1100 * MS);
    assert!(drain_lines(&mut a).contains(&"CANCEL sip:bob@127.0.0.1:5060 SIP/2.0".to_owned()));
    a.handle_datagram(t0 + 1200 * MS, &response(&cancel.payload, 200), udp(5060)).unwrap();
    let events: Vec<Event> = std::iter::from_fn(|| a.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(e, Event::Response { id, response }
            if *id == can && Message::parse(response).unwrap().status() == Some(200))),
        "{events:?}"
    );
    // A second provisional sends nothing more.
    a.handle_datagram(t0 + 1300 * MS, &response(&req, 180), udp(5060)).unwrap();
    assert!(drain_lines(&mut a).is_empty());
}

#[test]
fn held_cancel_is_dropped_when_a_final_response_comes_first() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("INVITE", "z9hG4bK-held-486", 1);
    let inv = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    drain_lines(&mut a);
    let can = a.cancel(t0, inv).unwrap();
    a.handle_datagram(t0 + 10 * MS, &response(&req, 486), udp(5060)).unwrap();
    assert_eq!(drain_lines(&mut a), ["ACK sip:bob@127.0.0.1:5060 SIP/2.0"], "no CANCEL");
    let events: Vec<Event> = std::iter::from_fn(|| a.poll_event()).collect();
    assert!(events.contains(&Event::Terminated { id: can }), "{events:?}");
    assert!(matches!(a.cancel(t0 + 20 * MS, inv), Err(TransactionError::WrongState { .. })));
    // The same after a 2xx.
    let req = request("INVITE", "z9hG4bK-held-200", 2);
    let inv = a.send_request(t0, req.clone(), udp(5060)).unwrap();
    drain_lines(&mut a);
    let can = a.cancel(t0, inv).unwrap();
    a.handle_datagram(t0 + 10 * MS, &response(&req, 200), udp(5060)).unwrap();
    assert!(drain_lines(&mut a).is_empty(), "the 2xx is ACKed by the dialog, not here");
    let events: Vec<Event> = std::iter::from_fn(|| a.poll_event()).collect();
    assert!(events.contains(&Event::Terminated { id: can }), "{events:?}");
}

#[test]
fn held_cancel_ends_with_the_invite_on_timer_b_and_only_invites_can_be_cancelled() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let inv = a.send_request(t0, request("INVITE", "z9hG4bK-held-b", 1), udp(5060)).unwrap();
    let can = a.cancel(t0, inv).unwrap();
    let (sent, events) = run_alone(&mut a, t0, Duration::from_secs(40));
    assert!(sent.iter().all(|(_, line)| line.starts_with("INVITE")), "{sent:?}");
    let ends: Vec<&Event> =
        events.iter().map(|(_, e)| e).filter(|e| !matches!(e, Event::Response { .. })).collect();
    assert_eq!(
        ends,
        [
            &Event::Timeout { id: inv },
            &Event::Terminated { id: inv },
            &Event::Terminated { id: can }
        ]
    );
    let opt = a.send_request(t0, request("OPTIONS", "z9hG4bK-held-o", 1), udp(5060)).unwrap();
    assert!(matches!(a.cancel(t0, opt), Err(TransactionError::WrongState { .. })));
}

fn legacy_request(method: &str, to_tag: Option<&str>) -> Vec<u8> {
    let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP old.example.com;branch=1234\r\n\
         To: <sip:bob@example.com>{to_tag}\r\n\
         From: <sip:alice@example.com>;tag=old\r\n\
         Call-ID: legacy-1\r\n\
         CSeq: 9 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn rfc2543_requests_match_without_the_magic_cookie() {
    let t0 = Instant::now();
    let mut b = TransactionLayer::new(TimerConfig::default());
    let invite = legacy_request("INVITE", None);
    b.handle_datagram(t0, &invite, udp(5070)).unwrap();
    let Some(Event::Request { id, .. }) = b.poll_event() else { panic!() };
    b.handle_datagram(t0 + 500 * MS, &invite, udp(5070)).unwrap();
    assert_eq!(b.poll_event(), None, "retransmission matched by the RFC 2543 rules");
    b.respond(t0, id, response(&invite, 486)).unwrap();
    // An ACK with another To tag does not match.
    b.handle_datagram(t0 + MS, &legacy_request("ACK", Some("other")), udp(5070)).unwrap();
    assert!(matches!(b.poll_event(), Some(Event::Ack { invite: None, .. })));
    assert_eq!(b.state(id), Some(TransactionState::Completed));
    // The ACK carrying the response's To tag matches.
    b.handle_datagram(t0 + 2 * MS, &legacy_request("ACK", Some("b1")), udp(5070)).unwrap();
    assert_eq!(b.state(id), Some(TransactionState::Confirmed));
    // So does a CANCEL of a new legacy INVITE.
    let invite2 = String::from_utf8(legacy_request("INVITE", None)).unwrap().replace("9 ", "10 ");
    b.handle_datagram(t0, invite2.as_bytes(), udp(5070)).unwrap();
    let Some(Event::Request { id: id2, .. }) = b.poll_event() else { panic!() };
    let cancel = String::from_utf8(legacy_request("CANCEL", None)).unwrap().replace("9 ", "10 ");
    b.handle_datagram(t0, cancel.as_bytes(), udp(5070)).unwrap();
    assert!(matches!(b.poll_event(), Some(Event::Request { cancels: Some(i), .. }) if i == id2));
}

#[test]
fn responses_match_by_branch_and_cseq_method() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let req = request("OPTIONS", "z9hG4bK-x", 1);
    a.send_request(t0, req.clone(), udp(5060)).unwrap();
    let other_branch =
        String::from_utf8(response(&req, 200)).unwrap().replace("z9hG4bK-x", "z9hG4bK-y");
    a.handle_datagram(t0, other_branch.as_bytes(), udp(5060)).unwrap();
    assert!(matches!(a.poll_event(), Some(Event::StrayResponse { .. })));
    let other_method =
        String::from_utf8(response(&req, 200)).unwrap().replace("1 OPTIONS", "1 INFO");
    a.handle_datagram(t0, other_method.as_bytes(), udp(5060)).unwrap();
    assert!(matches!(a.poll_event(), Some(Event::StrayResponse { .. })));
    assert!(matches!(
        a.send_request(t0, req.clone(), udp(5060)),
        Err(TransactionError::DuplicateBranch(b)) if b == "z9hG4bK-x"
    ));
    assert!(matches!(
        a.send_request(t0, request("OPTIONS", "nocookie", 1), udp(5060)),
        Err(TransactionError::MissingBranch)
    ));
    assert!(matches!(
        a.send_request(t0, request("ACK", "z9hG4bK-ack", 1), udp(5060)),
        Err(TransactionError::AckWithoutTransaction)
    ));
    assert!(matches!(
        a.handle_datagram(t0, b"garbage", udp(5060)),
        Err(TransactionError::Parse(_))
    ));
}

#[test]
fn transport_errors_end_the_transaction() {
    let t0 = Instant::now();
    let mut a = TransactionLayer::new(TimerConfig::default());
    let id = a.send_request(t0, request("INVITE", "z9hG4bK-te", 1), tcp(5060)).unwrap();
    a.handle_transport_error(id).unwrap();
    assert_eq!(a.poll_event(), Some(Event::TransportError { id }));
    assert_eq!(a.poll_event(), Some(Event::Terminated { id }));
    // A report for a transaction that is gone does not apply: an error, not a silent drop.
    assert!(matches!(
        a.handle_transport_error(id),
        Err(TransactionError::UnknownTransaction(t)) if t == id
    ));
    assert_eq!(a.poll_event(), None);
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn stream_bytes_are_framed_and_keep_alives_answered() {
    let t0 = Instant::now();
    let mut b = TransactionLayer::new(TimerConfig::default());
    let mut stream = b"\r\n\r\n".to_vec();
    stream.extend_from_slice(&request("OPTIONS", "z9hG4bK-s1", 1));
    stream.extend_from_slice(&request("INFO", "z9hG4bK-s2", 2));
    let cut = stream.len() - 10;
    let used = b.handle_stream(t0, &stream[..cut], tcp(5070)).unwrap();
    assert_eq!(b.poll_transmit().unwrap().payload, b"\r\n", "pong");
    assert!(matches!(b.poll_event(), Some(Event::Request { .. })));
    assert_eq!(b.poll_event(), None, "the second message is still partial");
    let rest = stream[used..].to_vec();
    assert_eq!(b.handle_stream(t0, &rest, tcp(5070)).unwrap(), rest.len());
    assert!(matches!(b.poll_event(), Some(Event::Request { .. })));
}

// ---------------------------------------------------------------------------------------------
// Two endpoints over a seeded lossy link.

/// A small deterministic generator (SplitMix64), so that each seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Link {
    drop: f64,
    duplicate: f64,
    /// Each copy is delayed 5 ms plus up to this much, so that messages overtake each other.
    jitter_ms: u64,
}

struct Net {
    t0: Instant,
    now: Instant,
    rng: Rng,
    link: Link,
    a: TransactionLayer,
    b: TransactionLayer,
    /// (deliver at, sequence, to b?, bytes)
    flight: Vec<(Instant, u64, bool, Vec<u8>)>,
    seq: u64,
    events_a: Vec<Event>,
    events_b: Vec<Event>,
    /// The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4), until the ACK.
    core_2xx: Option<SuccessRetransmitter>,
    /// Whether a's TU answers every 2xx to an INVITE with an ACK built by its dialog.
    uac_acks: bool,
    acks_sent: usize,
}

impl Net {
    fn new(seed: u64, link: Link) -> Net {
        let t0 = Instant::now();
        Net {
            t0,
            now: t0,
            rng: Rng(seed),
            link,
            a: TransactionLayer::new(TimerConfig::default()),
            b: TransactionLayer::new(TimerConfig::default()),
            flight: Vec::new(),
            seq: 0,
            events_a: Vec::new(),
            events_b: Vec::new(),
            core_2xx: None,
            uac_acks: false,
            acks_sent: 0,
        }
    }

    fn launch(&mut self, to_b: bool, t: Transmit) {
        if self.rng.chance(self.link.drop) {
            return;
        }
        let copies = if self.rng.chance(self.link.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            let delay = 5 + self.rng.below(self.link.jitter_ms + 1);
            self.seq += 1;
            self.flight.push((
                self.now + Duration::from_millis(delay),
                self.seq,
                to_b,
                t.payload.clone(),
            ));
        }
    }

    /// Runs until nothing is in flight and no timer is pending, or `limit` passes. `tu_b` is the
    /// transaction user of b, called on each of b's events.
    fn run(
        &mut self,
        limit: Duration,
        mut tu_b: impl FnMut(&mut TransactionLayer, Instant, &Event),
    ) {
        loop {
            while let Some(t) = self.a.poll_transmit() {
                self.launch(true, t);
            }
            while let Some(t) = self.b.poll_transmit() {
                self.launch(false, t);
            }
            while let Some(e) = self.a.poll_event() {
                if let Event::Response { id, response } = &e
                    && self.uac_acks
                {
                    let resp = Message::parse(response).unwrap();
                    if resp.status() == Some(200) {
                        let invite = self.a.request(*id).unwrap().to_vec();
                        let invite = Message::parse(&invite).unwrap();
                        let dialog = hotline_sip::dialog::Dialog::uac(&invite, &resp).unwrap();
                        let ack = dialog
                            .ack(
                                invite.cseq().unwrap().seq,
                                "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-ack",
                            )
                            .unwrap();
                        self.a.send_stateless(udp(5060), ack.to_bytes().unwrap());
                        self.acks_sent += 1;
                    }
                }
                self.events_a.push(e);
            }
            if let Some(e) = self.b.poll_event() {
                if matches!(e, Event::Ack { .. })
                    && let Some(r) = self.core_2xx.as_mut()
                {
                    r.ack_received();
                }
                tu_b(&mut self.b, self.now, &e);
                if let Event::Request { id, request, remote, .. } = &e
                    && request.starts_with(b"INVITE")
                    && self.uac_acks
                {
                    let msg = Message::parse(request).unwrap();
                    let ok = response_to(&msg, 200, "OK", "b1")
                        .unwrap()
                        .header("Contact", "<sip:bob@127.0.0.1:5060>")
                        .to_bytes()
                        .unwrap();
                    self.b.respond(self.now, *id, ok.clone()).unwrap();
                    let config = TimerConfig::default();
                    self.core_2xx = Some(SuccessRetransmitter::new(self.now, ok, *remote, &config));
                }
                self.events_b.push(e);
                continue;
            }
            if let Some(r) = self.core_2xx.as_mut()
                && r.poll_timeout().is_some_and(|at| at <= self.now)
            {
                r.handle_timeout(self.now);
                if let Some(t) = r.poll_transmit() {
                    self.b.send_stateless(t.remote, t.payload);
                }
                continue;
            }
            let next_flight = self.flight.iter().map(|f| (f.0, f.1)).min();
            let candidates = [
                next_flight.map(|f| f.0),
                self.a.poll_timeout(),
                self.b.poll_timeout(),
                self.core_2xx.as_ref().and_then(SuccessRetransmitter::poll_timeout),
            ];
            let Some(next) = candidates.into_iter().flatten().min() else { break };
            if next > self.t0 + limit {
                break;
            }
            self.now = next;
            if let Some((at, seq)) = next_flight
                && at == next
            {
                let i = self.flight.iter().position(|f| f.1 == seq).unwrap();
                let (_, _, to_b, bytes) = self.flight.swap_remove(i);
                let (layer, from) =
                    if to_b { (&mut self.b, udp(5070)) } else { (&mut self.a, udp(5060)) };
                layer.handle_datagram(self.now, &bytes, from).unwrap();
            } else {
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
        }
    }
}

fn final_statuses(events: &[Event]) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Response { response, .. } => Message::parse(response).unwrap().status(),
            _ => None,
        })
        .filter(|s| *s >= 200)
        .collect()
}

fn requests(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::Request { .. })).count()
}

fn timeouts(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::Timeout { .. })).count()
}

#[test]
fn lossy_link_non_invite_completes_exactly_once() {
    for seed in 0..200 {
        let mut net = Net::new(seed, Link { drop: 0.25, duplicate: 0.2, jitter_ms: 300 });
        let t0 = net.t0;
        for i in 0..3 {
            let req = request("OPTIONS", &format!("z9hG4bK-{seed}-{i}"), i + 1);
            net.a.send_request(t0, req, udp(5060)).unwrap();
        }
        net.run(Duration::from_secs(120), |b, now, e| {
            if let Event::Request { id, request, .. } = e {
                b.respond(now, *id, response(request, 200)).unwrap();
            }
        });
        assert_eq!(final_statuses(&net.events_a), [200, 200, 200], "seed {seed}");
        assert_eq!(requests(&net.events_b), 3, "seed {seed}: one Request event per transaction");
        assert_eq!(timeouts(&net.events_a) + timeouts(&net.events_b), 0, "seed {seed}");
        assert!(net.a.is_empty() && net.b.is_empty(), "seed {seed}: all terminated");
    }
}

#[test]
fn lossy_link_rejected_invite_is_acked_and_both_sides_terminate() {
    for seed in 0..200 {
        let mut net = Net::new(seed, Link { drop: 0.25, duplicate: 0.2, jitter_ms: 300 });
        let t0 = net.t0;
        let req = request("INVITE", &format!("z9hG4bK-inv-{seed}"), 1);
        net.a.send_request(t0, req, udp(5060)).unwrap();
        net.run(Duration::from_secs(120), |b, now, e| {
            if let Event::Request { id, request, .. } = e {
                b.respond(now, *id, response(request, 180)).unwrap();
                b.respond(now, *id, response(request, 486)).unwrap();
            }
        });
        assert_eq!(final_statuses(&net.events_a), [486], "seed {seed}");
        assert_eq!(requests(&net.events_b), 1, "seed {seed}");
        assert_eq!(timeouts(&net.events_a), 0, "seed {seed}");
        // b's timer H fires only if every ACK and every 486 retransmission was lost: with
        // this seed range it never does, and both layers end empty.
        assert_eq!(timeouts(&net.events_b), 0, "seed {seed}");
        assert!(net.a.is_empty() && net.b.is_empty(), "seed {seed}");
    }
}

#[test]
fn lossy_link_accepted_invite_is_acked_by_the_dialog_despite_loss() {
    for seed in 0..200 {
        let mut net = Net::new(seed, Link { drop: 0.25, duplicate: 0.2, jitter_ms: 300 });
        net.uac_acks = true;
        let t0 = net.t0;
        let mut req =
            String::from_utf8(request("INVITE", &format!("z9hG4bK-ok-{seed}"), 1)).unwrap();
        req = req.replace(
            "Content-Length: 0",
            "Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0",
        );
        net.a.send_request(t0, req.into_bytes(), udp(5060)).unwrap();
        net.run(Duration::from_secs(120), |_, _, _| {});
        assert!(final_statuses(&net.events_a).contains(&200), "seed {seed}");
        assert_eq!(requests(&net.events_b), 1, "seed {seed}");
        assert!(
            net.events_b.iter().any(|e| matches!(e, Event::Ack { .. })),
            "seed {seed}: ACK arrived"
        );
        assert_eq!(
            net.core_2xx.as_ref().and_then(SuccessRetransmitter::outcome),
            Some(RetransmitOutcome::Acknowledged),
            "seed {seed}: the core stopped retransmitting on the ACK"
        );
        assert_eq!(
            net.acks_sent,
            final_statuses(&net.events_a).len(),
            "seed {seed}: one ACK per 2xx"
        );
        assert_eq!(timeouts(&net.events_a) + timeouts(&net.events_b), 0, "seed {seed}");
        assert!(net.a.is_empty() && net.b.is_empty(), "seed {seed}");
    }
}

#[test]
fn dead_link_times_out_on_both_sides() {
    let mut net = Net::new(1, Link { drop: 1.0, duplicate: 0.0, jitter_ms: 0 });
    let t0 = net.t0;
    net.a.send_request(t0, request("INVITE", "z9hG4bK-dead", 1), udp(5060)).unwrap();
    net.a.send_request(t0, request("OPTIONS", "z9hG4bK-dead", 1), udp(5060)).unwrap();
    net.run(Duration::from_secs(120), |_, _, _| {});
    assert_eq!(timeouts(&net.events_a), 2);
    assert_eq!(net.now - t0, Duration::from_secs(32));
}

// ---------------------------------------------------------------------------------------------
// No input makes the layer panic.

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn mutate(base: &[u8], edits: &[(usize, u8)]) -> Vec<u8> {
        let mut v = base.to_vec();
        for &(at, byte) in edits {
            if !v.is_empty() {
                let i = at % v.len();
                v[i] = byte;
            }
        }
        v
    }

    proptest! {
        #[test]
        fn any_bytes_and_timer_sequence_give_values_or_errors(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
            raw in proptest::collection::vec(any::<u8>(), 0..64),
            steps in proptest::collection::vec(0u64..40_000, 1..6),
        ) {
            let t0 = Instant::now();
            let mut layer = TransactionLayer::new(TimerConfig::default());
            let inv = request("INVITE", "z9hG4bK-p", 1);
            let id = layer.send_request(t0, inv.clone(), udp(5060)).ok();
            for base in [inv.clone(), response(&inv, 180), response(&inv, 486), response(&inv, 200),
                         request("ACK", "z9hG4bK-p", 1), request("CANCEL", "z9hG4bK-p", 1)] {
                let bytes = mutate(&base, &edits);
                let _ = layer.handle_datagram(t0, &bytes, udp(5060));
                let _ = layer.handle_stream(t0, &bytes, tcp(5060));
            }
            let _ = layer.handle_datagram(t0, &raw, udp(5060));
            let _ = layer.handle_stream(t0, &raw, tcp(5060));
            let mut now = t0;
            for s in steps {
                now += Duration::from_millis(s);
                layer.handle_timeout(now);
                if let Some(id) = id {
                    let _ = layer.cancel(now, id);
                }
                while let Some(e) = layer.poll_event() {
                    if let Event::Request { id, request, .. } = e
                        && let Ok(msg) = Message::parse(&request)
                            && let Ok(b) = response_to(&msg, 200, "OK", "t")
                        {
                            let _ = layer.respond(now, id, b.to_bytes().unwrap());
                        }
                }
                while layer.poll_transmit().is_some() {}
            }
            // Every timer is bounded by 64*T1: what is left waits for a final response (an
            // INVITE client in Proceeding, RFC 3261 §17.1.1.2) or for its TU, with no timer.
            layer.handle_timeout(now + Duration::from_secs(64));
            prop_assert_eq!(layer.poll_timeout(), None);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The timer queue fires exactly what the old scan fired, at the same times.

mod timer_queue {
    use super::*;
    use proptest::prelude::*;

    /// One step of a scenario, applied to both layers.
    #[derive(Debug, Clone)]
    enum Op {
        /// The TU sends a request (INVITE or not) over UDP or TCP.
        Send { invite: bool, reliable: bool },
        /// A request arrives (INVITE or not), over UDP or TCP.
        Receive { invite: bool, reliable: bool },
        /// A response for the n-th client request sent so far.
        Response { n: usize, code: u16 },
        /// The TU answers the n-th server transaction created so far.
        Respond { n: usize, code: u16 },
        /// An ACK for the n-th server transaction.
        Ack { n: usize },
        /// A CANCEL asked for the n-th client request.
        Cancel { n: usize },
        /// A transport failure of the n-th transaction id handed out.
        TransportError { n: usize },
        /// The clock advances by this many milliseconds, firing timers.
        Advance { ms: u64 },
        /// The clock jumps to the layer's next deadline, firing timers.
        Deadline,
    }

    fn op() -> impl Strategy<Value = Op> {
        let code = prop_oneof![Just(100u16), Just(180), Just(200), Just(486), Just(302)];
        prop_oneof![
            (any::<bool>(), any::<bool>())
                .prop_map(|(invite, reliable)| Op::Send { invite, reliable }),
            (any::<bool>(), any::<bool>())
                .prop_map(|(invite, reliable)| Op::Receive { invite, reliable }),
            (0usize..4, code.clone()).prop_map(|(n, code)| Op::Response { n, code }),
            (0usize..4, code).prop_map(|(n, code)| Op::Respond { n, code }),
            (0usize..4).prop_map(|n| Op::Ack { n }),
            (0usize..4).prop_map(|n| Op::Cancel { n }),
            (0usize..8).prop_map(|n| Op::TransportError { n }),
            (0u64..6_000).prop_map(|ms| Op::Advance { ms }),
            Just(Op::Deadline),
            Just(Op::Deadline),
        ]
    }

    /// A layer and what the scenario has handed it so far.
    struct Side {
        layer: TransactionLayer,
        by_scan: bool,
        now: Instant,
        sent: Vec<(Vec<u8>, Remote)>,
        server: Vec<(TransactionId, Vec<u8>)>,
        ids: Vec<TransactionId>,
        /// Everything observable, in order: transmits, events, results and deadlines.
        log: Vec<String>,
    }

    impl Side {
        fn fire(&mut self, now: Instant) {
            self.now = now;
            if self.by_scan {
                self.layer.handle_timeout_by_scan(now);
            } else {
                self.layer.handle_timeout(now);
            }
        }

        fn deadline(&self) -> Option<Instant> {
            if self.by_scan { self.layer.poll_timeout_by_scan() } else { self.layer.poll_timeout() }
        }

        fn drain(&mut self, t0: Instant) {
            while let Some(t) = self.layer.poll_transmit() {
                self.log.push(format!("tx {:?} {}", t.remote, String::from_utf8_lossy(&t.payload)));
            }
            while let Some(e) = self.layer.poll_event() {
                if let Event::Request { id, request, .. } = &e {
                    self.server.push((*id, request.clone()));
                    self.ids.push(*id);
                }
                self.log.push(format!("event {e:?}"));
            }
            self.log.push(format!("deadline {:?}", self.deadline().map(|d| d - t0)));
        }

        fn apply(&mut self, t0: Instant, seq: usize, op: &Op) {
            let remote = |reliable: bool| if reliable { tcp(5060) } else { udp(5060) };
            let now = self.now;
            let result = match *op {
                Op::Send { invite, reliable } => {
                    let method = if invite { "INVITE" } else { "OPTIONS" };
                    let req = request(method, &format!("z9hG4bK-c{seq}"), 1);
                    let r = self.layer.send_request(now, req.clone(), remote(reliable));
                    if let Ok(id) = r {
                        self.ids.push(id);
                        self.sent.push((req, remote(reliable)));
                    }
                    format!("{r:?}")
                }
                Op::Receive { invite, reliable } => {
                    let method = if invite { "INVITE" } else { "OPTIONS" };
                    let req = request(method, &format!("z9hG4bK-s{seq}"), 1);
                    format!("{:?}", self.layer.handle_datagram(now, &req, remote(reliable)))
                }
                Op::Response { n, code } => match self.sent.get(n) {
                    Some((req, from)) => {
                        let resp = response(req, code);
                        format!("{:?}", self.layer.handle_datagram(now, &resp, *from))
                    }
                    None => String::new(),
                },
                Op::Respond { n, code } => match self.server.get(n) {
                    Some((id, req)) => {
                        format!("{:?}", self.layer.respond(now, *id, response(req, code)))
                    }
                    None => String::new(),
                },
                Op::Ack { n } => match self.server.get(n) {
                    Some((_, req)) => {
                        let msg = Message::parse(req).unwrap();
                        let branch = msg.top_via().unwrap().branch().unwrap().to_owned();
                        let ack = request("ACK", &branch, 1);
                        format!("{:?}", self.layer.handle_datagram(now, &ack, udp(5060)))
                    }
                    None => String::new(),
                },
                Op::Cancel { n } => match self.ids.get(n) {
                    Some(id) => format!("{:?}", self.layer.cancel(now, *id)),
                    None => String::new(),
                },
                Op::TransportError { n } => match self.ids.get(n) {
                    Some(id) => format!("{:?}", self.layer.handle_transport_error(*id)),
                    None => String::new(),
                },
                Op::Advance { ms } => {
                    self.fire(now + Duration::from_millis(ms));
                    String::new()
                }
                Op::Deadline => {
                    if let Some(at) = self.deadline() {
                        self.fire(at.max(now));
                    }
                    String::new()
                }
            };
            self.log.push(format!("{seq} {op:?} -> {result}"));
            self.drain(t0);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn timer_queue_fires_what_the_scan_fired(ops in proptest::collection::vec(op(), 1..60)) {
            let t0 = Instant::now();
            let side = |by_scan| Side {
                layer: TransactionLayer::new(TimerConfig::default()),
                by_scan,
                now: t0,
                sent: Vec::new(),
                server: Vec::new(),
                ids: Vec::new(),
                log: Vec::new(),
            };
            let (mut queue, mut scan) = (side(false), side(true));
            for (seq, op) in ops.iter().enumerate() {
                queue.apply(t0, seq, op);
                scan.apply(t0, seq, op);
                // The queue is exact after every call, not only equal in outcome.
                prop_assert_eq!(queue.layer.poll_timeout(), queue.layer.poll_timeout_by_scan());
                prop_assert_eq!(&queue.log, &scan.log);
            }
            // Run both dry: every remaining timer fires identically.
            for _ in 0..200 {
                let Some(at) = queue.deadline() else { break };
                queue.fire(at);
                queue.drain(t0);
                if let Some(at) = scan.deadline() {
                    scan.fire(at);
                }
                scan.drain(t0);
                prop_assert_eq!(&queue.log, &scan.log);
            }
            prop_assert_eq!(queue.layer.poll_timeout(), None);
            prop_assert_eq!(scan.layer.poll_timeout_by_scan(), None);
        }
    }
}

#[test]
fn timer_config_is_built_with_methods_and_read_with_defaults() {
    let config = TimerConfig::new().with_t1(100 * MS).with_t2(Duration::from_secs(2));
    assert_eq!((config.t1, config.t2, config.t4), (100 * MS, Duration::from_secs(2), 5000 * MS));
    assert_eq!(TimerConfig::new(), TimerConfig::default());
    // A stored configuration names only what it changes.
    let read: TimerConfig = toml::from_str("send_trying = false").unwrap();
    assert_eq!(read, TimerConfig::new().with_send_trying(false));
}

#[test]
fn parse_errors_are_the_source_and_not_repeated_in_the_text() {
    use std::error::Error as _;
    let mut a = TransactionLayer::new(TimerConfig::default());
    let err = a.handle_datagram(Instant::now(), b"garbage", udp(5060)).unwrap_err();
    let source = err.source().expect("the parse error is the source").to_string();
    assert!(!err.to_string().contains(&source), "{err} repeats {source}");
    let dialog = hotline_sip::dialog::DialogError::from(Message::parse(b"x").unwrap_err());
    let source = dialog.source().expect("the parse error is the source").to_string();
    assert!(!dialog.to_string().contains(&source), "{dialog} repeats {source}");
}

#[test]
fn respond_refuses_a_response_to_another_request() {
    let t0 = Instant::now();
    let mut b = TransactionLayer::new(TimerConfig::default());
    let req = request("OPTIONS", "z9hG4bK-r1", 7);
    b.handle_datagram(t0, &req, udp(5070)).unwrap();
    let Some(Event::Request { id, .. }) = b.poll_event() else { panic!("no request") };
    let other = request("OPTIONS", "z9hG4bK-r2", 7);
    for (wrong, field) in [
        (response(&other, 200), "Via branch"),
        (response(&request("OPTIONS", "z9hG4bK-r1", 8), 200), "CSeq"),
        (
            String::from_utf8(response(&req, 200)).unwrap().replace("call-z9hG4bK-r1", "x").into(),
            "Call-ID",
        ),
        (
            String::from_utf8(response(&req, 200)).unwrap().replace("tag=a1", "tag=zz").into(),
            "From tag",
        ),
    ] {
        assert!(
            matches!(
                b.respond(t0, id, wrong),
                Err(TransactionError::ResponseMismatch { id: i, field: f }) if i == id && f == field
            ),
            "{field}"
        );
    }
    assert_eq!(b.state(id), Some(TransactionState::Trying), "a refused response changes nothing");
    b.respond(t0, id, response(&req, 200)).unwrap();
    assert_eq!(b.state(id), Some(TransactionState::Completed));
}
