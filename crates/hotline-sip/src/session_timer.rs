//! Session timers (RFC 4028), sans-IO: the `Session-Expires` / `Min-SE` negotiation and the timer
//! that says when to refresh the session and when to give it up.
//!
//! * The UAC puts [`uac_headers`] into its INVITE (or UPDATE); after a `422 Session Interval Too
//!   Small` it retries with [`uac_after_422`]; from the 2xx it learns the outcome with
//!   [`uac_negotiated`].
//! * The UAS decides with [`uas_negotiate`]: reject with 422 and a `Min-SE` when the interval is
//!   too small, or accept with the `Session-Expires` (and `Require: timer`) its 2xx must carry.
//! * Both sides then run a [`SessionTimer`]: the refresher is told to send a refresh (re-INVITE or
//!   UPDATE) at half the interval; either side is told to end the session with a BYE when no
//!   refresh succeeded by the expiry minus min(32 s, interval/3) (RFC 4028 §10). Every successful
//!   refresh restarts it ([`SessionTimer::refreshed`]).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use hotline_sip::session_timer::{Refresher, SessionExpires, SessionTimer, TimerEvent};
//!
//! let t0 = Instant::now();
//! let negotiated = SessionExpires { delta: 1800, refresher: Some(Refresher::Uac) };
//! let mut timer = SessionTimer::new(t0, negotiated, Refresher::Uac);
//! assert_eq!(timer.poll_timeout(), Some(t0 + Duration::from_secs(900)));
//! timer.handle_timeout(t0 + Duration::from_secs(900));
//! assert_eq!(timer.poll_event(), Some(TimerEvent::Refresh));
//! ```

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{HeaderName, Message, Method};

/// The smallest session interval RFC 4028 allows, and the default `Min-SE` (90 s, §4, §5).
pub const MIN_SE_FLOOR: u32 = 90;

/// Who sends the refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Refresher {
    /// The UAC of the request that negotiated the timer.
    Uac,
    /// Its UAS.
    Uas,
}

impl Refresher {
    /// `uac` or `uas`.
    pub fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

/// Why a session-timer header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionTimerError {
    /// The delta-seconds are not a number of seconds (at `at`, a byte offset in the value).
    #[error("{header}: expected delta-seconds at byte {at}")]
    BadDelta {
        /// The header.
        header: &'static str,
        /// Byte offset in the value.
        at: usize,
    },
    /// The `refresher` parameter is neither `uac` nor `uas`.
    #[error("Session-Expires: refresher must be uac or uas, at byte {at}")]
    BadRefresher {
        /// Byte offset in the value.
        at: usize,
    },
    /// The message has no status or method where one is needed.
    #[error("not a {0}")]
    WrongMessage(&'static str),
}

/// A `Session-Expires` value: the interval in seconds and who refreshes (RFC 4028 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionExpires {
    /// The session interval, in seconds.
    pub delta: u32,
    /// The `refresher` parameter, if given.
    pub refresher: Option<Refresher>,
}

fn parse_delta<'a>(
    value: &'a str,
    header: &'static str,
) -> Result<(u32, &'a str), SessionTimerError> {
    let lead = value.len() - value.trim_start().len();
    let rest = value.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(SessionTimerError::BadDelta { header, at: lead });
    }
    // delta-seconds beyond 2^32-1 are taken as 2^32-1 (RFC 3261 §25.1 allows large values).
    let delta =
        rest[..digits].parse::<u64>().map_or(u32::MAX, |v| v.min(u64::from(u32::MAX)) as u32);
    Ok((delta, &rest[digits..]))
}

