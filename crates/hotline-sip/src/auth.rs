//! Digest authentication for SIP: RFC 7616 as RFC 8760 applies it to SIP, with MD5 and SHA-256
//! and `qop=auth`.
//!
//! * [`DigestServer`] issues challenges (`WWW-Authenticate` / `Proxy-Authenticate` values) with
//!   nonces that expire, and verifies credentials: the realm, the digest URI, the nonce (known,
//!   not expired), the nonce count (strictly increasing per nonce, so that a captured request
//!   cannot be replayed) and the response, compared in constant time. It stores no passwords:
//!   a lookup function hands it the user's `HA1` (see [`ha1`]).
//! * [`DigestClient`] answers challenges, counting `nc` per nonce.
//!
//! Both are sans-IO: the server takes `now` from the caller and a secret from which it derives
//! its nonces; the client takes the client nonce (`cnonce`) from the caller.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use hotline_sip::auth::{Algorithm, DigestClient, DigestServer, DigestServerConfig, ha1};
//!
//! let config = DigestServerConfig::new("call.example.com");
//! let mut server = DigestServer::new(config, [7; 32]);
//! let now = Instant::now();
//! let challenges = server.challenge(now, false);
//! assert!(challenges[0].contains("algorithm=SHA-256"));
//!
//! let mut phone = DigestClient::new("agent17", "s3cret");
//! let authorization = phone
//!     .authorize(&challenges[0], "REGISTER", "sip:call.example.com", "0a4f113b")
//!     .unwrap();
//!
//! let user = server
//!     .verify(now + Duration::from_secs(1), "REGISTER", Some("sip:call.example.com"),
//!         &authorization, |user, realm, alg| {
//!             (user == "agent17").then(|| ha1(alg, user, realm, "s3cret"))
//!         })
//!     .unwrap();
//! assert_eq!(user, "agent17");
//! // The same Authorization again is a replay.
//! assert!(server.verify(now, "REGISTER", None, &authorization, |u, r, a| Some(ha1(a, u, r, "s3cret")))
//!     .is_err());
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::header::{Challenge, Credentials, HeaderValue};
use crate::{Leniency, ParseError};

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Algorithm {
    /// `MD5` (the default when a challenge names none).
    Md5,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
}

impl Algorithm {
    /// The name used in the `algorithm` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// The algorithm for a parameter value (case-insensitive); `None` for the `-sess` variants
    /// and anything else this crate does not implement.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        if name.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if name.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }

    /// The lowercase hex digest of `data`.
    pub fn hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 => to_hex(&Md5::digest(data)),
            Algorithm::Sha256 => to_hex(&Sha256::digest(data)),
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `HA1 = H(username ":" realm ":" password)`, the secret a server stores instead of the password.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hex(format!("{username}:{realm}:{password}").as_bytes())
}

/// The request-digest for `qop=auth` (RFC 7616 §3.4.1):
/// `H(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" H(method ":" uri))`, with `nc` written as
/// eight hex digits.
pub fn response(
    algorithm: Algorithm,
    ha1: &str,
    nonce: &str,
    nc: u32,
    cnonce: &str,
    method: &str,
    uri: &str,
) -> String {
    let ha2 = algorithm.hex(format!("{method}:{uri}").as_bytes());
    algorithm.hex(format!("{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}").as_bytes())
}

