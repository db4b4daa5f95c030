//! The Via header field (RFC 3261 §20.42, §18.2.1; RFC 3581 rport; RFC 5118 IPv6).

use crate::config::Leniency;
use crate::error::{ErrorKind, ParseError};
use crate::grammar::{self, Cursor};
use crate::header::HeaderValue;
use crate::params::{Params, header_params_with};
use crate::uri::{Host, host_run, ipv6_text};

/// One Via value: the hop's protocol, transport, sent-by address and parameters.
///
/// ```
/// use hotline_sip::header::{HeaderValue, Via};
/// let via = Via::parse("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport;received=192.0.2.9", &Default::default()).unwrap();
/// assert_eq!(via.transport(), "UDP");
/// assert_eq!(via.port(), Some(5060));
/// assert_eq!(via.branch(), Some("z9hG4bK776"));
/// assert_eq!(via.rport(), Some(None));
/// assert_eq!(via.received(), Some("192.0.2.9"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via<'a> {
    protocol: &'a str,
    version: &'a str,
    transport: &'a str,
    host: Host<'a>,
    port: Option<u16>,
    params: Params<'a>,
    branch: Option<&'a str>,
}

fn bad(c: &Cursor<'_>, what: &'static str) -> ParseError {
    c.error(ErrorKind::Header { header: "Via", what })
}

impl<'a> HeaderValue<'a> for Via<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<Via<'a>, ParseError> {
        let mut c = Cursor::new(value);
        let (protocol, version) = if value.as_bytes().starts_with(b"SIP/2.0/") {
            // The usual sent-protocol, as the general steps below would read it.
            c.pos = 8;
            (&value[..3], &value[4..7])
        } else {
            c.skip_lws();
            let protocol =
                c.token(ErrorKind::Header { header: "Via", what: "missing protocol name" })?;
            c.skip_lws();
            if !c.eat(b'/') {
                return Err(bad(&c, "expected `/` after the protocol name"));
            }
            c.skip_lws();
            let version =
                c.token(ErrorKind::Header { header: "Via", what: "missing protocol version" })?;
            c.skip_lws();
            if !c.eat(b'/') {
                return Err(bad(&c, "expected `/` after the protocol version"));
            }
            (protocol, version)
        };
        c.skip_lws();
        let transport = c.token(ErrorKind::Header { header: "Via", what: "missing transport" })?;
        if !c.skip_lws() {
            return Err(bad(&c, "expected white space before sent-by"));
        }
        let host_at = c.pos;
        let host = if c.peek() == Some(b'[') {
            c.take_while(|b| b != b']');
            if !c.eat(b']') {
                return Err(bad(&c, "IPv6 reference without `]`"));
            }
            Host::parse(&value[host_at..c.pos])
        } else {
            // The host-name characters and the empty-label check in one pass.
            let (run, empty_label) = host_run(&value.as_bytes()[host_at..]);
            c.pos = host_at + run;
            Host::from_run(&value[host_at..c.pos], empty_label)
        };
        let host = host.map_err(|e| e.rebase(value.as_bytes(), host_at))?;
        let save = c.pos;
        c.skip_lws();
        let mut port = None;
        if c.eat(b':') {
            c.skip_lws();
            let at = c.pos;
            let digits = c.take_while(|b| b.is_ascii_digit());
            if digits.is_empty() || digits.len() > 5 {
                return Err(
                    c.error_at(ErrorKind::Header { header: "Via", what: "invalid port" }, at)
                );
            }
            port = Some(digits.parse().map_err(|_| {
                c.error_at(ErrorKind::Header { header: "Via", what: "port out of range" }, at)
            })?);
        } else {
            c.pos = save;
        }
        // The known parameters are checked, and the branch kept, as they are parsed.
        let mut branch: Option<Option<&'a str>> = None;
        let params = header_params_with(&mut c, |p| {
            let name = p.name;
            let v = p.value.unwrap_or("");
            let ok = match name.len() {
                3 if name.eq_ignore_ascii_case("ttl") => v.parse::<u8>().is_ok(),
                5 if name.eq_ignore_ascii_case("maddr") => Host::parse(v).is_ok(),
                5 if name.eq_ignore_ascii_case("rport") => {
                    p.value.is_none() || v.parse::<u16>().is_ok()
                }
                6 if name.eq_ignore_ascii_case("branch") => {
                    branch.get_or_insert(p.value);
                    grammar::is_token(v)
                }
                8 if name.eq_ignore_ascii_case("received") => {
                    v.parse::<std::net::Ipv4Addr>().is_ok()
                        || ipv6_text(v).is_ok()
                        || v.strip_prefix('[')
                            .and_then(|v| v.strip_suffix(']'))
                            .is_some_and(|v| ipv6_text(v).is_ok())
                }
                _ => true,
            };
            if ok {
                Ok(())
            } else {
                Err(ErrorKind::Header { header: "Via", what: "invalid parameter value" })
            }
        })?;
        c.skip_lws();
        if !c.at_end() {
            return Err(bad(&c, "unexpected text after the parameters"));
        }
        let branch = branch.flatten();
        Ok(Via { protocol, version, transport, host, port, params, branch })
    }
}

