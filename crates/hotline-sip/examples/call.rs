//! A UAC places a call to a UAS in memory: INVITE, 180, 200, the dialog's ACK, then a BYE in
//! the dialog. Both ends are sans-IO transaction layers with a dialog on top; the "network" is
//! a direct hand-over and the clock is simulated.
//!
//! Run with `cargo run -p hotline-sip --example call`.

use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::build::response_to;
use hotline_sip::dialog::Dialog;
use hotline_sip::transaction::{Event, Remote, TimerConfig, TransactionLayer, Transport};

const INVITE: &[u8] = b"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-call-1\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@example.com>\r\n\
From: Alice <sip:alice@example.com>;tag=alice1\r\n\
Call-ID: call-1@10.0.0.1\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@10.0.0.1:5060>\r\n\
Content-Length: 0\r\n\r\n";

/// Hands everything `from` wants to send to `to`, printing the start lines.
fn deliver(now: Instant, from: &mut TransactionLayer, to: &mut TransactionLayer, src: Remote) {
    while let Some(t) = from.poll_transmit() {
        let line = Message::parse(&t.payload).map(|m| m.start_line().to_owned());
        println!("{} -> {}: {}", src.addr, t.remote.addr, line.unwrap_or_default());
        to.handle_datagram(now, &t.payload, src).expect("well-formed");
    }
}

fn main() {
    let alice_addr = Remote::new("10.0.0.1:5060".parse().unwrap(), Transport::Udp);
    let bob_addr = Remote::new("10.0.0.2:5060".parse().unwrap(), Transport::Udp);
    let mut alice = TransactionLayer::new(TimerConfig::default());
    let mut bob = TransactionLayer::new(TimerConfig::default());
    let mut now = Instant::now();
    let mut alice_dialog: Option<Dialog> = None;
    let mut bob_dialog: Option<Dialog> = None;

    alice.send_request(now, INVITE.to_vec(), bob_addr).unwrap();
    for _ in 0..6 {
        now += Duration::from_millis(10);
        deliver(now, &mut alice, &mut bob, alice_addr);
        // Bob's UAS core: ring, answer, accept the ACK, answer the BYE.
        while let Some(event) = bob.poll_event() {
            match event {
                Event::Request { id, request, .. } => {
                    let req = Message::parse(&request).unwrap();
                    if request.starts_with(b"INVITE") {
                        let ringing = response_to(&req, 180, "Ringing", "bob1").unwrap();
                        bob.respond(now, id, ringing.to_bytes().unwrap()).unwrap();
                        let ok = response_to(&req, 200, "OK", "bob1")
                            .unwrap()
                            .header("Contact", "<sip:bob@10.0.0.2:5060>");
                        bob.respond(now, id, ok.to_bytes().unwrap()).unwrap();
                        bob_dialog = Some(Dialog::uas(&req, "bob1", 1, true).unwrap());
                    } else if let Some(dialog) = bob_dialog.as_mut() {
                        dialog.receive_request(&req).unwrap();
                        let ok = response_to(&req, 200, "OK", "bob1").unwrap();
                        bob.respond(now, id, ok.to_bytes().unwrap()).unwrap();
                        println!("bob: dialog {:?}", dialog.state());
                    }
                }
                Event::Ack { request, .. } => {
                    let ack = Message::parse(&request).unwrap();
                    bob_dialog.as_mut().unwrap().receive_request(&ack).unwrap();
                    println!("bob: call confirmed by ACK");
                }
                _ => {}
            }
        }
        deliver(now, &mut bob, &mut alice, bob_addr);
        // Alice's UAC core: ACK the 2xx through the dialog, then hang up.
        while let Some(event) = alice.poll_event() {
            let Event::Response { id, response } = event else { continue };
            let resp = Message::parse(&response).unwrap();
            if resp.status() == Some(200) && resp.cseq().unwrap().method.as_str() == "INVITE" {
                let invite = Message::parse(alice.request(id).unwrap()).unwrap();
                let mut dialog = Dialog::uac(&invite, &resp).unwrap();
                let via = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-call-ack";
                let ack = dialog.ack(1, via).unwrap().to_bytes().unwrap();
                alice.send_stateless(bob_addr, ack);
                let via = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-call-bye";
                let bye = dialog.request("BYE", via).unwrap().to_bytes().unwrap();
                alice.send_request(now, bye, bob_addr).unwrap();
                alice_dialog = Some(dialog);
            } else if resp.status() == Some(200) {
                println!(
                    "alice: BYE answered, dialog {:?}",
                    alice_dialog.as_ref().unwrap().state()
                );
            }
        }
    }
}