impl SessionExpires {
    /// Parses a `Session-Expires` value such as `1800;refresher=uac`.
    ///
    /// # Errors
    ///
    /// [`SessionTimerError`] with the byte offset of the fault.
    pub fn parse(value: &str) -> Result<SessionExpires, SessionTimerError> {
        let (delta, rest) = parse_delta(value, "Session-Expires")?;
        let mut refresher = None;
        let mut at = value.len() - rest.len();
        let rest = rest.trim_end();
        if !rest.trim_start().is_empty() && !rest.trim_start().starts_with(';') {
            return Err(SessionTimerError::BadDelta { header: "Session-Expires", at });
        }
        for param in rest.split(';') {
            let (name, v) = match param.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (param.trim(), None),
            };
            if name.eq_ignore_ascii_case("refresher") {
                refresher = match v {
                    Some(v) if v.eq_ignore_ascii_case("uac") => Some(Refresher::Uac),
                    Some(v) if v.eq_ignore_ascii_case("uas") => Some(Refresher::Uas),
                    _ => return Err(SessionTimerError::BadRefresher { at }),
                };
            }
            at += param.len() + 1;
        }
        Ok(SessionExpires { delta, refresher })
    }

    /// The header value, e.g. `1800;refresher=uac`.
    pub fn to_value(&self) -> String {
        match self.refresher {
            Some(r) => format!("{};refresher={}", self.delta, r.as_str()),
            None => self.delta.to_string(),
        }
    }

    /// The `Session-Expires` of `msg`, if it has one.
    ///
    /// # Errors
    ///
    /// [`SessionTimerError`] when it does not parse.
    pub fn of(msg: &Message<'_>) -> Result<Option<SessionExpires>, SessionTimerError> {
        msg.header(HeaderName::SessionExpires).map(|h| SessionExpires::parse(h.value())).transpose()
    }
}

/// The `Min-SE` of `msg` in seconds, if it has one (RFC 4028 §5).
///
/// # Errors
///
/// [`SessionTimerError::BadDelta`] when it is not delta-seconds.
pub fn min_se(msg: &Message<'_>) -> Result<Option<u32>, SessionTimerError> {
    match msg.headers_named("Min-SE").next() {
        Some(h) => {
            let (delta, rest) = parse_delta(h.value(), "Min-SE")?;
            let rest = rest.trim_start();
            if !(rest.is_empty() || rest.starts_with(';')) {
                let at = h.value().len() - rest.len();
                return Err(SessionTimerError::BadDelta { header: "Min-SE", at });
            }
            Ok(Some(delta))
        }
        None => Ok(None),
    }
}

/// Whether `msg` lists the option tag `timer` in a `Supported` header.
pub fn supports_timer(msg: &Message<'_>) -> bool {
    msg.values(HeaderName::Supported).any(|v| v.trim().eq_ignore_ascii_case("timer"))
}

/// One side's session-timer policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTimerConfig {
    /// The session interval asked for (UAC) or the largest accepted (UAS), in seconds; RFC 4028
    /// recommends 1800.
    pub session_expires: u32,
    /// The smallest interval this side accepts, in seconds (at least 90).
    pub min_se: u32,
    /// Who this side wants to refresh when it may choose (`None`: the UAC leaves the choice to
    /// the UAS; a UAS then picks itself).
    pub refresher: Option<Refresher>,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        SessionTimerConfig { session_expires: 1800, min_se: MIN_SE_FLOOR, refresher: None }
    }
}

/// The headers a UAC adds to an INVITE or UPDATE to ask for a session timer (RFC 4028 §7.1):
/// `Supported: timer`, `Session-Expires` (never below `min_se_seen` nor the config's `min_se`)
/// and `Min-SE`. `min_se_seen` is the largest `Min-SE` of the 422s received so far for this
/// session, or `None`.
pub fn uac_headers(
    config: &SessionTimerConfig,
    min_se_seen: Option<u32>,
) -> Vec<(&'static str, String)> {
    let min = config.min_se.max(MIN_SE_FLOOR).max(min_se_seen.unwrap_or(0));
    let se = SessionExpires { delta: config.session_expires.max(min), refresher: config.refresher };
    vec![
        ("Supported", "timer".to_owned()),
        ("Session-Expires", se.to_value()),
        ("Min-SE", min.to_string()),
    ]
}

