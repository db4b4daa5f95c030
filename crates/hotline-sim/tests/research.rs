//! Routing research without walls (issue 26): both decisions are the policy's, custom policies
//! reach every entry point, calls are recorded one by one, and agents differ in speed.

#[allow(dead_code)]
#[path = "../examples/trunk_reservation.rs"]
mod trunk_reservation;

use hotline_acd::PolicyName;
use hotline_sim::{
    Disposition, PolicyChoice, RunOptions, Scenario, run, run_replication,
    run_replication_streaming, run_replication_with_records,
};
use trunk_reservation::{choice, n_design};

const SEED: u64 = 1;

fn b_service_level(s: &Scenario, policy: PolicyChoice, replications: usize) -> f64 {
    let options = RunOptions::new().seed(SEED).replications(replications).policy(policy);
    run(s, &options).unwrap().queues["b"].service_level.unwrap().mean
}

#[test]
fn reservation_keeps_improving_b_until_a_is_all_reserved() {
    // Before issue 26 a freed flexible agent took the oldest waiting call whatever the policy
    // said, so reservation saturated (B's service level stopped near 44% from k ≈ 3 to 8,
    // with the arrival-only form below). With both decisions it climbs to what B gets when
    // the flexible agents serve B alone.
    let s = n_design().unwrap();
    let n = 6;
    let full: Vec<f64> = [0, 2, 4, 6, 8].map(|k| b_service_level(&s, choice(k, true), n)).to_vec();
    for pair in full.windows(2) {
        assert!(pair[1] >= pair[0], "B's service level fell as k grew: {full:?}");
    }
    assert!(full[4] - full[0] > 0.15, "{full:?}");
    let arrival_only = b_service_level(&s, choice(8, false), n);
    assert!(full[4] - arrival_only > 0.10, "full {full:?}, arrival only {arrival_only}");
}

/// Per queue: offered, answered, abandoned, answered within the threshold, total wait.
fn routed(o: &hotline_sim::Outcome) -> Vec<(u64, u64, u64, u64, f64)> {
    o.queues
        .iter()
        .map(|t| (t.offered, t.answered, t.abandoned, t.answered_within, t.total_wait))
        .collect()
}

#[test]
fn reserving_every_flexible_agent_is_the_b_only_design() {
    // k = 8 with 8 flexible agents: none may ever take an A call, in either decision, so every
    // decision is the one of a center whose flexible agents are not members of `a` at all.
    let s = n_design().unwrap();
    let mut b_only = s.clone();
    let flexible = b_only.agent_groups.iter_mut().find(|g| g.name == "flexible").unwrap();
    flexible.queues.retain(|m| m.queue == "b");
    for r in 0..3 {
        let reserved = run_replication(&s, &choice(8, true), SEED, r).unwrap();
        let plain =
            run_replication(&b_only, &PolicyChoice::Named(PolicyName::LongestIdle), SEED, r)
                .unwrap();
        // Every routing result is the same (the wait estimates differ: in `s` the flexible
        // agents count as serving queue `a`).
        assert_eq!(routed(&reserved), routed(&plain), "replication {r}");
        assert_eq!(reserved.agent_occupancy, plain.agent_occupancy);
        // The arrival-only form lets freed flexible agents take A calls.
        let arrival_only = run_replication(&s, &choice(8, false), SEED, r).unwrap();
        assert_ne!(routed(&arrival_only), routed(&plain));
    }
}

#[test]
fn records_honour_a_custom_policy() {
    // Before issue 26 `run_replication_with_records` ignored `PolicyChoice::Custom` and ran
    // the configured policies: with reserve-8 it returned longest-idle's results.
    let s = n_design().unwrap();
    let policy = choice(8, true);
    let (with_records, records) = run_replication_with_records(&s, &policy, SEED, 0).unwrap();
    assert_eq!(with_records, run_replication(&s, &policy, SEED, 0).unwrap());
    assert_ne!(with_records, run_replication(&s, &PolicyChoice::Configured, SEED, 0).unwrap());
    // No flexible agent answered an A call.
    let flexible = s.agent_groups.iter().position(|g| g.name == "flexible").unwrap();
    assert!(records.iter().filter(|r| r.queue == 0).all(|r| r.group != Some(flexible)));
    assert!(records.iter().any(|r| r.queue == 1 && r.group == Some(flexible)));
}

