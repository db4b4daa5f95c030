//! Dialog behaviour: creation on both sides, route sets, CSeq, target refresh, forking, BYE.

use hotline_sip::Message;
use hotline_sip::build::response_to;
use hotline_sip::dialog::{Dialog, DialogError, DialogId, DialogState};

const INVITE: &[u8] = b"INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP proxy2.example.com;branch=z9hG4bK-p2\r\n\
Via: SIP/2.0/UDP alice-pc.example.com:5060;branch=z9hG4bK-a\r\n\
Record-Route: <sip:proxy2.example.com;lr>\r\n\
Record-Route: <sip:proxy1.example.com;lr>\r\n\
Max-Forwards: 68\r\n\
To: Bob <sip:bob@example.com>\r\n\
From: Alice <sip:alice@example.com>;tag=a73\r\n\
Call-ID: dlg-1\r\n\
CSeq: 10 INVITE\r\n\
Contact: <sip:alice@alice-pc.example.com:5060>\r\n\
Content-Length: 0\r\n\r\n";

fn answer(code: u16, to_tag: &str, contact: &str) -> Vec<u8> {
    let invite = Message::parse(INVITE).unwrap();
    let mut b = response_to(&invite, code, "X", to_tag).unwrap();
    for rr in invite.headers_named("Record-Route") {
        b.push_header("Record-Route", rr.value());
    }
    b.push_header("Contact", contact);
    b.to_bytes().unwrap()
}

#[test]
fn uac_and_uas_build_matching_dialogs_and_in_dialog_requests() {
    let invite = Message::parse(INVITE).unwrap();
    let ok = answer(200, "b42", "<sip:bob@bob-phone.example.com>");
    let ok = Message::parse(&ok).unwrap();
    let mut uac = Dialog::uac(&invite, &ok).unwrap();
    let mut uas = Dialog::uas(&invite, "b42", 1, true).unwrap();
    assert_eq!(uac.state(), DialogState::Confirmed);
    assert_eq!(uac.id().local_tag, "a73");
    assert_eq!(uas.id().local_tag, "b42");
    assert_eq!(uac.remote_target(), "sip:bob@bob-phone.example.com");
    assert_eq!(uas.remote_target(), "sip:alice@alice-pc.example.com:5060");
    // The UAC reverses the Record-Route, the UAS keeps it.
    assert_eq!(uac.route_set()[0], "<sip:proxy1.example.com;lr>");
    assert_eq!(uas.route_set()[0], "<sip:proxy2.example.com;lr>");

    // The ACK for the 2xx keeps CSeq 10.
    let ack = uac
        .ack(10, "SIP/2.0/UDP alice-pc.example.com;branch=z9hG4bK-ack")
        .unwrap()
        .to_bytes()
        .unwrap();
    let ack = Message::parse(&ack).unwrap();
    assert_eq!(ack.start_line(), "ACK sip:bob@bob-phone.example.com SIP/2.0");
    assert_eq!(ack.cseq().unwrap().seq, 10);
    uas.receive_request(&ack).unwrap();

    // An in-dialog INFO: next CSeq, loose routing, tags in place; the UAS accepts it.
    let info = uac.request("INFO", "SIP/2.0/UDP alice-pc.example.com;branch=z9hG4bK-i").unwrap();
    let info = info.to_bytes().unwrap();
    let info = Message::parse(&info).unwrap();
    assert_eq!(info.cseq().unwrap().seq, 11);
    let routes: Vec<&str> = info.headers_named("Route").map(|h| h.value()).collect();
    assert_eq!(routes, ["<sip:proxy1.example.com;lr>", "<sip:proxy2.example.com;lr>"]);
    assert_eq!(info.to().unwrap().tag(), Some("b42"));
    assert_eq!(info.from().unwrap().tag(), Some("a73"));
    assert_eq!(DialogId::of_request(&info).as_ref(), Some(uas.id()));
    uas.receive_request(&info).unwrap();
    assert_eq!(uas.remote_seq(), Some(11));
    // The same CSeq again is out of order.
    assert!(matches!(
        uas.receive_request(&info),
        Err(DialogError::OutOfOrder { cseq: 11, last: 11 })
    ));

    // The UAS sends BYE the other way, starting from its own CSeq.
    let bye = uas.request("BYE", "SIP/2.0/UDP bob-phone.example.com;branch=z9hG4bK-b").unwrap();
    assert_eq!(uas.state(), DialogState::Terminated);
    let bye = bye.to_bytes().unwrap();
    let bye = Message::parse(&bye).unwrap();
    assert_eq!(bye.start_line(), "BYE sip:alice@alice-pc.example.com:5060 SIP/2.0");
    assert_eq!(bye.cseq().unwrap().seq, 1);
    uac.receive_request(&bye).unwrap();
    assert_eq!(uac.state(), DialogState::Terminated);
}

