//! The command line's duration and percentage parsers: any text gives a value or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(d) = hotline_cli::units::parse_duration(text) {
        assert!(d.as_secs_f64() >= 0.0);
    }
    if let Ok(p) = hotline_cli::units::parse_percentage(text) {
        assert!((0.0..=1.0).contains(&p));
    }
});
