//! The scheduling model as a mixed-integer program, solved by HiGHS (cargo feature `highs`).
//!
//! Each day is one MILP: an integer head count `x_j ≥ 0` per pattern, a shortfall `u_i ≥ 0` and a
//! surplus `o_i ≥ 0` per interval, `Σ_{j covers i} x_j + u_i − o_i = required_i`, optionally
//! `Σ_{j on shift at i} x_j ≤ cap`, minimising `per_shift·Σx + under·Σu + over·Σo`: the model
//! [`solve`](crate::solve) searches, handed to a branch-and-cut solver. It proves optimality (or
//! reports its gap) where the pure-Rust search gives a schedule and a relaxation bound.

use highs::{ColProblem, HighsModelStatus, HighsSolutionStatus, Sense};

use crate::error::{WfmError, invalid};
use crate::schedule::{
    CoverageSolution, DaySchedule, Pattern, Schedule, ScheduleProblem, Weights, check_weights,
    raw_patterns,
};

/// One day solved: head count per pattern and HiGHS's bound on the day's optimum (the objective
/// itself, within HiGHS's relative gap of 10⁻⁴, when it proved the counts optimal).
struct DayMilp {
    counts: Vec<u32>,
    bound: f64,
}

fn solve_day(
    patterns: &[Pattern],
    required: &[u32],
    weights: Weights,
    cap: Option<u32>,
    seconds: f64,
    day: usize,
) -> Result<DayMilp, WfmError> {
    let mut pb = ColProblem::default();
    let rows: Vec<_> = required.iter().map(|&r| pb.add_row(f64::from(r)..=f64::from(r))).collect();
    let cap_rows: Option<Vec<_>> =
        cap.map(|c| required.iter().map(|_| pb.add_row(..=f64::from(c))).collect());
    for p in patterns {
        let mut column: Vec<_> = p.cover.iter().map(|&i| (rows[i as usize], 1.0)).collect();
        if let Some(cap_rows) = &cap_rows {
            column.extend(p.present.clone().map(|i| (cap_rows[i as usize], 1.0)));
        }
        pb.add_integer_column(weights.per_shift, 0.., column);
    }
    for &row in &rows {
        pb.add_column(weights.under, 0.., [(row, 1.0)]);
        pb.add_column(weights.over, 0.., [(row, -1.0)]);
    }
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    model.set_option("time_limit", seconds.max(0.01));
    let solved = model.solve();
    let status = solved.status();
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        return Err(invalid(
            "highs",
            format!("day {day}: HiGHS found no schedule (model status {status:?})"),
        ));
    }
    let optimal = status == HighsModelStatus::Optimal;
    let objective = solved.objective_value();
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite())
        .unwrap_or(if optimal { objective } else { 0.0 });
    let solution = solved.get_solution();
    let counts =
        solution.columns()[..patterns.len()].iter().map(|&v| v.round().max(0.0) as u32).collect();
    Ok(DayMilp { counts, bound })
}

/// Coverage per interval of `counts` on `patterns`, and its shortfall and surplus.
fn coverage(patterns: &[Pattern], counts: &[u32], required: &[u32]) -> (Vec<u32>, u64, u64) {
    let mut cover = vec![0u32; required.len()];
    for (p, &c) in patterns.iter().zip(counts) {
        for &i in &p.cover {
            cover[i as usize] += c;
        }
    }
    let (mut under, mut over) = (0u64, 0u64);
    for (&c, &r) in cover.iter().zip(required) {
        under += u64::from(r.saturating_sub(c));
        over += u64::from(c.saturating_sub(r));
    }
    (cover, under, over)
}

fn check_seconds(seconds: f64) -> Result<(), WfmError> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(invalid("time_limit_seconds", format!("{seconds} is not a positive number")));
    }
    Ok(())
}

