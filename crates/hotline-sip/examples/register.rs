//! A UAC/UAS pair in memory: a phone registers with a registrar that asks for digest
//! authentication, then is found by lookup. Both ends are sans-IO transaction layers; the
//! "network" is a queue and the clock is simulated, so the run is the same every time.
//!
//! Run with `cargo run -p hotline-sip --example register`.

use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::auth::{DigestClient, DigestServer, DigestServerConfig, ha1};
use hotline_sip::build::response_to;
use hotline_sip::registrar::{Registrar, RegistrarConfig};
use hotline_sip::transaction::{Event, Remote, TimerConfig, TransactionLayer, Transport};

fn register(cseq: u32, authorization: Option<&str>) -> Vec<u8> {
    let mut s = format!(
        "REGISTER sip:call.example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-reg-{cseq}\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:agent17@call.example.com>\r\n\
         From: <sip:agent17@call.example.com>;tag=phone\r\n\
         Call-ID: reg-agent17\r\n\
         CSeq: {cseq} REGISTER\r\n\
         Contact: <sip:agent17@10.0.0.7:5060>;q=0.8\r\n\
         Expires: 600\r\n"
    );
    if let Some(a) = authorization {
        s.push_str(&format!("Authorization: {a}\r\n"));
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    s.into_bytes()
}

fn main() {
    let phone_addr = Remote::new("10.0.0.7:5060".parse().unwrap(), Transport::Udp);
    let server_addr = Remote::new("10.0.0.1:5060".parse().unwrap(), Transport::Udp);
    let mut phone = TransactionLayer::new(TimerConfig::default());
    let mut server = TransactionLayer::new(TimerConfig::default());
    let mut registrar = Registrar::new(RegistrarConfig::default());
    // A real server takes this secret from the operating system's random generator.
    let mut digest = DigestServer::new(DigestServerConfig::new("call.example.com"), [0x5a; 32]);
    let mut credentials = DigestClient::new("agent17", "s3cret");
    let mut now = Instant::now();

    phone.send_request(now, register(1, None), server_addr).unwrap();
    let mut cseq = 1;
    for _round in 0..10 {
        now += Duration::from_millis(20);
        // Phone -> server.
        while let Some(t) = phone.poll_transmit() {
            server.handle_datagram(now, &t.payload, phone_addr).unwrap();
        }
        // The server's TU: authenticate, then register.
        while let Some(event) = server.poll_event() {
            let Event::Request { id, request, .. } = event else { continue };
            let req = Message::parse(&request).unwrap();
            let authorization = req.headers_named("Authorization").next().map(|h| h.value());
            let verified = authorization.map(|a| {
                digest.verify(now, "REGISTER", req.request_uri_str(), a, |user, realm, alg| {
                    (user == "agent17").then(|| ha1(alg, user, realm, "s3cret"))
                })
            });
            let response = match verified {
                Some(Ok(user)) => {
                    println!("server: {user} authenticated");
                    let outcome = registrar.handle_register(now, &req);
                    Registrar::response(&req, &outcome, "srv").unwrap()
                }
                other => {
                    let stale = matches!(&other, Some(Err(e)) if e.is_stale());
                    let mut b = response_to(&req, 401, "Unauthorized", "srv").unwrap();
                    for challenge in digest.challenge(now, stale) {
                        b.push_header("WWW-Authenticate", &challenge);
                    }
                    b
                }
            };
            server.respond(now, id, response.to_bytes().unwrap()).unwrap();
        }
        // Server -> phone.
        while let Some(t) = server.poll_transmit() {
            phone.handle_datagram(now, &t.payload, server_addr).unwrap();
        }
        // The phone's TU: answer a challenge once.
        while let Some(event) = phone.poll_event() {
            let Event::Response { response, .. } = event else { continue };
            let resp = Message::parse(&response).unwrap();
            println!("phone: {}", resp.start_line());
            if resp.status() == Some(401) {
                let challenges: Vec<&str> =
                    resp.headers_named("WWW-Authenticate").map(|h| h.value()).collect();
                let challenge = DigestClient::choose(&challenges).expect("a digest challenge");
                let auth = credentials
                    .authorize(challenge, "REGISTER", "sip:call.example.com", "8b1c7e0f")
                    .unwrap();
                cseq += 1;
                phone.send_request(now, register(cseq, Some(&auth)), server_addr).unwrap();
            }
        }
    }
    for binding in registrar.lookup(now, "sip:agent17@call.example.com") {
        println!(
            "lookup: {} q={} expires in {} s",
            binding.contact,
            binding.q,
            binding.expires_in.as_secs()
        );
    }
}
