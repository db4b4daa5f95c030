//! Digest authentication between a server and a client, including replays and expiry.

use std::time::{Duration, Instant};

use hotline_sip::auth::{
    Algorithm, AuthError, DigestClient, DigestServer, DigestServerConfig, ha1,
};
use proptest::prelude::*;

const URI: &str = "sip:call.example.com";

fn lookup(user: &str, realm: &str, alg: Algorithm) -> Option<String> {
    (user == "agent").then(|| ha1(alg, user, realm, "pw"))
}

fn server() -> DigestServer {
    DigestServer::new(DigestServerConfig::new("call.example.com"), [42; 32])
}

fn verify(s: &mut DigestServer, now: Instant, auth: &str) -> Result<String, AuthError> {
    s.verify(now, "REGISTER", Some(URI), auth, lookup)
}

#[test]
fn both_algorithms_authenticate() {
    let mut s = server();
    let now = Instant::now();
    let challenges = s.challenge(now, false);
    assert_eq!(challenges.len(), 2);
    assert!(challenges[0].contains("algorithm=SHA-256"));
    assert!(challenges[1].contains("algorithm=MD5"));
    // Both challenges share one nonce, so each algorithm gets a fresh challenge here: two
    // clients answering the same nonce with nc=1 would be a replay.
    for i in 0..2 {
        let c = s.challenge(now, false).remove(i);
        let mut client = DigestClient::new("agent", "pw");
        let auth = client.authorize(&c, "REGISTER", URI, "cn1").unwrap();
        assert_eq!(verify(&mut s, now, &auth).unwrap(), "agent");
    }
}

#[test]
fn nonce_counts_stop_replays_and_allow_reuse_with_higher_counts() {
    let mut s = server();
    let now = Instant::now();
    let c = s.challenge(now, false).remove(0);
    let mut client = DigestClient::new("agent", "pw");
    let first = client.authorize(&c, "REGISTER", URI, "cn").unwrap();
    let second = client.authorize(&c, "REGISTER", URI, "cn").unwrap();
    assert!(verify(&mut s, now, &first).is_ok());
    assert!(matches!(verify(&mut s, now, &first), Err(AuthError::Replay { nc: 1, last: 1 })));
    assert!(verify(&mut s, now, &second).is_ok(), "nc=2 reuses the nonce");
    assert!(matches!(verify(&mut s, now, &second), Err(AuthError::Replay { .. })));
}

#[test]
fn expired_nonce_is_stale_only_when_the_password_is_right() {
    let mut s = server();
    let t0 = Instant::now();
    let c = s.challenge(t0, false).remove(0);
    let later = t0 + Duration::from_secs(301);
    let good = DigestClient::new("agent", "pw").authorize(&c, "REGISTER", URI, "x").unwrap();
    let bad = DigestClient::new("agent", "nope").authorize(&c, "REGISTER", URI, "x").unwrap();
    let err = verify(&mut s, later, &good).unwrap_err();
    assert!(err.is_stale());
    assert!(matches!(verify(&mut s, later, &bad), Err(AuthError::WrongResponse)));
    let fresh = s.challenge(later, true);
    assert!(fresh[0].ends_with("stale=true"));
    assert!(verify(&mut s, later, &good).is_err(), "the old nonce was forgotten");
}