#[test]
fn forked_provisional_responses_make_separate_early_dialogs() {
    let invite = Message::parse(INVITE).unwrap();
    let r1 = answer(180, "fork1", "<sip:bob@desk>");
    let r2 = answer(183, "fork2", "<sip:bob@mobile>");
    let (r1, r2) = (Message::parse(&r1).unwrap(), Message::parse(&r2).unwrap());
    let mut d1 = Dialog::uac(&invite, &r1).unwrap();
    let d2 = Dialog::uac(&invite, &r2).unwrap();
    assert_ne!(d1.id(), d2.id());
    assert_eq!(d1.state(), DialogState::Early);
    assert!(matches!(d1.receive_response(&r2), Err(DialogError::WrongDialog)));
    // The 2xx on fork 1 confirms it and refreshes its target.
    let ok = answer(200, "fork1", "<sip:bob@desk2>");
    d1.receive_response(&Message::parse(&ok).unwrap()).unwrap();
    assert_eq!(d1.state(), DialogState::Confirmed);
    assert_eq!(d1.remote_target(), "sip:bob@desk2");
    // A failure would have ended an early dialog.
    let mut d2 = d2;
    d2.receive_response(&Message::parse(&answer(486, "fork2", "<sip:bob@mobile>")).unwrap())
        .unwrap();
    assert_eq!(d2.state(), DialogState::Terminated);
    assert!(matches!(
        Dialog::uac(&invite, &Message::parse(&answer(486, "x", "<sip:x@y>")).unwrap()),
        Err(DialogError::NoDialog(486))
    ));
}

#[test]
fn re_invite_refreshes_the_target_and_strict_routes_are_honoured() {
    let invite = Message::parse(INVITE).unwrap();
    let mut uas = Dialog::uas(&invite, "b1", 100, true).unwrap();
    let reinvite = String::from_utf8(INVITE.to_vec())
        .unwrap()
        .replace("To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag=b1")
        .replace("10 INVITE", "11 INVITE")
        .replace("alice-pc.example.com:5060>", "alice-laptop.example.com>");
    uas.receive_request(&Message::parse(reinvite.as_bytes()).unwrap()).unwrap();
    assert_eq!(uas.remote_target(), "sip:alice@alice-laptop.example.com");

    // A strict router (no lr) becomes the Request-URI; the target goes last in Route.
    let strict = String::from_utf8(answer(200, "s1", "<sip:bob@phone>"))
        .unwrap()
        .replace("<sip:proxy1.example.com;lr>", "<sip:proxy1.example.com>");
    let mut uac = Dialog::uac(&invite, &Message::parse(strict.as_bytes()).unwrap()).unwrap();
    let bye = uac.request("BYE", "SIP/2.0/UDP a;branch=z9hG4bK-s").unwrap().to_bytes().unwrap();
    let bye = Message::parse(&bye).unwrap();
    assert_eq!(bye.start_line(), "BYE sip:proxy1.example.com SIP/2.0");
    let routes: Vec<&str> = bye.headers_named("Route").map(|h| h.value()).collect();
    assert_eq!(routes, ["<sip:proxy2.example.com;lr>", "<sip:bob@phone>"]);
}

// ---------------------------------------------------------------------------------------------
// The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4) under virtual time.

mod success_retransmitter {
    use std::time::{Duration, Instant};

    use hotline_sip::dialog::{RetransmitOutcome, SuccessRetransmitter};
    use hotline_sip::transaction::{Remote, TimerConfig, Transport};

    const OK: &[u8] = b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

    fn remote() -> Remote {
        Remote::new("127.0.0.1:5070".parse().unwrap(), Transport::Udp)
    }

