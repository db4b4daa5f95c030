//! Any text as a scheduling configuration (TOML, then JSON): parse and check, and when it parses
//! with few patterns, solve a tiny day with it; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for parsed in
        [hotline_wfm::ScheduleConfig::from_toml(text), hotline_wfm::ScheduleConfig::from_json(text)]
    {
        let Ok(mut config) = parsed else { continue };
        config.effort = config.effort.min(2);
        let problem = config.problem(vec![vec![1; 24]], 60, 0);
        if problem.patterns(0).is_ok_and(|p| p.len() <= 2_000) {
            let _ = hotline_wfm::solve(&problem);
        }
    }
});
