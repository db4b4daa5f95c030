//! A small predictive campaign from a TOML file and a CSV list, driven by hand for one answered
//! call; prints the actions, the audit record and the per-window compliance report. (To run a
//! campaign for a simulated shift, see hotline-sim's `outbound` module and `hotline dialer
//! simulate`.)
//!
//! ```text
//! cargo run -p hotline-dialer --example campaign
//! ```

use hotline_dialer::record::parse_csv;
use hotline_dialer::{Action, AgentId, Campaign, ComplianceReport, Dialer, Outcome};

const CAMPAIGN: &str = r#"
name = "Work-order follow-up survey"
ring_timeout = "20s"
max_lines = 30

[profile]
jurisdiction = "us"

[mode]
mode = "predictive"
pacer = { pacer = "adaptive" }

[retry]
busy = "10m"
no_answer = "2h"
max_attempts = 4
"#;

const LIST: &str = "id,phone,time_zone,priority\n\
wo-1001,+12125550101,America/New_York,2\n\
wo-1002,+13125550102,America/Chicago,1\n\
wo-1003,+13105550103,America/Los_Angeles,0\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let campaign = Campaign::from_toml(CAMPAIGN)?;
    let mut dialer = Dialer::new(campaign.clone(), None)?;
    dialer.add_records("follow-up", parse_csv(LIST, "America/New_York")?)?;

    // 10:00 in New York, 07:00 in Los Angeles: the Los Angeles record waits for 08:00 there.
    let now: jiff::Timestamp = "2026-03-02T15:00:00Z".parse()?;
    dialer.handle_agent_available(now, AgentId(1))?;
    while let Some(action) = dialer.poll_action() {
        println!("{action:?}");
        if let Action::Dial { call, record, .. } = action {
            let r = dialer.record(record).map(|r| r.key.clone()).unwrap_or_default();
            println!("  dialling {r}");
            if r == "wo-1001" {
                dialer.handle_call_outcome(now, call, Outcome::Human)?;
            }
        }
    }
    println!("next wake-up: {:?}", dialer.poll_timeout());

    // The person is put through at once; the agent talks, wraps up and is free again.
    let later = now.checked_add(jiff::SignedDuration::from_secs(200))?;
    dialer.handle_agent_wrap_up(later, AgentId(1))?;
    let mut report = ComplianceReport::new(campaign.profile.clone(), now, None);
    while let Some(line) = dialer.poll_audit() {
        println!("audit: {}", serde_json::to_string(&line)?);
        report.push(&line);
    }
    print!("\n{}", report.to_text());
    Ok(())
}
