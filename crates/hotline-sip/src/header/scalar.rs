//! Header fields with small grammars: CSeq, Call-ID, Max-Forwards, Content-Length, Expires,
//! Content-Type/Accept, option-tag lists, Reason, Event, Subscription-State and Date.

use crate::config::Leniency;
use crate::error::{ErrorKind, ParseError};
use crate::grammar::{self, Cursor, TOKEN, WORD};
use crate::header::HeaderValue;
use crate::message::Method;
use crate::params::{Params, header_params};

fn header_err(value: &str, at: usize, header: &'static str, what: &'static str) -> ParseError {
    ParseError::new(ErrorKind::Header { header, what }, value.as_bytes(), at)
}

/// Parses `1*DIGIT` (LWS around it allowed) as a number no larger than `max`.
fn number(value: &str, header: &'static str, max: u64) -> Result<u64, ParseError> {
    let t = grammar::trim_lws(value);
    let at = (t.as_ptr() as usize) - (value.as_ptr() as usize);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(header_err(value, at, header, "expected a decimal number"));
    }
    // Saturates: any number too large for u64 is above every `max` used here.
    let n = t.bytes().fold(0u64, |n, b| n.saturating_mul(10).saturating_add(u64::from(b - b'0')));
    if n > max {
        return Err(ParseError::new(ErrorKind::OutOfRange(header), value.as_bytes(), at));
    }
    Ok(n)
}

/// The CSeq header field: a sequence number below 2^31 and a method (RFC 3261 §8.1.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number.
    pub seq: u32,
    /// The method.
    pub method: Method<'a>,
}

impl<'a> HeaderValue<'a> for CSeq<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<CSeq<'a>, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_lws();
        let at = c.pos;
        // The digits are read and summed in one pass (saturating, as `number`).
        let b = value.as_bytes();
        let mut n = 0u64;
        while let Some(&d) = b.get(c.pos).filter(|d| d.is_ascii_digit()) {
            n = n.saturating_mul(10).saturating_add(u64::from(d - b'0'));
            c.pos += 1;
        }
        if c.pos == at {
            return Err(header_err(value, at, "CSeq", "expected a sequence number"));
        }
        if n > (1 << 31) - 1 {
            return Err(ParseError::new(
                ErrorKind::OutOfRange("CSeq sequence number"),
                value.as_bytes(),
                at,
            ));
        }
        let seq = n as u32;
        if !c.skip_lws() {
            return Err(header_err(value, c.pos, "CSeq", "expected white space before the method"));
        }
        let method = c.token(ErrorKind::Header { header: "CSeq", what: "expected a method" })?;
        c.skip_lws();
        if !c.at_end() {
            return Err(header_err(value, c.pos, "CSeq", "unexpected text after the method"));
        }
        Ok(CSeq { seq, method: Method::from_token(method) })
    }
}

/// The Call-ID header field: `word [ "@" word ]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallId<'a>(pub &'a str);

impl<'a> HeaderValue<'a> for CallId<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<CallId<'a>, ParseError> {
        let t = grammar::trim_lws(value);
        let at = (t.as_ptr() as usize) - (value.as_ptr() as usize);
        // One pass: word characters and at most one `@`, with a word on each side of it.
        let b = t.as_bytes();
        let mut at_sign = None;
        let mut ok = !b.is_empty();
        for (i, &c) in b.iter().enumerate() {
            if !grammar::is(c, WORD) {
                if c == b'@' && at_sign.is_none() {
                    at_sign = Some(i);
                } else {
                    ok = false;
                    break;
                }
            }
        }
        if !ok || at_sign.is_some_and(|i| i == 0 || i + 1 == b.len()) {
            let bad = t.bytes().position(|b| !(grammar::is(b, WORD) || b == b'@')).unwrap_or(0);
            return Err(header_err(value, at + bad, "Call-ID", "expected word [ @ word ]"));
        }
        Ok(CallId(t))
    }
}