impl<'a> Via<'a> {
    /// The protocol name (`SIP`).
    pub fn protocol(&self) -> &'a str {
        self.protocol
    }

    /// The protocol version (`2.0`).
    pub fn version(&self) -> &'a str {
        self.version
    }

    /// The transport (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ...), as written.
    pub fn transport(&self) -> &'a str {
        self.transport
    }

    /// The sent-by host.
    pub fn host(&self) -> Host<'a> {
        self.host
    }

    /// The sent-by port, if given.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// All parameters.
    pub fn params(&self) -> Params<'a> {
        self.params
    }

    /// The `branch` parameter (the transaction identifier).
    pub fn branch(&self) -> Option<&'a str> {
        self.branch
    }

    /// The `received` parameter (an IPv4 or IPv6 address, brackets as written).
    pub fn received(&self) -> Option<&'a str> {
        self.params.get("received")
    }

    /// The `rport` parameter: `Some(None)` when present without a value (RFC 3581 request form).
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params.find("rport").map(|p| p.value.and_then(|v| v.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&'a str> {
        self.params.get("maddr")
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params.get("ttl").and_then(|v| v.parse().ok())
    }

    /// Whether the branch starts with the RFC 3261 magic cookie `z9hG4bK`.
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with("z9hG4bK"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn via(s: &str) -> Result<Via<'_>, ParseError> {
        Via::parse(s, &Leniency::default())
    }

    #[test]
    fn folded_and_spaced() {
        let v = via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!((v.protocol(), v.version(), v.transport()), ("SIP", "2.0", "UDP"));
        assert_eq!(v.branch(), Some("390skdjuw"));
        let v = via("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8")
            .unwrap();
        assert_eq!(v.host(), Host::Domain("spindle.example.com"));
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
    }

    #[test]
    fn ipv6() {
        let v = via("SIP/2.0/UDP [2001:db8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bKas3")
            .unwrap();
        assert_eq!(v.host(), Host::Ipv6("2001:db8::9:1"));
        assert_eq!(v.port(), Some(6050));
        assert_eq!(v.received(), Some("2001:db8::9:255"));
        assert!(via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255]").is_ok());
    }

    #[test]
    fn rejects() {
        assert!(via("SIP/2.0/UDP 192.0.2.15;;,;,,").is_err());
        assert!(via("SIP/2.0/UDP").is_err());
        assert!(via("SIP/2.0 UDP host").is_err());
        assert!(via("SIP/2.0/UDP host;ttl=300").is_err());
        assert!(via("SIP/2.0/UDP host;received=nothost").is_err());
        assert!(via("SIP/2.0/UDP host:99999").is_err());
    }
}
