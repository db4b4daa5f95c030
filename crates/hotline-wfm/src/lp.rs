//! The linear-programming relaxation of one day's pattern-count problem, solved by a dense primal
//! simplex, and the lower bound it gives.
//!
//! The day's problem: counts `x_j ≥ 0` of patterns, shortfall `u_i ≥ 0` and surplus `o_i ≥ 0` per
//! period, with `Σ_j a_ij x_j + u_i − o_i = r_i` and cost `per_shift Σ x + under Σ u + over Σ o`.
//! The shortfall (or, where `r_i` is negative after fixing counts, the surplus) of each row is a
//! feasible first basis, so no first phase is needed. A day has one row per period (96 in 15
//! minutes) and a few thousand columns, so a dense tableau is small and each pivot cheap.
//!
//! The search uses the relaxation twice: its optimum is a lower bound on the integer objective
//! (reported in [`crate::Schedule::lower_bound`]), and "diving" on it (fix the integer parts,
//! round the largest fractional count up, solve again) gives a start within a few shifts of the
//! bound, which the local search then polishes.

/// Largest tableau (rows × columns) the relaxation is tried on; larger days use the local search
/// alone.
pub(crate) const MAX_TABLEAU: usize = 12_000_000;

/// An optimal (or, after the pivot limit, feasible) basic solution.
pub(crate) struct LpSolution {
    /// Pattern counts.
    pub(crate) x: Vec<f64>,
    /// The objective of `x` with its shortfall and surplus.
    pub(crate) objective: f64,
    /// Whether the simplex proved optimality (then `objective` is a lower bound).
    pub(crate) optimal: bool,
    /// Pivots made.
    pub(crate) pivots: usize,
}

