#!/usr/bin/env python3
"""Compare hotline-wfm's shift scheduler with pyworkforce's CP-SAT models on the same problems.

Run from the repository root:

    cargo run --release -p hotline-wfm --example schedule_compare -- target/wfm-sched
    pip install pyworkforce            # 0.5.1 with ortools 9.15 for the book's table
    python3 crates/hotline-wfm/scripts/compare_schedule.py target/wfm-sched [SECONDS]

The example writes `problem.json`: a week (7 days × 96 quarter hours) of required agents and the
1,600 shift patterns a day that hotline-wfm's templates expand to (breaks and lunches placed), as
pyworkforce's `shifts_coverage`, together with hotline-wfm's own results and times. This script
runs pyworkforce's `MinAbsDifference` and `MinRequiredResources` on the same requirement and
patterns with CP-SAT's time limit SECONDS (default 60) on 2 workers, and pyworkforce's own test
example (2 days × 24 periods × 4 shifts) for speed, and prints one table. Times include building
the model in Python.

Because CP-SAT may not find any solution of the week within the limit on a small machine, the
script also computes the linear-programming relaxation of both models with scipy's HiGHS
(`scipy.optimize.linprog`): a lower bound on the integer optimum that any schedule's objective can
be measured against.
"""
import json
import sys
import time

import numpy as np
from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, identity


def lp_bounds(required, coverage):
    """LP relaxations: min sum|Ax - r| and min sum x s.t. Ax >= r, summed over days."""
    cols = list(coverage.values())
    a = csr_matrix(np.array(cols, dtype=float).T)  # periods x patterns
    periods, n = a.shape
    abs_total, cover_total = 0.0, 0.0
    for r in required:
        r = np.array(r, dtype=float)
        # x, u, o >= 0 with A x + u - o = r; minimise sum u + sum o.
        eye = identity(periods, format="csr")
        res = linprog(
            np.concatenate([np.zeros(n), np.ones(2 * periods)]),
            A_eq=hstack([a, eye, -eye]),
            b_eq=r,
            bounds=(0, None),
            method="highs",
        )
        abs_total += res.fun
        res = linprog(np.ones(n), A_ub=-a, b_ub=-r, bounds=(0, None), method="highs")
        cover_total += res.fun
    return abs_total, cover_total


def main(path, limit):
    with open(f"{path}/problem.json") as f:
        doc = json.load(f)
    week = doc["week"]
    ours = doc["ours"]
    required = week["required"]
    coverage = week["shifts_coverage"]

    started = time.time()
    lp_abs, lp_cover = lp_bounds(required, coverage)
    print(f"LP bounds: {lp_abs:.1f}, {lp_cover:.1f} in {time.time() - started:.1f} s", file=sys.stderr)

    started = time.time()
    s = MinAbsDifference(
        num_days=len(required),
        periods=len(required[0]),
        shifts_coverage=coverage,
        required_resources=required,
        max_period_concurrency=2000,
        max_shift_concurrency=300,
        max_search_time=limit,
        num_search_workers=2,
    ).solve()
    abs_s = time.time() - started
    abs_bound = s.get("cost")
    print(f"pyworkforce MinAbsDifference: {s['status']} cost {s['cost']} in {abs_s:.1f} s", file=sys.stderr)

    started = time.time()
    r = MinRequiredResources(
        num_days=len(required),
        periods=len(required[0]),
        shifts_coverage=coverage,
        required_resources=required,
        max_period_concurrency=2000,
        max_shift_concurrency=300,
        max_search_time=limit,
        num_search_workers=2,
    ).solve()
    req_s = time.time() - started
    print(f"pyworkforce MinRequiredResources: {r['status']} cost {r['cost']} in {req_s:.1f} s", file=sys.stderr)

    small_req = [
        [9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
        [13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23, 16, 8],
    ]
    small_cov = {
        "Morning": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "Afternoon": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        "Night": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
        "Mixed": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    }
    reps = 10
    started = time.time()
    for _ in range(reps):
        small = MinAbsDifference(
            num_days=2, periods=24, shifts_coverage=small_cov, required_resources=small_req,
            max_period_concurrency=25, max_shift_concurrency=20,
        ).solve()
    small_s = (time.time() - started) / reps

    o_abs = ours["min_abs_difference"]
    o_req = ours["min_required_resources"]

    def gap(x, ref):
        return f"{100.0 * (x - ref) / ref:+.2f}%" if ref and ref > 0 else "—"

    def cost(sol):
        return f"{sol['cost']:.0f}" if sol["cost"] >= 0 else "none found"

    print("| problem | solver | status | objective | seconds | vs LP bound |")
    print("|---|---|---|---|---|---|")
    print(f"| week, min abs difference | LP relaxation (HiGHS), a lower bound | — | {lp_abs:.1f} | | |")
    print(f"| week, min abs difference | pyworkforce (CP-SAT, {limit:.0f} s limit) | {s['status']} | {cost(s)} | {abs_s:.1f} | {gap(s['cost'], lp_abs) if s['cost'] >= 0 else '—'} |")
    print(f"| week, min abs difference | hotline-wfm | — | {o_abs['objective']:.0f} | {o_abs['seconds']:.1f} | {gap(o_abs['objective'], lp_abs)} |")
    print(f"| week, min required resources (shifts) | LP relaxation (HiGHS), a lower bound | — | {lp_cover:.1f} | | |")
    print(f"| week, min required resources (shifts) | pyworkforce (CP-SAT, {limit:.0f} s limit) | {r['status']} | {cost(r)} | {req_s:.1f} | {gap(r['cost'], lp_cover) if r['cost'] >= 0 else '—'} |")
    print(f"| week, min required resources (shifts) | hotline-wfm (under = {o_req['under']}) | — | {o_req['shifts']} | {o_req['seconds']:.1f} | {gap(o_req['shifts'], lp_cover)} |")
    print(f"| pyworkforce example, min abs difference | pyworkforce | {small['status']} | {small['cost']:.0f} | {small_s:.4f} | |")
    print(f"| pyworkforce example, min abs difference | hotline-wfm | — | {ours['small']['objective']:.0f} | {ours['small']['seconds']:.4f} | |")
    print(f"| | speed-up | | | {small_s / ours['small']['seconds']:.1f}× | |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/wfm-sched", float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)
