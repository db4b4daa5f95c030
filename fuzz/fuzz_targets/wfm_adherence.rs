//! Any text as the roster and the agent-states CSVs of `hotline wfm adherence` (split at the
//! first NUL byte): each reads to a value or an error with line and column, never a panic; when
//! both read, the adherence report is made (in hourly intervals) without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (roster, states) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(r) = hotline_cli::wfm::adherence::read_roster(roster) else { return };
    assert!(r.days >= 1 && !r.agents.is_empty());
    let Ok(s) = hotline_cli::wfm::adherence::read_states(states, r.first) else { return };
    let mut agents: Vec<hotline_wfm::AgentTimeline> = r
        .agents
        .into_iter()
        .map(|(name, planned)| hotline_wfm::AgentTimeline { name, planned, observed: vec![] })
        .collect();
    for (name, observed) in s {
        agents.push(hotline_wfm::AgentTimeline { name, planned: vec![], observed });
    }
    let to = std::time::Duration::from_secs(u64::from(r.days) * 86_400);
    let hour = std::time::Duration::from_secs(3600);
    if let Ok(report) = hotline_wfm::adherence(&agents, std::time::Duration::ZERO, to, hour) {
        assert!(report.total.in_adherence_s <= report.total.scheduled_s);
    }
});
