#!/usr/bin/env bash
# Speed of hotline-sim against ciw (Python) on M/M/14, on the same machine, in the same run.
#
#   benches/peers/sim_ciw.sh            # REPS=3 ciw runs, 10 hotline-sim replications
#   HOTLINE=target/release/hotline benches/peers/sim_ciw.sh   # without building
#
# 1. Installs ciw from PyPI into a virtual environment under target/peers/ (binary wheels only).
# 2. Runs ciw on M/M/14 (sim_ciw.py) and times it with its own CPU time.
# 3. Builds the `hotline` command (release) and runs `hotline sim run sim_ciw_mm14.toml
#    --threads 1 --json` (the same M/M/14, one thread), timed by the child's CPU time.
# 4. Prints customers per CPU second for both, the ratio, and both mean waits as a sanity check
#    (Erlang C: 79.0 s for this case).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
venv=target/peers/ciw-venv
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import ciw" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --only-binary=:all: ciw
fi
peer_json=$("$venv/bin/python" benches/peers/sim_ciw.py)

# HOTLINE=path/to/hotline skips the build and uses that binary.
if [ -z "${HOTLINE:-}" ]; then
  cargo build --release --quiet -p hotline-cli >&2
fi
export HOTLINE=${HOTLINE:-target/release/hotline}

PEER_JSON="$peer_json" "$python" - <<'PY'
import json, os, platform, resource, subprocess
peer = json.loads(os.environ["PEER_JSON"])
before = resource.getrusage(resource.RUSAGE_CHILDREN)
out = subprocess.run(
    [os.environ["HOTLINE"], "sim", "run", "benches/peers/sim_ciw_mm14.toml",
     "--threads", "1", "--json"],
    check=True, capture_output=True, text=True).stdout
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
report = json.loads(out)
overall = report["overall"]
customers = overall["offered"]["mean"] * report["replications"]
ours = customers / cpu
print(f"ciw {peer['version']} vs hotline-sim on M/M/14 (12.6 erlangs), {platform.machine()}, "
      f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n")
print("| simulator | customers | CPU s | customers/s | mean wait |")
print("| --- | ---: | ---: | ---: | ---: |")
print(f"| ciw {peer['version']} | {peer['customers']:,} | {peer['cpu_s']:.2f} "
      f"| {peer['customers_per_s']:,.0f} | {peer['mean_wait_s']:.1f} s |")
print(f"| hotline-sim (1 thread) | {customers:,.0f} | {cpu:.2f} | {ours:,.0f} "
      f"| {overall['mean_wait_s']['mean']:.1f} s |")
print(f"\nhotline-sim / ciw: {ours / peer['customers_per_s']:.0f}x customers per CPU second")
PY