#[test]
fn every_counted_call_is_recorded_with_its_disposition() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let s = Scenario::from_file(&path.join("flash-surge.toml")).unwrap();
    let mut seen = Vec::new();
    let outcome =
        run_replication_streaming(&s, &PolicyChoice::Configured, SEED, 2, &mut |r| seen.push(*r))
            .unwrap();
    let t = &outcome.overall;
    let count = |d: Disposition| seen.iter().filter(|r| r.disposition == d).count() as u64;
    assert_eq!(seen.len() as u64, t.offered);
    assert_eq!(count(Disposition::Answered), t.answered);
    assert_eq!(count(Disposition::Abandoned), t.abandoned);
    assert_eq!(count(Disposition::Exited), t.exited);
    assert!(t.abandoned > 0 && t.exited > 0, "the surge abandons and exits: {t:?}");
    for r in &seen {
        assert_eq!(r.replication, 2);
        assert_eq!(r.answered, r.disposition == Disposition::Answered);
        if r.answered {
            assert!(r.agent.is_some() && r.handle_s.is_some() && r.answered_queue.is_some());
            assert!(r.wait_s >= 0.0);
        } else {
            assert!(r.agent.is_none() && r.handle_s.is_none());
        }
    }
    // Records are serialisable (for `--records` style export).
    let json = serde_json::to_string(&seen[0]).unwrap();
    assert!(json.contains("\"disposition\""), "{json}");
}

/// Two agents, a fast (`speed`) and a slow one (1), one queue, Poisson arrivals, exponential
/// handle times, `linear` routing with the fast agent first: fastest-free-server-first.
fn two_speeds(fast_first: bool, speed: f64) -> Scenario {
    let (first, second) = if fast_first { ("fast", "slow") } else { ("slow", "fast") };
    let speed_of = |g: &str| if g == "fast" { speed } else { 1.0 };
    let text = format!(
        r#"
        name = "M/M/2, heterogeneous"
        horizon = "40h"
        warmup = "2h"
        [acd]
        [[acd.queues]]
        name = "q"
        policy = "linear"
        [[agent_groups]]
        name = "{first}"
        count = 1
        speed = {}
        queues = [{{ queue = "q" }}]
        [[agent_groups]]
        name = "{second}"
        count = 1
        speed = {}
        queues = [{{ queue = "q" }}]
        [[call_types]]
        name = "c"
        queue = "q"
        arrivals = {{ rate_per_hour = 60 }}
        handle = {{ dist = "exponential", mean = 120 }}
        "#,
        speed_of(first),
        speed_of(second),
    );
    Scenario::from_toml(&text, None).unwrap()
}

/// The exact mean wait of an M/M/2 queue with service rates `m1` (fast) and `m2` (slow) whose
/// idle customer goes to the fast server first (a birth-death chain on (idle), (fast busy),
/// (slow busy), then n ≥ 2 in the system).
fn mm2_fastest_first_wait(lambda: f64, m1: f64, m2: f64) -> f64 {
    let rho = lambda / (m1 + m2);
    // Unnormalised, with p2 = 1.
    let p0 = (lambda + m1) * m1 * m2 * (1.0 / (lambda + m1) + 1.0 / (lambda + m2)) / lambda.powi(2);
    let p10 = (lambda * p0 + m2) / (lambda + m1);
    let p01 = m1 / (lambda + m2);
    let total = p0 + p10 + p01 + 1.0 / (1.0 - rho);
    let lq = rho / (1.0 - rho).powi(2) / total;
    lq / lambda
}

