//! Any text given to the dialer's campaign (TOML) and list (CSV) readers yields a value or a list
//! of problems, never a panic or a hang; every problem's line lies inside the text, and a campaign
//! that parses also builds a dialer.

#![no_main]

use hotline_dialer::record::parse_csv;
use hotline_dialer::{Campaign, Dialer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.split('\n').count();
    match parse_csv(text, "UTC") {
        Ok(records) => {
            if let Ok(c) = Campaign::from_toml("name = \"f\"\n[mode]\nmode = \"progressive\"\n") {
                if let Ok(mut d) = Dialer::new(c, None) {
                    let _ = d.add_records("fuzz", records);
                }
            }
        }
        Err(e) => {
            for p in e.problems() {
                if let Some(l) = p.location {
                    assert!(l.line <= lines, "line {} of {lines}", l.line);
                }
            }
        }
    }
    match Campaign::from_toml(text) {
        Ok(c) => {
            assert!(Dialer::new(c, None).is_ok(), "a checked campaign builds a dialer");
        }
        Err(e) => {
            for p in e.problems() {
                if let Some(l) = p.location {
                    assert!(l.line <= lines, "line {} of {lines}", l.line);
                }
            }
        }
    }
});
