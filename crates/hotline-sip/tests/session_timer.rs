//! RFC 4028 session timers: header syntax, the UAC/UAS negotiation with 422 and Min-SE, the
//! refresher choice, and the timer itself under virtual time.

use std::time::{Duration, Instant};

use hotline_sip::Message;
use hotline_sip::build::response_to;
use hotline_sip::session_timer::{
    Refresher, SessionExpires, SessionTimer, SessionTimerConfig, SessionTimerError, TimerEvent,
    UasDecision, expiry_margin, min_se, uac_after_422, uac_headers, uac_negotiated, uas_negotiate,
};

/// An INVITE with the extra header lines `extra` (each ending in CRLF).
fn invite(extra: &str) -> Vec<u8> {
    format!(
        "INVITE sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-st\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:bob@example.com>\r\n\
         From: <sip:alice@example.com>;tag=a\r\n\
         Call-ID: st-1\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:alice@192.0.2.1>\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// `invite` with the UAC headers of `uac_headers`.
fn invite_with(headers: &[(&'static str, String)]) -> Vec<u8> {
    let extra: String = headers.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
    invite(&extra)
}

/// The response `code` to `request` carrying `headers`.
fn answer(request: &[u8], code: u16, headers: &[(&'static str, String)]) -> Vec<u8> {
    let req = Message::parse(request).unwrap();
    let mut b = response_to(&req, code, "Reason", "b").unwrap();
    for (n, v) in headers {
        b.push_header(n, v);
    }
    b.to_bytes().unwrap()
}

fn accept(delta: u32, refresher: Refresher, require_timer: bool) -> UasDecision {
    UasDecision::Accept {
        session_expires: Some(SessionExpires { delta, refresher: Some(refresher) }),
        require_timer,
    }
}

#[test]
fn session_expires_and_min_se_syntax() {
    let se = SessionExpires::parse("1800;refresher=uac").unwrap();
    assert_eq!(se, SessionExpires { delta: 1800, refresher: Some(Refresher::Uac) });
    assert_eq!(se.to_value(), "1800;refresher=uac");
    let se = SessionExpires::parse(" 4000 ").unwrap();
    assert_eq!((se.delta, se.refresher), (4000, None));
    assert_eq!(se.to_value(), "4000");
    let se = SessionExpires::parse("90 ; x=y ; refresher = UAS").unwrap();
    assert_eq!(se.refresher, Some(Refresher::Uas));
    assert_eq!(SessionExpires::parse("99999999999").unwrap().delta, u32::MAX);
    assert_eq!(
        SessionExpires::parse("abc"),
        Err(SessionTimerError::BadDelta { header: "Session-Expires", at: 0 })
    );
    assert_eq!(
        SessionExpires::parse("1800x"),
        Err(SessionTimerError::BadDelta { header: "Session-Expires", at: 4 })
    );
    assert_eq!(
        SessionExpires::parse("1800;refresher=both"),
        Err(SessionTimerError::BadRefresher { at: 5 })
    );
    // The compact form `x`, and Min-SE.
    let req = invite("x: 1200;refresher=uas\r\nMin-SE: 600\r\n");
    let msg = Message::parse(&req).unwrap();
    assert_eq!(
        SessionExpires::of(&msg).unwrap(),
        Some(SessionExpires { delta: 1200, refresher: Some(Refresher::Uas) })
    );
    assert_eq!(min_se(&msg).unwrap(), Some(600));
    let bad = invite("Min-SE: soon\r\n");
    assert!(min_se(&Message::parse(&bad).unwrap()).is_err());
}

#[test]
fn uac_asks_with_supported_session_expires_and_min_se() {
    let config = SessionTimerConfig::default();
    assert_eq!(
        uac_headers(&config, None),
        [
            ("Supported", "timer".to_owned()),
            ("Session-Expires", "1800".to_owned()),
            ("Min-SE", "90".to_owned())
        ]
    );
    let config = SessionTimerConfig { refresher: Some(Refresher::Uac), ..config };
    assert_eq!(
        uac_headers(&config, Some(2000))[1],
        ("Session-Expires", "2000;refresher=uac".to_owned())
    );
    assert_eq!(uac_headers(&config, Some(2000))[2], ("Min-SE", "2000".to_owned()));
    // Never below 90 s, whatever the config says.
    let tiny = SessionTimerConfig { session_expires: 30, min_se: 10, refresher: None };
    assert_eq!(uac_headers(&tiny, None)[1], ("Session-Expires", "90".to_owned()));
}

#[test]
fn too_small_an_interval_gets_422_with_min_se_and_the_retry_succeeds() {
    let uac = SessionTimerConfig { session_expires: 120, ..SessionTimerConfig::default() };
    let uas = SessionTimerConfig { min_se: 1000, ..SessionTimerConfig::default() };
    let first = invite_with(&uac_headers(&uac, None));
    let decision = uas_negotiate(&Message::parse(&first).unwrap(), &uas).unwrap();
    assert_eq!(decision, UasDecision::TooSmall { min_se: 1000 });
    let rejected = answer(&first, 422, &decision.headers());
    let rejected = Message::parse(&rejected).unwrap();
    let seen = uac_after_422(&rejected, None).unwrap();
    assert_eq!(seen, Some(1000));
    // The largest Min-SE seen is kept across several 422s.
    assert_eq!(uac_after_422(&rejected, Some(1500)).unwrap(), Some(1500));
    let retry = invite_with(&uac_headers(&uac, seen));
    let decision = uas_negotiate(&Message::parse(&retry).unwrap(), &uas).unwrap();
    assert_eq!(decision, accept(1000, Refresher::Uas, false));
    let ok = answer(&retry, 200, &decision.headers());
    let got = uac_negotiated(&Message::parse(&ok).unwrap()).unwrap();
    assert_eq!(got, Some(SessionExpires { delta: 1000, refresher: Some(Refresher::Uas) }));
    // Only a 422 carries the retry's Min-SE.
    let not_422 = Message::parse(&ok).unwrap();
    assert!(uac_after_422(&not_422, None).is_err());
}

#[test]
fn uas_reduces_but_never_below_min_se_and_never_increases() {
    let uas = SessionTimerConfig::default(); // 1800 s
    let decide = |extra: &str| {
        let req = invite(extra);
        uas_negotiate(&Message::parse(&req).unwrap(), &uas).unwrap()
    };
    assert_eq!(
        decide("Supported: timer\r\nSession-Expires: 7200\r\nMin-SE: 600\r\n"),
        accept(1800, Refresher::Uas, false),
        "reduced to the UAS's interval"
    );
    assert_eq!(
        decide("Supported: timer\r\nSession-Expires: 7200\r\nMin-SE: 3600\r\n"),
        accept(3600, Refresher::Uas, false),
        "but not below the request's Min-SE"
    );
    assert_eq!(
        decide("Supported: timer\r\nSession-Expires: 1000\r\n"),
        accept(1000, Refresher::Uas, false),
        "never increased"
    );
    assert_eq!(
        decide("Supported: timer\r\nSession-Expires: 60\r\n"),
        UasDecision::TooSmall { min_se: 90 },
        "90 s is the floor"
    );
}

#[test]
fn refresher_choice_and_require_timer() {
    let uas = SessionTimerConfig::default();
    let decide = |extra: &str, config: &SessionTimerConfig| {
        let req = invite(extra);
        uas_negotiate(&Message::parse(&req).unwrap(), config).unwrap()
    };
    // The request's refresher is kept; refresher=uac puts Require: timer in the 2xx.
    let d = decide("Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n", &uas);
    assert_eq!(d, accept(1800, Refresher::Uac, true));
    assert_eq!(
        d.headers(),
        [("Session-Expires", "1800;refresher=uac".to_owned()), ("Require", "timer".to_owned())]
    );
    // Left to the UAS: its preference, else itself.
    let prefers_uac = SessionTimerConfig { refresher: Some(Refresher::Uac), ..uas };
    assert_eq!(
        decide("Supported: timer\r\nSession-Expires: 1800\r\n", &prefers_uac),
        accept(1800, Refresher::Uac, true)
    );
    // A UAC without timer support (a proxy inserted Session-Expires): the UAS refreshes.
    assert_eq!(
        decide("Session-Expires: 1800\r\n", &prefers_uac),
        accept(1800, Refresher::Uas, false)
    );
    // Supported: timer without Session-Expires: the UAS may ask for one itself.
    assert_eq!(
        decide("Supported: timer\r\nMin-SE: 2400\r\n", &uas),
        accept(2400, Refresher::Uas, false)
    );
    // Neither: no session timer.
    let none = decide("", &uas);
    assert_eq!(none, UasDecision::Accept { session_expires: None, require_timer: false });
    assert!(none.headers().is_empty());
    // Only INVITE and UPDATE negotiate.
    let options = String::from_utf8(invite("")).unwrap().replace("INVITE", "OPTIONS");
    assert!(uas_negotiate(&Message::parse(options.as_bytes()).unwrap(), &uas).is_err());
}

#[test]
fn uac_reads_the_2xx() {
    let req = invite("");
    let with = answer(&req, 200, &[("Session-Expires", "900;refresher=uas".to_owned())]);
    assert_eq!(
        uac_negotiated(&Message::parse(&with).unwrap()).unwrap(),
        Some(SessionExpires { delta: 900, refresher: Some(Refresher::Uas) })
    );
    let bare = answer(&req, 200, &[("Session-Expires", "900".to_owned())]);
    assert_eq!(
        uac_negotiated(&Message::parse(&bare).unwrap()).unwrap().unwrap().refresher,
        Some(Refresher::Uac),
        "no refresher named: the UAC keeps the session alive"
    );
    let without = answer(&req, 200, &[]);
    assert_eq!(uac_negotiated(&Message::parse(&without).unwrap()).unwrap(), None);
    let busy = answer(&req, 486, &[]);
    assert!(uac_negotiated(&Message::parse(&busy).unwrap()).is_err());
}

/// Runs `timer` alone until `until`, returning (offset in seconds, event).
fn run(timer: &mut SessionTimer, t0: Instant, until: Duration) -> Vec<(u64, TimerEvent)> {
    let mut out = Vec::new();
    while let Some(at) = timer.poll_timeout() {
        if at > t0 + until {
            break;
        }
        timer.handle_timeout(at);
        while let Some(e) = timer.poll_event() {
            out.push(((at - t0).as_secs(), e));
        }
    }
    out
}

#[test]
fn the_refresher_refreshes_at_half_and_both_give_up_before_expiry() {
    let t0 = Instant::now();
    let se = SessionExpires { delta: 1800, refresher: Some(Refresher::Uac) };
    assert_eq!(expiry_margin(Duration::from_secs(1800)), Duration::from_secs(32));
    assert_eq!(expiry_margin(Duration::from_secs(90)), Duration::from_secs(30));
    let mut uac = SessionTimer::new(t0, se, Refresher::Uac);
    assert!(uac.is_refresher());
    assert_eq!(
        run(&mut uac, t0, Duration::from_secs(4000)),
        [(900, TimerEvent::Refresh), (1768, TimerEvent::Expired)],
        "refresh at half; with no successful refresh, BYE at 1800 - 32"
    );
    let mut uas = SessionTimer::new(t0, se, Refresher::Uas);
    assert!(!uas.is_refresher());
    assert_eq!(run(&mut uas, t0, Duration::from_secs(4000)), [(1768, TimerEvent::Expired)]);
    // A short interval: the margin is a third of it.
    let short = SessionExpires { delta: 90, refresher: Some(Refresher::Uas) };
    let mut t = SessionTimer::new(t0, short, Refresher::Uas);
    assert_eq!(
        run(&mut t, t0, Duration::from_secs(200)),
        [(45, TimerEvent::Refresh), (60, TimerEvent::Expired)]
    );
}

#[test]
fn a_successful_refresh_restarts_the_timer() {
    let t0 = Instant::now();
    let se = SessionExpires { delta: 1800, refresher: Some(Refresher::Uac) };
    let mut uac = SessionTimer::new(t0, se, Refresher::Uac);
    assert_eq!(run(&mut uac, t0, Duration::from_secs(900)), [(900, TimerEvent::Refresh)]);
    // The re-INVITE's 2xx arrives at 901 s; the UAS now refreshes, with a shorter interval.
    let t1 = t0 + Duration::from_secs(901);
    let new = SessionExpires { delta: 600, refresher: Some(Refresher::Uas) };
    uac.refreshed(t1, new, Refresher::Uac);
    assert!(!uac.is_refresher());
    assert_eq!(uac.interval(), Duration::from_secs(600));
    assert_eq!(
        run(&mut uac, t0, Duration::from_secs(4000)),
        [(901 + 600 - 32, TimerEvent::Expired)]
    );
    assert_eq!(uac.poll_timeout(), None, "expired for good");
}

proptest::proptest! {
    /// For any interval and role, a refresh (if this side refreshes) comes at half the interval,
    /// before the expiry, and the expiry comes before the session would end, at most 32 s early.
    #[test]
    fn refresh_precedes_expiry_which_precedes_the_end(delta in 90u32..200_000, uac_refreshes: bool, local_uac: bool) {
        let t0 = Instant::now();
        let refresher = if uac_refreshes { Refresher::Uac } else { Refresher::Uas };
        let role = if local_uac { Refresher::Uac } else { Refresher::Uas };
        let mut timer = SessionTimer::new(t0, SessionExpires { delta, refresher: Some(refresher) }, role);
        let events = run(&mut timer, t0, Duration::from_secs(u64::from(delta) * 2));
        let interval = Duration::from_secs(u64::from(delta));
        let expiry = interval - expiry_margin(interval);
        proptest::prop_assert!(expiry >= interval - Duration::from_secs(32));
        proptest::prop_assert!(expiry > interval / 2);
        let mut expected = Vec::new();
        if refresher == role {
            expected.push(((interval / 2).as_secs(), TimerEvent::Refresh));
        }
        expected.push((expiry.as_secs(), TimerEvent::Expired));
        proptest::prop_assert_eq!(events, expected);
    }
}
