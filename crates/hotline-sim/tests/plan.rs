//! A hotline-wfm schedule run in the simulator: it meets the service level it was planned for
//! (and a thinned copy of it does not), and the simulated agents' open time is compared with
//! their shifts.

use hotline_sim::plan::{adherence, forecast_arrivals, roster_groups, schedule_groups};
use hotline_sim::{AgentGroup, PolicyChoice, RunOptions, Scenario, run, run_replication};
use hotline_wfm::{
    Agent, BreakRule, RequirementOptions, Rules, ScheduleProblem, ShiftTemplate, Weights,
    requirement_from_calls, roster, solve,
};

/// Calls per half hour over one day: none before 07:00 or from 21:00, a morning and an
/// afternoon peak of about 120 calls.
fn calls() -> Vec<f64> {
    (0..48)
        .map(|i| {
            let h = f64::from(i) / 2.0;
            if !(7.0..21.0).contains(&h) {
                return 0.0;
            }
            let peak = |c: f64, w: f64| (-(h - c) * (h - c) / (2.0 * w * w)).exp();
            20.0 + 100.0 * peak(10.5, 1.5) + 80.0 * peak(15.0, 2.0)
        })
        .collect()
}

fn plan() -> (ScheduleProblem, hotline_wfm::Schedule) {
    let start = "2026-03-09T00:00".parse().unwrap();
    let req =
        requirement_from_calls(start, 30, &calls(), &[], RequirementOptions::default()).unwrap();
    let template = ShiftTemplate {
        name: "day".into(),
        earliest_start: "06:00".parse().unwrap(),
        latest_start: "13:00".parse().unwrap(),
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
        // Short-staffing costs four times over-staffing: the plan covers the requirement.
        weights: Weights { under: 4.0, over: 1.0, per_shift: 0.0 },
        max_concurrency: None,
        effort: 50,
        seed: 1,
        skill_required: vec![],
    };
    let schedule = solve(&problem).unwrap();
    (problem, schedule)
}

/// A day with one queue (20-second service level) and the forecast's calls, 3-minute
/// exponential handle times and no abandonment (Erlang C's assumptions), staffed by `groups`.
fn scenario(groups: Vec<AgentGroup>) -> Scenario {
    let mut s = Scenario::from_toml(
        r#"
        name = "planned day"
        horizon = "24h"
        [acd]
        [[acd.queues]]
        name = "support"
        service_level = "20s"
        [[agent_groups]]
        name = "team"
        count = 1
        queues = [{ queue = "support" }]
        [[call_types]]
        name = "support"
        queue = "support"
        arrivals = { rate_per_hour = 1 }
        handle = { dist = "exponential", mean = 180 }
        "#,
        None,
    )
    .unwrap();
    s.call_types[0].arrivals = forecast_arrivals(&calls(), 30);
    if !groups.is_empty() {
        s.agent_groups = groups;
    }
    s.validate().unwrap();
    s
}

/// The group every planned shift copies: a member of the one queue.
fn prototype() -> AgentGroup {
    scenario(Vec::new()).agent_groups.remove(0)
}

#[test]
fn a_planned_day_meets_its_service_level_and_a_thinned_one_does_not() {
    let (problem, schedule) = plan();
    assert!(schedule.under <= 4, "the plan itself is short: {}", schedule.under);
    let groups = schedule_groups(&problem, &schedule, &|_| prototype());
    let agents: usize = groups.iter().map(|g| g.count).sum();
    assert_eq!(agents as u64, schedule.shift_count);
    let options = RunOptions::new().replications(6).seed(11);
    let report = run(&scenario(groups.clone()), &options).unwrap();
    let sl = report.overall.service_level.unwrap();
    assert!(sl.mean + sl.ci95 >= 0.8, "planned day: service level {} ± {}", sl.mean, sl.ci95);

    // One agent in five fewer on every shift: the simulator sees the shortfall.
    let thinned: Vec<AgentGroup> = groups
        .into_iter()
        .map(|mut g| {
            g.count -= g.count.div_ceil(5);
            g
        })
        .filter(|g| g.count > 0)
        .collect();
    let report = run(&scenario(thinned), &options).unwrap();
    let thin = report.overall.service_level.unwrap();
    assert!(thin.mean + thin.ci95 < 0.8, "thinned: {} ± {}", thin.mean, thin.ci95);
    println!(
        "{} shifts, under {} over {}: service level {:.3} ± {:.3}; thinned {:.3} ± {:.3}",
        schedule.shift_count, schedule.under, schedule.over, sl.mean, sl.ci95, thin.mean, thin.ci95
    );
}

#[test]
fn simulated_agents_are_open_at_least_as_long_as_scheduled() {
    let (problem, schedule) = plan();
    let people: Vec<Agent> =
        (0..schedule.shift_count).map(|i| Agent::new(format!("a{i}"))).collect();
    let rules = Rules::default();
    let r = roster(&problem, &schedule, &people, &rules).unwrap();
    let groups = roster_groups(&problem, &r, &people, &|_| prototype());
    assert_eq!(groups.len(), r.assignments.len());
    for g in &groups {
        // 8 hours with a 30-minute lunch inside.
        assert_eq!(g.shifts.len(), 1);
        assert_eq!((g.shifts[0].end - g.shifts[0].start).as_secs(), 8 * 3600);
        assert_eq!(g.breaks.len(), 1);
        assert!(g.breaks[0].start > g.shifts[0].start && g.breaks[0].end < g.shifts[0].end);
    }
    let sc = scenario(groups);
    let outcome = run_replication(&sc, &PolicyChoice::Configured, 5, 0).unwrap();
    let a = adherence(&sc, &outcome);
    assert_eq!(a.agents.len(), r.assignments.len());
    for x in &a.agents {
        assert_eq!(x.scheduled_s, 7.5 * 3600.0, "{}", x.name);
        // Breaks and shift ends wait for the call in progress; a break still ends on time. So
        // an agent is open at least as long as planned, and not much longer.
        assert!(x.open_s >= x.scheduled_s - 1e-6, "{}: {} < {}", x.name, x.open_s, x.scheduled_s);
        assert!(x.open_s < x.scheduled_s + 3600.0, "{}: {}", x.name, x.open_s);
    }
    assert!(a.conformance >= 1.0 && a.conformance < 1.05, "{}", a.conformance);
    println!(
        "conformance {:.4}, deviation {:.0} s over {} agents",
        a.conformance,
        a.deviation_s,
        a.agents.len()
    );
    assert!(a.deviation_s > 0.0, "calls in progress delay some breaks");
    assert!((a.deviation_s - (a.open_s - a.scheduled_s)).abs() < 1e-6);
}
