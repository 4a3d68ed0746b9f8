#!/usr/bin/env bash
# Slither over our own contracts (contracts/), gated by script/slither_gate.py: any high- or
# medium-impact finding not triaged with a reason in script/slither-triage.json fails.
# slither-analyzer is installed into a project-local venv (.tools/venv), pinned with hashes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=$ROOT/.tools/venv
REQS=$ROOT/script/toolchain/slither-requirements.txt
die() { echo "slither: error: $*" >&2; exit 1; }

command -v python3 >/dev/null 2>&1 ||
  die "python3 not found — install Python 3.11 with venv (Debian: apt-get install python3 python3-venv) and re-run"
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ "$(cat "$VENV/.onebalancer-requirements" 2>/dev/null)" != "$want" ]; then
  echo "slither: installing slither-analyzer into $VENV (pinned, hash-checked)"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "cannot create a venv at $VENV — install python3-venv"
  if ! out=$("$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$REQS" 2>&1); then
    rm -rf "$VENV"
    die "pip install failed: $(printf '%s' "$out" | grep -m1 -E 'ERROR|error' || printf '%s' "$out" | tail -n1) — check PyPI access; the pins in $REQS are for CPython 3.11 on linux x86_64"
  fi
  printf '%s' "$want" >"$VENV/.onebalancer-requirements"
fi

if ! find contracts -name '*.sol' -print -quit | grep -q .; then
  echo "slither: no contracts of our own in contracts/ yet — nothing to analyse"
  exit 0
fi

export PATH="$ROOT/.tools/bin:$PATH"
work=$ROOT/.tools/slither
mkdir -p "$work"
# A separate build (with build-info) of our contracts only, so out/ and its cache stay untouched.
# From scratch every time: slither reads every build-info file it finds, and a cached build would
# leave the previous build's files (and their old line numbers) beside the new one.
rm -rf "$work/out" "$work/cache"
forge build contracts --build-info --out "$work/out" --cache-path "$work/cache" >/dev/null ||
  die "forge build of contracts/ for slither failed — run 'forge build' to see why"
report=$work/report.json
rm -f "$report"
# slither exits non-zero when it finds anything; the gate decides what fails.
"$VENV/bin/slither" . --ignore-compile --foundry-out-directory "$work/out" \
  --filter-paths 'lib/|test/|script/' --exclude-dependencies \
  --exclude-informational --exclude-optimization --exclude-low \
  --json "$report" >"$work/slither.log" 2>&1 || true
python3 "$ROOT/script/slither_gate.py" --report "$report" --triage "$ROOT/script/slither-triage.json"
