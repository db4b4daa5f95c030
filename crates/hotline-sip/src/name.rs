//! Header field names: the known ones as an enum, classified case-insensitively, compact forms
//! included (RFC 3261 §7.3.3 and the extensions that define one).

use serde::{Deserialize, Serialize};

/// A header field name, classified. Unknown names are [`HeaderName::Other`]; the name as written
/// stays available on [`Header::name`](crate::Header::name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum HeaderName {
    /// `Accept`.
    Accept = 1,
    /// `Accept-Contact` (compact form `a`).
    AcceptContact,
    /// `Accept-Encoding`.
    AcceptEncoding,
    /// `Accept-Language`.
    AcceptLanguage,
    /// `Alert-Info`.
    AlertInfo,
    /// `Allow`.
    Allow,
    /// `Allow-Events` (compact form `u`).
    AllowEvents,
    /// `Authentication-Info`.
    AuthenticationInfo,
    /// `Authorization`.
    Authorization,
    /// `Call-ID` (compact form `i`).
    CallId,
    /// `Call-Info`.
    CallInfo,
    /// `Contact` (compact form `m`).
    Contact,
    /// `Content-Disposition`.
    ContentDisposition,
    /// `Content-Encoding` (compact form `e`).
    ContentEncoding,
    /// `Content-Language`.
    ContentLanguage,
    /// `Content-Length` (compact form `l`).
    ContentLength,
    /// `Content-Type` (compact form `c`).
    ContentType,
    /// `CSeq`.
    CSeq,
    /// `Date`.
    Date,
    /// `Error-Info`.
    ErrorInfo,
    /// `Event` (compact form `o`).
    Event,
    /// `Expires`.
    Expires,
    /// `From` (compact form `f`).
    From,
    /// `Identity` (compact form `y`).
    Identity,
    /// `In-Reply-To`.
    InReplyTo,
    /// `Max-Forwards`.
    MaxForwards,
    /// `MIME-Version`.
    MimeVersion,
    /// `Min-Expires`.
    MinExpires,
    /// `Organization`.
    Organization,
    /// `Path`.
    Path,
    /// `Priority`.
    Priority,
    /// `Proxy-Authenticate`.
    ProxyAuthenticate,
    /// `Proxy-Authorization`.
    ProxyAuthorization,
    /// `Proxy-Require`.
    ProxyRequire,
    /// `RAck`.
    RAck,
    /// `Reason`.
    Reason,
    /// `Record-Route`.
    RecordRoute,
    /// `Refer-To` (compact form `r`).
    ReferTo,
    /// `Referred-By` (compact form `b`).
    ReferredBy,
    /// `Reject-Contact` (compact form `j`).
    RejectContact,
    /// `Reply-To`.
    ReplyTo,
    /// `Request-Disposition` (compact form `d`).
    RequestDisposition,
    /// `Require`.
    Require,
    /// `Retry-After`.
    RetryAfter,
    /// `Route`.
    Route,
    /// `RSeq`.
    RSeq,
    /// `Server`.
    Server,
    /// `Session-Expires` (compact form `x`).
    SessionExpires,
    /// `Subject` (compact form `s`).
    Subject,
    /// `Subscription-State`.
    SubscriptionState,
    /// `Supported` (compact form `k`).
    Supported,
    /// `Timestamp`.
    Timestamp,
    /// `To` (compact form `t`).
    To,
    /// `Unsupported`.
    Unsupported,
    /// `User-Agent`.
    UserAgent,
    /// `Via` (compact form `v`).
    Via,
    /// `Warning`.
    Warning,
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// Any other (extension) header field.
    // Zero, so that an unused header slot is all zero bytes (see `Header`).
    #[default]
    Other = 0,
}

