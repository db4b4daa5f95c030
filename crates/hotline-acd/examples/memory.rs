//! Measures the engine's memory per agent and per waiting call from the process's resident set
//! (`/proc/self/statm`, Linux only): builds engines of 100,000 agents (one queue, five skills
//! each) and queues 100,000 calls.
//!
//! `cargo run --release -p hotline-acd --example memory`

use std::time::Duration;

use hotline_acd::{
    Acd, AgentConfig, CallId, Config, Event, NewCall, QueueConfig, QueueId, Requirement, SkillId,
};

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn config(agents: usize, skills: usize, ready: bool) -> Config {
    let mut config = (0..200).fold(Config::new(), |c, i| c.skill(format!("s{i}")));
    config.queues.push(QueueConfig::new("q"));
    for i in 0..agents {
        let mut agent = AgentConfig::new(format!("agent{i}")).member("q", 1, 0);
        for k in 0..skills {
            agent = agent.skill(&format!("s{}", (i * 7 + k * 13) % 200), 5);
        }
        agent.ready = ready;
        config.agents.push(agent);
    }
    config
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = 100_000usize;
    // Waiting calls: agents logged out so that every call waits.
    let cfg = config(10, 5, false);
    let mut acd = Acd::new(&cfg)?;
    let before = resident_bytes().ok_or("no /proc/self/statm")?;
    for i in 0..n as u64 {
        let req = if i % 2 == 0 {
            Requirement::none()
        } else {
            Requirement::skill(SkillId((i % 200) as u32), 3)
        };
        acd.handle_event(
            Duration::from_millis(i),
            Event::CallArrived(NewCall::new(CallId(i), QueueId(0)).requirement(req)),
        )?;
    }
    let after = resident_bytes().ok_or("no /proc/self/statm")?;
    println!(
        "waiting call (half with a skill requirement): {} bytes each ({} calls)",
        after.saturating_sub(before) / n as u64,
        acd.call_count()
    );

    for (skills, label) in [(0usize, "no skills"), (5, "five skills")] {
        let cfg = config(n, skills, true);
        let before = resident_bytes().ok_or("no /proc/self/statm")?;
        let acd = Acd::new(&cfg)?;
        let after = resident_bytes().ok_or("no /proc/self/statm")?;
        println!(
            "ready agent in one queue, {label}: {} bytes each ({} agents)",
            after.saturating_sub(before) / n as u64,
            acd.agent_count()
        );
    }

    Ok(())
}
