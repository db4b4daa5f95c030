//! The command line's TOML reader (item by item, and every error of a file): any text gives the
//! value `toml::from_str` gives, or errors placed inside the text; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let arrays = ["queues", "agents"];
    let split = hotline_cli::toml_read::from_str::<hotline_acd::Config>(text, &arrays);
    let whole = toml::from_str::<hotline_acd::Config>(text);
    if let (Ok(a), Ok(b)) = (&split, &whole) {
        assert_eq!(a, b);
    }
    match hotline_cli::toml_read::from_str_all::<hotline_acd::Config>(text, &arrays) {
        Ok(_) => assert!(split.is_ok()),
        Err(errors) => {
            assert!(!errors.is_empty() && errors.len() <= hotline_cli::toml_read::MAX_ERRORS + 1);
            for e in errors {
                assert!(e.span.is_none_or(|s| s.start <= s.end && s.end <= text.len()));
            }
        }
    }
});
