//! Registrar behaviour: bindings, expiry, q-values, wildcard removal, Min-Expires, ordering.

use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::registrar::{
    Registered, Registrar, RegistrarConfig, RegistrarError, RegistrarEvent,
};

fn register(call_id: &str, cseq: u32, contacts: &[&str], expires: Option<u32>) -> Vec<u8> {
    let mut s = format!(
        "REGISTER sip:example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK{cseq}\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:agent@example.com>\r\n\
         From: <sip:agent@example.com>;tag=f\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} REGISTER\r\n"
    );
    for c in contacts {
        s.push_str(&format!("Contact: {c}\r\n"));
    }
    if let Some(e) = expires {
        s.push_str(&format!("Expires: {e}\r\n"));
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    s.into_bytes()
}

fn apply(r: &mut Registrar, now: Instant, bytes: &[u8]) -> Result<Registered, RegistrarError> {
    r.handle_register(now, &Message::parse(bytes).unwrap())
}

fn contacts(r: &Registrar, now: Instant) -> Vec<String> {
    r.lookup(now, "sip:agent@example.com").into_iter().map(|b| b.contact).collect()
}

#[test]
fn several_contacts_are_ordered_by_q_and_expire_one_by_one() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    let req = register(
        "c1",
        1,
        &["<sip:a@10.0.0.1>;q=0.2;expires=120", "<sip:b@10.0.0.2>;q=0.9", "<sip:c@10.0.0.3>"],
        Some(300),
    );
    let ok = apply(&mut r, t0, &req).unwrap();
    assert_eq!(ok.aor, "sip:agent@example.com");
    assert_eq!(ok.bindings.len(), 3);
    assert_eq!(contacts(&r, t0), ["sip:c@10.0.0.3", "sip:b@10.0.0.2", "sip:a@10.0.0.1"]);
    let later = t0 + Duration::from_secs(121);
    assert_eq!(contacts(&r, later), ["sip:c@10.0.0.3", "sip:b@10.0.0.2"], "a expired at 120 s");
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(120)));
    r.handle_timeout(t0 + Duration::from_secs(301));
    assert!(r.is_empty());
    assert_eq!(r.poll_timeout(), None);
    assert!(contacts(&r, t0).is_empty());
}

#[test]
fn the_response_lists_every_binding_with_expires_and_q() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    let bytes = register("c1", 1, &["<sip:a@10.0.0.1>;q=0.5", "<sip:b@10.0.0.2>"], Some(600));
    let req = Message::parse(&bytes).unwrap();
    let outcome = r.handle_register(t0, &req);
    let resp = Registrar::response(&req, &outcome, "t").unwrap().to_bytes().unwrap();
    let resp = Message::parse(&resp).unwrap();
    assert_eq!(resp.status(), Some(200));
    let listed: Vec<(String, Option<u32>, Option<f32>)> = resp
        .contacts()
        .map(|c| {
            let c = c.unwrap();
            (c.address().unwrap().uri().as_str().to_owned(), c.expires(), c.q())
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("sip:b@10.0.0.2".to_owned(), Some(600), None),
            ("sip:a@10.0.0.1".to_owned(), Some(600), Some(0.5)),
        ]
    );
}

#[test]
fn refresh_extends_and_expires_zero_removes() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    apply(&mut r, t0, &register("c1", 1, &["<sip:a@10.0.0.1>"], Some(100))).unwrap();
    let t1 = t0 + Duration::from_secs(90);
    apply(&mut r, t1, &register("c1", 2, &["<sip:a@10.0.0.1>"], Some(100))).unwrap();
    let b = r.lookup(t0 + Duration::from_secs(150), "sip:agent@example.com");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].expires_in, Duration::from_secs(40));
    assert_eq!(b[0].cseq, 2);
    apply(&mut r, t1, &register("c1", 3, &["<sip:a@10.0.0.1>;expires=0"], None)).unwrap();
    assert!(contacts(&r, t1).is_empty());
}

#[test]
fn a_register_without_contact_only_queries() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    apply(&mut r, t0, &register("c1", 1, &["<sip:a@10.0.0.1>"], None)).unwrap();
    let q = apply(&mut r, t0, &register("c9", 1, &[], None)).unwrap();
    assert_eq!(q.bindings.len(), 1);
    assert_eq!(q.bindings[0].expires_in, Duration::from_secs(3600), "default interval");
}

#[test]
fn wildcard_removes_every_binding_only_alone_and_with_expires_zero() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    apply(&mut r, t0, &register("c1", 1, &["<sip:a@10.0.0.1>", "<sip:b@10.0.0.2>"], None)).unwrap();
    assert!(matches!(
        apply(&mut r, t0, &register("c2", 1, &["*"], None)),
        Err(RegistrarError::InvalidWildcard)
    ));
    assert!(matches!(
        apply(&mut r, t0, &register("c2", 1, &["*", "<sip:c@10.0.0.3>"], Some(0))),
        Err(RegistrarError::InvalidWildcard)
    ));
    assert_eq!(contacts(&r, t0).len(), 2, "refusals change nothing");
    // Same Call-ID with an old CSeq: out of order.
    assert!(matches!(
        apply(&mut r, t0, &register("c1", 1, &["*"], Some(0))),
        Err(RegistrarError::OutOfOrder { cseq: 1, stored: 1 })
    ));
    let gone = apply(&mut r, t0, &register("c2", 1, &["*"], Some(0))).unwrap();
    assert!(gone.bindings.is_empty());
    assert!(r.is_empty());
}