#[test]
fn agent_speed_scales_handle_time_and_matches_the_heterogeneous_mm2() {
    // Before issue 26 handle times did not depend on the agent: fast/slow-server routing could
    // not be studied. Speed 2 halves the fast agent's handle time.
    let options = RunOptions::new().seed(SEED).replications(12);
    let fast_first = run(&two_speeds(true, 2.0), &options).unwrap();
    let exact = mm2_fastest_first_wait(1.0 / 60.0, 1.0 / 60.0, 1.0 / 120.0);
    let asa = fast_first.overall.asa_s.unwrap();
    assert!(asa.contains(exact, 0.99), "simulated {asa:?}, exact {exact:.2} s");
    // Slow agent first waits longer: speed now matters to routing.
    let slow_first = run(&two_speeds(false, 2.0), &options).unwrap().overall.asa_s.unwrap();
    assert!(slow_first.mean > asa.mean, "{slow_first:?} against {asa:?}");
    // The handle times the records show are the draws divided by the speed.
    let (_, records) =
        run_replication_with_records(&two_speeds(true, 2.0), &PolicyChoice::Configured, 1, 0)
            .unwrap();
    let mean = |g: usize| {
        let hs: Vec<f64> =
            records.iter().filter(|r| r.group == Some(g)).filter_map(|r| r.handle_s).collect();
        hs.iter().sum::<f64>() / hs.len() as f64
    };
    assert!((mean(0) - 60.0).abs() < 8.0, "fast agent's mean handle {}", mean(0));
    assert!((mean(1) - 120.0).abs() < 16.0, "slow agent's mean handle {}", mean(1));
}

#[test]
fn a_speed_must_be_positive() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/n-design.toml"),
    )
    .unwrap()
    .replace("count = 8\n", "count = 8\nspeed = 0\n");
    let e = Scenario::from_toml(&text, None).unwrap_err().to_string();
    assert!(e.contains("flexible.speed"), "{e}");
}

#[test]
fn paired_comparisons_per_queue_are_in_the_library() {
    // Before issue 26 paired intervals lived only in the CLI, and overall only: on the N-design
    // the per-queue differences are the point (reservation trades A's service for B's).
    let s = n_design().unwrap();
    let options = RunOptions::new().seed(SEED).replications(6);
    let policies = [PolicyChoice::Named(PolicyName::LongestIdle), choice(4, true)];
    let c = hotline_sim::compare(&s, &options, &policies, &|_| {}).unwrap();
    assert_eq!(c.baseline, "longest-idle");
    assert_eq!(c.reports.len(), 2);
    let d = &c.differences["full-k4"];
    let (a, b) = (&d["a"]["service_level"], &d["b"]["service_level"]);
    assert!(a.mean < 0.0 && a.significant, "A loses: {a:?}");
    assert!(b.mean > 0.0 && b.significant, "B gains: {b:?}");
    assert!(d.contains_key("overall"));
    // The paired interval is narrower than the unpaired spread of either run.
    let unpaired = c.reports[1].queues["b"].service_level.unwrap().ci95;
    assert!(b.ci95 < unpaired, "paired {} against {unpaired}", b.ci95);
}

#[test]
fn the_streamed_report_is_the_report_of_all_outcomes() {
    // `run` keeps a few numbers per replication instead of every outcome (issue 26, point 6):
    // the report must not change.
    let s = n_design().unwrap();
    let options = RunOptions::new().seed(3).replications(5);
    let kept = hotline_sim::run_replications(&s, &options, &|_| {}).unwrap();
    assert_eq!(run(&s, &options).unwrap(), hotline_sim::Report::new(&s, &options, &kept));
}

#[test]
fn one_replication_runs_again_alone() {
    let s = n_design().unwrap();
    let options = RunOptions::new().seed(SEED).replications(1).first_replication(3);
    let alone = hotline_sim::run_replications(&s, &options, &|_| {}).unwrap();
    assert_eq!(alone, [run_replication(&s, &PolicyChoice::Configured, SEED, 3).unwrap()]);
    let report = run(&s, &options).unwrap();
    assert_eq!((report.first_replication, report.replications), (3, 1));
    assert_eq!(report.scenario_sha256, s.sha256());
    assert_eq!(report.version, env!("CARGO_PKG_VERSION"));
}