/// Compares two byte strings in time that depends only on their lengths (the `subtle` crate's
/// [`ConstantTimeEq`](subtle::ConstantTimeEq), which the optimiser cannot turn into an early
/// exit).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Why credentials were refused or a challenge could not be answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The header value does not parse.
    /// The parse error is the [`source`](std::error::Error::source), not repeated in this error's
    /// text.
    #[error("malformed authentication header")]
    Malformed(#[from] ParseError),
    /// The scheme is not Digest.
    #[error("scheme {0} is not Digest")]
    NotDigest(String),
    /// A required parameter is missing.
    #[error("missing parameter {0}")]
    MissingParameter(&'static str),
    /// A parameter has a value that is not allowed.
    #[error("invalid value for parameter {0}")]
    InvalidParameter(&'static str),
    /// The algorithm is not one this side supports or offered.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The challenge does not offer `qop=auth` (RFC 8760 requires it; RFC 2069 mode is not
    /// supported).
    #[error("qop=auth is required")]
    QopRequired,
    /// The realm is not this server's.
    #[error("realm {0} is not this server's")]
    WrongRealm(String),
    /// The digest URI differs from the Request-URI.
    #[error("digest uri {0} differs from the Request-URI")]
    WrongUri(String),
    /// The nonce was never issued here or was forgotten: challenge again.
    #[error("unknown nonce")]
    UnknownNonce,
    /// The nonce expired but the credentials were otherwise right: challenge with `stale=true`.
    #[error("stale nonce")]
    Stale,
    /// The nonce count did not increase: a replayed or reordered request.
    #[error("nonce count {nc} is not above {last}: replay")]
    Replay {
        /// The count received.
        nc: u32,
        /// The highest count accepted so far for this nonce.
        last: u32,
    },
    /// The lookup knows no such user.
    #[error("unknown user")]
    UnknownUser,
    /// The response does not match: wrong password.
    #[error("wrong credentials")]
    WrongResponse,
}

impl AuthError {
    /// Whether the right answer is a new challenge with `stale=true` (RFC 7616 §3.3).
    pub fn is_stale(&self) -> bool {
        matches!(self, AuthError::Stale)
    }
}

/// Settings of a [`DigestServer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestServerConfig {
    /// The protection realm (usually the domain).
    pub realm: String,
    /// The algorithms offered, one challenge each, most preferred first (RFC 8760 §2.4: SHA-256
    /// before MD5).
    pub algorithms: Vec<Algorithm>,
    /// How long a nonce stays valid.
    pub nonce_lifetime: Duration,
    /// At most this many live nonces are remembered; the oldest are forgotten first.
    pub max_nonces: usize,
}

impl DigestServerConfig {
    /// SHA-256 then MD5, nonces valid for 5 minutes, at most 10 000 remembered.
    pub fn new(realm: &str) -> Self {
        DigestServerConfig {
            realm: realm.to_owned(),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            nonce_lifetime: Duration::from_secs(300),
            max_nonces: 10_000,
        }
    }
}

#[derive(Debug)]
struct NonceState {
    issued: Instant,
    last_nc: u32,
}

/// The server side of digest authentication. See the [module documentation](self).
#[derive(Debug)]
pub struct DigestServer {
    config: DigestServerConfig,
    secret: [u8; 32],
    counter: u64,
    nonces: HashMap<String, NonceState>,
    order: VecDeque<(Instant, String)>,
}

impl DigestServer {
    /// A server for `config`. `secret` must be random (from the OS generator) and kept private:
    /// nonces are derived from it and a counter, so they cannot be predicted.
    pub fn new(config: DigestServerConfig, secret: [u8; 32]) -> Self {
        DigestServer { config, secret, counter: 0, nonces: HashMap::new(), order: VecDeque::new() }
    }

    /// The configuration.
    pub fn config(&self) -> &DigestServerConfig {
        &self.config
    }

    /// How many nonces are remembered.
    pub fn live_nonces(&self) -> usize {
        self.nonces.len()
    }

    fn forget_old(&mut self, now: Instant) {
        while let Some((issued, nonce)) = self.order.front() {
            let expired = now.saturating_duration_since(*issued) > self.config.nonce_lifetime;
            if !expired && self.order.len() < self.config.max_nonces.max(1) {
                break;
            }
            self.nonces.remove(nonce);
            self.order.pop_front();
        }
    }

    /// Issues a fresh nonce and returns one challenge value per configured algorithm, for a
    /// `WWW-Authenticate` (401) or `Proxy-Authenticate` (407) header each. `stale` marks the
    /// answer to [`AuthError::Stale`].
    pub fn challenge(&mut self, now: Instant, stale: bool) -> Vec<String> {
        self.forget_old(now);
        self.counter += 1;
        let mut seed = Vec::with_capacity(48);
        seed.extend_from_slice(&self.secret);
        seed.extend_from_slice(&self.counter.to_be_bytes());
        let nonce = Algorithm::Sha256.hex(&seed);
        self.nonces.insert(nonce.clone(), NonceState { issued: now, last_nc: 0 });
        self.order.push_back((now, nonce.clone()));
        self.config
            .algorithms
            .iter()
            .map(|alg| {
                let mut c = format!(
                    "Digest realm={}, nonce=\"{nonce}\", algorithm={}, qop=\"auth\"",
                    quote(&self.config.realm),
                    alg.as_str()
                );
                if stale {
                    c.push_str(", stale=true");
                }
                c
            })
            .collect()
    }

    /// Verifies an `Authorization` / `Proxy-Authorization` value for a request with `method`.
    /// When `request_uri` is given the digest URI must equal it. `lookup(username, realm,
    /// algorithm)` returns the user's HA1 for that algorithm, or `None` for an unknown user.
    /// Returns the authenticated username.
    ///
    /// # Errors
    ///
    /// An [`AuthError`] saying why; [`AuthError::is_stale`] tells when to re-challenge with
    /// `stale=true`.
    pub fn verify(
        &mut self,
        now: Instant,
        method: &str,
        request_uri: Option<&str>,
        authorization: &str,
        lookup: impl FnOnce(&str, &str, Algorithm) -> Option<String>,
    ) -> Result<String, AuthError> {
        let creds = Credentials::parse(authorization.trim(), &Leniency::default())?;
        if !creds.is_digest() {
            return Err(AuthError::NotDigest(creds.scheme.to_owned()));
        }
        let get = |name: &'static str| {
            creds.params.get(name).map(|v| v.into_owned()).ok_or(AuthError::MissingParameter(name))
        };
        let username = get("username")?;
        let realm = get("realm")?;
        let nonce = get("nonce")?;
        let uri = get("uri")?;
        let given = get("response")?;
        let algorithm = match creds.params.get("algorithm") {
            None => Algorithm::Md5,
            Some(name) => Algorithm::from_name(&name)
                .filter(|a| self.config.algorithms.contains(a))
                .ok_or_else(|| AuthError::UnsupportedAlgorithm(name.into_owned()))?,
        };
        if !get("qop")?.eq_ignore_ascii_case("auth") {
            return Err(AuthError::QopRequired);
        }
        let cnonce = get("cnonce")?;
        let nc_text = get("nc")?;
        if nc_text.len() != 8 {
            return Err(AuthError::InvalidParameter("nc"));
        }
        let nc =
            u32::from_str_radix(&nc_text, 16).map_err(|_| AuthError::InvalidParameter("nc"))?;
        if realm != self.config.realm {
            return Err(AuthError::WrongRealm(realm));
        }
        if let Some(ruri) = request_uri
            && uri != ruri
        {
            return Err(AuthError::WrongUri(uri));
        }
        let lifetime = self.config.nonce_lifetime;
        let state = self.nonces.get_mut(&nonce).ok_or(AuthError::UnknownNonce)?;
        let ha1 = lookup(&username, &realm, algorithm).ok_or(AuthError::UnknownUser)?;
        let expected = response(algorithm, &ha1, &nonce, nc, &cnonce, method, &uri);
        if !constant_time_eq(expected.as_bytes(), given.to_ascii_lowercase().as_bytes()) {
            return Err(AuthError::WrongResponse);
        }
        if now.saturating_duration_since(state.issued) > lifetime {
            return Err(AuthError::Stale);
        }
        if nc <= state.last_nc {
            return Err(AuthError::Replay { nc, last: state.last_nc });
        }
        state.last_nc = nc;
        Ok(username)
    }
}

