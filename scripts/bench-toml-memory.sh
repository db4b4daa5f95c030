#!/usr/bin/env bash
# Peak memory of the hotline command reading valid TOML files just under the 1 MiB limit (issue
# 25: parsing took about 65 times the file's size), for one binary or two side by side:
#   ./scripts/bench-toml-memory.sh path/to/new/hotline [path/to/old/hotline]
# Writes a 1 MiB ACD configuration (agents), calendar (holidays), scenario (agent groups), IVR
# calls file (calls), calendar for `wfm forecast --cal` and `wfm schedule` configuration
# (templates) to a temporary folder, and prints each command's peak resident set as GNU
# time measures it (`apt-get install time`), with a one-queue ACD file as the baseline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
new=${1:?usage: bench-toml-memory.sh NEW [OLD]}
old=${2:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
size=${SIZE_BYTES:-1048000}

python3 - "$dir" "$size" <<'PY'
import sys, datetime
folder, size = sys.argv[1], int(sys.argv[2])
def write(name, head, item):
    out, n, i = [head], len(head.encode()), 0
    while True:
        s = item(i)
        if n + len(s.encode()) > size:
            break
        out.append(s); n += len(s.encode()); i += 1
    open(f"{folder}/{name}", "w").write("".join(out))
write("acd.toml",
      'skills = ["billing", "tech"]\nlanguages = ["en", "de"]\n\n'
      '[[queues]]\nname = "billing"\npolicy = "skills-best-match"\n\n'
      '[[queues]]\nname = "tech"\npolicy = "skills-best-match"\n\n',
      lambda i: f'[[agents]]\nname = "agent-{i:06}"\nskills = {{ billing = {i%10+1}, tech = {(i*7)%10+1} }}\n'
                f'languages = ["en"]\nqueues = [{{ queue = "billing", tier = 1 }}, {{ queue = "tech", tier = 2 }}]\n\n')
day0 = datetime.date(2000, 1, 1)
write("calendar.toml",
      'name = "big"\ntime_zone = "Asia/Shanghai"\n\n[weekly]\nmon = ["09:00-12:00", "13:00-17:00"]\n\n',
      lambda i: f'[[holiday]]\nname = "holiday number {i:06}"\nfrom = {(day0 + datetime.timedelta(days=i)).isoformat()}\n\n')
write("scenario.toml",
      'name = "big"\nhorizon = "1m"\nreplications = 1\n\n[acd]\nskills = ["t1", "t2"]\n'
      '[[acd.queues]]\nname = "t1"\npolicy = "skills-best-match"\n[[acd.queues]]\nname = "t2"\npolicy = "skills-best-match"\n\n'
      '[[call_types]]\nname = "t1"\nqueue = "t1"\narrivals = { rate_per_hour = 240 }\nhandle = { dist = "exponential", mean = 180 }\n\n',
      lambda i: f'[[agent_groups]]\nname = "g{i:06}"\ncount = 1\nskills = {{ t1 = 8, t2 = 5 }}\n'
                f'queues = [{{ queue = "t1", tier = 1 }}, {{ queue = "t2", tier = 2 }}]\n\n')
write("calls.toml", "",
      lambda i: f'[[call]]\nname = "call {i:06}"\ndigits = "1234567890,1234,1"\nsilence_after = "10s"\n'
                f'lookups.account_by_number.result = {{ name = "Ms Li", balance = "1024.50" }}\n'
                f'lookups.verify_pin.result = {{ valid = "yes" }}\n'
                f'expect = ["find_account lookup account_by_number(account=1234567890)", "pin_entry play enter_pin"]\n\n')
# For `wfm forecast --cal`: holidays after the history the forecast reads.
day1 = datetime.date(2100, 1, 1)
write("wfm-calendar.toml", 'name = "big"\ntime_zone = "UTC"\n\n',
      lambda i: f'[[holiday]]\nname = "holiday number {i:06}"\nfrom = {(day1 + datetime.timedelta(days=i)).isoformat()}\n\n')
# For `wfm schedule --config`: more than the 1,000 templates its check allows, so that the file is
# read whole and then refused (the same work for both sizes); small-shifts.toml is the baseline.
template = lambda i: (f'[[templates]]\nname = "t{i:06}"\nearliest_start = "07:00"\nlatest_start = "12:00"\n'
                      f'start_step_minutes = 30\nlengths_minutes = [480]\n\n')
write("shifts.toml", "", template)
open(f"{folder}/small-shifts.toml", "w").write("".join(template(i) for i in range(1001)))
open(f"{folder}/day.csv", "w").write("timestamp,scheduled\n" + "".join(
    f"2026-03-02T{k // 2:02}:{30 * (k % 2):02},2\n" for k in range(48)))
open(f"{folder}/small.toml", "w").write('[[queues]]\nname = "a"\n')
# A flow that hangs up at once: `ivr test` with it holds little besides the calls file read.
open(f"{folder}/hangup.ivr", "w").write('flow "x"\nstart a\nhangup a {}\n')
PY

"$new" wfm generate --first 2025-03-03 --days 70 --daily-volume 2000 -o "$dir/history.csv" >/dev/null

peak() { # binary args... -> peak resident set in MB
  local bin=$1; shift
  /usr/bin/time -v -o "$dir/time.txt" "$bin" "$@" >/dev/null 2>&1 || true
  echo "scale=1; $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt") / 1024" | bc
}
flow=crates/hotline-ivr/flows/bank.ivr
printf '%-52s %10s' "command (file size)" "new MB"
[ -n "$old" ] && printf ' %10s %8s' "old MB" "new/old"
echo
for case in "acd check small.toml" "acd check acd.toml" "calendar check calendar.toml" \
            "sim run scenario.toml" "ivr test $flow calls.toml" "ivr test hangup.ivr calls.toml" \
            "wfm forecast history.csv --horizon 1d --cal us" \
            "wfm forecast history.csv --horizon 1d --cal wfm-calendar.toml" \
            "wfm schedule day.csv --config small-shifts.toml" \
            "wfm schedule day.csv --config shifts.toml"; do
  read -r -a args <<<"$case"
  for i in "${!args[@]}"; do
    [ -f "$dir/${args[$i]}" ] && args[$i]="$dir/${args[$i]}"
  done
  file=${args[${#args[@]}-1]}
  n=$(peak "$new" "${args[@]}")
  printf '%-52s %10s' "${case/crates\/hotline-ivr\/flows\//} ($(stat -c %s "$file" 2>/dev/null || echo "-") B)" "$n"
  if [ -n "$old" ]; then
    o=$(peak "$old" "${args[@]}")
    printf ' %10s %8s' "$o" "$(echo "scale=2; $n / $o" | bc)"
  fi
  echo
done
