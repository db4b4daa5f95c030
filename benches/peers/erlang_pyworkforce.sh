#!/usr/bin/env bash
# Speed of hotline-erlang against pyworkforce, on the same machine and cases, in the same run.
#
#   benches/peers/erlang_pyworkforce.sh            # criterion with short times, then the table
#
# 1. Installs pyworkforce from PyPI into a virtual environment under target/peers/ (0.5.4, which
#    has Erlang A but declares Python 3.12, with --ignore-requires-python; else 0.5.1, Erlang C only).
# 2. Times pyworkforce with Python's timeit (erlang_pyworkforce.py).
# 3. Runs `cargo bench -p hotline-benches --bench erlang` (short warm-up and measurement times, to
#    spare a shared machine) and reads criterion's mean estimates.
# 4. Prints a Markdown table of both times and the ratio, and the answers of both for comparison.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
venv=target/peers/pyworkforce-venv
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import pyworkforce" 2>/dev/null; then
  # Binary wheels only: pyworkforce's dependencies (numpy, pandas, ortools) must not be compiled.
  "$venv/bin/pip" install --quiet --only-binary=:all: --ignore-requires-python "pyworkforce==0.5.4" ||
    "$venv/bin/pip" install --quiet --only-binary=:all: "pyworkforce==0.5.1"
fi
peer_json=$("$venv/bin/python" benches/peers/erlang_pyworkforce.py)

cargo bench -p hotline-benches --bench erlang -- --warm-up-time 1 --measurement-time "${MEASURE:-3}" >&2

PEER_JSON="$peer_json" "$python" - <<'PY'
import json, os, platform
peer = json.loads(os.environ["PEER_JSON"])
print(f"pyworkforce {peer['version']} (Python {platform.python_version()}) vs hotline-erlang, "
      f"{platform.machine()}, {os.cpu_count()} CPUs\n")
print("| case | pyworkforce | hotline-erlang | ratio | pyworkforce answer | hotline answer |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, case in peer["cases"].items():
    path = os.path.join("target", "criterion", *name.split("/"), "new", "estimates.json")
    with open(path) as f:
        ours = json.load(f)["mean"]["point_estimate"] * 1e-9
    answer_path = os.path.join("target", "criterion", "erlang-answers.json")
    answers = json.load(open(answer_path)) if os.path.exists(answer_path) else {}
    def fmt(s):
        return f"{s * 1e3:.3f} ms" if s >= 1e-3 else f"{s * 1e6:.3f} µs"
    print(f"| {name} | {fmt(case['seconds'])} | {fmt(ours)} | {case['seconds'] / ours:,.0f}× "
          f"| {case['result']} | {answers.get(name, '')} |")
PY
