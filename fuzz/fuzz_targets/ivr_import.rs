//! The FreeSWITCH and VoiceXML importers: any text gives flow text or an error, and imported flow
//! text is checked without panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for imported in
        [hotline_ivr::import::freeswitch::convert(text), hotline_ivr::import::vxml::convert(text)]
            .into_iter()
            .flatten()
    {
        let _ = hotline_ivr::check_source(&imported.text);
    }
});
