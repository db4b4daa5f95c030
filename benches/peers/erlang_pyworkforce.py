#!/usr/bin/env python3
"""Times pyworkforce on the cases of benches/erlang.rs with Python's own timer (timeit).

Run by erlang_pyworkforce.sh inside a virtual environment that has pyworkforce installed.
Prints one JSON object: {"version": ..., "cases": {name: {"seconds": per-call time, "result": ...}}}.
"""

import json
import sys
import timeit
from importlib.metadata import version

from pyworkforce.queuing import ErlangC

try:  # Erlang A arrived in pyworkforce 0.5.4.
    from pyworkforce.queuing import ErlangA
except ImportError:  # pragma: no cover - 0.5.1
    ErlangA = None

# The same cases as benches/erlang.rs: 30-minute intervals, 3-minute calls, 80% within 20 s.
# pyworkforce takes minutes; its intensity is transactions / interval * aht.
ERLANG_C = {"833": 8330, "5000": 50000, "50000": 500000}


def per_call(fn, budget=2.0):
    """Best of three runs, each repeating `fn` enough times to take about `budget`/3 seconds."""
    timer = timeit.Timer(fn)
    first = timer.timeit(number=1)
    number = max(1, int(budget / 3 / max(first, 1e-9)))
    runs = [timer.timeit(number=number) / number for _ in range(3)]
    return min(runs + [first])


def main():
    cases = {}
    for name, transactions in ERLANG_C.items():
        model = ErlangC(transactions=transactions, aht=3, asa=20 / 60, interval=30)
        result = model.required_positions(service_level=0.8)
        seconds = per_call(lambda: model.required_positions(service_level=0.8))
        cases[f"erlang_c_required/{name}"] = {
            "seconds": seconds,
            "result": result["raw_positions"],
        }
        print(f"erlang_c_required/{name}: {seconds:.6g} s -> {result['raw_positions']}", file=sys.stderr)
    if ErlangA is not None:
        # 10 erlangs (100 calls in 30 minutes, 3 minutes each), 11 agents, patience 2 minutes.
        model = ErlangA(transactions=100, aht=3, asa=20 / 60, interval=30, patience=2)
        result = model.service_level(11)
        seconds = per_call(lambda: model.service_level(11))
        cases["erlang_a_service_level"] = {"seconds": seconds, "result": result}
        print(f"erlang_a_service_level: {seconds:.6g} s -> {result}", file=sys.stderr)
    print(json.dumps({"version": version("pyworkforce"), "cases": cases}))


if __name__ == "__main__":
    main()
