//! The dialer's figures (book/src/dialer.md): the real hotline-dialer engine in this crate's
//! outbound loop — the standard scenario over many seeds under every pacer, the Vicidial
//! baseline, small campaigns, the occupancy–abandonment frontier as SVG, and the CPU time of a
//! 100-agent day. The seeds of each line run on all cores; the figures do not depend on how
//! many.
//!
//! ```text
//! cargo run --release -p hotline-sim --example outbound_frontier -- [--seeds N] [--frontier-seeds N] [--svg FILE]
//! ```

use std::time::{Duration, Instant};

use hotline_dialer::svg::{Series, line_chart};
use hotline_dialer::{Mode, PacerConfig, VicidialMethod};
use hotline_sim::outbound::{FrontierPoint, OutboundScenario, run_outbound, sweep_point};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn vicidial(method: VicidialMethod, drop_limit: Option<f64>) -> Mode {
    let mut p = PacerConfig::vicidial(method);
    if let PacerConfig::Vicidial { drop_limit: d, latest, .. } = &mut p {
        *d = drop_limit;
        // The latest calling time, 21:00 in New York, is 26 h after the window's start
        // (00:00 UTC).
        *latest = Duration::from_secs(26 * 3600);
    }
    Mode::Predictive { pacer: p }
}

fn line(label: &str, p: &FrontierPoint) {
    println!(
        "| {label} | {:.1} | {:.3} | {:.2}% | {:.1}% |",
        p.talk_minutes_per_agent_hour,
        p.occupancy,
        100.0 * p.abandon_rate,
        100.0 * p.breach_rate
    );
}

