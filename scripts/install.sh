#!/usr/bin/env bash
# Installs what hotline's tests need, when it is missing:
#   - the Debian packages listed in scripts/debian-packages.txt (with apt-get when run as root;
#     otherwise it prints the exact command to run and fails);
#   - cargo tools at pinned versions (cargo install --locked).
# Safe to run again: what is already there is left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

MDBOOK_VERSION=0.5.4

# --- Debian packages -------------------------------------------------------------------------
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' scripts/debian-packages.txt)
missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "install: Debian packages ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install: missing Debian packages; run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# --- cargo tools -----------------------------------------------------------------------------
if [[ "$(mdbook --version 2>/dev/null || true)" != "mdbook v$MDBOOK_VERSION" ]]; then
  echo "install: mdbook $MDBOOK_VERSION (cargo install --locked)"
  cargo install --locked --quiet "mdbook@$MDBOOK_VERSION" --no-default-features --features search
fi
