//! Outbound campaigns in the simulator through the public API: the adaptive pacer keeps every
//! regulator window under its cap across a grid of campaigns (moved here from hotline-dialer's
//! own simulator, which this loop replaced).

use std::time::Duration;

use hotline_sim::outbound::{OutboundScenario, run_outbound};

/// Abandonment within the cap on every window when the pacer says it is feasible: the adaptive
/// pacer (which always does) over a grid of campaigns — 4 to 30 agents, 15% to 35% right-party
/// contact, 1- to 5-minute talk, 3% and 5% caps — four hours each, two seeds: no window over
/// its cap.
#[test]
fn adaptive_keeps_every_window_under_the_cap_across_scenarios() {
    let mut worst: f64 = 0.0;
    let mut runs = 0;
    for (agents, p_live, talk, cap) in [
        (4u32, 0.25, 180.0, 0.03),
        (8, 0.15, 60.0, 0.03),
        (12, 0.35, 300.0, 0.03),
        (20, 0.25, 120.0, 0.05),
        (30, 0.15, 240.0, 0.03),
        (16, 0.35, 90.0, 0.05),
    ] {
        for seed in [11u64, 12] {
            let mut s = OutboundScenario::standard(seed);
            s.agents = agents;
            // The standard hourly shape around another mean.
            for p in &mut s.population.p_live_by_hour {
                *p *= p_live / 0.25;
            }
            s.population.talk = hotline_sim::Distribution::Lognormal { mean: talk, sd: 0.6 * talk };
            s.shift = Duration::from_secs(4 * 3600);
            s.campaign.profile.abandon_cap = cap;
            s.campaign.initial_estimates.p_live = p_live;
            s.campaign.initial_estimates.talk = talk;
            let r = run_outbound(&s).unwrap();
            runs += 1;
            assert_eq!(r.refused_inputs, 0);
            for w in &r.windows {
                worst = worst.max(w.abandon_rate / cap);
                assert!(
                    !w.breach,
                    "{agents} agents, p {p_live}, talk {talk}, cap {cap}, seed {seed}: {:.2}%",
                    100.0 * w.abandon_rate
                );
            }
            assert!(r.conversations > 0);
        }
    }
    println!("{runs} runs, highest window rate {:.0}% of its cap", 100.0 * worst);
}

/// The example scenario file reads, checks and runs: the 回访 survey keeps its window under the
/// cap, and a mistake in it is named by its field.
#[test]
fn the_survey_scenario_file_runs() {
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/outbound/survey.toml");
    let text = std::fs::read_to_string(file).unwrap();
    let mut s: OutboundScenario = toml::from_str(&text).unwrap();
    assert_eq!((s.agents, s.shift), (12, Duration::from_secs(6 * 3600)));
    s.check().unwrap();
    s.shift = Duration::from_secs(2 * 3600);
    let r = run_outbound(&s).unwrap();
    assert_eq!(r.refused_inputs, 0);
    assert!(r.conversations > 100 && r.windows.iter().all(|w| !w.breach), "{:?}", r.windows);
    // A chance that is not one is named by its field, and so is a campaign's problem.
    s.population.p_busy = 1.5;
    let e = s.check().unwrap_err().to_string();
    assert!(e.contains("population.p_busy") && e.contains("population.p_live_by_hour"), "{e}");
    s.campaign.ring_timeout = Duration::from_secs(5);
    assert!(run_outbound(&s).unwrap_err().to_string().contains("campaign.ring_timeout"));
}

/// Timers between two milliseconds: the loop's clock is whole milliseconds, and a deadline it
/// rounded down was handled before it was due, never fired, and the loop waited on it for ever
/// (a connect limit of 2.0003 s, which the campaign's checks accept). A day now ends.
#[test]
fn a_deadline_between_milliseconds_fires() {
    for micros in [300, 2_000_300, 2_000_700] {
        let mut s = OutboundScenario::standard(5);
        s.agents = 3;
        s.records = 200;
        s.shift = Duration::from_secs(1800);
        s.campaign.profile.connect_limit = Duration::from_micros(micros);
        // Three lines a free agent: answered callers wait, and the connect limit's timer runs.
        s.campaign.mode = hotline_dialer::Mode::Progressive { ratio: 3.0 };
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        let r = run_outbound(&s).unwrap();
        assert!(r.dials > 0, "connect limit {micros} µs: no dial");
    }
}