#[test]
fn wrong_password_user_realm_uri_nonce_and_algorithm_are_refused() {
    let mut s = server();
    let now = Instant::now();
    let c = s.challenge(now, false).remove(0);
    let auth = |user: &str, pw: &str, uri: &str| {
        DigestClient::new(user, pw).authorize(&c, "REGISTER", uri, "c").unwrap()
    };
    assert!(matches!(
        verify(&mut s, now, &auth("agent", "bad", URI)),
        Err(AuthError::WrongResponse)
    ));
    assert!(matches!(verify(&mut s, now, &auth("ghost", "pw", URI)), Err(AuthError::UnknownUser)));
    assert!(matches!(
        verify(&mut s, now, &auth("agent", "pw", "sip:other.example.com")),
        Err(AuthError::WrongUri(_))
    ));
    // Same credentials, but for another method: the digest covers the method.
    let ok = auth("agent", "pw", URI);
    assert!(matches!(
        s.verify(now, "INVITE", Some(URI), &ok, lookup),
        Err(AuthError::WrongResponse)
    ));
    let other_realm = c.replace("call.example.com", "evil.example.com");
    let forged =
        DigestClient::new("agent", "pw").authorize(&other_realm, "REGISTER", URI, "c").unwrap();
    assert!(matches!(verify(&mut s, now, &forged), Err(AuthError::WrongRealm(_))));
    let mut s2 = DigestServer::new(DigestServerConfig::new("call.example.com"), [1; 32]);
    let unknown = DigestClient::new("agent", "pw")
        .authorize(&s2.challenge(now, false)[0], "REGISTER", URI, "c")
        .unwrap();
    assert!(matches!(verify(&mut s, now, &unknown), Err(AuthError::UnknownNonce)));
    let sha_only = DigestServerConfig {
        algorithms: vec![Algorithm::Sha256],
        ..DigestServerConfig::new("call.example.com")
    };
    let mut strict = DigestServer::new(sha_only, [3; 32]);
    let c = strict.challenge(now, false).remove(0);
    let md5 = DigestClient::new("agent", "pw")
        .authorize(&c.replace("SHA-256", "MD5"), "REGISTER", URI, "c")
        .unwrap();
    assert!(matches!(
        strict.verify(now, "REGISTER", Some(URI), &md5, lookup),
        Err(AuthError::UnsupportedAlgorithm(a)) if a == "MD5"
    ));
}

#[test]
fn missing_qop_and_other_schemes_are_refused() {
    let mut s = server();
    let now = Instant::now();
    assert!(matches!(verify(&mut s, now, "Basic YWdlbnQ6cHc="), Err(AuthError::NotDigest(_))));
    let c = s.challenge(now, false).remove(0);
    let auth = DigestClient::new("agent", "pw").authorize(&c, "REGISTER", URI, "c").unwrap();
    let no_qop = auth.replace(", qop=auth", "");
    assert!(matches!(verify(&mut s, now, &no_qop), Err(AuthError::MissingParameter("qop"))));
    let short_nc = auth.replace("nc=00000001", "nc=1");
    assert!(matches!(verify(&mut s, now, &short_nc), Err(AuthError::InvalidParameter("nc"))));
    let mut client = DigestClient::new("agent", "pw");
    assert!(matches!(
        client.authorize("Digest realm=\"r\", nonce=\"n\"", "REGISTER", URI, "c"),
        Err(AuthError::QopRequired)
    ));
    assert!(matches!(
        client.authorize(
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=MD5-sess",
            "REGISTER",
            URI,
            "c"
        ),
        Err(AuthError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn nonce_memory_is_bounded() {
    let config = DigestServerConfig { max_nonces: 3, ..DigestServerConfig::new("r") };
    let mut s = DigestServer::new(config, [9; 32]);
    let now = Instant::now();
    let first = s.challenge(now, false).remove(0);
    for _ in 0..10 {
        s.challenge(now, false);
    }
    assert_eq!(s.live_nonces(), 3);
    let auth = DigestClient::new("agent", "pw").authorize(&first, "REGISTER", URI, "c").unwrap();
    assert!(matches!(s.verify(now, "REGISTER", None, &auth, lookup), Err(AuthError::UnknownNonce)));
}

proptest! {
    #[test]
    fn verify_never_panics(input in ".{0,200}") {
        let mut s = server();
        let now = Instant::now();
        s.challenge(now, false);
        let _ = verify(&mut s, now, &input);
        let _ = DigestClient::new("a", "b").authorize(&input, "REGISTER", URI, "c");
    }

    #[test]
    fn any_user_and_password_round_trip(user in "[a-zA-Z0-9\"\\\\ .]{1,20}", pw in ".{0,20}") {
        let mut s = server();
        let now = Instant::now();
        let c = s.challenge(now, false).remove(0);
        let auth = DigestClient::new(&user, &pw).authorize(&c, "REGISTER", URI, "c").unwrap();
        let got = s.verify(now, "REGISTER", Some(URI), &auth, |u, r, a| Some(ha1(a, u, r, &pw)));
        prop_assert_eq!(got.unwrap(), user);
    }
}
