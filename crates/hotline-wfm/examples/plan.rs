//! The whole loop on a small center: history → forecast → requirement → schedule → roster →
//! pictures.
//!
//! ```sh
//! cargo run -p hotline-wfm --example plan [OUT_DIR]
//! ```
//!
//! Generates 13 months of half-hourly calls (1 January 2025 – 1 February 2026), forecasts the
//! week of Monday 2 February 2026 with the calendar model, staffs it for 80% answered in 20 s,
//! schedules two shift templates with breaks and lunches, rosters 60 agents under working-time
//! rules and writes `forecast.svg`, `coverage.svg` and `roster.svg`.

use hotline_calendar::Calendar;
use hotline_wfm::{
    Agent, CalendarProfile, ForecastOptions, GeneratorParams, RequirementOptions, Rules,
    ScheduleConfig, forecast, generate, requirement, roster, solve,
};
use jiff::civil::date;

const CONFIG: &str = r#"
seed = 1
effort = 100

[weights]
under = 2.0
over = 1.0

[rules]
min_rest_hours = 11
max_consecutive_days = 5
max_weekly_hours = 40
weekend_spread = 1

[[templates]]
name = "early"
earliest_start = "07:00"
latest_start = "10:00"
start_step_minutes = 30
lengths_minutes = [480, 540]
breaks = [
  { name = "break", length_minutes = 30, earliest_after_minutes = 90, latest_after_minutes = 150, paid = true },
  { name = "lunch", length_minutes = 60, earliest_after_minutes = 210, latest_after_minutes = 300 },
]

[[templates]]
name = "late"
earliest_start = "12:00"
latest_start = "14:00"
start_step_minutes = 30
lengths_minutes = [480]
breaks = [
  { name = "break", length_minutes = 30, earliest_after_minutes = 90, latest_after_minutes = 180, paid = true },
  { name = "dinner", length_minutes = 30, earliest_after_minutes = 240, latest_after_minutes = 330 },
]
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args().nth(1).unwrap_or_else(|| "target/wfm-plan".into()),
    );
    std::fs::create_dir_all(&out)?;
    let cal = Calendar::china();
    // A small center: about 3,000 calls on a regular weekday.
    let params = GeneratorParams { daily_volume: 3_000.0, ..GeneratorParams::default() };
    let g = generate(&params, &cal, date(2025, 1, 1), 397 + 7)?;
    let history =
        hotline_wfm::Series { values: g.series.values[..397 * 48].to_vec(), ..g.series.clone() };
    let f = forecast(&mut CalendarProfile::new(cal), &history, 7 * 48, ForecastOptions::default())?;
    let calls: f64 = f.mean.iter().sum();
    println!("forecast for the week of {}: {calls:.0} calls", f.start.date());

    let req =
        requirement(&f, RequirementOptions { shrinkage: 0.1, ..RequirementOptions::default() })?;
    println!(
        "requirement: {:.0} agent-hours, peak {} agents",
        req.agent_hours(),
        req.scheduled.iter().max().unwrap_or(&0)
    );

    let config = ScheduleConfig::from_toml(CONFIG)?;
    let problem = config.problem(req.by_day(), 30, 0);
    let schedule = solve(&problem)?;
    println!(
        "schedule: {} shifts, {} agent-intervals short, {} over",
        schedule.shift_count, schedule.under, schedule.over
    );

    let agents: Vec<Agent> = (0..60).map(|i| Agent::new(format!("agent {i:02}"))).collect();
    let rules = Rules { ..config.rules };
    let r = roster(&problem, &schedule, &agents, &rules)?;
    println!("roster: {} shifts on {} agents, no rule broken", r.assignments.len(), agents.len());

    let actual = &g.series.values[397 * 48..];
    std::fs::write(
        out.join("forecast.svg"),
        hotline_wfm::forecast_svg(&f, Some(actual), "Forecast and actual calls per half hour"),
    )?;
    std::fs::write(
        out.join("coverage.svg"),
        hotline_wfm::coverage_svg(&problem, &schedule, "Required and scheduled agents"),
    )?;
    std::fs::write(
        out.join("roster.svg"),
        hotline_wfm::roster_svg(&problem, &r, &agents, 7, 30, "Roster (first 30 agents)"),
    )?;
    println!("pictures in {}", out.display());
    Ok(())
}