/// Minimises `per_shift Σ x + under Σ u + over Σ o` subject to `A x + u − o = rhs`, with `A`'s
/// column `j` the periods in `cover[j]`, over `periods` rows, in at most `max_pivots` pivots
/// (then the basis reached: feasible, not proven optimal).
pub(crate) fn solve(
    cover: &[&[u32]],
    periods: usize,
    rhs: &[f64],
    (per_shift, under, over): (f64, f64, f64),
    max_pivots: usize,
) -> LpSolution {
    let n = cover.len();
    let m = periods;
    let cols = n + 2 * m;
    let width = cols + 1; // the right-hand side last
    let mut t = vec![0.0f64; m * width];
    let mut basis = vec![0usize; m];
    let mut cost = vec![per_shift; cols];
    for i in 0..m {
        cost[n + i] = under;
        cost[n + m + i] = over;
    }
    for (j, c) in cover.iter().enumerate() {
        for &p in c.iter() {
            t[p as usize * width + j] = 1.0;
        }
    }
    for i in 0..m {
        let row = &mut t[i * width..(i + 1) * width];
        row[n + i] = 1.0;
        row[n + m + i] = -1.0;
        row[cols] = rhs[i];
        if rhs[i] < 0.0 {
            // The surplus is the basic variable of this row: negate it.
            for v in row.iter_mut() {
                *v = -*v;
            }
            basis[i] = n + m + i;
        } else {
            basis[i] = n + i;
        }
    }
    // Reduced costs d_j = c_j − c_B B⁻¹ a_j; with the tableau already B⁻¹A, d = c − c_B T.
    let mut d = cost.clone();
    for i in 0..m {
        let cb = cost[basis[i]];
        if cb != 0.0 {
            let row = &t[i * width..(i + 1) * width];
            for (dj, &v) in d.iter_mut().zip(&row[..cols]) {
                *dj -= cb * v;
            }
        }
    }
    let eps = 1e-9;
    let limit = max_pivots;
    let mut optimal = false;
    let mut pivots = 0;
    let mut pivot_row = vec![0.0f64; width];
    for iteration in 0..limit {
        // Entering: the most negative reduced cost (Bland's smallest index every 50th pivot, which
        // breaks the rare cycle of a degenerate covering problem).
        let mut q = usize::MAX;
        let mut best = -eps;
        if iteration % 50 == 49 {
            if let Some(j) = d.iter().position(|&v| v < -eps) {
                q = j;
            }
        } else {
            for (j, &v) in d.iter().enumerate() {
                if v < best {
                    best = v;
                    q = j;
                }
            }
        }
        if q == usize::MAX {
            optimal = true;
            break;
        }
        // Leaving: the ratio test, ties to the smallest basic index.
        let mut p = usize::MAX;
        let mut ratio = f64::INFINITY;
        for i in 0..m {
            let a = t[i * width + q];
            if a > eps {
                let r = t[i * width + cols] / a;
                if r < ratio - 1e-12
                    || (r <= ratio + 1e-12 && p != usize::MAX && basis[i] < basis[p])
                {
                    ratio = r;
                    p = i;
                }
            }
        }
        if p == usize::MAX {
            // Unbounded: impossible with non-negative costs; stop with the feasible basis.
            break;
        }
        let a = t[p * width + q];
        for (dst, &v) in pivot_row.iter_mut().zip(&t[p * width..(p + 1) * width]) {
            *dst = v / a;
        }
        pivot_row[q] = 1.0;
        t[p * width..(p + 1) * width].copy_from_slice(&pivot_row);
        for i in 0..m {
            if i == p {
                continue;
            }
            let row = &mut t[i * width..(i + 1) * width];
            let f = row[q];
            if f != 0.0 {
                for (v, &pv) in row.iter_mut().zip(&pivot_row) {
                    *v -= f * pv;
                }
                row[q] = 0.0;
            }
        }
        let f = d[q];
        for (dj, &pv) in d.iter_mut().zip(&pivot_row[..cols]) {
            *dj -= f * pv;
        }
        d[q] = 0.0;
        basis[p] = q;
        pivots += 1;
    }
    let mut x = vec![0.0; n];
    let mut objective = 0.0;
    for i in 0..m {
        let v = t[i * width + cols].max(0.0);
        objective += cost[basis[i]] * v;
        if basis[i] < n {
            x[basis[i]] = v;
        }
    }
    LpSolution { x, objective, optimal, pivots }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_exactly_where_patterns_tile_the_requirement() {
        // Periods 0..4, patterns {0,1}, {2,3}, {1,2}; requirement 2,2,1,1: 2 × {0,1} + 1 × {2,3}.
        let p: Vec<Vec<u32>> = vec![vec![0, 1], vec![2, 3], vec![1, 2]];
        let cover: Vec<&[u32]> = p.iter().map(Vec::as_slice).collect();
        let s = solve(&cover, 4, &[2.0, 2.0, 1.0, 1.0], (0.0, 1.0, 1.0), 10_000);
        assert!(s.optimal);
        assert!(s.objective.abs() < 1e-9);
        assert!((s.x[0] - 2.0).abs() < 1e-9 && (s.x[1] - 1.0).abs() < 1e-9 && s.x[2].abs() < 1e-9);
    }

    #[test]
    fn fractional_optimum_of_an_odd_cycle() {
        // Three periods, patterns cover two each in a cycle; covering 1,1,1 with fewest shifts
        // has LP optimum 1.5 (each pattern 1/2) and integer optimum 2.
        let p: Vec<Vec<u32>> = vec![vec![0, 1], vec![1, 2], vec![0, 2]];
        let cover: Vec<&[u32]> = p.iter().map(Vec::as_slice).collect();
        let s = solve(&cover, 3, &[1.0, 1.0, 1.0], (1.0, 100.0, 0.0), 10_000);
        assert!(s.optimal);
        assert!((s.objective - 1.5).abs() < 1e-9, "{}", s.objective);
    }

    #[test]
    fn the_pivot_limit_stops_at_a_feasible_basis_not_called_optimal() {
        let p: Vec<Vec<u32>> = vec![vec![0, 1], vec![2, 3], vec![1, 2]];
        let cover: Vec<&[u32]> = p.iter().map(Vec::as_slice).collect();
        let s = solve(&cover, 4, &[2.0, 2.0, 1.0, 1.0], (0.0, 1.0, 1.0), 1);
        assert_eq!(s.pivots, 1);
        assert!(!s.optimal);
        // One pivot from the all-shortfall start (cost 6) already improves it.
        assert!(s.objective < 6.0 && s.objective > 0.0, "{}", s.objective);
    }

    #[test]
    fn negative_right_hand_side_starts_from_the_surplus() {
        // One pattern over both periods already fixed twice over a requirement of 1: rhs −1.
        let p: Vec<Vec<u32>> = vec![vec![0, 1]];
        let cover: Vec<&[u32]> = p.iter().map(Vec::as_slice).collect();
        let s = solve(&cover, 2, &[-1.0, -1.0], (0.0, 1.0, 1.0), 10_000);
        assert!(s.optimal);
        assert!((s.objective - 2.0).abs() < 1e-9);
        assert!(s.x[0].abs() < 1e-9);
    }
}
