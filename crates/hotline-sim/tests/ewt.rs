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
//!   arrival-information bound that this file computes. As worded, that is the ±25% share of the
//!   callers who wait over 30 s, the bound of 58.0% above: not met (94.2% and 69.1%), and out of
//!   reach for any estimate of the caller's wait, because the bound is made of estimates aimed at
//!   the callers the 30 s threshold keeps (an ignored test asserts the point as worded; another
//!   shows why). Two readings of ours are asserted: the RASE against the lowest any arrival-time
//!   estimate can have ([`mmn_fifo_rase_bound`] for `single-small`, the position oracle for
//!   `single-large`, which is M/G/100+M), and the ±25% share over every caller who waited;
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
    Accuracy, accuracy, accuracy_by_position, accuracy_of, departures_ahead,
    position_band_cross_validated, position_band_estimates, position_band_oracle, position_oracle,
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

/// Callers who found 30 or more calls waiting when they arrived (issue 19's population for its
/// third point). The load is read just after the caller joins the queue, so its `waiting` counts
/// the caller itself: the others it found are `waiting − 1`.
fn found_30_waiting(r: &CallRecord) -> bool {
    r.load.is_some_and(|l| l.waiting.saturating_sub(1) >= 30)
}

/// Callers whose position at arrival was 30 or deeper (29 or more found waiting in a single
/// FIFO queue): the third point read as "queue position ≥ 30", which adds the callers who found
/// exactly 29 waiting to [`found_30_waiting`]'s.
fn at_position_30_or_deeper(r: &CallRecord) -> bool {
    r.load.is_some_and(|l| l.position >= 30)
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

/// The estimate the bound of [`mmn_fifo_bound`] is made of: for a caller of M/M/N who finds `j`
/// waiting, the single estimate (on the same grid) that puts the most of the callers who find
/// `j` waiting and then wait over `threshold` seconds within ±25%. It aims at the callers the
/// threshold keeps, not at the caller's wait: for a short queue it lies far above the mean.
fn mmn_threshold_estimate(agents: usize, aht: f64, j: usize, threshold: f64) -> f64 {
    let rate = agents as f64 / aht;
    let k = j + 1;
    let mean = k as f64 / rate;
    let cdf = |t: f64| erlang_cdf(k, rate * t);
    let hit = |e: f64| (cdf(e / 0.75) - cdf((0.8 * e).max(threshold))).max(0.0);
    (0..=600)
        .map(|i| 0.75 * threshold + (6.0 * mean + threshold) * f64::from(i) / 600.0)
        .fold((0.0, -1.0), |best, e| if hit(e) > best.1 { (e, hit(e)) } else { best })
        .0
}

/// How an estimate `estimate(j)` for the caller who finds `j` waiting does in the M/M/N FIFO
/// model: its share within ±25% of the callers who wait over `threshold` seconds, its share
/// within ±25% of every caller who waits, and its RASE over every caller who waits, seconds
/// (Var(W | j) = (j + 1)/(Nμ)² plus the squared bias).
fn mmn_model_accuracy(
    agents: usize,
    aht: f64,
    load: f64,
    threshold: f64,
    estimate: &dyn Fn(usize) -> f64,
) -> (f64, f64, f64) {
    let rho = load / agents as f64;
    let rate = agents as f64 / aht;
    let (mut long_hits, mut long, mut hits, mut squares, mut all) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for j in 0.. {
        let p = (1.0 - rho) * rho.powi(j as i32);
        if p < 1e-12 {
            break;
        }
        let k = j + 1;
        let cdf = |t: f64| erlang_cdf(k, rate * t);
        let (e, mean) = (estimate(j), k as f64 / rate);
        long_hits += p * (cdf(e / 0.75) - cdf((0.8 * e).max(threshold))).max(0.0);
        long += p * (1.0 - cdf(threshold));
        hits += p * (cdf(e / 0.75) - cdf(0.8 * e));
        squares += p * (k as f64 / (rate * rate) + (e - mean).powi(2));
        all += p;
    }
    (long_hits / long, hits / all, (squares / all).sqrt())
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

/// Issue 19 §3, first point, on the RASE (a reading of ours: the issue's bound is the ±25% share
/// of [`best_method_reaches_95_percent_of_the_30_s_bound_as_the_issue_words_it`]): the best
/// method's RASE is within 1/0.95 of the lowest any arrival-time estimate can have (the queue-state method of issue 8, whose 64-call handle-time
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

/// Issue 19 §3, first point, on the ±25% share over every caller who waited (a reading of ours,
/// not the issue's population, which is the callers who wait over 30 s: see
/// [`best_method_reaches_95_percent_of_the_30_s_bound_as_the_issue_words_it`]): the best method
/// puts at least 95% as many callers within ±25% as the best any arrival-time estimate can:
/// in `single-small` the bound comes from the M/M/14 model ([`mmn_fifo_bound`] with no
/// threshold), in `single-large` from the position band oracle fitted to the same records.
/// Over the callers who wait over 30 s the figures are printed too (the conditional mean reaches
/// 92.2% of the model's 58.0% in `single-small`, QL_m 94.2% in this simulation; scaling the mean
/// by [`band_factor`] does not help there), and
/// [`the_30_s_bound_is_reached_only_by_estimates_aimed_at_those_callers`] shows why.
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

/// Issue 19 §3, first point, exactly as worded: "in single-small and single-large the best
/// method reaches at least 95% of the arrival-information bound that `ewt.rs` computes". When the
/// issue was filed this file computed one such bound, the ±25% share of the answered callers who
/// wait over 30 s (58.0% in `single-small`, from the M/M/14 model), so that is the population and
/// the statistic here. For `single-large` (M/G/100+M, no closed form) the bound is taken as the
/// share of the cross-validated position band estimate, an estimate made at arrival from other
/// replications' waits: the true bound is at least that, so this asks for less than 95% of it.
///
/// It fails, and no method of any kind that estimates the caller's wait can pass it:
/// [`the_30_s_bound_is_reached_only_by_estimates_aimed_at_those_callers`] shows why, with the
/// figures (`cargo test -p hotline-sim --test ewt -- --ignored --nocapture as_the_issue_words_it`).
#[test]
#[ignore = "fails: out of reach for an estimate of the wait (single-small 94.2%, single-large \
            69.1% of the bound); the bound is reached only by estimates aimed at the callers the \
            30 s threshold keeps: the_30_s_bound_is_reached_only_by_estimates_aimed_at_those_callers"]
fn best_method_reaches_95_percent_of_the_30_s_bound_as_the_issue_words_it() {
    let small = records("single-small.toml", 4);
    let large = records("single-large.toml", 8);
    let (model, _, _) = mmn_fifo_bound(14, 180.0, 12.0, 30.0);
    let cross = position_band_cross_validated(&large, &waited_over_30_s).within_25;
    let mut failures = Vec::new();
    for (name, recs, bound) in [("single-small", &small, model), ("single-large", &large, cross)] {
        let all = ranked(recs, &waited_over_30_s);
        let best = all.iter().max_by(|a, b| a.within_25.total_cmp(&b.within_25)).unwrap();
        println!(
            "{name}, callers waiting over 30 s: best {} {:.1}% of {} callers, bound {:.1}%: {:.1}%",
            best.method,
            100.0 * best.within_25,
            best.callers,
            100.0 * bound,
            100.0 * best.within_25 / bound
        );
        assert!(best.callers >= 1000, "{name}: only {} callers", best.callers);
        if best.within_25 < 0.95 * bound {
            failures.push(format!("{name}: {:.1}%", 100.0 * best.within_25 / bound));
        }
    }
    assert!(failures.is_empty(), "below 95% of the bound: {}", failures.join(", "));
}

/// Why the first point as worded is out of reach for an estimate of the caller's wait. Over the
/// callers who wait over 30 s, the best share any arrival-time estimate can reach is made of
/// estimates aimed at those callers only: a caller who finds nobody waiting in `single-small`
/// waits 12.9 s on average, and the estimate that puts the most of the few such callers who wait
/// over 30 s within ±25% is 37.5 s (1.25 × 30 s), since a caller whom it overstates and who then
/// waits under 30 s is not counted. The simplest such estimate, QL_m never below 37.5 s, meets the
/// criterion as worded in both scenarios; where most callers wait under 30 s (`single-large`) it
/// is useless to them.
///
/// Asserted, from the M/M/14 model: the conditional mean (what QL computes) and the estimate
/// aimed at the ±25% band of the caller's wait ([`band_factor`] times the mean) both stay below
/// 95% of the bound (92.2% and 92.0%); the estimate that reaches the bound is at least twice the
/// mean for a caller who finds nobody waiting, and over every caller who waits it has a lower
/// ±25% share and a higher RASE than the mean. From the simulation: that same estimate, applied
/// to the callers of `single-small`, reaches the bound (so the bound is real and our simulator
/// agrees with the model) at a higher RASE over every waiting caller than QL_m; in
/// `single-large` the position band estimate fitted to the callers who wait over 30 s
/// (cross-validated: fitted to one half of the replications, measured on the other) reaches far
/// more of them than any method (90.6% against 62.6%), at over twice QL_m's RASE over every
/// waiting caller; QL_m floored at 37.5 s reaches at least 95% of the bound in both scenarios
/// and puts fewer of all waiting callers within ±25% than QL_m (`single-large`: 8.6% against
/// 40.4%, RASE 25.9 s against 6.0 s).
#[test]
fn the_30_s_bound_is_reached_only_by_estimates_aimed_at_those_callers() {
    let (agents, aht, load) = (14, 180.0, 12.0);
    let (bound, mean_share, band_share) = mmn_fifo_bound(agents, aht, load, 30.0);
    let aimed: Vec<f64> = (0..400).map(|j| mmn_threshold_estimate(agents, aht, j, 30.0)).collect();
    let aimed_at = |j: usize| aimed.get(j).copied().unwrap_or(f64::NAN);
    let mean_at = |j: usize| (j + 1) as f64 * aht / agents as f64;
    let (aimed_long, aimed_all, aimed_rase) =
        mmn_model_accuracy(agents, aht, load, 30.0, &aimed_at);
    let (mean_long, mean_all, mean_rase) = mmn_model_accuracy(agents, aht, load, 30.0, &mean_at);
    println!("single-small model (M/M/14 at 12 erlangs), callers who wait over 30 s:");
    println!(
        "  bound {:.1}%; conditional mean {:.1}% ({:.1}% of it); {:.3} × mean {:.1}% ({:.1}%)",
        100.0 * bound,
        100.0 * mean_share,
        100.0 * mean_share / bound,
        band_factor(),
        100.0 * band_share,
        100.0 * band_share / bound
    );
    println!(
        "  over every caller who waits: the estimate aimed at the over-30 s callers {:.1}% \
         within ±25%, RASE {:.1} s; the conditional mean {:.1}%, RASE {:.1} s",
        100.0 * aimed_all,
        aimed_rase,
        100.0 * mean_all,
        mean_rase
    );
    println!("| found waiting | mean wait (s) | estimate aimed at waits over 30 s (s) |");
    println!("|---:|---:|---:|");
    for j in [0, 1, 2, 3, 5, 8, 12, 20] {
        println!("| {j} | {:.1} | {:.1} |", mean_at(j), aimed_at(j));
    }
    assert!((aimed_long - bound).abs() < 1e-9, "{aimed_long} {bound}");
    assert!((mean_long - mean_share).abs() < 1e-9, "{mean_long} {mean_share}");
    assert!(mean_share < 0.95 * bound, "the mean reaches {mean_share} of {bound}");
    assert!(band_share < 0.95 * bound, "the band estimate reaches {band_share} of {bound}");
    assert!(aimed_at(0) >= 2.0 * mean_at(0), "{} {}", aimed_at(0), mean_at(0));
    assert!(aimed_all < mean_all && aimed_rase > mean_rase, "{aimed_all} {aimed_rase}");

    let qlm = EwtMethod::QlM.estimator().unwrap();
    let small = records("single-small.toml", 4);
    let aimed_sim = |keep: &dyn Fn(&CallRecord) -> bool| {
        accuracy_of("aimed at waits over 30 s", &small, keep, &|l| {
            departures_ahead(l).checked_sub(1).map(aimed_at)
        })
    };
    let (sim_long, sim_all) = (aimed_sim(&waited_over_30_s), aimed_sim(&everyone));
    let (qlm_long, qlm_all) = (
        accuracy(&small, qlm.as_ref(), &waited_over_30_s),
        accuracy(&small, qlm.as_ref(), &everyone),
    );
    println!(
        "single-small simulated, 4 replications: over the {} callers who waited over 30 s the \
         aimed estimate puts {:.1}% within ±25% and QL_m {:.1}%; over all {} who waited, RASE \
         {:.1} s against QL_m's {:.1} s, within ±25% {:.1}% against {:.1}%",
        sim_long.callers,
        100.0 * sim_long.within_25,
        100.0 * qlm_long.within_25,
        sim_all.callers,
        sim_all.rase_s,
        qlm_all.rase_s,
        100.0 * sim_all.within_25,
        100.0 * qlm_all.within_25
    );
    assert!(sim_long.within_25 >= 0.95 * bound, "{sim_long:?}");
    assert!(sim_long.within_25 <= bound + 0.03, "{sim_long:?}");
    assert!(sim_all.rase_s > qlm_all.rase_s, "{sim_all:?} {qlm_all:?}");
    assert!(sim_all.within_25 < qlm_all.within_25, "{sim_all:?} {qlm_all:?}");

    let large = records("single-large.toml", 8);
    let cross = position_band_cross_validated(&large, &waited_over_30_s);
    let best = ranked(&large, &waited_over_30_s)
        .into_iter()
        .max_by(|a, b| a.within_25.total_cmp(&b.within_25))
        .unwrap();
    // The same band estimates (fitted to the callers over 30 s of one half, given to every
    // waiting caller of the other half).
    let half = |parity: u64| -> Vec<CallRecord> {
        large.iter().filter(|r| r.replication % 2 == parity).copied().collect()
    };
    let (even, odd) = (half(0), half(1));
    let (from_even, from_odd) = (
        position_band_estimates(&even, &waited_over_30_s),
        position_band_estimates(&odd, &waited_over_30_s),
    );
    let on_odd =
        accuracy_of("band", &odd, &everyone, &|l| from_even.get(&departures_ahead(l)).copied());
    let on_even =
        accuracy_of("band", &even, &everyone, &|l| from_odd.get(&departures_ahead(l)).copied());
    let qlm_large = accuracy(&large, qlm.as_ref(), &everyone);
    // QL_m never below 1.25 × 30 s: the simplest estimate aimed at the callers over 30 s.
    let floor = |l: &hotline_acd::QueueLoad| qlm.estimate(l).map(|d| d.as_secs_f64().max(37.5));
    for (name, recs) in [("single-small", &small), ("single-large", &large)] {
        let long = accuracy_of("ql-m ≥ 37.5 s", recs, &waited_over_30_s, &floor);
        let all = accuracy_of("ql-m ≥ 37.5 s", recs, &everyone, &floor);
        let plain = accuracy(recs, qlm.as_ref(), &everyone);
        let bound = if name == "single-small" { bound } else { cross.within_25 };
        assert!(long.within_25 >= 0.95 * bound, "{name}: {long:?}, bound {bound}");
        assert!(all.within_25 < plain.within_25 && all.rase_s > plain.rase_s, "{name}: {all:?}");
        println!(
            "{name}: QL_m floored at 37.5 s: {:.1}% of the callers over 30 s within ±25%; over \
             every caller who waited {:.1}% (QL_m {:.1}%), RASE {:.1} s (QL_m {:.1} s)",
            100.0 * long.within_25,
            100.0 * all.within_25,
            100.0 * plain.within_25,
            all.rase_s,
            plain.rase_s
        );
    }
    println!(
        "single-large simulated, 8 replications: over the {} callers who waited over 30 s the \
         cross-validated band estimate puts {:.1}% within ±25%, the best method ({}) {:.1}%; \
         over every caller who waited its RASE is {:.1} s (even half) and {:.1} s (odd half) \
         against QL_m's {:.1} s",
        cross.callers,
        100.0 * cross.within_25,
        best.method,
        100.0 * best.within_25,
        on_even.rase_s,
        on_odd.rase_s,
        qlm_large.rase_s
    );
    assert!(cross.callers >= 1000, "{cross:?}");
    assert!(best.within_25 < 0.95 * cross.within_25, "{best:?} {cross:?}");
    for half in [&on_even, &on_odd] {
        assert!(half.rase_s > 2.0 * qlm_large.rase_s, "{half:?} {qlm_large:?}");
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
/// 80% of the time; checked as worded ([`found_30_waiting`]) and with "position ≥ 30"
/// ([`at_position_30_or_deeper`]). The standard single-queue scenarios have no such caller
/// (their queues stay shorter); the overloaded M/M/100+M models have thousands. At ρ = 1.1,
/// θ = μ, where 30 waiting is a rare excursion, the best method sits at the criterion (80.1% over
/// 8 replications, the position oracle 82.6%): printed, not asserted. Of QL_m's 2.5 points below
/// the oracle there, 1.3 are the sampling error of its 1,024-call handle-time mean and
/// abandonment rate (QL_m given the true μ and θ: 81.4%) and 0.5 that it estimates the time to
/// reach an agent whether or not the caller stays, while only answered callers are measured
/// (Σ_{j=1}^{m} 1/(sμ + jθ), the mean for callers whose own patience outlasts the wait: 81.9%).
#[test]
fn best_method_within_25_percent_for_80_percent_of_callers_finding_30_waiting() {
    // The model's abandonment rate θ per second of waiting (`None`: no abandonment model).
    let models = [
        ("single-small", records("single-small.toml", 4), false, None),
        ("single-large", records("single-large.toml", 8), false, None),
        ("M/M/100+M ρ 1.4 θ 0.2", mm100m(1.4, 0.2, 2), true, Some(0.2 / 60.0)),
        ("M/M/100+M ρ 1.4 θ 1", mm100m(1.4, 1.0, 2), true, Some(1.0 / 60.0)),
        ("M/M/100+M ρ 1.1 θ 1", mm100m(1.1, 1.0, 8), false, Some(1.0 / 60.0)),
    ];
    for (name, recs, asserted, theta) in &models {
        for (population, keep) in [
            ("found 30 or more waiting", &found_30_waiting as &dyn Fn(&CallRecord) -> bool),
            ("at position 30 or deeper", &at_position_30_or_deeper),
        ] {
            let all = ranked(recs, keep);
            let best = all.iter().max_by(|a, b| a.within_25.total_cmp(&b.within_25)).unwrap();
            let oracle = position_oracle(recs, keep);
            println!(
                "{name}: {} callers {population}; best {} within ±25% for {:.1}% (position \
                 oracle {:.1}%)",
                best.callers,
                best.method,
                100.0 * best.within_25,
                100.0 * oracle.within_25
            );
            // Where QL_m loses to the oracle (printed, not methods): QL_m's formula given the
            // model's true μ (one minute) and θ instead of its 1,024-call estimates, and the
            // mean wait of a caller who is answered (its own patience outlasts the wait, which
            // tilts each exponential gap: Σ_{j=1}^{m} 1/(sμ + jθ) instead of Σ_{j=0}^{m−1}).
            if let Some(theta) = *theta {
                let sum = |l: &hotline_acd::QueueLoad, from: usize| {
                    let (m, rate) = (departures_ahead(l), l.serving as f64 / 60.0);
                    Some((from..m + from).map(|j| 1.0 / (rate + j as f64 * theta)).sum::<f64>())
                };
                let known = accuracy_of("ql-m, true μ and θ", recs, keep, &|l| sum(l, 0));
                let answered = accuracy_of("answered mean", recs, keep, &|l| sum(l, 1));
                println!(
                    "  QL_m given the true μ and θ: {:.1}% (RASE {:.2} s); the answered \
                     caller's mean, true μ and θ: {:.1}% (RASE {:.2} s); QL_m: RASE {:.2} s",
                    100.0 * known.within_25,
                    known.rase_s,
                    100.0 * answered.within_25,
                    answered.rase_s,
                    by_name(&all, "ql-m").rase_s
                );
            }
            if *asserted {
                assert!(best.callers >= 1000, "{name}, {population}: {best:?}");
                assert!(best.within_25 >= 0.80, "{name}, {population}: {best:?}");
            }
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
