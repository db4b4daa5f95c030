//! Parse an INVITE, read typed headers, validate it, answer its SDP offer and build the 200 OK.
//!
//! Run with `cargo run -p hotline-sip --example demo`.

use std::net::{IpAddr, Ipv4Addr};

use hotline_sip::build::response_to;
use hotline_sip::sdp::SessionDescription;
use hotline_sip::sdp::offer_answer::{AudioConfig, answer};
use hotline_sip::validate::Validator;
use hotline_sip::{HeaderName, Message, ParserConfig};

const INVITE: &[u8] = b"INVITE sip:agent@callcenter.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.example.net:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Support <sip:agent@callcenter.example.com>\r\n\
f: \"Alice\" <sip:alice@example.net>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.example.net\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.example.net>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 153\r\n\
\r\n\
v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 192.0.2.33\r\n\
s=-\r\n\
c=IN IP4 192.0.2.33\r\n\
t=0 0\r\n\
m=audio 49170 RTP/AVP 8 0 101\r\n\
a=rtpmap:101 telephone-event/8000\r\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Split the datagram (no allocation) and check every known header's grammar.
    let msg = Message::parse_checked(INVITE, &ParserConfig::strict())?;
    println!("{} {}", msg.method().expect("a request"), msg.request_uri()?);

    // 2. Typed headers, parsed on demand, borrowing from the datagram.
    let via = msg.top_via()?;
    println!(
        "top Via: {} {} branch={:?} rport={:?}",
        via.transport(),
        via.host(),
        via.branch(),
        via.rport()
    );
    let from = msg.from()?;
    println!("From: {:?} {} tag={:?}", from.display_name(), from.uri(), from.tag());
    println!("CSeq: {} {}", msg.cseq()?.seq, msg.cseq()?.method);
    println!(
        "headers: {}",
        msg.headers().iter().map(|h| h.kind().as_str()).collect::<Vec<_>>().join(", ")
    );

    // 3. Application-level validation, separate from parsing.
    for warning in Validator::default().validate(&msg) {
        println!("warning[{}]: {}", warning.code, warning.message);
    }

    // 4. Answer the SDP offer with the agent's audio settings.
    let offer = SessionDescription::parse(std::str::from_utf8(msg.body())?)?;
    let agent = AudioConfig::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)), 40000);
    let negotiated = answer(&offer, &agent)?;
    assert_eq!(negotiated.telephone_event, Some(101));
    println!(
        "codec {:?}, telephone-event {:?}, send RTP to {:?}",
        negotiated.codec, negotiated.telephone_event, negotiated.remote
    );

    // 5. The 200 OK built from the request (RFC 3261 §8.2.6), with the SDP answer.
    let mut ok = response_to(&msg, 200, "OK", "a6c85cf")?;
    ok.push_header("Contact", "<sip:agent@192.0.2.10>");
    ok.set_body("application/sdp", negotiated.sdp.to_string().as_bytes());
    let bytes = ok.to_bytes().unwrap();
    let reply = Message::parse_checked(&bytes, &ParserConfig::strict())?;
    assert_eq!(reply.to()?.tag(), Some("a6c85cf"));
    assert_eq!(
        reply.header(HeaderName::CallId).map(|h| h.value()),
        Some("a84b4c76e66710@pc33.example.net")
    );
    print!("\n{}", String::from_utf8_lossy(&bytes));
    Ok(())
}