/// The client side of digest authentication: answers challenges for one user.
#[derive(Debug, Clone)]
pub struct DigestClient {
    username: String,
    password: String,
    nonce: String,
    nc: u32,
}

impl DigestClient {
    /// A client for `username` with `password`.
    pub fn new(username: &str, password: &str) -> Self {
        DigestClient {
            username: username.to_owned(),
            password: password.to_owned(),
            nonce: String::new(),
            nc: 0,
        }
    }

    /// From several challenges (one per `WWW-Authenticate` header), the one to answer: SHA-256
    /// before MD5, digest with `qop=auth` only.
    pub fn choose<'c>(challenges: &[&'c str]) -> Option<&'c str> {
        let rank = |c: &&str| {
            let ch = Challenge::parse(c.trim(), &Leniency::default()).ok()?;
            if !ch.is_digest() || !offers_auth(&ch) {
                return None;
            }
            match ch.algorithm().as_deref().map_or(Some(Algorithm::Md5), Algorithm::from_name)? {
                Algorithm::Sha256 => Some(2),
                Algorithm::Md5 => Some(1),
            }
        };
        challenges
            .iter()
            .filter_map(|c| Some((rank(c)?, *c)))
            .max_by_key(|(r, _)| *r)
            .map(|(_, c)| c)
    }

    /// The `Authorization` (or `Proxy-Authorization`) value answering `challenge` for a request
    /// with `method` and Request-URI `uri`. `cnonce` must be fresh and unpredictable. The nonce
    /// count increases with each call for the same nonce.
    ///
    /// # Errors
    ///
    /// An [`AuthError`] when the challenge does not parse, is not Digest, lacks realm or nonce,
    /// names an unsupported algorithm or does not offer `qop=auth`.
    pub fn authorize(
        &mut self,
        challenge: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> Result<String, AuthError> {
        let ch = Challenge::parse(challenge.trim(), &Leniency::default())?;
        if !ch.is_digest() {
            return Err(AuthError::NotDigest(ch.scheme.to_owned()));
        }
        let realm = ch.realm().ok_or(AuthError::MissingParameter("realm"))?;
        let nonce = ch.nonce().ok_or(AuthError::MissingParameter("nonce"))?;
        let algorithm = match ch.algorithm() {
            None => Algorithm::Md5,
            Some(name) => Algorithm::from_name(&name)
                .ok_or_else(|| AuthError::UnsupportedAlgorithm(name.into_owned()))?,
        };
        if !offers_auth(&ch) {
            return Err(AuthError::QopRequired);
        }
        if self.nonce != nonce {
            self.nonce = nonce.clone().into_owned();
            self.nc = 0;
        }
        self.nc += 1;
        let ha1 = ha1(algorithm, &self.username, &realm, &self.password);
        let digest = response(algorithm, &ha1, &nonce, self.nc, cnonce, method, uri);
        let mut out = format!(
            "Digest username={}, realm={}, nonce={}, uri={}, response=\"{digest}\", \
             algorithm={}, cnonce={}, qop=auth, nc={:08x}",
            quote(&self.username),
            quote(&realm),
            quote(&nonce),
            quote(uri),
            algorithm.as_str(),
            quote(cnonce),
            self.nc
        );
        if let Some(opaque) = ch.opaque() {
            out.push_str(", opaque=");
            out.push_str(&quote(&opaque));
        }
        Ok(out)
    }
}

