#!/usr/bin/env bash
# The one test command (README quick start; .ci/run calls it verbatim): sets up what is missing,
# then runs every check and every test. Stops at the first failure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.tools/bin:$PATH"

started=$(date +%s)
step() {
  echo
  echo "==> [$(($(date +%s) - started)) s] $*"
}

step "setup (pinned tools, compilers, libraries)"
script/setup.sh

step "forge fmt --check"
forge fmt --check

step "forge build (warnings in our code are errors)"
forge build

step "forge lint (our contracts; exclusions and their reasons in foundry.toml)"
# Its own output folders: lint compiles without bytecode, and would leave such artifacts in out/.
forge lint contracts --out .tools/lint/out --cache-path .tools/lint/cache

step "contracts/abi/ matches the compiled contracts (the Rust bindings are generated from it)"
script/abi.sh --check

step "forge test (ci profile: more fuzz/invariant runs, named gas snapshots checked)"
FOUNDRY_PROFILE=ci forge test

step "gas snapshots and shared vectors committed"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  changed=$(git status --porcelain -- snapshots/ test/vectors/)
  if [ -n "$changed" ]; then
    echo "test: error: gas snapshots or test vectors changed or added but not committed:" >&2
    echo "$changed" >&2
    echo "test: review the change, then commit snapshots/ and test/vectors/ (forge test rewrites them)" >&2
    exit 1
  fi
else
  echo "not a git checkout: skipped"
fi

step "CRE workflow (bun test, the SDK's offline test framework)"
(cd cre && node_modules/.bin/bun test)

step "CRE workflow: tests type-checked; workflow built as cre-compile's JS stage (its type check, runtime and determinism checks)"
# The WASM stage needs Javy, which cre-compile downloads from GitHub: deploying machines only.
(
  cd cre
  node_modules/.bin/tsc -p tsconfig.test.json
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  log=$(node_modules/.bin/bun node_modules/@chainlink/cre-sdk/scripts/run.ts compile-to-js workflow/main.ts "$out/workflow.js" 2>&1) ||
    { echo "$log" >&2; exit 1; }
  echo "$log"
  if grep -q "Non-determinism warnings" <<<"$log"; then
    echo "test: error: cre-compile warns of non-determinism in the workflow (above): DON nodes could disagree; fix the lines it names" >&2
    exit 1
  fi
)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings"
cargo clippy --locked --all-targets -- -D warnings

step "slither (our contracts; high/medium findings must be triaged)"
script/slither.sh

step "cargo test (unit, and end to end against anvil)"
cargo test --locked

step "all checks passed"