impl HeaderName {
    /// Every known name, in alphabetical order.
    pub const ALL: &'static [HeaderName] = &[
        HeaderName::Accept,
        HeaderName::AcceptContact,
        HeaderName::AcceptEncoding,
        HeaderName::AcceptLanguage,
        HeaderName::AlertInfo,
        HeaderName::Allow,
        HeaderName::AllowEvents,
        HeaderName::AuthenticationInfo,
        HeaderName::Authorization,
        HeaderName::CallId,
        HeaderName::CallInfo,
        HeaderName::Contact,
        HeaderName::ContentDisposition,
        HeaderName::ContentEncoding,
        HeaderName::ContentLanguage,
        HeaderName::ContentLength,
        HeaderName::ContentType,
        HeaderName::CSeq,
        HeaderName::Date,
        HeaderName::ErrorInfo,
        HeaderName::Event,
        HeaderName::Expires,
        HeaderName::From,
        HeaderName::Identity,
        HeaderName::InReplyTo,
        HeaderName::MaxForwards,
        HeaderName::MimeVersion,
        HeaderName::MinExpires,
        HeaderName::Organization,
        HeaderName::Path,
        HeaderName::Priority,
        HeaderName::ProxyAuthenticate,
        HeaderName::ProxyAuthorization,
        HeaderName::ProxyRequire,
        HeaderName::RAck,
        HeaderName::Reason,
        HeaderName::RecordRoute,
        HeaderName::ReferTo,
        HeaderName::ReferredBy,
        HeaderName::RejectContact,
        HeaderName::ReplyTo,
        HeaderName::RequestDisposition,
        HeaderName::Require,
        HeaderName::RetryAfter,
        HeaderName::Route,
        HeaderName::RSeq,
        HeaderName::Server,
        HeaderName::SessionExpires,
        HeaderName::Subject,
        HeaderName::SubscriptionState,
        HeaderName::Supported,
        HeaderName::Timestamp,
        HeaderName::To,
        HeaderName::Unsupported,
        HeaderName::UserAgent,
        HeaderName::Via,
        HeaderName::Warning,
        HeaderName::WwwAuthenticate,
    ];

    /// The canonical (full) spelling, or `""` for [`HeaderName::Other`].
    pub const fn as_str(self) -> &'static str {
        match self {
            HeaderName::Accept => "Accept",
            HeaderName::AcceptContact => "Accept-Contact",
            HeaderName::AcceptEncoding => "Accept-Encoding",
            HeaderName::AcceptLanguage => "Accept-Language",
            HeaderName::AlertInfo => "Alert-Info",
            HeaderName::Allow => "Allow",
            HeaderName::AllowEvents => "Allow-Events",
            HeaderName::AuthenticationInfo => "Authentication-Info",
            HeaderName::Authorization => "Authorization",
            HeaderName::CallId => "Call-ID",
            HeaderName::CallInfo => "Call-Info",
            HeaderName::Contact => "Contact",
            HeaderName::ContentDisposition => "Content-Disposition",
            HeaderName::ContentEncoding => "Content-Encoding",
            HeaderName::ContentLanguage => "Content-Language",
            HeaderName::ContentLength => "Content-Length",
            HeaderName::ContentType => "Content-Type",
            HeaderName::CSeq => "CSeq",
            HeaderName::Date => "Date",
            HeaderName::ErrorInfo => "Error-Info",
            HeaderName::Event => "Event",
            HeaderName::Expires => "Expires",
            HeaderName::From => "From",
            HeaderName::Identity => "Identity",
            HeaderName::InReplyTo => "In-Reply-To",
            HeaderName::MaxForwards => "Max-Forwards",
            HeaderName::MimeVersion => "MIME-Version",
            HeaderName::MinExpires => "Min-Expires",
            HeaderName::Organization => "Organization",
            HeaderName::Path => "Path",
            HeaderName::Priority => "Priority",
            HeaderName::ProxyAuthenticate => "Proxy-Authenticate",
            HeaderName::ProxyAuthorization => "Proxy-Authorization",
            HeaderName::ProxyRequire => "Proxy-Require",
            HeaderName::RAck => "RAck",
            HeaderName::Reason => "Reason",
            HeaderName::RecordRoute => "Record-Route",
            HeaderName::ReferTo => "Refer-To",
            HeaderName::ReferredBy => "Referred-By",
            HeaderName::RejectContact => "Reject-Contact",
            HeaderName::ReplyTo => "Reply-To",
            HeaderName::RequestDisposition => "Request-Disposition",
            HeaderName::Require => "Require",
            HeaderName::RetryAfter => "Retry-After",
            HeaderName::Route => "Route",
            HeaderName::RSeq => "RSeq",
            HeaderName::Server => "Server",
            HeaderName::SessionExpires => "Session-Expires",
            HeaderName::Subject => "Subject",
            HeaderName::SubscriptionState => "Subscription-State",
            HeaderName::Supported => "Supported",
            HeaderName::Timestamp => "Timestamp",
            HeaderName::To => "To",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::UserAgent => "User-Agent",
            HeaderName::Via => "Via",
            HeaderName::Warning => "Warning",
            HeaderName::WwwAuthenticate => "WWW-Authenticate",
            HeaderName::Other => "",
        }
    }

    /// The compact form, if the name has one.
    pub const fn compact(self) -> Option<char> {
        match self {
            HeaderName::AcceptContact => Some('a'),
            HeaderName::AllowEvents => Some('u'),
            HeaderName::CallId => Some('i'),
            HeaderName::Contact => Some('m'),
            HeaderName::ContentEncoding => Some('e'),
            HeaderName::ContentLength => Some('l'),
            HeaderName::ContentType => Some('c'),
            HeaderName::Event => Some('o'),
            HeaderName::From => Some('f'),
            HeaderName::Identity => Some('y'),
            HeaderName::ReferTo => Some('r'),
            HeaderName::ReferredBy => Some('b'),
            HeaderName::RejectContact => Some('j'),
            HeaderName::RequestDisposition => Some('d'),
            HeaderName::SessionExpires => Some('x'),
            HeaderName::Subject => Some('s'),
            HeaderName::Supported => Some('k'),
            HeaderName::To => Some('t'),
            HeaderName::Via => Some('v'),
            _ => None,
        }
    }

    /// Whether the field's grammar is a comma-separated list, so that several values may share one
    /// line (RFC 3261 §7.3.1).
    pub const fn is_list(self) -> bool {
        matches!(
            self,
            HeaderName::Accept
                | HeaderName::AcceptContact
                | HeaderName::AcceptEncoding
                | HeaderName::AcceptLanguage
                | HeaderName::AlertInfo
                | HeaderName::Allow
                | HeaderName::AllowEvents
                | HeaderName::CallInfo
                | HeaderName::Contact
                | HeaderName::ContentEncoding
                | HeaderName::ContentLanguage
                | HeaderName::ErrorInfo
                | HeaderName::InReplyTo
                | HeaderName::Path
                | HeaderName::ProxyRequire
                | HeaderName::Reason
                | HeaderName::RecordRoute
                | HeaderName::RejectContact
                | HeaderName::RequestDisposition
                | HeaderName::Require
                | HeaderName::Route
                | HeaderName::Supported
                | HeaderName::Unsupported
                | HeaderName::Via
                | HeaderName::Warning
        )
    }

    /// Classifies a name as written (case-insensitive, compact forms included).
    ///
    /// ```
    /// use hotline_sip::HeaderName;
    /// assert_eq!(HeaderName::classify(b"MaX-fOrWaRdS"), HeaderName::MaxForwards);
    /// assert_eq!(HeaderName::classify(b"v"), HeaderName::Via);
    /// assert_eq!(HeaderName::classify(b"X-Custom"), HeaderName::Other);
    /// ```
    #[inline]
    pub fn classify(name: &[u8]) -> HeaderName {
        if name.iter().all(|&b| crate::grammar::is(b, crate::grammar::TOKEN)) {
            HeaderName::classify_token(name)
        } else {
            HeaderName::Other
        }
    }

    /// Classifies a name made of token characters only (the message parser's case): one table
    /// look-up for a compact form, otherwise a hash of the case-folded name into a small
    /// open-addressed table and one comparison of at most three words.
    #[inline]
    pub(crate) fn classify_token(name: &[u8]) -> HeaderName {
        match name.len() {
            1 => COMPACT[name[0] as usize],
            2..=MAX_LEN => {
                let mut raw = [0u8; MAX_LEN];
                raw[..name.len()].copy_from_slice(name);
                HeaderName::classify_padded(&raw, name.len())
            }
            _ => HeaderName::Other,
        }
    }

    /// Classifies the name that fills the first `len` bytes of `bytes` (which may go on past the
    /// name, at least [`MAX_LEN`] bytes in all). Any bytes may be given: a known name is found
    /// only when every byte is a letter or `-` (so a CR, which folds to `-`, never matches).
    #[inline(always)]
    pub(crate) fn classify_padded(bytes: &[u8; MAX_LEN], len: usize) -> HeaderName {
        if len == 1 {
            return COMPACT[bytes[0] as usize];
        }
        if !(2..=MAX_LEN).contains(&len) {
            return HeaderName::Other;
        }
        const FOLD: u64 = 0x2020_2020_2020_2020;
        const BIT6: u64 = 0x4040_4040_4040_4040;
        let raw = |k: usize| {
            u64::from_le_bytes([
                bytes[k],
                bytes[k + 1],
                bytes[k + 2],
                bytes[k + 3],
                bytes[k + 4],
                bytes[k + 5],
                bytes[k + 6],
                bytes[k + 7],
            ])
        };
        // The first `c` bytes of a word (1 <= c <= 8).
        let mask = |c: usize| u64::MAX >> (64 - 8 * c);
        // Letters have bit 0x40 set and `-` has bit 0x20 set; a byte with neither (CR among
        // them, the one byte besides `-` that folds to `-`) is in no known name.
        let letters = |x: u64, m: u64| ((x & BIT6) | ((x & FOLD) << 1)) & m == BIT6 & m;
        let (w, ok) = if len <= 8 {
            let m = mask(len);
            let x = raw(0);
            ([(x | FOLD) & m, 0, 0], letters(x, m))
        } else if len <= 16 {
            let m = mask(len - 8);
            let (x0, x1) = (raw(0), raw(8));
            ([x0 | FOLD, (x1 | FOLD) & m, 0], letters(x0, u64::MAX) & letters(x1, m))
        } else {
            let m = mask(len - 16);
            let (x0, x1, x2) = (raw(0), raw(8), raw(16));
            (
                [x0 | FOLD, x1 | FOLD, (x2 | FOLD) & m],
                letters(x0, u64::MAX) & letters(x1, u64::MAX) & letters(x2, m),
            )
        };
        if !ok {
            return HeaderName::Other;
        }
        lookup(&w, len)
    }
}