impl<'a> CallId<'a> {
    /// The identifier.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// The Max-Forwards header field (0 to 255).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxForwards(pub u8);

impl<'a> HeaderValue<'a> for MaxForwards {
    fn parse(value: &'a str, _: &Leniency) -> Result<MaxForwards, ParseError> {
        Ok(MaxForwards(number(value, "Max-Forwards", 255)? as u8))
    }
}

/// The Content-Length header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentLength(pub u32);

impl<'a> HeaderValue<'a> for ContentLength {
    fn parse(value: &'a str, _: &Leniency) -> Result<ContentLength, ParseError> {
        Ok(ContentLength(number(value, "Content-Length", u64::from(u32::MAX))? as u32))
    }
}

/// Expires or Min-Expires: delta-seconds below 2^32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expires(pub u32);

impl<'a> HeaderValue<'a> for Expires {
    fn parse(value: &'a str, _: &Leniency) -> Result<Expires, ParseError> {
        Ok(Expires(number(value, "Expires", u64::from(u32::MAX))? as u32))
    }
}

/// A media type (Content-Type) or media range (one Accept value): `type/subtype;params`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType<'a> {
    /// The type (`application`, `*`).
    pub kind: &'a str,
    /// The subtype (`sdp`, `*`).
    pub subtype: &'a str,
    /// The parameters (`boundary`, `charset`, `q`, ...).
    pub params: Params<'a>,
}

impl<'a> HeaderValue<'a> for MediaType<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<MediaType<'a>, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_lws();
        let kind =
            c.token(ErrorKind::Header { header: "Content-Type", what: "expected a media type" })?;
        c.skip_lws();
        if !c.eat(b'/') {
            return Err(header_err(value, c.pos, "Content-Type", "expected `/`"));
        }
        c.skip_lws();
        let subtype =
            c.token(ErrorKind::Header { header: "Content-Type", what: "expected a subtype" })?;
        let params = header_params(&mut c)?;
        c.skip_lws();
        if !c.at_end() {
            return Err(header_err(value, c.pos, "Content-Type", "unexpected text"));
        }
        Ok(MediaType { kind, subtype, params })
    }
}

impl MediaType<'_> {
    /// Whether this type (or range) covers `kind/subtype` (case-insensitive; `*` matches all).
    pub fn matches(&self, kind: &str, subtype: &str) -> bool {
        (self.kind == "*" || self.kind.eq_ignore_ascii_case(kind))
            && (self.subtype == "*" || self.subtype.eq_ignore_ascii_case(subtype))
    }
}

/// One token of a token list: Allow (methods), Supported/Require/Proxy-Require/Unsupported
/// (option tags), Allow-Events, Content-Encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionTag<'a>(pub &'a str);

impl<'a> HeaderValue<'a> for OptionTag<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<OptionTag<'a>, ParseError> {
        let t = grammar::trim_lws(value);
        if !grammar::is_token(t) {
            let at = (t.as_ptr() as usize) - (value.as_ptr() as usize);
            return Err(ParseError::new(
                ErrorKind::Syntax("expected a token"),
                value.as_bytes(),
                at,
            ));
        }
        Ok(OptionTag(t))
    }
}

/// One Reason value (RFC 3326): `SIP ;cause=200 ;text="Call completed elsewhere"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason<'a> {
    /// The protocol (`SIP`, `Q.850`, ...).
    pub protocol: &'a str,
    /// The parameters.
    pub params: Params<'a>,
}

impl<'a> HeaderValue<'a> for Reason<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<Reason<'a>, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_lws();
        let protocol =
            c.token(ErrorKind::Header { header: "Reason", what: "expected a protocol" })?;
        let params = header_params(&mut c)?;
        c.skip_lws();
        if !c.at_end() {
            return Err(header_err(value, c.pos, "Reason", "unexpected text"));
        }
        if let Some(cause) = params.get("cause")
            && cause.parse::<u16>().is_err()
        {
            return Err(header_err(value, 0, "Reason", "cause must be a number"));
        }
        Ok(Reason { protocol, params })
    }
}

impl<'a> Reason<'a> {
    /// The `cause` parameter.
    pub fn cause(&self) -> Option<u16> {
        self.params.get("cause")?.parse().ok()
    }

    /// The `text` parameter, quotes removed.
    pub fn text(&self) -> Option<std::borrow::Cow<'a, str>> {
        self.params.get("text").map(grammar::unquote)
    }
}

