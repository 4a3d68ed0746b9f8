#!/usr/bin/env bash
# The ABI of each of our own contracts, committed under contracts/abi/<Contract>.json: the Rust
# bindings are generated from these files (`sol!` in src/chain/ours.rs), so the keeper decodes
# every function, event and custom error exactly as the contracts declare them.
#
#   script/abi.sh           rewrite contracts/abi/ from forge's out/ (run after `forge build`)
#   script/abi.sh --check   fail when a committed ABI differs from out/ (the test command runs this)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTRACTS=(DriftBalancer TimeBalancer BalancerFactory UpkeepManager HubDepository TestERC20)
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
  # A balancer's ABI is its own plus its admin module's (reached through its fallback): what a
  # caller of the clone can use; then IBalancer's events and errors (some events are emitted from
  # assembly, which the compiler does not list). Every IBalancer function must be implemented by one
  # of the two. Entries are keyed by type, name and input types.
  extra=""
  case "$c" in DriftBalancer | TimeBalancer) extra="$ROOT/out/BalancerAdminModule.sol/BalancerAdminModule.json" ;; esac
  want=$(node -e '
    const [artifact, module, iface] = process.argv.slice(1);
    const own = require(artifact).abi;
    const key = (e) => [e.type, e.name || "", (e.inputs || []).map((i) => i.type).join(",")].join(":");
    const seen = new Set();
    const merged = [];
    const add = (e) => { if (!seen.has(key(e))) { seen.add(key(e)); merged.push(e); } };
    own.filter((e) => e.type !== "fallback").forEach(add);
    if (module) {
      require(module).abi.forEach(add);
      const missing = require(iface).abi.filter((e) => e.type === "function" && !seen.has(key(e)));
      if (missing.length) {
        console.error("abi: " + artifact + " and its admin module do not implement IBalancer: " + missing.map(key).join(", ") + " (fix: implement them in the balancer or in BalancerAdminModule)");
        process.exit(1);
      }
      require(iface).abi.filter((e) => e.type === "event" || e.type === "error").forEach(add);
    }
    process.stdout.write(JSON.stringify(merged, null, 2) + "\n");
  ' "$artifact" "$extra" "$ROOT/out/IBalancer.sol/IBalancer.json")
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
