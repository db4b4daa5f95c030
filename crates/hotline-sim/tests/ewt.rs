//! Estimated-wait-time accuracy caller by caller (issue 8, point 5; issue 19, §2 and §3). Every
//! hotline-acd wait-estimator method is given the queue load that each waiting caller's arrival
//! showed the engine, and its estimate is compared with the wait the caller then had
//! ([`hotline_sim::ewt`]): root average squared error (RASE, Ibrahim and Whitt's yardstick) and
//! the share within ±25%, overall, per queue position, and for callers who find 30 or more
//! waiting.
//!
//! Issue 8 asked that the better method be within ±25% of the actual wait for 80% of the answered
//! callers who wait over 30 s. No estimate made at arrival can do that in the standard
//! scenarios: a caller at position *k* waits for *k* departures, a sum of *k* nearly exponential
//! gaps whose spread (about 1/√k of the mean) is larger than ±25% for the positions that lead to
//! waits over 30 s. For `single-small`, an M/M/14 queue, the exact limit for any estimator at all
//! is computed from the model ([`mmn_fifo_bound`], 58.0%). Issue 19 replaced that criterion:
//!
//! * in `single-small` and `single-large` the best method reaches at least 95% of the
//!   arrival-information bound: the lowest RASE any estimate made from what an arrival knows can
//!   have (computed from the M/M/14 model for `single-small`, [`mmn_fifo_rase_bound`]; the
//!   position oracle fitted to the same records for `single-large`, which is M/G/100+M); and
//!   likewise on the share within ±25% over every caller who waited (the bound from the model
//!   for `single-small`, the position band oracle for `single-large`);
//! * in a model with abandonment (M/M/100+M, as in Ibrahim and Whitt), QL_m's RASE is lower
//!   than QL's;
//! * for callers who find 30 or more waiting, the best method is within ±25% for at least 80%.
//!
//! `ibrahim_and_whitt_ranking_in_m_m_100` runs Ibrahim and Whitt's delay-history model (M/M/100,
//! ρ = 0.85 to 0.98) and checks the ranking their text states, with the relative ASE they use.
//!
//! `estimator_table` prints the book's tables (`cargo test -p hotline-sim --test ewt --
//! --nocapture estimator_table`).

use std::path::Path;

use hotline_acd::{EwtMethod, WaitEstimator};
use hotline_sim::ewt::{
    Accuracy, accuracy, accuracy_by_position, accuracy_of, position_band_oracle, position_oracle,
};
use hotline_sim::{CallRecord, PolicyChoice, Scenario, run_replication_with_records};

const SEED: u64 = 8;