/// [`solve`](crate::solve)'s problem solved exactly, day by day, by the HiGHS MILP solver
/// (cargo feature `highs`), with at most `time_limit_seconds` for the whole horizon (shared
/// equally by its days).
///
/// [`Schedule::lower_bound`] is the sum of HiGHS's dual bounds: equal to the objective (within
/// HiGHS's relative gap of 10⁻⁴) on days it solved to optimality. On a day the time ran out, the
/// best schedule HiGHS found is kept. `effort` and `seed` are not used.
///
/// # Errors
///
/// As [`ScheduleProblem::check`]; [`WfmError::Invalid`] naming `skill_required` (the MILP counts
/// one skill; [`solve`](crate::solve) allocates several), `time_limit_seconds`, or `highs` when
/// it found no schedule of a day in its time.
pub fn solve_milp(
    problem: &ScheduleProblem,
    time_limit_seconds: f64,
) -> Result<Schedule, WfmError> {
    problem.check()?;
    check_seconds(time_limit_seconds)?;
    if !problem.skill_required.is_empty() {
        return Err(invalid(
            "skill_required",
            "the HiGHS solver schedules one skill; `solve` allocates agents to several",
        ));
    }
    let per_day = time_limit_seconds / problem.required.len().max(1) as f64;
    let mut cache: Vec<Option<Vec<Pattern>>> = vec![None; 7];
    let mut days = Vec::with_capacity(problem.required.len());
    let (mut under, mut over, mut shift_count, mut bound) = (0u64, 0u64, 0u64, 0.0);
    for (d, required) in problem.required.iter().enumerate() {
        let weekday = (usize::from(problem.first_weekday) + d) % 7;
        if cache[weekday].is_none() {
            cache[weekday] = Some(problem.patterns(weekday as u8)?);
        }
        let Some(patterns) = cache[weekday].as_ref() else { continue };
        let counts = if patterns.is_empty() {
            bound += problem.weights.under * f64::from(required.iter().sum::<u32>());
            Vec::new()
        } else {
            let day = solve_day(
                patterns,
                required,
                problem.weights,
                problem.max_concurrency,
                per_day,
                d,
            )?;
            bound += day.bound;
            day.counts
        };
        let (cover, u, o) = coverage(patterns, &counts, required);
        under += u;
        over += o;
        let shifts: Vec<_> = patterns
            .iter()
            .zip(&counts)
            .filter(|&(_, &c)| c > 0)
            .map(|(p, &c)| (p.shift.clone(), c))
            .collect();
        shift_count += shifts.iter().map(|(_, c)| u64::from(*c)).sum::<u64>();
        days.push(DaySchedule { shifts, coverage: cover });
    }
    let w = problem.weights;
    Ok(Schedule {
        interval_minutes: problem.interval_minutes,
        first_weekday: problem.first_weekday,
        days,
        under,
        over,
        objective: w.cost(under, over, shift_count),
        shift_count,
        lower_bound: Some(bound),
    })
}

/// [`solve_coverage`](crate::solve_coverage)'s problem (raw coverage patterns, pyworkforce's
/// form) solved by the HiGHS MILP solver (cargo feature `highs`), with at most
/// `time_limit_seconds` for all days. The concurrency cap counts an agent from a pattern's first
/// period to its last, as in `solve_coverage`. `lower_bound` is the sum of HiGHS's dual bounds.
///
/// # Errors
///
/// As [`solve_coverage`](crate::solve_coverage); [`WfmError::Invalid`] naming
/// `time_limit_seconds`, or `highs` when it found no solution of a day in its time.
pub fn solve_coverage_milp(
    required: &[Vec<u32>],
    patterns: &[Vec<u32>],
    weights: Weights,
    max_concurrency: Option<u32>,
    time_limit_seconds: f64,
) -> Result<CoverageSolution, WfmError> {
    check_weights(weights)?;
    check_seconds(time_limit_seconds)?;
    let (_, list) = raw_patterns(required, patterns)?;
    let per_day = time_limit_seconds / required.len() as f64;
    let mut counts = Vec::with_capacity(required.len());
    let (mut under, mut over, mut shift_count, mut bound) = (0u64, 0u64, 0u64, 0.0);
    for (d, req) in required.iter().enumerate() {
        let day = solve_day(&list, req, weights, max_concurrency, per_day, d)?;
        let (_, u, o) = coverage(&list, &day.counts, req);
        under += u;
        over += o;
        shift_count += day.counts.iter().map(|&c| u64::from(c)).sum::<u64>();
        bound += day.bound;
        counts.push(day.counts);
    }
    Ok(CoverageSolution {
        counts,
        under,
        over,
        shift_count,
        objective: weights.cost(under, over, shift_count),
        lower_bound: Some(bound),
    })
}
