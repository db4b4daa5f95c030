//! A hotline-wfm schedule run in the simulator: it meets the service level it was planned for
//! (and a thinned copy of it does not), and the simulated agents' open time is compared with
//! their shifts.

use std::time::Duration;

use hotline_sim::plan::{
    adherence, forecast_arrivals, interval_adherence, roster_groups, schedule_groups,
};
use hotline_sim::{
    AgentGroup, PolicyChoice, RunOptions, Scenario, run, run_replication,
    run_replication_with_states,
};
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

/// Two agents, 08:00–16:00 with a lunch from `lunch` to `back`, and no calls.
fn quiet_day(lunch: &str, back: &str) -> Scenario {
    Scenario::from_toml(
        &format!(
            r#"
        name = "quiet day"
        horizon = "24h"
        [acd]
        [[acd.queues]]
        name = "support"
        [[agent_groups]]
        name = "team"
        count = 2
        queues = [{{ queue = "support" }}]
        shifts = [{{ start = "8h", end = "16h" }}]
        breaks = [{{ start = "{lunch}", end = "{back}" }}]
        [[call_types]]
        name = "support"
        queue = "support"
        arrivals = {{ rate_per_hour = 0 }}
        handle = {{ dist = "exponential", mean = 180 }}
        "#
        ),
        None,
    )
    .unwrap()
}

#[test]
fn interval_adherence_of_agents_who_follow_the_plan_and_of_a_moved_lunch() {
    let day = quiet_day("12h", "12h 30m");
    let (_, states) = run_replication_with_states(&day, &PolicyChoice::Configured, 1, 0).unwrap();
    let quarter = Duration::from_secs(900);
    let r = interval_adherence(&day, &states, quarter).unwrap();
    assert_eq!(r.agents.len(), 2);
    assert_eq!((r.adherence, r.conformance), (Some(1.0), Some(1.0)));
    assert_eq!(r.total.scheduled_s, 2.0 * 8.0 * 3600.0);
    assert!(r.agents.iter().all(|a| a.out_of_adherence.is_empty()));
    // The same agents measured against a plan with lunch 15 minutes later: each is out of
    // adherence twice 15 minutes (on the phones 12:00–12:15, at lunch 12:30–12:45).
    let moved = quiet_day("12h 15m", "12h 45m");
    let r = interval_adherence(&moved, &states, quarter).unwrap();
    for a in &r.agents {
        assert_eq!(a.total.out_of_adherence_s(), 1800.0, "{}", a.name);
        let spans: Vec<_> = a.out_of_adherence.iter().map(|o| (o.start_s, o.end_s)).collect();
        assert_eq!(spans, vec![(43_200.0, 44_100.0), (45_000.0, 45_900.0)], "{}", a.name);
        assert_eq!(a.conformance, Some(1.0));
    }
    // Intervals 12:00 and 12:30 (48 and 50): both agents out, adherence 0.
    for k in [48, 50] {
        assert_eq!(r.intervals[k].adherence, Some(0.0));
        assert_eq!(r.intervals[k].agents_out, 2);
    }
    assert_eq!(r.intervals[49].adherence, Some(1.0));
}

#[test]
fn interval_adherence_of_a_simulated_rostered_day() {
    let (problem, schedule) = plan();
    let people: Vec<Agent> =
        (0..schedule.shift_count).map(|i| Agent::new(format!("a{i}"))).collect();
    let r = roster(&problem, &schedule, &people, &Rules::default()).unwrap();
    let sc = scenario(roster_groups(&problem, &r, &people, &|_| prototype()));
    let plain = run_replication(&sc, &PolicyChoice::Configured, 5, 0).unwrap();
    let (outcome, states) =
        run_replication_with_states(&sc, &PolicyChoice::Configured, 5, 0).unwrap();
    assert_eq!(outcome, plain, "recording the states changes nothing");
    let report = interval_adherence(&sc, &states, Duration::from_secs(1800)).unwrap();
    assert_eq!(report.intervals.len(), 48);
    for (a, open) in report.agents.iter().zip(&outcome.agent_open) {
        // Two ways to the same time worked: the state log and the ACD's counters.
        assert!(
            (a.total.worked_s - open).abs() < 1e-3,
            "{}: {} vs {open}",
            a.name,
            a.total.worked_s
        );
        assert_eq!(a.total.scheduled_s, 8.0 * 3600.0, "{}", a.name);
        // A simulated agent goes to lunch and home when the call in progress ends, and comes
        // back from lunch on time: out of adherence only on the phones when it should not be.
        for o in &a.out_of_adherence {
            assert_eq!(o.observed, hotline_wfm::Observed::Working, "{}: {o:?}", a.name);
            assert_ne!(o.planned, Some(hotline_wfm::Planned::Work), "{}: {o:?}", a.name);
        }
    }
    let total = &report.total;
    assert!(total.unscheduled_s > 0.0 && total.out_of_adherence_s() > 0.0, "{total:?}");
    let adh = report.adherence.unwrap();
    assert!(adh < 1.0 && adh > 0.97, "{adh}");
    // Per-interval sums are the agents' sums.
    let by_interval: f64 = report.intervals.iter().map(|i| i.total.in_adherence_s).sum();
    assert!((by_interval - total.in_adherence_s).abs() < 1e-6);
    println!(
        "rostered day: adherence {:.4}, conformance {:.4}, out of adherence {:.0} s, \
         unscheduled {:.0} s over {} agents; worst interval {:.3}",
        adh,
        report.conformance.unwrap(),
        total.out_of_adherence_s(),
        total.unscheduled_s,
        report.agents.len(),
        report.intervals.iter().filter_map(|i| i.adherence).fold(1.0, f64::min)
    );
}

/// A week planned from a forecast whose weekend is quieter (Saturday 70%, Sunday 50% of a
/// weekday), simulated day by day (each day's calls counted in a run to that day's end): the
/// schedule meets its service-level target on every day it was planned for.
#[test]
fn a_planned_week_meets_its_service_level_every_day() {
    let scale = [1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5];
    let week: Vec<f64> =
        scale.iter().flat_map(|s| calls().into_iter().map(move |c| c * s)).collect();
    let start = "2026-03-09T00:00".parse().unwrap();
    let req = requirement_from_calls(start, 30, &week, &[], RequirementOptions::default()).unwrap();
    let (mut problem, _) = plan();
    problem.required = req.by_day();
    let schedule = solve(&problem).unwrap();
    let groups = schedule_groups(&problem, &schedule, &|_| prototype());
    let mut sc = scenario(groups);
    sc.call_types[0].arrivals = forecast_arrivals(&week, 30);
    let options = RunOptions::new().replications(4).seed(3);
    let mut line = Vec::new();
    for day in 0..7u64 {
        sc.warmup = Duration::from_secs(day * 86_400);
        sc.horizon = Duration::from_secs((day + 1) * 86_400);
        let report = run(&sc, &options).unwrap();
        let sl = report.overall.service_level.unwrap();
        assert!(sl.mean + sl.ci95 >= 0.8, "day {day}: service level {} ± {}", sl.mean, sl.ci95);
        line.push(format!("{:.3}±{:.3}", sl.mean, sl.ci95));
    }
    println!(
        "week: {} shifts, under {} over {}; service level by day {}",
        schedule.shift_count,
        schedule.under,
        schedule.over,
        line.join(" ")
    );
}