/// A token with parameters: the shape shared by Event and Subscription-State.
fn token_with_params<'a>(
    value: &'a str,
    header: &'static str,
) -> Result<(&'a str, Params<'a>), ParseError> {
    let mut c = Cursor::new(value);
    c.skip_lws();
    let token = c.token(ErrorKind::Header { header, what: "expected a token" })?;
    let params = header_params(&mut c)?;
    c.skip_lws();
    if !c.at_end() {
        return Err(header_err(value, c.pos, header, "unexpected text"));
    }
    Ok((token, params))
}

/// The Event header field (RFC 6665): an event package and parameters such as `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event package (`presence`, `dialog`, `refer`, `message-summary`, ...).
    pub package: &'a str,
    /// The parameters.
    pub params: Params<'a>,
}

impl<'a> HeaderValue<'a> for Event<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<Event<'a>, ParseError> {
        let (package, params) = token_with_params(value, "Event")?;
        Ok(Event { package, params })
    }
}

impl<'a> Event<'a> {
    /// The `id` parameter.
    pub fn id(&self) -> Option<&'a str> {
        self.params.get("id")
    }
}

/// The Subscription-State header field (RFC 6665).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionState<'a> {
    /// `active`, `pending`, `terminated` or an extension.
    pub state: &'a str,
    /// The parameters (`reason`, `expires`, `retry-after`).
    pub params: Params<'a>,
}

impl<'a> HeaderValue<'a> for SubscriptionState<'a> {
    fn parse(value: &'a str, _: &Leniency) -> Result<SubscriptionState<'a>, ParseError> {
        let (state, params) = token_with_params(value, "Subscription-State")?;
        for name in ["expires", "retry-after"] {
            if let Some(v) = params.get(name)
                && v.parse::<u32>().is_err()
            {
                return Err(header_err(value, 0, "Subscription-State", "expected delta-seconds"));
            }
        }
        Ok(SubscriptionState { state, params })
    }
}

impl<'a> SubscriptionState<'a> {
    /// The `expires` parameter.
    pub fn expires(&self) -> Option<u32> {
        self.params.get("expires")?.parse().ok()
    }

    /// The `reason` parameter.
    pub fn reason(&self) -> Option<&'a str> {
        self.params.get("reason")
    }
}