/// After a `422 Session Interval Too Small`, the `Min-SE` the retried request must use (RFC 4028
/// §7.3): the largest of the 422's `Min-SE` and `previous` (the largest seen before). The retry
/// is built with [`uac_headers`] given this value. `None` when the 422 carries no `Min-SE`.
///
/// # Errors
///
/// [`SessionTimerError`] when the message is not a 422 or its `Min-SE` does not parse.
pub fn uac_after_422(
    response: &Message<'_>,
    previous: Option<u32>,
) -> Result<Option<u32>, SessionTimerError> {
    if response.status() != Some(422) {
        return Err(SessionTimerError::WrongMessage("422 response"));
    }
    Ok(min_se(response)?.map(|m| m.max(previous.unwrap_or(0))))
}

/// What the UAC learns from the 2xx to its INVITE or UPDATE (RFC 4028 §7.2): the session interval
/// and refresher, or `None` when the 2xx has no `Session-Expires` (no session expiration). A 2xx
/// whose `Session-Expires` names no refresher is taken as `refresher=uac`, so that the session is
/// still kept alive.
///
/// # Errors
///
/// [`SessionTimerError`] when the message is not a 2xx or its header does not parse.
pub fn uac_negotiated(response: &Message<'_>) -> Result<Option<SessionExpires>, SessionTimerError> {
    if !response.status().is_some_and(|s| (200..300).contains(&s)) {
        return Err(SessionTimerError::WrongMessage("2xx response"));
    }
    Ok(SessionExpires::of(response)?.map(|se| SessionExpires {
        delta: se.delta,
        refresher: Some(se.refresher.unwrap_or(Refresher::Uac)),
    }))
}

/// A UAS's decision on a session-timer request ([`uas_negotiate`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UasDecision {
    /// Answer `422 Session Interval Too Small` with `Min-SE: min_se` (RFC 4028 §9).
    TooSmall {
        /// The value of the 422's `Min-SE`.
        min_se: u32,
    },
    /// Accept; the 2xx carries `session_expires` (with its refresher) when it is `Some`, and
    /// `Require: timer` when `require_timer` is set (the UAC refreshes).
    Accept {
        /// The 2xx's `Session-Expires`, or `None` for no session timer.
        session_expires: Option<SessionExpires>,
        /// Whether the 2xx must carry `Require: timer`.
        require_timer: bool,
    },
}

impl UasDecision {
    /// The headers of the response: `Min-SE` for a 422; `Session-Expires` and, as needed,
    /// `Require: timer` for a 2xx.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            UasDecision::TooSmall { min_se } => vec![("Min-SE", min_se.to_string())],
            UasDecision::Accept { session_expires, require_timer } => {
                let mut h = Vec::new();
                if let Some(se) = session_expires {
                    h.push(("Session-Expires", se.to_value()));
                }
                if *require_timer {
                    h.push(("Require", "timer".to_owned()));
                }
                h
            }
        }
    }
}

/// The UAS's side of the negotiation for an INVITE or UPDATE (RFC 4028 §9):
///
/// * a `Session-Expires` below the UAS's `min_se` is refused with 422 and the UAS's `Min-SE`;
/// * otherwise the 2xx copies the interval, reduced to the config's `session_expires` when that
///   is smaller, but never below the request's `Min-SE` (or 90 s); it is never increased;
/// * a request with `Supported: timer` but no `Session-Expires` gets a timer of the config's
///   interval (not below the request's `Min-SE`); one with neither gets none;
/// * the refresher is the request's when it names one; else the config's choice when the UAC
///   supports timers, else the UAS; `Require: timer` goes with `refresher=uac`.
///
/// # Errors
///
/// [`SessionTimerError`] when the request's headers do not parse.
pub fn uas_negotiate(
    request: &Message<'_>,
    config: &SessionTimerConfig,
) -> Result<UasDecision, SessionTimerError> {
    if !matches!(request.method(), Some(Method::Invite | Method::Update)) {
        return Err(SessionTimerError::WrongMessage("INVITE or UPDATE"));
    }
    let local_min = config.min_se.max(MIN_SE_FLOOR);
    let request_min = min_se(request)?.unwrap_or(MIN_SE_FLOOR).max(MIN_SE_FLOOR);
    let uac_supports = supports_timer(request);
    let asked = SessionExpires::of(request)?;
    let delta = match asked {
        Some(se) if se.delta < local_min => return Ok(UasDecision::TooSmall { min_se: local_min }),
        Some(se) => se.delta.min(config.session_expires.max(request_min).max(local_min)),
        None if uac_supports => config.session_expires.max(request_min).max(local_min),
        None => {
            return Ok(UasDecision::Accept { session_expires: None, require_timer: false });
        }
    };
    let refresher = match asked.and_then(|se| se.refresher) {
        Some(r) => r,
        None if uac_supports => config.refresher.unwrap_or(Refresher::Uas),
        None => Refresher::Uas,
    };
    Ok(UasDecision::Accept {
        session_expires: Some(SessionExpires { delta, refresher: Some(refresher) }),
        require_timer: refresher == Refresher::Uac,
    })
}

