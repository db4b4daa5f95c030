//! Any text given to the scenario reader yields a scenario or an error, never a panic; a
//! scenario it accepts builds its ACD configuration, and CSV text of numbers is read or rejected.
#![no_main]

use hotline_sim::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = hotline_sim::dist::numbers_from_csv(text);
    if let Ok(scenario) = Scenario::from_toml(text, None) {
        assert!(!scenario.call_types.is_empty());
        let config = scenario.acd_config(None, 1);
        assert!(hotline_acd::Acd::new(&config).is_ok());
    }
});
