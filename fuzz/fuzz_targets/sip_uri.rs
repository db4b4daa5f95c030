//! URIs and typed header values: any text gives a value or an error.
#![no_main]

use hotline_sip::header::{
    CSeq, CallId, Challenge, Contact, Credentials, Date, HeaderValue, MediaType, NameAddr, Via,
};
use hotline_sip::uri::Uri;
use hotline_sip::{Leniency, unquote};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(uri) = Uri::parse(text) {
        assert_eq!(uri.to_string(), text);
        if let Some(sip) = uri.as_sip() {
            let _ = (sip.user_decoded(), sip.host().ipv6(), sip.params().iter().count());
            let _ = sip.header_pairs().count();
        }
    }
    for lenient in [Leniency::none(), Leniency::all()] {
        if let Ok(via) = Via::parse(text, &lenient) {
            // The branch kept while parsing is the one a parameter look-up finds.
            assert_eq!(via.branch(), via.params().get("branch"));
        }
        if let Ok(a) = NameAddr::parse(text, &lenient) {
            let _ = (a.display_name(), a.params().iter().count());
            assert_eq!(a.tag(), a.params().get("tag"));
        }
        let _ = Contact::parse(text, &lenient).map(|c| (c.q(), c.expires()));
        let _ = CSeq::parse(text, &lenient);
        let _ = CallId::parse(text, &lenient);
        let _ = MediaType::parse(text, &lenient);
        let _ = Date::parse(text, &lenient);
        let _ = Credentials::parse(text, &lenient).map(|c| (c.username(), c.params.iter().count()));
        let _ = Challenge::parse(text, &lenient).map(|c| (c.realm(), c.stale()));
    }
    let _ = unquote(text);
});