/// The longest known name (`Authentication-Info` and friends have 19 bytes).
pub(crate) const MAX_LEN: usize = 24;

/// Setting bit 0x20 lowercases ASCII letters and maps every other token character to itself, and
/// no two different token characters to the same byte; known names are letters and `-` only, so
/// equal folded words mean equal names, ignoring case.
const fn fold(name: &[u8]) -> [u64; 3] {
    let mut w = [0u64; 3];
    let mut i = 0;
    while i < name.len() {
        w[i / 8] |= ((name[i] | 0x20) as u64) << (8 * (i % 8));
        i += 1;
    }
    w
}

#[inline]
const fn slot(w0: u64, len: usize) -> usize {
    ((w0 ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOT_BITS)) as usize
}

const SLOT_BITS: u32 = 7;
const SLOTS: usize = 1 << SLOT_BITS;

#[derive(Clone, Copy)]
struct Entry {
    words: [u64; 3],
    len: u8,
    kind: HeaderName,
}

const EMPTY: Entry = Entry { words: [0; 3], len: 0, kind: HeaderName::Other };

const fn build_table() -> [Entry; SLOTS] {
    let mut t = [EMPTY; SLOTS];
    let mut k = 0;
    while k < HeaderName::ALL.len() {
        let kind = HeaderName::ALL[k];
        let name = kind.as_str().as_bytes();
        let words = fold(name);
        let mut i = slot(words[0], name.len());
        while t[i].len != 0 {
            i = (i + 1) % SLOTS;
        }
        t[i] = Entry { words, len: name.len() as u8, kind };
        k += 1;
    }
    t
}

