#!/bin/sh
# Regenerates every prompt under examples/reference-server/prompts from the flows' own texts with
# espeak-ng (Debian package espeak-ng), resampled to 8 kHz. Translate a flow, then run this again.
set -eu
cd "$(dirname "$0")/../../.."
command -v espeak-ng >/dev/null || { echo "espeak-ng is missing: apt-get install espeak-ng" >&2; exit 1; }
exec cargo run --quiet -p reference-server -- make-prompts --out examples/reference-server/prompts "$@"
