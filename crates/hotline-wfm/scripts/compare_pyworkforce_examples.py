#!/usr/bin/env python3
"""Time every scheduling and rostering example pyworkforce 0.5.1 ships against hotline-wfm on the
same inputs, in one run, and print the book's table.

Run from the repository root:

    cargo build --release -p hotline-wfm --example pyworkforce_examples
    pip install pyworkforce            # 0.5.1 with ortools 9.15 for the book's table
    python3 crates/hotline-wfm/scripts/compare_pyworkforce_examples.py [REPS] [BINARY]

pyworkforce 0.5.1's examples (its repository's `examples/` at tag 0.5.1):

- `scheduling/min_abs_difference.py`: `MinAbsDifference`, 2 days x 24 periods x 4 shifts, at
  most 27 workers in a period (`max_period_concurrency`) and 25 in a shift
  (`max_shift_concurrency`).
- `scheduling/min_required_resources.py`: `MinRequiredResources` on the same input. The example
  defines a `cost_dict` but does not pass it to the scheduler, so every shift costs 1; the
  weighted variant is run too (hotline-wfm has one cost for every shift, so it has no row there).
- `rostering/min_hours_roster.py` with `rostering_data.json`: `MinHoursRoster`, 55 resources x 7
  days x 4 shifts. hotline-wfm has no such model (its `roster` assigns the shifts of a schedule to
  agents; it does not add shifts to give every agent a minimum of working days and hours), so only
  pyworkforce is timed. The data are read from `ROSTERING_JSON` (default: the copy written next to
  this script's output by `git show 0.5.1:examples/rostering/rostering_data.json`); the row is left
  out when the file is missing.

Each solve is timed REPS times (default 20 for pyworkforce, building the model in Python as its
examples do, after one warm-up) and the hotline-wfm binary solves each problem 200 times after one
warm-up in its own process. The script recomputes hotline-wfm's objective from its head counts and
checks them against pyworkforce's caps, so the table does not take the binary's word for either.
"""
import json
import os
import statistics
import subprocess
import sys
import time

from pyworkforce.rostering.binary_programming import MinHoursRoster
from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

