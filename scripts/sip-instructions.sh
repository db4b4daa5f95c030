#!/usr/bin/env bash
# Instructions per head split, counted by callgrind (independent of the machine's load), for
# hotline-sip and the peers of benches/sip.rs, on the 466-byte INVITE and on one pass over the
# torture corpus's accepted messages:
#   ./scripts/sip-instructions.sh [LIBRARY ...]
# Runs the sip bench binary with HOTLINE_SIP_REPEAT at 1 and 51 passes and prints the difference
# divided by 50, so loading the corpus and starting the process cancel out. Needs valgrind
# (Debian: valgrind) and the shared test data (../shared/testdata, or HOTLINE_TESTDATA).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 2; }

libraries=("$@")
[ ${#libraries[@]} -gt 0 ] || libraries=(hotline-sip httparse rsip ezk-sip-types)

bin=$(cargo bench -p hotline-benches --bench sip --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bin" ] || { echo "could not build the sip bench binary" >&2; exit 2; }

count() { # LIBRARY WORKLOAD N -> instructions of the whole run
  HOTLINE_SIP_REPEAT="$1 $2 $3" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-14s %10s %10s\n' library invite corpus
for lib in "${libraries[@]}"; do
  row=()
  for workload in invite corpus; do
    one=$(count "$lib" "$workload" 1)
    many=$(count "$lib" "$workload" 51)
    row+=($(( (many - one) / 50 )))
  done
  printf '%-14s %10s %10s\n' "$lib" "${row[0]}" "${row[1]}"
done
