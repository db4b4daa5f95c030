//! Estimated-wait-time accuracy caller by caller (issue 8, point 5). In the standard
//! single-queue scenarios, every hotline-acd wait-estimator method is given the queue load that
//! each waiting caller's arrival showed the engine, and its estimate is compared with the wait the
//! caller then had, for the answered callers who waited over 30 s.
//!
//! The issue asks that the better method be within ±25% of the actual wait for 80% of those
//! callers. No estimate made at arrival can do that in these scenarios: a caller at position *k*
//! waits for *k* departures, a sum of *k* nearly exponential gaps whose spread (about 1/√k of the
//! mean) is larger than ±25% for the positions that lead to waits over 30 s. The test therefore
//! measures the best any position-based estimate can reach — each position's own mean wait,
//! taken from the same simulation ("oracle") — and requires the better method to come within 5
//! points of it. For `single-small`, an M/M/14 queue, the exact limit for any estimator at all is
//! computed from the model ([`mmn_fifo_bound`], 58.0%) and the simulation is checked against it.
//! The 80% criterion is kept as an ignored test that fails, with its figures.

use std::collections::BTreeMap;
use std::path::Path;

use hotline_acd::{ErlangCEstimator, QueueStateEstimator, WaitEstimator};
use hotline_sim::{CallRecord, PolicyChoice, Scenario, run_replication_with_records};

const SEED: u64 = 8;

