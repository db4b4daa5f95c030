//! Process definitions and conditions from arbitrary text: a value or an error, never a panic or
//! a hang; a definition that parses can start an order without panicking.
#![no_main]

use hotline_flow::store::MemoryStore;
use hotline_flow::{Calendars, Condition, Definition, Engine, Vars};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(condition) = Condition::parse(text) {
        let _ = condition.eval(&Vars::new());
    }
    if let Ok(def) = Definition::from_toml(text) {
        let mut engine = Engine::new(MemoryStore::new(), Calendars::new());
        if engine.deploy_definition(&def).is_ok() {
            let at = "2026-03-02T10:00:00Z".parse().unwrap_or_default();
            let _ = engine.handle_start(at, &def.name, None, Vars::new(), "fuzz", None);
        }
    }
});