REQUIRED = [
    [9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
    [13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23, 16, 8],
]
COVERAGE = {
    "Morning": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "Afternoon": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    "Night": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
    "Mixed": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
}
COST = {"Morning": 1, "Afternoon": 1.2, "Night": 2, "Mixed": 1.5}
PERIOD_CAP, SHIFT_CAP = 27, 25


def timed(make, reps):
    """Mean seconds of `make().solve()` over `reps` runs after a warm-up, and the last solution."""
    make().solve()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        sol = make().solve()
        times.append(time.perf_counter() - started)
    return sol, statistics.mean(times)


def recount(counts):
    """Coverage per day and period from head counts per day and shift; under, over, peaks."""
    under = over = peak = 0
    for d, day in enumerate(counts):
        for p in range(24):
            c = sum(n * cov[p] for n, cov in zip(day, COVERAGE.values()))
            r = REQUIRED[d][p]
            under += max(r - c, 0)
            over += max(c - r, 0)
            peak = max(peak, c)
    return under, over, peak


def main(reps, binary):
    ours = json.loads(subprocess.run([binary], capture_output=True, text=True, check=True).stdout)
    common = dict(num_days=2, periods=24, shifts_coverage=COVERAGE, required_resources=REQUIRED,
                  max_period_concurrency=PERIOD_CAP, max_shift_concurrency=SHIFT_CAP)
    abs_sol, abs_s = timed(lambda: MinAbsDifference(**common), reps)
    req_sol, req_s = timed(lambda: MinRequiredResources(**common), reps)
    cost_sol, cost_s = timed(lambda: MinRequiredResources(**common, cost_dict=COST), reps)

    roster = None
    path = os.environ.get("ROSTERING_JSON", "target/pyworkforce-0.5.1/rostering_data.json")
    if os.path.exists(path):
        with open(path) as f:
            d = json.load(f)
        roster = timed(lambda: MinHoursRoster(
            num_days=d["num_days"], resources=d["resources"], shifts=d["shifts"],
            shifts_hours=d["shifts_hours"], min_working_hours=d["min_working_hours"],
            max_resting=d["max_resting"], non_sequential_shifts=d["non_sequential_shifts"],
            banned_shifts=d["banned_shifts"], required_resources=d["required_resources"],
            resources_preferences=d["resources_preferences"],
            resources_prioritization=d["resources_prioritization"]), max(1, reps // 4))
    else:
        print(f"{path} not found: MinHoursRoster not run", file=sys.stderr)

    def ours_row(name, o, objective):
        under, over, peak = recount(o["counts"])
        peak_shift = max(max(day) for day in o["counts"])
        caps = "keeps both caps" if peak <= PERIOD_CAP and peak_shift <= SHIFT_CAP else "BREAKS A CAP"
        assert (under, over) == (o["under"], o["over"]), "hotline-wfm's under/over do not recount"
        return f"| {name} | hotline-wfm (bound {o['lower_bound']:.0f}; {caps}) | {objective(under, over, o):.0f} | {1e3 * o['seconds']:.4f} |"

    print(f"pyworkforce {reps} solves each after a warm-up; hotline-wfm {ours['reps']} solves each")
    print()
    print("| example | solver | objective | ms per solve | speed-up |")
    print("|---|---|---|---|---|")
    a = ours["min_abs_difference"]
    print(f"| `MinAbsDifference` (2 days x 24 h x 4 shifts) | pyworkforce, {abs_sol['status']} | {abs_sol['cost']:.0f} | {1e3 * abs_s:.3f} | |")
    print(ours_row("`MinAbsDifference`", a, lambda u, o, _: u + o) + f" {abs_s / a['seconds']:.1f}x |")
    if "highs_min_abs_difference" in ours:
        h = ours["highs_min_abs_difference"]
        print(ours_row("`MinAbsDifference`", h, lambda u, o, _: u + o).replace("hotline-wfm", "hotline-wfm `highs` (MILP)") + f" {abs_s / h['seconds']:.1f}x |")
    c = ours["min_required_resources"]
    print(f"| `MinRequiredResources` (as shipped: every shift costs 1) | pyworkforce, {req_sol['status']} | {req_sol['cost']:.0f} | {1e3 * req_s:.3f} | |")
    print(ours_row("`MinRequiredResources`", c, lambda u, o, x: x["shifts"] if u == 0 else float("nan")) + f" {req_s / c['seconds']:.1f}x |")
    if "highs_min_required_resources" in ours:
        h = ours["highs_min_required_resources"]
        print(ours_row("`MinRequiredResources`", h, lambda u, o, x: x["shifts"] if u == 0 else float("nan")).replace("hotline-wfm", "hotline-wfm `highs` (MILP)") + f" {req_s / h['seconds']:.1f}x |")
    print(f"| `MinRequiredResources` with the example's `cost_dict` passed | pyworkforce, {cost_sol['status']} | {cost_sol['cost']:.1f} | {1e3 * cost_s:.3f} | |")
    print("| `MinRequiredResources` with `cost_dict` | hotline-wfm | no model (one cost for every shift) | | |")
    if roster:
        sol, s = roster
        print(f"| `MinHoursRoster` (55 resources x 7 days x 4 shifts) | pyworkforce, {sol['status']} | {sol['cost']:.0f} ({sol['shifted_hours']} h, {sol['total_shifts']} shifts) | {1e3 * s:.1f} | |")
        print("| `MinHoursRoster` | hotline-wfm | no model (`roster` assigns a schedule's shifts; it does not add shifts) | | |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20,
         sys.argv[2] if len(sys.argv) > 2 else "target/release/examples/pyworkforce_examples")