/// "Use the flexible agents for A only after an A call waited `after`": both decisions, and a
/// timer for the call that waits.
#[derive(Debug)]
struct FlexibleAfter {
    after: std::time::Duration,
}

impl hotline_acd::RoutingPolicy for FlexibleAfter {
    fn name(&self) -> &str {
        "flexible-after"
    }

    fn select(&mut self, c: &mut hotline_acd::Candidates<'_>) -> hotline_acd::Selection {
        use hotline_acd::Selection;
        let Some(first) = c.first() else { return Selection::None };
        let waited = c.call().waited;
        let flexible = c.center().group_id("flexible");
        if waited >= self.after || c.agent(first).is_some_and(|a| a.group != flexible) {
            Selection::One(first)
        } else {
            Selection::WaitUntil(c.center().now() + (self.after - waited))
        }
    }

    fn admit(
        &self,
        agent: &hotline_acd::AgentView<'_>,
        call: &hotline_acd::CallView<'_>,
        center: &hotline_acd::CenterView<'_>,
    ) -> bool {
        agent.group != center.group_id("flexible") || call.waited >= self.after
    }
}

#[test]
fn a_delay_rule_depends_on_its_delay() {
    // Before issue 26 a policy could not ask to be consulted again, and freed agents did not
    // ask it at all: "flexible agents after t" gave the same results for t = 10 s, 60 s and
    // 10⁹ s. Now A's service level falls and B's rises as t grows.
    let s = n_design().unwrap();
    let sl = |t: u64| {
        let policy = PolicyChoice::Custom(
            format!("after-{t}"),
            std::sync::Arc::new(move |q: &str| -> Box<dyn hotline_acd::RoutingPolicy> {
                if q == "a" {
                    Box::new(FlexibleAfter { after: std::time::Duration::from_secs(t) })
                } else {
                    Box::new(hotline_acd::LongestIdle)
                }
            }),
        );
        let r = run(&s, &RunOptions::new().seed(SEED).replications(4).policy(policy)).unwrap();
        (r.queues["a"].service_level.unwrap().mean, r.queues["b"].service_level.unwrap().mean)
    };
    let (a10, b10) = sl(10);
    let (a60, b60) = sl(60);
    let (a_never, b_never) = sl(1_000_000_000);
    assert!(a10 > a60 && a60 > a_never, "A: {a10} {a60} {a_never}");
    assert!(b10 < b60 && b60 < b_never, "B: {b10} {b60} {b_never}");
}

#[test]
fn a_policy_choice_supplies_the_queue_selection_too() {
    // Issue 26: the engine's queue selection could not be supplied through `PolicyChoice`.
    use hotline_acd::{AgentId, LongestIdle, OldestCallFirst, QueueHead, QueueSelection};
    /// B's calls first, then A's: a priority a freed flexible agent could not be given before.
    #[derive(Debug)]
    struct BFirst;
    impl QueueSelection for BFirst {
        fn name(&self) -> &str {
            "b-first"
        }
        fn choose(&mut self, _: AgentId, heads: &[QueueHead]) -> Option<usize> {
            Some(heads.iter().position(|h| h.queue.0 == 1).unwrap_or(0))
        }
    }
    let with = |selection: hotline_sim::SelectionFactory| PolicyChoice::CustomWithSelection {
        name: "longest-idle".to_owned(),
        policy: std::sync::Arc::new(|_: &str| -> Box<dyn hotline_acd::RoutingPolicy> {
            Box::new(LongestIdle)
        }),
        selection,
    };
    let s = n_design().unwrap();
    let configured = run_replication(&s, &PolicyChoice::Configured, SEED, 0).unwrap();
    let oldest =
        run_replication(&s, &with(std::sync::Arc::new(|| Box::new(OldestCallFirst))), SEED, 0)
            .unwrap();
    assert_eq!(oldest, configured, "the built-in selection through the choice changes nothing");
    let b_first =
        run_replication(&s, &with(std::sync::Arc::new(|| Box::new(BFirst))), SEED, 0).unwrap();
    let sl = |o: &hotline_sim::Outcome, q: usize| {
        o.queues[q].answered_within as f64 / o.queues[q].offered as f64
    };
    assert!(sl(&b_first, 1) > sl(&configured, 1), "B gains when flexible agents take B first");
}