#[test]
fn too_brief_intervals_get_423_with_min_expires_and_long_ones_are_capped() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    let bytes = register("c1", 1, &["<sip:a@10.0.0.1>", "<sip:b@10.0.0.2>;expires=30"], None);
    let req = Message::parse(&bytes).unwrap();
    let outcome = r.handle_register(t0, &req);
    assert!(matches!(outcome, Err(RegistrarError::IntervalTooBrief { requested: 30, min: 60 })));
    assert!(r.is_empty(), "all or nothing: a was not bound either");
    let resp = Registrar::response(&req, &outcome, "t").unwrap().to_bytes().unwrap();
    let resp = Message::parse(&resp).unwrap();
    assert_eq!(resp.status(), Some(423));
    assert_eq!(resp.headers_named("Min-Expires").next().unwrap().value(), "60");

    let ok = apply(&mut r, t0, &register("c1", 2, &["<sip:a@10.0.0.1>"], Some(999_999))).unwrap();
    assert_eq!(ok.bindings[0].expires_in, Duration::from_secs(7200));
}

#[test]
fn out_of_order_cseq_is_refused_but_another_call_id_is_not() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    apply(&mut r, t0, &register("c1", 5, &["<sip:a@10.0.0.1>"], None)).unwrap();
    let err = apply(&mut r, t0, &register("c1", 5, &["<sip:a@10.0.0.1>"], Some(0))).unwrap_err();
    assert_eq!(err.status().0, 500);
    assert_eq!(contacts(&r, t0).len(), 1);
    apply(&mut r, t0, &register("other", 1, &["<SIP:a@10.0.0.1>"], Some(0))).unwrap();
    assert!(contacts(&r, t0).is_empty(), "URI scheme compared case-insensitively");
}

#[test]
fn binding_count_and_method_and_scheme_are_checked() {
    let config = RegistrarConfig { max_bindings: 2, ..RegistrarConfig::default() };
    let mut r = Registrar::new(config);
    let t0 = Instant::now();
    let three = register("c1", 1, &["<sip:a@1.1.1.1>", "<sip:b@1.1.1.1>", "<sip:c@1.1.1.1>"], None);
    assert!(matches!(apply(&mut r, t0, &three), Err(RegistrarError::TooManyBindings)));
    let options = String::from_utf8(register("c1", 1, &[], None))
        .unwrap()
        .replace("REGISTER sip", "OPTIONS sip")
        .replace("1 REGISTER", "1 OPTIONS");
    let err = apply(&mut r, t0, options.as_bytes()).unwrap_err();
    assert_eq!(err.status(), (405, "Method Not Allowed"));
    let mailto = String::from_utf8(register("c1", 1, &[], None))
        .unwrap()
        .replace("To: <sip:agent@example.com>", "To: <mailto:agent@example.com>");
    assert_eq!(apply(&mut r, t0, mailto.as_bytes()).unwrap_err().status().0, 416);
    assert!(r.lookup(t0, "not a uri").is_empty());
}

fn expired(r: &mut Registrar) -> Vec<String> {
    std::iter::from_fn(|| r.poll_event())
        .map(|e| match e {
            RegistrarEvent::Expired { contact, .. } => contact,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn handle_timeout_reports_each_expired_binding_once_in_expiry_order() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    let req = register(
        "c1",
        1,
        &["<sip:a@10.0.0.1>;expires=120", "<sip:b@10.0.0.2>;expires=300", "<sip:c@10.0.0.3>"],
        Some(200),
    );
    apply(&mut r, t0, &req).unwrap();
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(120)));
    // Early: nothing fires.
    r.handle_timeout(t0 + Duration::from_secs(119));
    assert!(expired(&mut r).is_empty());
    r.handle_timeout(t0 + Duration::from_secs(250));
    assert_eq!(expired(&mut r), ["sip:a@10.0.0.1", "sip:c@10.0.0.3"]);
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(300)));
    r.handle_timeout(t0 + Duration::from_secs(300));
    assert_eq!(expired(&mut r), ["sip:b@10.0.0.2"]);
    assert_eq!(r.poll_timeout(), None);
    r.handle_timeout(t0 + Duration::from_secs(999));
    assert!(expired(&mut r).is_empty(), "reported once");
}

#[test]
fn a_refresh_moves_the_timer_and_a_removal_cancels_it() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    apply(&mut r, t0, &register("c1", 1, &["<sip:a@10.0.0.1>"], Some(100))).unwrap();
    apply(&mut r, t0, &register("c1", 2, &["<sip:b@10.0.0.2>"], Some(500))).unwrap();
    let t1 = t0 + Duration::from_secs(90);
    apply(&mut r, t1, &register("c1", 3, &["<sip:a@10.0.0.1>"], Some(100))).unwrap();
    // The old 100 s timer of a is stale: the next expiry is the refreshed one at 190 s.
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(190)));
    apply(&mut r, t1, &register("c1", 4, &["<sip:a@10.0.0.1>;expires=0"], None)).unwrap();
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(500)));
    r.handle_timeout(t0 + Duration::from_secs(400));
    assert!(expired(&mut r).is_empty(), "a was removed, not expired");
    r.handle_timeout(t0 + Duration::from_secs(500));
    assert_eq!(expired(&mut r), ["sip:b@10.0.0.2"]);
}

#[test]
fn handle_register_reports_bindings_that_expired_before_it() {
    let mut r = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::now();
    apply(&mut r, t0, &register("c1", 1, &["<sip:a@10.0.0.1>"], Some(100))).unwrap();
    let later = t0 + Duration::from_secs(150);
    let ok = apply(&mut r, later, &register("c2", 1, &["<sip:b@10.0.0.2>"], Some(100))).unwrap();
    assert_eq!(ok.bindings.len(), 1);
    assert_eq!(expired(&mut r), ["sip:a@10.0.0.1"]);
}