/// The waiting callers of `replications` replications of a scenario.
fn records_of(s: &Scenario, replications: u64) -> Vec<CallRecord> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..replications)
            .map(|r| {
                scope.spawn(move || {
                    run_replication_with_records(s, &PolicyChoice::Configured, SEED, r).unwrap().1
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// The waiting callers of `replications` replications of a standard scenario.
fn records(file: &str, replications: u64) -> Vec<CallRecord> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    records_of(&Scenario::from_file(&path).unwrap(), replications)
}

/// Ibrahim and Whitt's M/M/s+M with s = 100 and mean service 1 (here one minute), offered load
/// ρ = λ/(sμ) and abandonment rate θ per minute of waiting: `replications` replications of
/// 2 hours after 20 minutes of warm-up.
fn mm100m(rho: f64, theta: f64, replications: u64) -> Vec<CallRecord> {
    mm100_model(rho, Some(theta), "140m", "20m", replications)
}

/// M/M/100 (+M when `theta` is given), mean service one minute, offered load ρ = λ/(sμ):
/// `replications` replications of `horizon` (warm-up included) after `warmup`.
fn mm100_model(
    rho: f64,
    theta: Option<f64>,
    horizon: &str,
    warmup: &str,
    replications: u64,
) -> Vec<CallRecord> {
    let patience = theta
        .map(|t| format!("patience = {{ dist = \"exponential\", mean = {} }}", 60.0 / t))
        .unwrap_or_default();
    let toml = format!(
        r#"
        name = "M/M/100+M"
        horizon = "{horizon}"
        warmup = "{warmup}"
        [acd]
        [[acd.queues]]
        name = "q"
        policy = "longest-idle"
        service_level = "20s"
        [[agent_groups]]
        name = "agent"
        count = 100
        queues = [{{ queue = "q" }}]
        [[call_types]]
        name = "q"
        queue = "q"
        arrivals = {{ rate_per_hour = {rate} }}
        handle = {{ dist = "exponential", mean = 60 }}
        {patience}
        "#,
        rate = rho * 100.0 * 60.0,
    );
    records_of(&Scenario::from_toml(&toml, None).unwrap(), replications)
}

fn methods() -> Vec<Box<dyn WaitEstimator>> {
    EwtMethod::ESTIMATING.iter().filter_map(|m| m.estimator()).collect()
}

fn everyone(_: &CallRecord) -> bool {
    true
}

/// Callers who found 30 or more calls waiting when they arrived.
fn found_30_waiting(r: &CallRecord) -> bool {
    r.load.is_some_and(|l| l.waiting > 30)
}

/// Answered callers who waited over 30 s (issue 8's population).
fn waited_over_30_s(r: &CallRecord) -> bool {
    r.wait_s > 30.0
}

/// Every method's accuracy over the callers `keep` selects, best RASE first.
fn ranked(records: &[CallRecord], keep: &dyn Fn(&CallRecord) -> bool) -> Vec<Accuracy> {
    let mut all: Vec<Accuracy> =
        methods().iter().map(|m| accuracy(records, m.as_ref(), keep)).collect();
    all.sort_by(|a, b| a.rase_s.total_cmp(&b.rase_s));
    all
}

fn by_name<'a>(all: &'a [Accuracy], name: &str) -> &'a Accuracy {
    all.iter().find(|a| a.method == name).unwrap()
}

/// P(X ≤ x) for X ~ Gamma(k, rate 1) with integer shape k ≥ 1 (Erlang): 1 − Σ_{i<k} e^{−x} xⁱ/i!,
/// each term summed in log space so that large x and k neither overflow nor underflow.
fn erlang_cdf(k: usize, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let (mut log_fact, mut tail) = (0.0_f64, 0.0_f64);
    for i in 0..k {
        if i > 0 {
            log_fact += (i as f64).ln();
        }
        tail += (-x + i as f64 * x.ln() - log_fact).exp();
    }
    (1.0 - tail).max(0.0)
}

/// Erlang C: the probability that an arrival to M/M/N at `load` erlangs waits.
fn erlang_c(agents: usize, load: f64) -> f64 {
    let b = (1..=agents).fold(1.0, |b, n| load * b / (n as f64 + load * b));
    agents as f64 * b / (agents as f64 - load * (1.0 - b))
}

/// The largest share of the callers who wait over `threshold` seconds that ANY estimate made at
/// arrival can put within ±25% of their wait, in an M/M/N queue served first come first served
/// with no abandonment (`single-small`): a caller who finds all N agents busy and j callers
/// waiting waits exactly Gamma(j + 1, Nμ), and nothing else it could know at arrival changes that
/// (handle times are memoryless and later callers never pass it). For each j the best single
/// estimate e is searched on a grid; a hit needs 0.8·e ≤ W ≤ e/0.75 and W > `threshold`.
/// Also returns the shares the conditional mean (j + 1)/(Nμ) and [`band_factor`] times it reach.
fn mmn_fifo_bound(agents: usize, aht: f64, load: f64, threshold: f64) -> (f64, f64, f64) {
    let rho = load / agents as f64;
    let rate = agents as f64 / aht;
    let c = erlang_c(agents, load);
    let (mut hits, mut mean_hits, mut band_hits, mut long) = (0.0, 0.0, 0.0, 0.0);
    for j in 0.. {
        let p = c * (1.0 - rho) * rho.powi(j as i32);
        if p < 1e-12 {
            break;
        }
        let k = j + 1;
        let cdf = |t: f64| erlang_cdf(k, rate * t);
        let mean = k as f64 / rate;
        let hit = |e: f64| (cdf(e / 0.75) - cdf((0.8 * e).max(threshold))).max(0.0);
        let best = (0..=600)
            .map(|i| 0.75 * threshold + (6.0 * mean + threshold) * f64::from(i) / 600.0)
            .map(hit)
            .fold(0.0, f64::max);
        hits += p * best;
        mean_hits += p * hit(mean);
        band_hits += p * hit(band_factor() * mean);
        long += p * (1.0 - cdf(threshold));
    }
    (hits / long, mean_hits / long, band_hits / long)
}

/// The estimate most often within ±25% of a Gamma(k, r) wait W is the same fraction of the mean
/// k/r for every k: P(0.8·e ≤ W ≤ e/0.75) is largest where the density at both ends, times their
/// slopes, balance, (1/0.75)·g(e/0.75) = 0.8·g(0.8·e) with g(x) ∝ x^(k−1)·e^(−rx), which gives
/// k·ln(5/3) = r·e·(4/3 − 4/5), e = (15/8)·ln(5/3)·k/r ≈ 0.958·k/r.
fn band_factor() -> f64 {
    15.0 / 8.0 * (5.0_f64 / 3.0).ln()
}

/// The lowest RASE any estimate made at arrival can have over the callers who wait in M/M/N
/// (`single-small`): the conditional mean (j + 1)/(Nμ) leaves Var(W | j) = (j + 1)/(Nμ)², and j is
/// geometric with mean ρ/(1 − ρ) among the callers who wait, so the bound is
/// √(1/(1 − ρ))/(Nμ).
fn mmn_fifo_rase_bound(agents: usize, aht: f64, load: f64) -> f64 {
    let rho = load / agents as f64;
    (1.0 / (1.0 - rho)).sqrt() * aht / agents as f64
}

/// The bound on the ±25% share, computed from the model: about 58% for `single-small` (M/M/14
/// at 12 erlangs, 3-minute calls), far below issue 8's 80%; the conditional mean reaches 53.4%.
/// The simulation must agree: neither a method nor the position oracle may beat it by more than
/// sampling noise.
#[test]
fn no_arrival_estimate_can_reach_80_percent_in_single_small() {
    let (bound, mean, _) = mmn_fifo_bound(14, 180.0, 12.0, 30.0);
    println!(
        "single-small: no estimate made at arrival can exceed {:.1}% (the conditional mean: {:.1}%)",
        100.0 * bound,
        100.0 * mean
    );
    assert!((0.5..0.65).contains(&bound), "bound {bound}");
    assert!(mean < bound);
    let recs = records("single-small.toml", 4);
    let best = ranked(&recs, &waited_over_30_s).iter().map(|a| a.within_25).fold(0.0, f64::max);
    let oracle = position_oracle(&recs, &waited_over_30_s).within_25;
    assert!(best <= bound + 0.03, "a method beat the bound: {:.1}%", 100.0 * best);
    assert!(oracle <= bound + 0.03, "the oracle beat the bound: {:.1}%", 100.0 * oracle);
}

/// Issue 19 §3, first point: the best method's RASE is within 1/0.95 of the lowest any
/// arrival-time estimate can have (the queue-state method of issue 8, whose 64-call handle-time
/// mean is 12.5% off on its own, reaches 97% in `single-small` but 87% in `single-large`).
#[test]
fn best_method_reaches_95_percent_of_the_arrival_information_bound() {
    let small = records("single-small.toml", 4);
    let large = records("single-large.toml", 8);
    let bounds = [
        ("single-small", &small, mmn_fifo_rase_bound(14, 180.0, 12.0)),
        ("single-large", &large, position_oracle(&large, &everyone).rase_s),
    ];
    for (name, recs, bound) in bounds {
        // The best RASE among the methods that estimate every caller (HOL has nothing at
        // position 1; a RASE over fewer callers is not comparable).
        let all = ranked(recs, &everyone);
        let best = all.iter().find(|a| a.estimated == a.callers).unwrap();
        let efficiency = bound / best.rase_s;
        println!(
            "{name}: bound {bound:.1} s, best {} {:.1} s over {} callers: {:.1}%",
            best.method,
            best.rase_s,
            best.callers,
            100.0 * efficiency
        );
        assert!(best.callers >= 1000, "{name}: only {} waiting callers", best.callers);
        assert!(efficiency >= 0.95, "{name}: {} reaches {:.1}%", best.method, 100.0 * efficiency);
    }
}

/// The closed form of [`band_factor`] against a numerical search, queue position by position.
#[test]
fn the_estimate_most_often_within_25_percent_of_a_gamma_wait_is_a_fixed_fraction_of_the_mean() {
    for k in [1, 2, 3, 5, 10, 30, 100] {
        let mean = k as f64;
        let hit = |e: f64| erlang_cdf(k, e / 0.75) - erlang_cdf(k, 0.8 * e);
        let best = (1..=20_000)
            .map(|i| mean * f64::from(i) / 10_000.0)
            .max_by(|a, b| hit(*a).total_cmp(&hit(*b)))
            .unwrap();
        assert!((best / mean - band_factor()).abs() < 2e-4, "k {k}: {}", best / mean);
        assert!(hit(best) > hit(mean), "k {k}");
    }
}

/// Issue 19 §3, first point, on the ±25% share: over every caller who waited, the best method
/// puts at least 95% as many callers within ±25% as the best any arrival-time estimate can:
/// in `single-small` the bound comes from the M/M/14 model ([`mmn_fifo_bound`] with no
/// threshold), in `single-large` from the position band oracle fitted to the same records.
/// Over the callers who wait over 30 s (issue 8's population) the best method reaches about
/// 92% of the model's 58.0% in `single-small`: that bound is met only by estimates placed above
/// the mean for short queues, where a miss on a caller who then waits under 30 s is not counted
/// (scaling the mean by [`band_factor`] does not help there: printed, not asserted).
#[test]
fn best_method_reaches_95_percent_of_the_bound_on_the_25_percent_share() {
    let small = records("single-small.toml", 4);
    let large = records("single-large.toml", 8);
    let (model, model_mean, model_band) = mmn_fifo_bound(14, 180.0, 12.0, 0.0);
    let (long, long_mean, long_band) = mmn_fifo_bound(14, 180.0, 12.0, 30.0);
    println!(
        "single-small model, every caller who waited: bound {:.1}%, conditional mean {:.1}%, \
         {:.3} × mean {:.1}%; callers waiting over 30 s: {:.1}%, {:.1}%, {:.1}%",
        100.0 * model,
        100.0 * model_mean,
        band_factor(),
        100.0 * model_band,
        100.0 * long,
        100.0 * long_mean,
        100.0 * long_band
    );
    let cases =
        [("single-small", &small, Some(model), Some(long)), ("single-large", &large, None, None)];
    for (name, recs, model, model_long) in cases {
        for (population, keep, bound) in [
            ("every caller who waited", &everyone as &dyn Fn(&CallRecord) -> bool, model),
            ("callers waiting over 30 s", &waited_over_30_s, model_long),
        ] {
            let all = ranked(recs, keep);
            let best = all.iter().max_by(|a, b| a.within_25.total_cmp(&b.within_25)).unwrap();
            let oracle = position_band_oracle(recs, keep).within_25;
            let bound = bound.unwrap_or(oracle);
            // QL_m aimed at the band instead of the mean: for comparison, not a method.
            let qlm = EwtMethod::QlM.estimator().unwrap();
            let aimed = accuracy_of("ql-m × band factor", recs, keep, &|l| {
                qlm.estimate(l).map(|d| band_factor() * d.as_secs_f64())
            });
            println!(
                "{name}, {population}: best {} {:.1}% of {} callers, band oracle {:.1}%, bound \
                 {:.1}%: {:.1}%; ql-m × {:.3}: {:.1}%",
                best.method,
                100.0 * best.within_25,
                best.callers,
                100.0 * oracle,
                100.0 * bound,
                100.0 * best.within_25 / bound,
                band_factor(),
                100.0 * aimed.within_25
            );
            if population == "every caller who waited" {
                assert!(best.callers >= 1000, "{name}: only {} callers", best.callers);
                assert!(
                    best.within_25 >= 0.95 * bound,
                    "{name}: {} reaches {:.1}% of {:.1}%",
                    best.method,
                    100.0 * best.within_25,
                    100.0 * bound
                );
            }
        }
    }
}

/// Issue 19 §3, second point: where callers abandon, counting the callers ahead who will give
/// up (QL_m) beats the plain queue length (QL), which overestimates.
#[test]
fn ql_m_beats_ql_where_callers_abandon() {
    for (rho, theta) in [(1.4, 0.2), (1.4, 1.0), (1.1, 1.0)] {
        let recs = mm100m(rho, theta, 2);
        let all = ranked(&recs, &everyone);
        let (ql, qlm) = (by_name(&all, "ql"), by_name(&all, "ql-m"));
        println!("ρ {rho} θ {theta}: ql {:.2} s, ql-m {:.2} s", ql.rase_s, qlm.rase_s);
        assert!(qlm.callers >= 10_000);
        assert!(qlm.rase_s < ql.rase_s, "ρ {rho} θ {theta}: {qlm:?} {ql:?}");
    }
}

/// Issue 19 §3, third point: callers who find 30 or more waiting (their waits are sums of 30 and
/// more departures, narrow enough for ±25%) get the best method's estimate within ±25% at least
/// 80% of the time. The standard single-queue scenarios have no such caller (their queues stay
/// shorter); the overloaded M/M/100+M models have thousands. At ρ = 1.1, θ = μ, where 30 waiting
/// is a rare excursion, the best method sits at the criterion (80.1% over 8 replications, the
/// position oracle 82.6%): printed, not asserted.
#[test]
fn best_method_within_25_percent_for_80_percent_of_callers_finding_30_waiting() {
    let models = [
        ("single-small", records("single-small.toml", 4), false),
        ("single-large", records("single-large.toml", 8), false),
        ("M/M/100+M ρ 1.4 θ 0.2", mm100m(1.4, 0.2, 2), true),
        ("M/M/100+M ρ 1.4 θ 1", mm100m(1.4, 1.0, 2), true),
        ("M/M/100+M ρ 1.1 θ 1", mm100m(1.1, 1.0, 8), false),
    ];
    for (name, recs, asserted) in &models {
        let all = ranked(recs, &found_30_waiting);
        let best = all.iter().max_by(|a, b| a.within_25.total_cmp(&b.within_25)).unwrap();
        let oracle = position_oracle(recs, &found_30_waiting);
        println!(
            "{name}: {} callers found 30 or more waiting; best {} within ±25% for {:.1}% \
             (position oracle {:.1}%)",
            best.callers,
            best.method,
            100.0 * best.within_25,
            100.0 * oracle.within_25
        );
        if *asserted {
            assert!(best.callers >= 1000, "{name}: {best:?}");
            assert!(best.within_25 >= 0.80, "{name}: {best:?}");
        }
    }
}

/// Relative average squared error, ASE ÷ (mean wait)², the statistic Ibrahim and Whitt call
/// RASE in "Real-time delay estimation based on delay history" (MSOM 2009): unitless, so that it
/// compares across time units (theirs: mean service 1; ours: one minute).
fn relative_ase(a: &Accuracy) -> f64 {
    a.relative_rase().powi(2)
}

/// Ibrahim and Whitt's GI/M/s model with Poisson arrivals (M/M/100, mean service 1, no
/// abandonment) at the traffic intensities of their delay-history tables (ρ = 0.85 to 0.98).
/// Their table figures were not available (see the book), so what is checked is the ranking
/// their text states: QL, which knows the queue length and the service rate, is the most
/// accurate; LES and HOL fall on top of each other behind it. QL's relative ASE is also checked
/// against the model: a delayed caller who finds j waiting waits Gamma(j + 1, sμ) and j is
/// geometric, so ASE/E[W]² = 1 − ρ exactly for the conditional mean (j + 1)/(sμ).
#[test]
fn ibrahim_and_whitt_ranking_in_m_m_100() {
    println!(
        "\n| ρ | callers who waited | mean wait (min) | QL | 1 − ρ (model) | LES | HOL | \
         recent-delay | queue-state | LES ÷ QL |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for rho in [0.85, 0.9, 0.93, 0.95, 0.98] {
        let recs = mm100_model(rho, None, "13h", "1h", 8);
        let all = ranked(&recs, &everyone);
        let rel = |name: &str| relative_ase(by_name(&all, name));
        let (ql, les, hol) = (rel("ql"), rel("les"), rel("hol"));
        println!(
            "| {rho} | {} | {:.3} | {ql:.4} | {:.4} | {les:.4} | {hol:.4} | {:.4} | {:.4} | {:.2} |",
            all[0].callers,
            all[0].mean_wait_s / 60.0,
            1.0 - rho,
            rel("recent-delay"),
            rel("queue-state"),
            les / ql
        );
        assert!(all[0].callers >= 5_000, "ρ {rho}: {} callers", all[0].callers);
        assert!(ql < les && ql < hol, "ρ {rho}: QL {ql} LES {les} HOL {hol}");
        assert!((hol / les - 1.0).abs() < 0.15, "ρ {rho}: LES {les} HOL {hol}");
        assert!((ql / (1.0 - rho) - 1.0).abs() < 0.15, "ρ {rho}: QL {ql}");
    }
}

/// A RASE for a table: "—" where the method gave no estimate.
fn rase(a: &Accuracy) -> String {
    if a.estimated == 0 { "—".to_owned() } else { format!("{:.1}", a.rase_s) }
}

fn row(a: &Accuracy) -> String {
    format!(
        "| {} | {} | {:.3} | {:.1}% |",
        a.method,
        rase(a),
        a.relative_rase(),
        100.0 * a.within_25
    )
}

/// The book's tables: every method in every model, RASE and ±25% share over all answered
/// callers who waited, plus the ±25% share for those who found 30 or more waiting; one
/// per-position table.
#[test]
fn estimator_table() {
    let models: Vec<(String, Vec<CallRecord>)> = [
        ("single-small (M/M/14, 4 replications)".to_owned(), records("single-small.toml", 4)),
        ("single-large (M/G/100+M, 8 replications)".to_owned(), records("single-large.toml", 8)),
    ]
    .into_iter()
    .chain([(1.4, 0.2, 2), (1.4, 1.0, 2), (1.4, 5.0, 2), (1.1, 1.0, 8)].into_iter().map(
        |(rho, theta, reps)| {
            (
                format!("M/M/100+M ρ = {rho}, θ = {theta}μ ({reps} replications)"),
                mm100m(rho, theta, reps),
            )
        },
    ))
    .collect();
    for (name, recs) in &models {
        let all = ranked(recs, &everyone);
        let deep = ranked(recs, &found_30_waiting);
        println!(
            "\n{name}: {} answered callers who waited, mean wait {:.1} s; {} found 30+ waiting",
            all[0].callers, all[0].mean_wait_s, deep[0].callers
        );
        println!(
            "| method | RASE (s) | RASE / mean wait | within ±25% | within ±25%, found 30+ waiting |"
        );
        println!("|---|---:|---:|---:|---:|");
        for a in all.iter().chain([&position_oracle(recs, &everyone)]) {
            let d = deep
                .iter()
                .find(|d| d.method == a.method)
                .cloned()
                .unwrap_or_else(|| position_oracle(recs, &found_30_waiting));
            println!(
                "{} {} |",
                row(a),
                if d.callers > 0 { format!("{:.1}%", 100.0 * d.within_25) } else { "—".into() }
            );
        }
    }
    for (name, recs) in [&models[0], &models[5]] {
        position_table(name, recs);
    }
}

/// One model's per-position table: RASE and ±25% share of every method by position at arrival.
fn position_table(name: &str, recs: &[CallRecord]) {
    println!("\n{name}, by position at arrival (RASE s / within ±25%):");
    let ms = methods();
    let per: Vec<_> = ms.iter().map(|m| accuracy_by_position(recs, m.as_ref())).collect();
    println!(
        "| position | callers | {} |",
        ms.iter().map(|m| m.name()).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|---:|{}", "---:|".repeat(ms.len()));
    for (i, ((lo, hi), first)) in per[0].iter().enumerate() {
        let band = if lo == hi {
            lo.to_string()
        } else if *hi == usize::MAX {
            format!("{lo}+")
        } else {
            format!("{lo}–{hi}")
        };
        let cells: Vec<String> = per
            .iter()
            .map(|p| format!("{} / {:.0}%", rase(&p[i].1), 100.0 * p[i].1.within_25))
            .collect();
        println!("| {band} | {} | {} |", first.callers, cells.join(" | "));
    }
}