#[test]
fn policies_see_the_agents_speed() {
    // Issue 26: a policy could not see an agent's speed. Fastest-first by `AgentView::speed`
    // with the slow agent listed first routes exactly as `linear` with the fast agent first.
    #[derive(Debug)]
    struct FastestFirst;
    impl hotline_acd::RoutingPolicy for FastestFirst {
        fn name(&self) -> &str {
            "fastest-first"
        }
        fn select(&mut self, c: &mut hotline_acd::Candidates<'_>) -> hotline_acd::Selection {
            let best = c.iter().max_by(|&x, &y| {
                let speed = |a| c.agent(a).map_or(0.0, |v| v.speed);
                speed(x).total_cmp(&speed(y))
            });
            best.map_or(hotline_acd::Selection::None, hotline_acd::Selection::One)
        }
    }
    let by_speed = PolicyChoice::Custom(
        "fastest-first".to_owned(),
        std::sync::Arc::new(|_: &str| -> Box<dyn hotline_acd::RoutingPolicy> {
            Box::new(FastestFirst)
        }),
    );
    for r in 0..3 {
        let linear = run_replication(&two_speeds(true, 2.0), &PolicyChoice::Configured, SEED, r);
        let custom = run_replication(&two_speeds(false, 2.0), &by_speed, SEED, r);
        assert_eq!(routed(&linear.unwrap()), routed(&custom.unwrap()), "replication {r}");
    }
}

#[test]
fn call_types_are_tallied_as_classes() {
    // Issue 26 point 5: per class is what matters. In hotline-12345 two call types share a
    // queue: their tallies add up to the queue's; elsewhere a call type's tally is its queue's.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let s = Scenario::from_file(&dir.join("hotline-12345.toml")).unwrap();
    let o = run_replication(&s, &PolicyChoice::Configured, SEED, 0).unwrap();
    assert_eq!(o.call_types.len(), s.call_types.len());
    for (qi, q) in s.acd.queues.iter().enumerate() {
        let types: Vec<usize> =
            (0..s.call_types.len()).filter(|&c| s.call_types[c].queue == q.name).collect();
        let sum = |f: &dyn Fn(&hotline_sim::Tally) -> u64| -> u64 {
            types.iter().map(|&c| f(&o.call_types[c])).sum()
        };
        assert_eq!(sum(&|t| t.offered), o.queues[qi].offered, "{}", q.name);
        assert_eq!(sum(&|t| t.answered), o.queues[qi].answered, "{}", q.name);
        assert_eq!(sum(&|t| t.abandoned), o.queues[qi].abandoned, "{}", q.name);
        assert_eq!(sum(&|t| t.answered_within), o.queues[qi].answered_within, "{}", q.name);
    }
    assert!(s.acd.queues.len() < s.call_types.len(), "a queue takes two call types");
    // Each call type in a queue of its own: no copy, the queue's tally stands for it.
    let n = n_design().unwrap();
    assert!(run_replication(&n, &PolicyChoice::Configured, SEED, 0).unwrap().call_types.is_empty());
    // The report and the comparison carry them.
    let options = RunOptions::new().seed(SEED).replications(3);
    let policies = [PolicyChoice::Configured, choice(4, true)];
    let c = hotline_sim::compare(&n, &options, &policies, &|_| {}).unwrap();
    assert_eq!(c.reports[0].call_types["b"], c.reports[0].queues["b"]);
    assert!(c.call_type_differences["full-k4"]["b"]["service_level"].mean > 0.0);
}
