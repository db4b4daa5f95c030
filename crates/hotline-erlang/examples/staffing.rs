//! How many agents for each half hour? Erlang B, C and A for one interval, the fewest agents for a
//! set of targets, and a day's plan from a CSV forecast.
//!
//! Run with `cargo run -p hotline-erlang --example staffing`.

use hotline_erlang::{
    ErlangA, ErlangAParams, ErlangB, ErlangC, ErlangCParams, ErlangError, Forecast, Model,
    ServiceLevel, Staffing, Targets, Traffic, max_load, plan_day, scheduled_staff,
};

fn main() -> Result<(), ErlangError> {
    // 100 calls in a half hour, 3 minutes each: 10 erlangs.
    let traffic = Traffic { calls: 100.0, interval_s: 1800.0, aht_s: 180.0 };
    let load = traffic.load()?;

    // Erlang B: 15 trunk lines for this traffic.
    println!(
        "Erlang B, 15 lines: {:.4}% of calls blocked",
        100.0 * ErlangB::new(load, 15.0)?.blocking()
    );

    // Erlang C: 13 agents, callers wait as long as it takes.
    let c = ErlangC::from_params(ErlangCParams { load, agents: 13.0, aht_s: 180.0 })?;
    println!(
        "Erlang C, 13 agents: {:.1}% wait, {:.1}% answered within 20 s, ASA {:.1} s, 90% answered within {:.1} s",
        100.0 * c.p_wait(),
        100.0 * c.service_level(20.0)?,
        c.asa(),
        c.wait_quantile(0.9)?
    );

    // Erlang A: the same, but callers hang up after 2 minutes on average.
    let a = ErlangA::from_params(ErlangAParams {
        load,
        agents: 13.0,
        aht_s: 180.0,
        patience_s: 120.0,
    })?;
    println!(
        "Erlang A, 13 agents: {:.1}% abandon, {:.1}% of all callers answered within 20 s",
        100.0 * a.p_abandon(),
        100.0 * a.service_level(20.0)?
    );

    // The fewest agents for 80/20, at most 3% abandoning and at most 85% occupancy.
    let targets = Targets {
        service_level: Some(ServiceLevel::new(0.8, 20.0)?),
        max_abandon: Some(0.03),
        max_occupancy: Some(0.85),
        ..Targets::default()
    };
    let staffing = Staffing::from_calls(Model::ErlangA { patience_s: 120.0 }, traffic, targets)?;
    let required = staffing.required_agents()?;
    println!(
        "required agents: {required} ({:.3} continuously), schedule {} with 30% shrinkage",
        staffing.required_agents_continuous()?,
        scheduled_staff(required, 0.3)?
    );
    for row in staffing.table(required - 2, required + 2)? {
        println!(
            "  {:>3} agents: service level {:.1}%, abandon {:.2}%, occupancy {:.1}%",
            row.agents,
            100.0 * row.service_level.unwrap_or(0.0),
            100.0 * row.p_abandon.unwrap_or(0.0),
            100.0 * row.occupancy
        );
    }
    let erlangs = max_load(Model::ErlangC, 20.0, 180.0, targets)?;
    println!("20 agents carry at most {erlangs:.3} erlangs at these targets (Erlang C)");

    // A day's plan from a CSV forecast (columns start, calls, aht).
    let forecast = Forecast::parse_csv(include_str!("day.csv"), None)?;
    let plan = plan_day(&forecast, Model::ErlangC, targets, 0.3)?;
    let peak = plan.intervals.iter().max_by_key(|i| i.required_agents).expect("intervals");
    println!(
        "the day: {} calls, peak {} agents at {}, {:.1} agent-hours required, {:.1} scheduled",
        plan.totals.calls,
        peak.required_agents,
        peak.start,
        plan.totals.required_agent_hours,
        plan.totals.scheduled_agent_hours
    );
    Ok(())
}
