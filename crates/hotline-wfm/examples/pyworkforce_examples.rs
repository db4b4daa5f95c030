//! pyworkforce's own scheduling examples solved with hotline-wfm, timed, as JSON on standard
//! output for `scripts/compare_pyworkforce_examples.py` (which runs pyworkforce on the same
//! inputs in the same run and prints the book's table).
//!
//! ```sh
//! cargo build --release -p hotline-wfm --example pyworkforce_examples
//! python3 crates/hotline-wfm/scripts/compare_pyworkforce_examples.py
//! ```
//!
//! The inputs are those of pyworkforce 0.5.1's `examples/scheduling/min_abs_difference.py` and
//! `min_required_resources.py`: 2 days × 24 hourly periods, four shifts (Morning 05–13, Afternoon
//! 13–21, Night 21–05, Mixed 09–17), at most 27 workers in any period and 25 in one shift.
//! `MinAbsDifference` is `under = over = 1`; `MinRequiredResources` (no shortfall allowed, fewest
//! shifts) is a shortfall weight of 1,000 and one per shift. hotline-wfm's concurrency cap counts
//! agents from a pattern's first to its last period (a night pattern wrapping round the day would
//! count all day), so the caps are not passed to the solver: the solution is checked against
//! them afterwards and the JSON says whether it keeps them.
//!
//! Usage: `pyworkforce_examples [REPS]` (default 200 solves of each, after one warm-up). Built
//! with `--features highs`, it also solves both with the HiGHS MILP solver.

use std::time::Instant;

use hotline_wfm::{CoverageSolution, Weights, solve_coverage};

const REQUIRED: [[u32; 24]; 2] = [
    [9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
    [13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23, 16, 8],
];
const MAX_PERIOD_CONCURRENCY: u32 = 27;
const MAX_SHIFT_CONCURRENCY: u32 = 25;

fn shifts() -> Vec<(&'static str, Vec<u32>)> {
    vec![
        ("Morning", (5..13).collect()),
        ("Afternoon", (13..21).collect()),
        ("Night", vec![0, 1, 2, 3, 4, 21, 22, 23]),
        ("Mixed", (9..17).collect()),
    ]
}

/// Solves `reps` times after one warm-up; the last solution and the mean seconds per solve.
fn timed(
    required: &[Vec<u32>],
    patterns: &[Vec<u32>],
    weights: Weights,
    reps: u32,
) -> Result<(CoverageSolution, f64), hotline_wfm::WfmError> {
    let mut s = solve_coverage(required, patterns, weights, None, 200, 1)?;
    let started = Instant::now();
    for _ in 0..reps {
        s = solve_coverage(required, patterns, weights, None, 200, 1)?;
    }
    Ok((s, started.elapsed().as_secs_f64() / f64::from(reps.max(1))))
}

fn report(
    s: &CoverageSolution,
    seconds: f64,
    patterns: &[Vec<u32>],
    names: &[&str],
) -> serde_json::Value {
    // pyworkforce's caps, checked on the solution.
    let mut peak_period = 0;
    for counts in &s.counts {
        let mut cover = [0u32; 24];
        for (c, p) in counts.iter().zip(patterns) {
            for &q in p {
                cover[q as usize] += c;
            }
        }
        peak_period = peak_period.max(cover.into_iter().max().unwrap_or(0));
    }
    let peak_shift = s.counts.iter().flatten().copied().max().unwrap_or(0);
    serde_json::json!({
        "objective": s.objective,
        "under": s.under,
        "over": s.over,
        "shifts": s.shift_count,
        "lower_bound": s.lower_bound,
        "seconds": seconds,
        "counts": s.counts,
        "shift_names": names,
        "peak_period": peak_period,
        "peak_shift": peak_shift,
        "keeps_caps": peak_period <= MAX_PERIOD_CONCURRENCY && peak_shift <= MAX_SHIFT_CONCURRENCY,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reps: u32 = std::env::args().nth(1).map_or(Ok(200), |a| a.parse())?;
    let required: Vec<Vec<u32>> = REQUIRED.iter().map(|d| d.to_vec()).collect();
    let (names, patterns): (Vec<&str>, Vec<Vec<u32>>) = shifts().into_iter().unzip();

    let abs = Weights { under: 1.0, over: 1.0, per_shift: 0.0 };
    let (a, a_s) = timed(&required, &patterns, abs, reps)?;
    let cover = Weights { under: 1000.0, over: 0.0, per_shift: 1.0 };
    let (c, c_s) = timed(&required, &patterns, cover, reps)?;
    #[allow(unused_mut)]
    let mut doc = serde_json::json!({
        "reps": reps,
        "min_abs_difference": report(&a, a_s, &patterns, &names),
        "min_required_resources": report(&c, c_s, &patterns, &names),
    });
    // With `--features highs`: the same problems through the HiGHS MILP solver.
    #[cfg(feature = "highs")]
    for (key, weights) in
        [("highs_min_abs_difference", abs), ("highs_min_required_resources", cover)]
    {
        let solve = || hotline_wfm::solve_coverage_milp(&required, &patterns, weights, None, 60.0);
        let mut s = solve()?;
        let started = Instant::now();
        for _ in 0..reps {
            s = solve()?;
        }
        let seconds = started.elapsed().as_secs_f64() / f64::from(reps.max(1));
        doc[key] = report(&s, seconds, &patterns, &names);
    }
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}