/// The waiting callers of `replications` replications of a standard scenario.
fn records(file: &str, replications: u64) -> Vec<CallRecord> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let s = Scenario::from_file(&path).unwrap();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..replications)
            .map(|r| {
                let s = &s;
                scope.spawn(move || {
                    run_replication_with_records(s, &PolicyChoice::Configured, SEED, r).unwrap().1
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// Calls ahead that must leave before the caller is answered.
fn ahead(r: &CallRecord) -> Option<usize> {
    r.load.map(|l| l.position.saturating_sub(l.ready))
}

/// Whether `estimate` is within ±25% of the actual wait.
fn hit(estimate: f64, wait: f64) -> bool {
    (estimate - wait).abs() <= 0.25 * wait
}

/// Answered callers who waited over 30 s.
fn long_waiters(records: &[CallRecord]) -> Vec<&CallRecord> {
    records.iter().filter(|r| r.answered && r.wait_s > 30.0).collect()
}

/// Share of the long waiters whose estimate at arrival by `method` was within ±25% (no
/// estimate counts as a miss).
fn accuracy(records: &[CallRecord], method: &dyn WaitEstimator) -> f64 {
    let long = long_waiters(records);
    let hits = long
        .iter()
        .filter(|r| {
            r.load.and_then(|l| method.estimate(&l)).is_some_and(|e| hit(e.as_secs_f64(), r.wait_s))
        })
        .count();
    hits as f64 / long.len().max(1) as f64
}

/// The share an estimate that knew each position's true mean wait would reach: the mean wait of
/// all answered callers who arrived with that many calls ahead, from the same records.
fn oracle(records: &[CallRecord]) -> f64 {
    let mut by_ahead: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for r in records.iter().filter(|r| r.answered) {
        if let Some(k) = ahead(r) {
            let e = by_ahead.entry(k).or_default();
            e.0 += r.wait_s;
            e.1 += 1.0;
        }
    }
    let long = long_waiters(records);
    let hits = long
        .iter()
        .filter(|r| {
            ahead(r).and_then(|k| by_ahead.get(&k)).is_some_and(|&(sum, n)| hit(sum / n, r.wait_s))
        })
        .count();
    hits as f64 / long.len().max(1) as f64
}

struct Measured {
    callers: usize,
    methods: Vec<(String, f64)>,
    best: f64,
    oracle: f64,
}

fn measure(file: &str, replications: u64) -> Measured {
    let recs = records(file, replications);
    let methods: Vec<Box<dyn WaitEstimator>> =
        vec![Box::new(QueueStateEstimator), Box::new(ErlangCEstimator)];
    let methods: Vec<(String, f64)> =
        methods.iter().map(|m| (m.name().to_owned(), accuracy(&recs, m.as_ref()))).collect();
    let best = methods.iter().map(|m| m.1).fold(0.0, f64::max);
    let m = Measured { callers: long_waiters(&recs).len(), methods, best, oracle: oracle(&recs) };
    for (name, share) in &m.methods {
        println!("{file}: {name}: {:.1}% of {} callers within ±25%", 100.0 * share, m.callers);
    }
    println!("{file}: position oracle: {:.1}%", 100.0 * m.oracle);
    m
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

/// The largest share of the callers who wait over `threshold` seconds that ANY estimate made at
/// arrival can put within ±25% of their wait, in an M/M/N queue served first come first served
/// with no abandonment (`single-small`): a caller who finds all N agents busy and j callers
/// waiting waits exactly Gamma(j + 1, Nμ), and nothing else it could know at arrival changes that
/// (handle times are memoryless and later callers never pass it). For each j the best single
/// estimate e is searched on a grid; a hit needs 0.8·e ≤ W ≤ e/0.75 and W > `threshold`.
fn mmn_fifo_bound(agents: usize, aht: f64, load: f64, threshold: f64) -> f64 {
    let rho = load / agents as f64;
    let rate = agents as f64 / aht;
    // Erlang B by its recurrence, then Erlang C: the probability that an arrival waits.
    let b = (1..=agents).fold(1.0, |b, n| load * b / (n as f64 + load * b));
    let c = agents as f64 * b / (agents as f64 - load * (1.0 - b));
    let (mut hits, mut long) = (0.0, 0.0);
    for j in 0.. {
        let p = c * (1.0 - rho) * rho.powi(j as i32);
        if p < 1e-12 {
            break;
        }
        let k = j + 1;
        let cdf = |t: f64| erlang_cdf(k, rate * t);
        let mean = k as f64 / rate;
        let best = (0..=600)
            .map(|i| 0.75 * threshold + (6.0 * mean + threshold) * f64::from(i) / 600.0)
            .map(|e| (cdf(e / 0.75) - cdf((0.8 * e).max(threshold))).max(0.0))
            .fold(0.0, f64::max);
        hits += p * best;
        long += p * (1.0 - cdf(threshold));
    }
    hits / long
}

/// The bound itself, computed from the model rather than simulated: about 58% for `single-small`
/// (M/M/14 at 12 erlangs, 3-minute calls), far below the 80%. The simulation must agree
/// with it: neither a method nor the position oracle may beat it by more than sampling noise.
#[test]
fn no_arrival_estimate_can_reach_80_percent_in_single_small() {
    let bound = mmn_fifo_bound(14, 180.0, 12.0, 30.0);
    println!("single-small: no estimate made at arrival can exceed {:.1}%", 100.0 * bound);
    assert!((0.5..0.65).contains(&bound), "bound {bound}");
    let m = measure("single-small.toml", 4);
    assert!(m.best <= bound + 0.03, "a method beat the bound: {:.1}%", 100.0 * m.best);
    assert!(m.oracle <= bound + 0.03, "the oracle beat the bound: {:.1}%", 100.0 * m.oracle);
}

const SCENARIOS: [(&str, u64); 2] = [("single-small.toml", 4), ("single-large.toml", 8)];

#[test]
fn better_method_is_as_accurate_as_the_position_allows() {
    for (file, reps) in SCENARIOS {
        let m = measure(file, reps);
        assert!(m.callers >= 1000, "{file}: only {} long waiters", m.callers);
        assert!(
            m.best >= m.oracle - 0.05,
            "{file}: better method {:.1}%, position oracle {:.1}%",
            100.0 * m.best,
            100.0 * m.oracle
        );
    }
}

/// The criterion as written. It fails (queue-state reaches about 49% and 63%, the
/// position oracle about 53% and 60%, and in `single-small` no estimate at all can pass 58%:
/// [`mmn_fifo_bound`]): see the module documentation and the book.
#[test]
#[ignore = "unmet: ±25% for 80% of callers waiting over 30 s is beyond any arrival-time estimate here"]
fn better_method_within_25_percent_for_80_percent_of_long_waiters() {
    let failures: Vec<String> = SCENARIOS
        .iter()
        .map(|&(file, reps)| (file, measure(file, reps)))
        .filter(|(_, m)| m.best < 0.80)
        .map(|(file, m)| format!("{file}: {:.1}%", 100.0 * m.best))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("; "));
}
