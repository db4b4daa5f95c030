//! A day planned with hotline-wfm (forecast calls → requirement → shifts with a lunch → a roster
//! of named agents), simulated in hotline-sim with the ACD's agent-state log on, and the agents'
//! adherence to their shifts measured interval by interval; writes the heat map the book shows.
//!
//! ```text
//! cargo run -p hotline-sim --example plan_adherence -- [OUT_DIR]
//! ```

use std::time::Duration;

use hotline_sim::plan::{forecast_arrivals, interval_adherence, roster_groups};
use hotline_sim::{PolicyChoice, Scenario, run_replication_with_states};
use hotline_wfm::{
    Agent, BreakRule, RequirementOptions, Rules, ScheduleProblem, ShiftTemplate, Weights,
    adherence_svg, requirement_from_calls, roster, solve,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "target/plan-adherence".into());
    std::fs::create_dir_all(&out)?;
    // Calls per half hour: none before 07:00 or from 21:00, peaks of about 120 at 10:30 and 15:00.
    let calls: Vec<f64> = (0..48)
        .map(|i| {
            let h = f64::from(i) / 2.0;
            if !(7.0..21.0).contains(&h) {
                return 0.0;
            }
            let peak = |c: f64, w: f64| (-(h - c) * (h - c) / (2.0 * w * w)).exp();
            20.0 + 100.0 * peak(10.5, 1.5) + 80.0 * peak(15.0, 2.0)
        })
        .collect();
    let start = "2026-03-09T00:00".parse()?;
    let req = requirement_from_calls(start, 30, &calls, &[], RequirementOptions::default())?;
    let template = ShiftTemplate {
        name: "day".into(),
        earliest_start: "06:00".parse()?,
        latest_start: "13:00".parse()?,
        start_step_minutes: 30,
        lengths_minutes: vec![480],
        weekdays: vec![],
        breaks: vec![BreakRule {
            name: "lunch".into(),
            length_minutes: 30,
            earliest_after_minutes: 180,
            latest_after_minutes: 300,
            paid: false,
        }],
        skills: vec![],
    };
    let problem = ScheduleProblem {
        interval_minutes: 30,
        first_weekday: 0,
        required: req.by_day(),
        templates: vec![template],
        weights: Weights { under: 4.0, over: 1.0, per_shift: 0.0 },
        max_concurrency: None,
        effort: 50,
        seed: 1,
        skill_required: vec![],
    };
    let schedule = solve(&problem)?;
    let people: Vec<Agent> =
        (0..schedule.shift_count).map(|i| Agent::new(format!("agent {:02}", i + 1))).collect();
    let rostered = roster(&problem, &schedule, &people, &Rules::default())?;
    let mut scenario = Scenario::from_toml(
        r#"
        name = "planned day"
        horizon = "24h"
        [acd]
        [[acd.queues]]
        name = "support"
        service_level = "20s"
        wrap_up = "30s"
        [[agent_groups]]
        name = "team"
        count = 1
        queues = [{ queue = "support" }]
        [[call_types]]
        name = "support"
        queue = "support"
        arrivals = { rate_per_hour = 1 }
        handle = { dist = "exponential", mean = 150 }
        "#,
        None,
    )?;
    scenario.call_types[0].arrivals = forecast_arrivals(&calls, 30);
    let prototype = scenario.agent_groups[0].clone();
    scenario.agent_groups = roster_groups(&problem, &rostered, &people, &|_| prototype.clone());
    scenario.validate()?;
    let (_, states) = run_replication_with_states(&scenario, &PolicyChoice::Configured, 1, 0)?;
    let report = interval_adherence(&scenario, &states, Duration::from_secs(1800))?;
    let pct = |x: Option<f64>| x.map_or_else(|| "—".into(), |x| format!("{:.2}%", 100.0 * x));
    println!(
        "{} agents, {} state changes: adherence {}, conformance {}, {:.0} s out of adherence, \
         {:.0} s logged in after shifts",
        report.agents.len(),
        states.len(),
        pct(report.adherence),
        pct(report.conformance),
        report.total.out_of_adherence_s(),
        report.total.unscheduled_s
    );
    for i in report.intervals.iter().filter(|i| i.agents_out > 0) {
        println!(
            "  {:02}:{:02}  {} of {} agents out, adherence {}",
            (i.start_s / 3600.0) as u32,
            ((i.start_s % 3600.0) / 60.0) as u32,
            i.agents_out,
            i.agents_scheduled,
            pct(i.adherence)
        );
    }
    let title = format!(
        "Simulated adherence of a planned day: {} agents, 30-minute intervals, {} overall",
        report.agents.len(),
        pct(report.adherence)
    );
    let path = format!("{out}/adherence.svg");
    std::fs::write(&path, adherence_svg(&report, 40, &title))?;
    println!("wrote {path}");
    Ok(())
}
