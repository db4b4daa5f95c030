//! The transaction layer, response routing, session-timer headers and digest server: any
//! datagram, stream bytes, request sent, CANCEL or timer sequence gives a value or an error,
//! never a panic.
#![no_main]

use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::auth::{DigestServer, DigestServerConfig, ha1};
use hotline_sip::session_timer::{SessionExpires, SessionTimerConfig, uas_negotiate};
use hotline_sip::transaction::{
    Event, Remote, TimerConfig, TransactionLayer, Transport, response_route, stamp_via,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let udp = Remote::new("127.0.0.1:5060".parse().unwrap(), Transport::Udp);
    let tcp = Remote::new("127.0.0.1:5061".parse().unwrap(), Transport::Tcp);
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let mut now = t0;
    // Split the input at 0xff bytes into datagrams; feed each as a datagram and as stream bytes.
    for (i, chunk) in data.split(|b| *b == 0xff).enumerate() {
        now += Duration::from_millis(137 * i as u64);
        let _ = layer.handle_datagram(now, chunk, udp);
        let _ = layer.handle_stream(now, chunk, tcp);
        // The chunk as a request of our own, cancelled at once (held while Calling).
        if let Ok(id) = layer.send_request(now, chunk.to_vec(), udp) {
            let _ = layer.cancel(now, id);
        }
        if let Ok(msg) = Message::parse(chunk) {
            if let Ok(via) = msg.top_via() {
                let _ = response_route(&via, udp);
                let _ = stamp_via(&via, udp.addr);
            }
            let _ = uas_negotiate(&msg, &SessionTimerConfig::default());
        }
        if let Ok(text) = std::str::from_utf8(chunk) {
            let _ = SessionExpires::parse(text);
        }
        layer.handle_timeout(now);
        while let Some(e) = layer.poll_event() {
            if let Event::Request { id, .. } = e {
                let _ = layer.respond(now, id, chunk.to_vec());
            }
        }
        while layer.poll_transmit().is_some() {}
    }
    layer.handle_timeout(now + Duration::from_secs(64));
    if let Ok(text) = std::str::from_utf8(data) {
        let mut server = DigestServer::new(DigestServerConfig::new("r"), [1; 32]);
        server.challenge(t0, false);
        let _ = server.verify(t0, "REGISTER", None, text, |u, r, a| Some(ha1(a, u, r, "p")));
    }
});
