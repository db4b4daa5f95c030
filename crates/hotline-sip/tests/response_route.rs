//! Where responses go: RFC 3261 §18.2.1 receiver tags and §18.2.2 response routing, with
//! RFC 3581 `rport`, case by case as the RFCs write them.

use std::net::SocketAddr;

use hotline_sip::Leniency;
use hotline_sip::header::{HeaderValue, Via};
use hotline_sip::transaction::{
    Destination, Remote, ResponseRoute, Transport, receiver_tags, response_route, stamp_via,
};

fn via(text: &str) -> Via<'_> {
    Via::parse(text, &Leniency::default()).unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn route(text: &str, source: &str, transport: Transport) -> ResponseRoute {
    response_route(&via(text), Remote::new(addr(source), transport))
}

fn to(s: &str) -> Destination {
    Destination::Addr(addr(s))
}

#[test]
fn udp_sent_by_equal_to_the_source_goes_to_sent_by() {
    let r = route("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1", "192.0.2.1:5070", Transport::Udp);
    assert_eq!(r.transport, Transport::Udp);
    assert_eq!(r.connection, None);
    assert_eq!(r.destination, to("192.0.2.1:5070"));
    assert_eq!((r.ttl, r.fallback), (None, None));
    // Without a port: 5060.
    let r = route("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "192.0.2.1:5060", Transport::Udp);
    assert_eq!(r.destination, to("192.0.2.1:5060"));
}

#[test]
fn udp_received_goes_to_the_received_address_at_the_sent_by_port() {
    // §18.2.1: a domain in sent-by always differs from the source; received is due.
    let r = route(
        "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
        "192.0.2.4:40000",
        Transport::Udp,
    );
    assert_eq!(r.destination, to("192.0.2.4:5060"), "received, at the sent-by port or 5060");
    assert_eq!(
        r.fallback,
        Some(Destination::Resolve { host: "pc33.atlanta.com".into(), port: None }),
        "on failure, RFC 3263 §5 on sent-by"
    );
    // An address that differs from the source (a NAT), and a received already written.
    let r = route("SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK2", "192.0.2.7:40000", Transport::Udp);
    assert_eq!(r.destination, to("192.0.2.7:5062"), "without rport the source port is not used");
    assert_eq!(r.fallback, Some(to("10.0.0.1:5062")));
    let r = route(
        "SIP/2.0/UDP 10.0.0.1:5062;received=192.0.2.9;branch=z9hG4bK3",
        "192.0.2.7:40000",
        Transport::Udp,
    );
    assert_eq!(r.destination, to("192.0.2.9:5062"));
}

#[test]
fn rfc3581_rport_sends_to_the_source_address_and_port() {
    // RFC 3581 §4's example: a client behind a NAT at 10.1.1.1:4540.
    let text = "SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff";
    let r = route(text, "192.0.2.1:9988", Transport::Udp);
    assert_eq!(r.destination, to("192.0.2.1:9988"));
    assert_eq!(r.fallback, Some(to("10.1.1.1:4540")));
    assert_eq!(
        stamp_via(&via(text), addr("192.0.2.1:9988")),
        "SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKkjshdyff;received=192.0.2.1"
    );
    // §4: received is added even when it equals sent-by, once rport was asked for.
    let text = "SIP/2.0/UDP 192.0.2.1:4540;rport;branch=z9hG4bK5";
    assert_eq!(
        receiver_tags(&via(text), addr("192.0.2.1:4540")),
        (Some("192.0.2.1".parse().unwrap()), Some(4540))
    );
    // A Via already stamped routes the same way as the request's own.
    let stamped = stamp_via(&via(text), addr("192.0.2.1:4540"));
    let r = route(&stamped, "192.0.2.1:4540", Transport::Udp);
    assert_eq!(r.destination, to("192.0.2.1:4540"));
    // No rport asked for and the sent-by is the source: no receiver tags.
    let plain = "SIP/2.0/UDP 192.0.2.1:4540;branch=z9hG4bK6";
    assert_eq!(receiver_tags(&via(plain), addr("192.0.2.1:4540")), (None, None));
    assert_eq!(stamp_via(&via(plain), addr("192.0.2.1:4540")), plain);
}

#[test]
fn maddr_wins_over_received_and_rport_with_multicast_ttl() {
    let r = route(
        "SIP/2.0/UDP 10.0.0.1:5070;maddr=224.2.0.1;ttl=16;rport;branch=z9hG4bK7",
        "192.0.2.1:9988",
        Transport::Udp,
    );
    assert_eq!(r.destination, to("224.2.0.1:5070"));
    assert_eq!(r.ttl, Some(16));
    let r = route(
        "SIP/2.0/UDP 10.0.0.1;maddr=239.255.255.1;branch=z9hG4bK8",
        "10.0.0.1:5060",
        Transport::Udp,
    );
    assert_eq!((r.destination, r.ttl), (to("239.255.255.1:5060"), Some(1)), "TTL 1 by default");
    let r = route(
        "SIP/2.0/UDP 10.0.0.1;maddr=192.0.2.50;branch=z9hG4bK9",
        "10.0.0.1:5060",
        Transport::Udp,
    );
    assert_eq!((r.destination, r.ttl), (to("192.0.2.50:5060"), None), "unicast: no TTL");
    let r = route(
        "SIP/2.0/UDP 10.0.0.1:5070;maddr=proxy.example.com;branch=z9hG4bKa",
        "10.0.0.1:5070",
        Transport::Udp,
    );
    assert_eq!(
        r.destination,
        Destination::Resolve { host: "proxy.example.com".into(), port: Some(5070) }
    );
}

#[test]
fn reliable_transports_answer_on_the_same_connection() {
    let source = "192.0.2.3:49152";
    let r = route("SIP/2.0/TCP client.example.com:5060;branch=z9hG4bKb", source, Transport::Tcp);
    assert_eq!(r.transport, Transport::Tcp);
    assert_eq!(r.connection, Some(Remote::new(addr(source), Transport::Tcp)));
    // If the connection closed: received at the sent-by port, then RFC 3263 on sent-by.
    assert_eq!(r.destination, to("192.0.2.3:5060"));
    assert_eq!(
        r.fallback,
        Some(Destination::Resolve { host: "client.example.com".into(), port: Some(5060) })
    );
    // TLS without a sent-by port: the transport's default, 5061.
    let r = route("SIP/2.0/TLS 192.0.2.3;branch=z9hG4bKc", source, Transport::Tls);
    assert_eq!(r.destination, to("192.0.2.3:5061"));
    assert_eq!(r.connection, Some(Remote::new(addr(source), Transport::Tls)));
    // maddr does not apply to reliable transports.
    let r = route(
        "SIP/2.0/SCTP 192.0.2.3:5090;maddr=224.2.0.1;branch=z9hG4bKd",
        source,
        Transport::Sctp,
    );
    assert_eq!((r.destination, r.ttl), (to("192.0.2.3:5090"), None));
}

#[test]
fn ipv6_addresses_route_and_stamp_without_brackets_in_received() {
    let text = "SIP/2.0/UDP [2001:db8::9:1]:5070;rport;branch=z9hG4bKe";
    let r = route(text, "[2001:db8::77]:6000", Transport::Udp);
    assert_eq!(r.destination, to("[2001:db8::77]:6000"));
    assert_eq!(
        stamp_via(&via(text), addr("[2001:db8::77]:6000")),
        "SIP/2.0/UDP [2001:db8::9:1]:5070;rport=6000;branch=z9hG4bKe;received=2001:db8::77"
    );
    let r = route(
        "SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKf",
        "[2001:db8::9:1]:5070",
        Transport::Udp,
    );
    assert_eq!((r.destination, r.fallback), (to("[2001:db8::9:1]:5070"), None));
}
