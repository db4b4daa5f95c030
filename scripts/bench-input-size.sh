#!/usr/bin/env bash
# Peak memory of the hotline command given 200 MB inputs (issue 25: 10-16 GB before the limits).
#   ./scripts/bench-input-size.sh [path/to/hotline]
# Builds the release binary unless one is given; writes the inputs to a temporary folder (about
# 1 GB, removed at the end) and prints each command's exit status and peak memory as measured by
# GNU time (`apt-get install time`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release -p hotline-cli
  bin=target/release/hotline
fi
size_mb=${SIZE_MB:-200}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# A TOML file of SIZE_MB megabytes made of one table repeated.
toml() { # file table
  python3 - "$1" "$2" "$size_mb" <<'PY'
import sys
path, table, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    i, n = 0, 0
    while n < mb * 1_000_000:
        chunk = "".join(f'[[{table}]]\nname = "item-{j:08}"\n\n' for j in range(i, i + 10000))
        f.write(chunk); n += len(chunk); i += 10000
PY
}
toml "$dir/acd.toml" queues
toml "$dir/calendar.toml" holiday
toml "$dir/scenario.toml" call_types
toml "$dir/calls.toml" call
toml "$dir/definition.toml" step
printf 'flow "x"\nstart a\nhangup a {}\n' > "$dir/ok.ivr"
python3 -c "
import sys
with open('$dir/forecast.csv','w') as f:
    f.write('start,calls,aht\n')
    n=0
    while n < $size_mb*1_000_000:
        line='09:00,100,180\n'*10000; f.write(line); n+=len(line)
"
toml "$dir/shifts.toml" templates
"$bin" flow init --store "$dir/orders.db" >/dev/null
"$bin" wfm generate --first 2025-03-03 --days 14 --daily-volume 2000 -o "$dir/history.csv" >/dev/null
python3 -c "
with open('$dir/day.csv','w') as f:
    f.write('timestamp,scheduled\\n' + ''.join(f'2026-03-02T{k//2:02}:{30*(k%2):02},2\\n' for k in range(48)))
"

measure() { # label args...
  local label=$1; shift
  local status=0
  /usr/bin/time -v -o "$dir/time.txt" "$bin" "$@" >/dev/null 2>"$dir/err.txt" || status=$?
  local kib
  kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
  printf '%-28s exit %s  peak %7.1f MB  %s\n' "$label" "$status" "$(echo "$kib / 1024" | bc -l)" \
    "$(head -c 100 "$dir/err.txt" | tr '\n' ' ')"
}
echo "inputs: ${size_mb} MB each ($(du -sh "$dir" | cut -f1) in all)"
measure "acd check" acd check "$dir/acd.toml"
measure "calendar check" calendar check "$dir/calendar.toml"
measure "calendar add --cal" calendar add --cal "$dir/calendar.toml" --from now --working-days 1
measure "sim run" sim run "$dir/scenario.toml"
measure "ivr test (calls file)" ivr test "$dir/ok.ivr" "$dir/calls.toml"
measure "flow deploy" flow deploy "$dir/definition.toml" --store "$dir/orders.db"
measure "staff --forecast (CSV)" staff --forecast "$dir/forecast.csv"
measure "sim check" sim check "$dir/scenario.toml"
measure "flow check" flow check "$dir/definition.toml"
measure "wfm forecast --cal" wfm forecast "$dir/history.csv" --horizon 1d --cal "$dir/calendar.toml"
measure "wfm schedule --config" wfm schedule "$dir/day.csv" --config "$dir/shifts.toml"
