//! Any text as the reference server's configuration (`examples/reference-server/src/config.rs`,
//! compiled in here: the server is a binary, not a library): read it with every check the server
//! makes at start-up; never panic. Flow files a configuration names are read within their limit.
#![no_main]
#![allow(dead_code, unreachable_pub)]

use libfuzzer_sys::fuzz_target;

#[path = "../../examples/reference-server/src/config.rs"]
mod config;
#[path = "../../examples/reference-server/src/prompts.rs"]
mod prompts;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = config::Settings::from_text("fuzz.toml", text, &config::Overrides::default());
});
