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
//! points of it. The 80% criterion is kept as an ignored test that fails, with its figures.

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
/// position oracle about 53% and 60%): see the module documentation and the book.
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
