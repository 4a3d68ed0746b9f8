#!/usr/bin/env bash
# The ABI of each of our own contracts, committed under contracts/abi/<Contract>.json: the Rust
# bindings are generated from these files (`sol!` in src/chain/ours.rs), so the keeper decodes
# every function, event and custom error exactly as the contracts declare them.
#
#   script/abi.sh           rewrite contracts/abi/ from forge's out/ (run after `forge build`)
#   script/abi.sh --check   fail when a committed ABI differs from out/ (the test command runs this)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTRACTS=(DriftBalancer TimeBalancer BalancerFactory UpkeepManager TestERC20)
mode=write
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "abi: unknown argument '$1' (fix: script/abi.sh or script/abi.sh --check)" >&2; exit 2 ;;
esac
stale=()
for c in "${CONTRACTS[@]}"; do
  artifact="$ROOT/out/$c.sol/$c.json"
  [ -f "$artifact" ] || { echo "abi: $artifact not found — run forge build first" >&2; exit 1; }
  want=$(node -e 'const a=require(process.argv[1]).abi;process.stdout.write(JSON.stringify(a,null,2)+"\n")' "$artifact")
  file="$ROOT/contracts/abi/$c.json"
  if [ "$mode" = write ]; then
    mkdir -p "$(dirname "$file")"
    printf '%s' "$want" >"$file"
  elif [ ! -f "$file" ] || [ "$(cat "$file"; echo x)" != "$want"x ]; then
    stale+=("$c")
  fi
done
if [ "${#stale[@]}" -gt 0 ]; then
  echo "abi: contracts/abi/ is out of date for: ${stale[*]} — run script/abi.sh, review the change (the Rust bindings follow it) and commit contracts/abi/" >&2
  exit 1
fi
[ "$mode" = write ] && echo "abi: wrote contracts/abi/ (${CONTRACTS[*]})" || echo "abi: contracts/abi/ matches out/"