/// Talk at abandonment `x` on a frontier (linear between its points, sorted by abandonment).
fn talk_at(points: &[FrontierPoint], x: f64) -> Option<f64> {
    let mut v: Vec<(f64, f64)> =
        points.iter().map(|p| (p.abandon_rate, p.talk_minutes_per_agent_hour)).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v.windows(2).find(|w| w[0].0 <= x && x <= w[1].0).map(|w| {
        let f = if w[1].0 > w[0].0 { (x - w[0].0) / (w[1].0 - w[0].0) } else { 0.0 };
        w[0].1 + f * (w[1].1 - w[0].1)
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seeds: u64 = arg("--seeds").map_or(Ok(100), |s| s.parse())?;
    let fseeds: u64 = arg("--frontier-seeds").map_or(Ok(10), |s| s.parse())?;
    let base = OutboundScenario::standard(1000);

    println!(
        "Standard scenario: 20 agents, 8 h, 25% right-party contact, 3-minute talk; UK profile (3% per 24 h, AMD estimate 1%); {seeds} seeds, one window each.\n"
    );
    let total = Instant::now();
    let total_cpu = cpu_time::ProcessTime::now();
    println!(
        "| pacer | talk min / agent-hour | occupancy | abandonment (regulator) | windows in breach |"
    );
    println!("|---|---|---|---|---|");
    let modes = [
        ("adaptive (hotline-dialer)", Mode::Predictive { pacer: PacerConfig::adaptive() }),
        ("adaptive, memoryless", Mode::Predictive { pacer: PacerConfig::adaptive().memoryless() }),
        ("queue model, target 3%", Mode::Predictive { pacer: PacerConfig::queue_model(0.03) }),
        (
            "queue model, target 3%, memoryless",
            Mode::Predictive { pacer: PacerConfig::queue_model(0.03).memoryless() },
        ),
        ("Vicidial ADAPT_HARD_LIMIT", vicidial(VicidialMethod::AdaptHardLimit, None)),
        ("Vicidial ADAPT_TAPERED", vicidial(VicidialMethod::AdaptTapered, None)),
        ("Vicidial ADAPT_AVERAGE", vicidial(VicidialMethod::AdaptAverage, None)),
        ("Vicidial ADAPT_HARD_LIMIT, intensity 40, dl_diff_target +1", {
            let mut p = PacerConfig::vicidial(VicidialMethod::AdaptHardLimit);
            if let PacerConfig::Vicidial { intensity, dl_diff_target, .. } = &mut p {
                *intensity = 40.0;
                *dl_diff_target = 1.0;
            }
            Mode::Predictive { pacer: p }
        }),
        ("progressive 1:1", Mode::Progressive { ratio: 1.0 }),
    ];
    for (label, mode) in &modes {
        line(label, &sweep_point(&base, label, 0.0, mode.clone(), seeds)?);
    }

    println!("\nSmall campaigns ({seeds} seeds each):\n");
    println!("| agents | pacer | talk min / agent-hour | abandonment | windows in breach |");
    println!("|---|---|---|---|---|");
    for agents in [5u32, 10] {
        let mut s = base.clone();
        s.agents = agents;
        for (label, mode) in [&modes[0], &modes[1], &modes[4], &modes[5]] {
            let p = sweep_point(&s, label, 0.0, mode.clone(), seeds)?;
            println!(
                "| {agents} | {label} | {:.1} | {:.2}% | {:.1}% |",
                p.talk_minutes_per_agent_hour,
                100.0 * p.abandon_rate,
                100.0 * p.breach_rate
            );
        }
    }

    println!("\nFrontier ({fseeds} seeds a point):\n");
    let mut qm = Vec::new();
    for t in [0.0, 0.005, 0.01, 0.02, 0.03, 0.045, 0.06, 0.08, 0.12] {
        qm.push(sweep_point(
            &base,
            "queue_model",
            t,
            Mode::Predictive { pacer: PacerConfig::queue_model(t) },
            fseeds,
        )?);
    }
    let mut qm_memoryless = Vec::new();
    for t in [0.0, 0.01, 0.03, 0.06, 0.12] {
        qm_memoryless.push(sweep_point(
            &base,
            "queue_model_memoryless",
            t,
            Mode::Predictive { pacer: PacerConfig::queue_model(t).memoryless() },
            fseeds,
        )?);
    }
    let mut vd = Vec::new();
    for d in [0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12] {
        vd.push(sweep_point(
            &base,
            "vicidial_hard_limit",
            d,
            vicidial(VicidialMethod::AdaptHardLimit, Some(d)),
            fseeds,
        )?);
    }
    let mut ad = Vec::new();
    for cap in [0.01, 0.02, 0.03, 0.05] {
        let mut s = base.clone();
        s.campaign.profile.abandon_cap = cap;
        ad.push(sweep_point(
            &s,
            "adaptive",
            cap,
            Mode::Predictive { pacer: PacerConfig::adaptive() },
            fseeds,
        )?);
    }
    println!("| family | setting | abandonment | talk min / agent-hour | occupancy |");
    println!("|---|---|---|---|---|");
    for p in qm.iter().chain(&qm_memoryless).chain(&vd).chain(&ad) {
        println!(
            "| {} | {} | {:.2}% | {:.1} | {:.3} |",
            p.family,
            p.setting,
            100.0 * p.abandon_rate,
            p.talk_minutes_per_agent_hour,
            p.occupancy
        );
    }
    println!(
        "\nAt equal abandonment (queue-model frontier interpolated at each Vicidial point):\n"
    );
    println!("| Vicidial drop limit | abandonment | Vicidial talk | queue model talk | gain |");
    println!("|---|---|---|---|---|");
    for v in &vd {
        if let Some(q) = talk_at(&qm, v.abandon_rate) {
            println!(
                "| {} | {:.2}% | {:.1} | {:.1} | {:+.1}% |",
                v.setting,
                100.0 * v.abandon_rate,
                v.talk_minutes_per_agent_hour,
                q,
                100.0 * (q / v.talk_minutes_per_agent_hour - 1.0)
            );
        }
    }

    let mut s = base.clone();
    s.agents = 100;
    let t = Instant::now();
    let cpu = cpu_time::ProcessTime::now();
    let r = run_outbound(&s)?;
    let el: Duration = t.elapsed();
    let cpu_el: Duration = cpu.elapsed();
    println!(
        "\nOne campaign day of 100 agents: {:.2} s CPU time, {:.2} s wall time ({} dials, {} pacing decisions).",
        cpu_el.as_secs_f64(),
        el.as_secs_f64(),
        r.dials,
        r.decisions
    );

    println!(
        "Whole run: {:.0} s CPU time, {:.0} s wall time.",
        total_cpu.elapsed().as_secs_f64(),
        total.elapsed().as_secs_f64()
    );

    if let Some(path) = arg("--svg") {
        let series = |name: &str, v: &[FrontierPoint]| {
            Series::frontier(name, v.iter().map(|p| (p.abandon_rate, p.occupancy)))
        };
        let svg = line_chart(
            "Occupancy–abandonment frontier (20 agents, 25% contact, 3-min talk)",
            "abandonment rate (regulator's count)",
            "occupancy, %",
            &[
                series("queue model", &qm),
                series("queue model, memoryless", &qm_memoryless),
                series("adaptive (cap swept)", &ad),
                series("Vicidial HARD_LIMIT", &vd),
            ],
            Some(0.03),
        );
        std::fs::write(&path, svg)?;
        println!("wrote {path}");
    }
    Ok(())
}
