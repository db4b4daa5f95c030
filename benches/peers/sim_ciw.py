#!/usr/bin/env python3
"""Times ciw on M/M/14 (the case of sim_ciw_mm14.toml) and prints one JSON object.

Run by sim_ciw.sh inside a virtual environment that has ciw installed. Time unit: minutes;
arrivals at 4.2 a minute, exponential service of mean 3 minutes, 14 servers, 20,000 minutes a
run, `REPS` runs (seeds 1..REPS). Customers are the records ciw returns (customers who finished
service). The time is the process's CPU time (time.process_time), as the machine may be shared.
"""

import json
import os
import time
from importlib.metadata import version

import ciw

REPS = int(os.environ.get("REPS", "3"))
HORIZON = 20000.0


def one(seed):
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=4.2)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / 3.0)],
        number_of_servers=[14],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(HORIZON)
    records = sim.get_all_records()
    waits = [r.waiting_time for r in records]
    return len(records), sum(waits) / len(waits)


start = time.process_time()
customers, mean_waits = 0, []
for seed in range(1, REPS + 1):
    n, w = one(seed)
    customers += n
    mean_waits.append(w)
cpu = time.process_time() - start
print(json.dumps({
    "version": version("ciw"),
    "customers": customers,
    "cpu_s": cpu,
    "customers_per_s": customers / cpu,
    "mean_wait_s": 60.0 * sum(mean_waits) / len(mean_waits),
}))