    /// Drives `r` alone until `until`, returning the offsets (ms) of every retransmission.
    fn run(r: &mut SuccessRetransmitter, t0: Instant, until: Duration) -> Vec<u128> {
        let mut sent = Vec::new();
        while let Some(at) = r.poll_timeout() {
            if at > t0 + until {
                break;
            }
            r.handle_timeout(at);
            if let Some(t) = r.poll_transmit() {
                assert_eq!(t.payload, OK);
                assert_eq!(t.remote, remote());
                sent.push((at - t0).as_millis());
            }
        }
        sent
    }

    #[test]
    fn doubles_from_t1_to_t2_and_gives_up_after_64_t1() {
        let t0 = Instant::now();
        let mut r = SuccessRetransmitter::new(t0, OK.to_vec(), remote(), &TimerConfig::default());
        let sent = run(&mut r, t0, Duration::from_secs(60));
        assert_eq!(
            sent,
            [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
            "T1, doubling, capped at T2 = 4 s"
        );
        assert_eq!(r.outcome(), Some(RetransmitOutcome::GaveUp));
        assert_eq!(r.retransmissions(), 10);
        assert_eq!(r.poll_timeout(), None);
    }

    #[test]
    fn the_ack_stops_it() {
        let t0 = Instant::now();
        let mut r = SuccessRetransmitter::new(t0, OK.to_vec(), remote(), &TimerConfig::default());
        assert_eq!(run(&mut r, t0, Duration::from_millis(2000)), [500, 1500]);
        r.ack_received();
        assert_eq!(r.outcome(), Some(RetransmitOutcome::Acknowledged));
        assert_eq!(run(&mut r, t0, Duration::from_secs(60)), Vec::<u128>::new());
        // A later stop does not change how it ended.
        r.stop();
        assert_eq!(r.outcome(), Some(RetransmitOutcome::Acknowledged));
    }

    #[test]
    fn stop_drops_a_due_retransmission_and_timers_scale_with_t1() {
        let t0 = Instant::now();
        let config = TimerConfig::new().with_t1(Duration::from_millis(100));
        let mut r = SuccessRetransmitter::new(t0, OK.to_vec(), remote(), &config);
        r.handle_timeout(t0 + Duration::from_millis(100));
        r.stop();
        assert_eq!(r.poll_transmit(), None);
        assert_eq!(r.outcome(), Some(RetransmitOutcome::Stopped));
        let mut r = SuccessRetransmitter::new(t0, OK.to_vec(), remote(), &config);
        let sent = run(&mut r, t0, Duration::from_secs(10));
        assert_eq!(sent, [100, 300, 700, 1500, 3100, 6300]);
        assert_eq!(r.outcome(), Some(RetransmitOutcome::GaveUp));
    }
}

proptest::proptest! {
    /// For any T1 ≤ T2, the 2xx retransmissions start at T1, double, never exceed T2 apart, and
    /// all come before 64·T1, when the retransmitter gives up.
    #[test]
    fn success_retransmissions_double_to_t2_within_64_t1(t1_ms in 1u64..2_000, t2_factor in 1u32..16) {
        use std::time::{Duration, Instant};
        use hotline_sip::dialog::{RetransmitOutcome, SuccessRetransmitter};
        use hotline_sip::transaction::{Remote, TimerConfig, Transport};
        let t1 = Duration::from_millis(t1_ms);
        let config = TimerConfig::new().with_t1(t1).with_t2(t1 * t2_factor);
        let t0 = Instant::now();
        let remote = Remote::new("127.0.0.1:5070".parse().unwrap(), Transport::Udp);
        let mut r = SuccessRetransmitter::new(t0, b"SIP/2.0 200 OK\r\n\r\n".to_vec(), remote, &config);
        let mut sent = Vec::new();
        while let Some(at) = r.poll_timeout() {
            r.handle_timeout(at);
            if r.poll_transmit().is_some() {
                sent.push(at - t0);
            }
        }
        proptest::prop_assert_eq!(r.outcome(), Some(RetransmitOutcome::GaveUp));
        proptest::prop_assert_eq!(sent.first().copied(), Some(t1));
        let mut last_gap = Duration::ZERO;
        for pair in sent.windows(2) {
            let gap = pair[1] - pair[0];
            proptest::prop_assert!(gap >= last_gap && gap <= config.t2);
            last_gap = gap;
        }
        proptest::prop_assert!(sent.iter().all(|at| *at < 64 * t1));
    }
}
