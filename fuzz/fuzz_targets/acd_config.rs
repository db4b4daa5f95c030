//! Any text as an ACD configuration: parse, validate, summarise and build an engine; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = hotline_acd::Config::from_toml(text) {
        let _ = config.validate();
        let _ = config.summary();
        if config.agents.len() <= 64 && config.queues.len() <= 16 {
            let _ = hotline_acd::Acd::new(&config);
        }
    }
});