/// What a [`SessionTimer`] asks of its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimerEvent {
    /// This side is the refresher and half the interval passed: send a re-INVITE or UPDATE
    /// with the session-timer headers, then call [`SessionTimer::refreshed`] on its 2xx.
    Refresh,
    /// No refresh succeeded in time: send a BYE (RFC 4028 §10).
    Expired,
}

/// The running session timer of one dialog (RFC 4028 §10), sans-IO. See the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTimer {
    local_role: Refresher,
    refresher: Refresher,
    interval: Duration,
    refresh_at: Option<Instant>,
    expire_at: Option<Instant>,
    events: Vec<TimerEvent>,
}

/// How long before the expiry a BYE is sent: min(32 s, interval / 3) (RFC 4028 §10).
pub fn expiry_margin(interval: Duration) -> Duration {
    (interval / 3).min(Duration::from_secs(32))
}

impl SessionTimer {
    /// Starts the timer at `now` (when the 2xx was sent or received) for the negotiated
    /// `session_expires`; `local_role` says whether this side was the UAC or the UAS of the
    /// negotiating request. A missing refresher counts as `uac` (as in [`uac_negotiated`]).
    pub fn new(now: Instant, session_expires: SessionExpires, local_role: Refresher) -> Self {
        let mut timer = SessionTimer {
            local_role,
            refresher: session_expires.refresher.unwrap_or(Refresher::Uac),
            interval: Duration::from_secs(u64::from(session_expires.delta)),
            refresh_at: None,
            expire_at: None,
            events: Vec::new(),
        };
        timer.restart(now);
        timer
    }

    fn restart(&mut self, now: Instant) {
        self.refresh_at = self.is_refresher().then(|| now + self.interval / 2);
        self.expire_at = Some(now + self.interval - expiry_margin(self.interval));
    }

    /// Whether this side sends the refreshes.
    pub fn is_refresher(&self) -> bool {
        self.refresher == self.local_role
    }

    /// The session interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// A refresh succeeded at `now` (its 2xx was sent or received): the timer restarts with
    /// the newly negotiated `session_expires` and this side's role in that refresh request.
    pub fn refreshed(
        &mut self,
        now: Instant,
        session_expires: SessionExpires,
        local_role: Refresher,
    ) {
        self.local_role = local_role;
        self.refresher = session_expires.refresher.unwrap_or(Refresher::Uac);
        self.interval = Duration::from_secs(u64::from(session_expires.delta));
        self.restart(now);
    }

    /// The next instant at which [`SessionTimer::handle_timeout`] must be called, or `None`
    /// once the session expired.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.refresh_at, self.expire_at].into_iter().flatten().min()
    }

    /// Fires what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.refresh_at.is_some_and(|at| at <= now) {
            self.refresh_at = None;
            self.events.push(TimerEvent::Refresh);
        }
        if self.expire_at.is_some_and(|at| at <= now) {
            self.expire_at = None;
            self.refresh_at = None;
            self.events.push(TimerEvent::Expired);
        }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<TimerEvent> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }
}