fn offers_auth(ch: &Challenge<'_>) -> bool {
    ch.qop().is_some_and(|q| q.split(',').any(|v| v.trim().eq_ignore_ascii_case("auth")))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7616 §3.9.1.
    const NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    fn rfc7616(alg: Algorithm) -> String {
        let h = ha1(alg, "Mufasa", "http-auth@example.org", "Circle of Life");
        response(alg, &h, NONCE, 1, CNONCE, "GET", "/dir/index.html")
    }

    #[test]
    fn rfc7616_md5_vector() {
        assert_eq!(rfc7616(Algorithm::Md5), "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn rfc7616_sha256_vector() {
        assert_eq!(
            rfc7616(Algorithm::Sha256),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn client_reproduces_the_rfc7616_authorization() {
        let challenge = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, \
             nonce=\"{NONCE}\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
        );
        let mut c = DigestClient::new("Mufasa", "Circle of Life");
        let auth = c.authorize(&challenge, "GET", "/dir/index.html", CNONCE).unwrap();
        assert!(auth.contains(
            "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
        ));
        assert!(auth.contains("nc=00000001"));
        assert!(auth.contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
        let again = c.authorize(&challenge, "GET", "/dir/index.html", CNONCE).unwrap();
        assert!(again.contains("nc=00000002"));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn choose_prefers_sha256_with_qop_auth() {
        let md5 = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"";
        let sha = "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\"";
        let no_qop = "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256";
        assert_eq!(DigestClient::choose(&[md5, sha]), Some(sha));
        assert_eq!(DigestClient::choose(&[no_qop, md5]), Some(md5));
        assert_eq!(DigestClient::choose(&["Basic realm=\"r\""]), None);
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