/// Every full name, open-addressed by [`slot`] with linear probing (58 names in 128 slots).
static TABLE: [Entry; SLOTS] = build_table();

const fn build_compact() -> [HeaderName; 256] {
    let mut t = [HeaderName::Other; 256];
    let mut k = 0;
    while k < HeaderName::ALL.len() {
        let kind = HeaderName::ALL[k];
        if let Some(c) = kind.compact() {
            t[c as usize] = kind;
            t[(c as u8).to_ascii_uppercase() as usize] = kind;
        }
        k += 1;
    }
    t
}

/// The compact forms, both cases.
static COMPACT: [HeaderName; 256] = build_compact();

#[inline]
fn lookup(w: &[u64; 3], len: usize) -> HeaderName {
    let mut i = slot(w[0], len);
    loop {
        let e = &TABLE[i];
        if usize::from(e.len) == len && e.words == *w {
            return e.kind;
        }
        if e.len == 0 {
            return HeaderName::Other;
        }
        i = (i + 1) % SLOTS;
    }
}

impl std::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_classifies_to_itself() {
        for &name in HeaderName::ALL {
            assert_eq!(HeaderName::classify(name.as_str().as_bytes()), name);
            assert_eq!(HeaderName::classify(name.as_str().to_lowercase().as_bytes()), name);
            if let Some(c) = name.compact() {
                assert_eq!(HeaderName::classify(c.to_string().as_bytes()), name);
                assert_eq!(
                    HeaderName::classify(c.to_ascii_uppercase().to_string().as_bytes()),
                    name
                );
            }
        }
        assert_eq!(HeaderName::classify(b""), HeaderName::Other);
        assert_eq!(HeaderName::classify(b"C%6Fntact"), HeaderName::Other);
    }
}