/// The Date header field: an RFC 1123 date in GMT (RFC 3261 §20.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date<'a> {
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The month, 1 to 12.
    pub month: u8,
    /// The year.
    pub year: u16,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 60.
    pub second: u8,
    /// The zone as written (`GMT`; another only with [`Leniency::loose_date`]).
    pub zone: &'a str,
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl<'a> HeaderValue<'a> for Date<'a> {
    fn parse(value: &'a str, lenient: &Leniency) -> Result<Date<'a>, ParseError> {
        let bad = |at: usize, what| header_err(value, at, "Date", what);
        let mut c = Cursor::new(value);
        c.skip_lws();
        let at = c.pos;
        let wkday = c.take_class(TOKEN);
        if !DAYS.contains(&wkday) {
            return Err(bad(at, "expected a day name (Mon..Sun)"));
        }
        if !c.eat(b',') {
            return Err(bad(c.pos, "expected `,` after the day name"));
        }
        let mut fields = [0u32; 6];
        let mut month = 0;
        let mut zone = "";
        for (i, field) in ["day", "month", "year", "time", "zone"].iter().enumerate() {
            if !c.skip_lws() {
                return Err(bad(c.pos, "expected white space"));
            }
            let at = c.pos;
            match *field {
                "day" | "year" => {
                    let d = c.take_while(|b| b.is_ascii_digit());
                    let want = if *field == "day" { 2 } else { 4 };
                    if d.len() != want {
                        return Err(bad(at, "expected digits"));
                    }
                    fields[i] = d.parse().unwrap_or(0);
                }
                "month" => {
                    let m = c.take_class(TOKEN);
                    month = MONTHS
                        .iter()
                        .position(|&x| x == m)
                        .ok_or_else(|| bad(at, "expected a month name (Jan..Dec)"))?
                        + 1;
                }
                "time" => {
                    for part in 0..3 {
                        if part > 0 && !c.eat(b':') {
                            return Err(bad(c.pos, "expected `:` in the time"));
                        }
                        let at = c.pos;
                        let d = c.take_while(|b| b.is_ascii_digit());
                        if d.len() != 2 {
                            return Err(bad(at, "expected two digits"));
                        }
                        fields[3 + part] = d.parse().unwrap_or(99);
                    }
                }
                _ => {
                    zone = c.take_class(TOKEN);
                    let accepted = zone == "GMT" || (lenient.loose_date && !zone.is_empty());
                    if !accepted {
                        return Err(bad(at, "the zone must be GMT"));
                    }
                }
            }
        }
        c.skip_lws();
        if !c.at_end() {
            return Err(bad(c.pos, "unexpected text after the date"));
        }
        let [day, _, year, hour, minute, second] = fields;
        if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return Err(bad(at, "date or time out of range"));
        }
        Ok(Date {
            day: day as u8,
            month: month as u8,
            year: year as u16,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            zone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a, T: HeaderValue<'a>>(s: &'a str) -> Result<T, ParseError> {
        T::parse(s, &Leniency::default())
    }

    #[test]
    fn scalars() {
        let c: CSeq<'_> = p("0009\r\n  INVITE").unwrap();
        assert_eq!((c.seq, c.method), (9, Method::Invite));
        assert!(p::<CSeq<'_>>("36893488147419103232 REGISTER").is_err());
        assert!(p::<CSeq<'_>>("2147483648 INVITE").is_err());
        assert!(p::<CSeq<'_>>("8 INVITE x").is_err());
        assert!(p::<CSeq<'_>>("8INVITE").is_err());
        assert_eq!(p::<MaxForwards>("0068").unwrap(), MaxForwards(68));
        assert!(p::<MaxForwards>("300").is_err());
        assert!(p::<Expires>("10000000000000000000000000000000").is_err());
        assert_eq!(p::<Expires>("3600").unwrap(), Expires(3600));
        assert!(p::<ContentLength>("-999").is_err());
    }

    #[test]
    fn call_ids() {
        assert!(p::<CallId<'_>>("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{").is_ok());
        assert!(p::<CallId<'_>>("a b").is_err());
        assert!(p::<CallId<'_>>("a@b@c").is_err());
        assert!(p::<CallId<'_>>("").is_err());
    }

    #[test]
    fn media_types_and_others() {
        let m: MediaType<'_> = p("multipart/mixed;boundary=7a9cbec02ceef655").unwrap();
        assert!(m.matches("MULTIPART", "mixed"));
        assert_eq!(m.params.get("boundary"), Some("7a9cbec02ceef655"));
        assert!(p::<MediaType<'_>>("*/*").unwrap().matches("application", "sdp"));
        assert!(p::<MediaType<'_>>("application").is_err());
        let r: Reason<'_> = p("SIP ;cause=200 ;text=\"Call completed elsewhere\"").unwrap();
        assert_eq!(r.cause(), Some(200));
        assert_eq!(r.text().unwrap(), "Call completed elsewhere");
        let e: Event<'_> = p("refer;id=93809824").unwrap();
        assert_eq!((e.package, e.id()), ("refer", Some("93809824")));
        let s: SubscriptionState<'_> = p("active;expires=600").unwrap();
        assert_eq!(s.expires(), Some(600));
        assert!(p::<OptionTag<'_>>("100rel").is_ok());
        assert!(p::<OptionTag<'_>>("").is_err());
    }

    #[test]
    fn dates() {
        let d: Date<'_> = p("Sat, 15 Oct 2005 04:44:56 GMT").unwrap();
        assert_eq!((d.year, d.month, d.day, d.hour, d.second), (2005, 10, 15, 4, 56));
        assert!(p::<Date<'_>>("Fri, 01 Jan 2010 16:00:00 EST").is_err());
        assert!(Date::parse("Fri, 01 Jan 2010 16:00:00 EST", &Leniency::all()).is_ok());
        assert!(p::<Date<'_>>("Fri, 01 Foo 2010 16:00:00 GMT").is_err());
    }
}
