#!/usr/bin/env bash
# onebalancer one-command setup: everything the build, the tests and devnet need, project-local,
# pinned by version and checked against a sha512 integrity before anything is unpacked.
#
#   script/setup.sh            install what is missing or outdated (idempotent, fast when done)
#   script/setup.sh --check    only report what would be installed; exit 1 if anything is missing
#
# Installs
#   .tools/foundry/<tool>, .tools/bin/{forge,anvil,cast}   Foundry 1.7.1 native binaries (npm tarballs)
#   <svm>/<ver>/solc-<ver>                                 solc-js wrappers, svm-style (see below)
#   lib/<name>                                             Solidity libraries (npm tarballs)
#   cre/node_modules/ (with .bin/bun)                      the CRE workflow's SDK and its runtime, bun
# as pinned in script/toolchain/deps.lock, script/toolchain/solc/<ver>/package-lock.json and
# cre/package-lock.json.
#
# <svm> is where forge looks for compilers: ~/.svm when it exists, else $XDG_DATA_HOME/svm
# (default ~/.local/share/svm). A compiler already there that is not ours (a native solc) is never
# touched.
#
# Environment (for tests and unusual machines):
#   ONEBALANCER_DEPS_LOCK   lock file to read           (default script/toolchain/deps.lock)
#   ONEBALANCER_TOOLS_DIR   where Foundry goes          (default .tools)
#   ONEBALANCER_LIB_DIR     where libraries go          (default lib)
#   ONEBALANCER_SOLC_DIR    folder of solc/<ver> locks  (default script/toolchain/solc)
#   ONEBALANCER_SVM_DIR     compiler folder             (default: as forge finds it, see above)
#   ONEBALANCER_CRE_DIR     the CRE workflow package    (default cre)
#   ONEBALANCER_SKIP        comma list of steps to skip: tools,libs,solc,cre
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCK=${ONEBALANCER_DEPS_LOCK:-$ROOT/script/toolchain/deps.lock}
TOOLS_DIR=${ONEBALANCER_TOOLS_DIR:-$ROOT/.tools}
LIB_DIR=${ONEBALANCER_LIB_DIR:-$ROOT/lib}
SOLC_LOCKS=${ONEBALANCER_SOLC_DIR:-$ROOT/script/toolchain/solc}
CRE_DIR=${ONEBALANCER_CRE_DIR:-$ROOT/cre}
WRAPPER_SRC=$ROOT/script/toolchain/solc-wrapper.js
WRAPPER_MARK='onebalancer-solcjs-wrapper v1'
SKIP=",${ONEBALANCER_SKIP:-},"
CHECK_ONLY=0

case "${1:-}" in
  --check) CHECK_ONLY=1 ;;
  "") ;;
  -h | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup: unknown argument '$1' (fix: run script/setup.sh or script/setup.sh --check)" >&2; exit 2 ;;
esac

STAGING=()
cleanup() {
  local d
  for d in "${STAGING[@]+"${STAGING[@]}"}"; do rm -rf "$d"; done
}
trap cleanup EXIT

die() { echo "setup: error: $*" >&2; exit 1; }
say() { echo "setup: $*"; }
missing=0

# ---- prerequisites ---------------------------------------------------------------------------
command -v node >/dev/null 2>&1 ||
  die "node not found on PATH — install Node.js 18 or newer with npm (Debian/Ubuntu: apt-get install nodejs npm; or https://nodejs.org), then re-run script/setup.sh"
command -v npm >/dev/null 2>&1 ||
  die "npm not found on PATH — install npm alongside Node.js (Debian/Ubuntu: apt-get install npm), then re-run script/setup.sh"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 18 ] 2>/dev/null ||
  die "node $(node --version 2>/dev/null) is too old — onebalancer needs Node.js 18 or newer; upgrade it and re-run script/setup.sh"
[ -f "$LOCK" ] || die "lock file $LOCK not found — restore it from git (git checkout -- script/toolchain/deps.lock)"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64 | Linux-amd64) PLATFORM=linux-x86_64 ;;
  *) PLATFORM="$(uname -s)-$(uname -m)" ;;
esac

# sha512 integrity of a file, in npm's "sha512-<base64>" form.
integrity_of() {
  node -e 'const c=require("crypto"),fs=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$1"
}

# fetch_verified PACKAGE VERSION INTEGRITY DIR -> prints the path of the verified tarball in DIR
fetch_verified() {
  local pkg=$1 ver=$2 want=$3 dir=$4 out file got
  if ! out=$(cd "$dir" && npm pack "$pkg@$ver" --silent --json 2>&1); then
    die "download of $pkg@$ver failed — $(printf '%s' "$out" | grep -m1 -iE 'error|ERR' || printf '%s' "$out" | tail -n1) — check the network and the npm registry ($(npm config get registry 2>/dev/null)), then re-run script/setup.sh"
  fi
  file=$(printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s)[0].filename)}catch(e){}})')
  [ -n "$file" ] && [ -f "$dir/$file" ] || die "npm pack $pkg@$ver did not produce a tarball (output: $(printf '%s' "$out" | tail -n1)) — re-run script/setup.sh"
  got=$(integrity_of "$dir/$file")
  if [ "$got" != "$want" ]; then
    die "integrity mismatch for $pkg@$ver: $LOCK pins $want but the registry served $got — nothing was installed; if the pin is wrong, correct it from 'npm view $pkg@$ver dist.integrity', otherwise check your registry/proxy"
  fi
  printf '%s\n' "$dir/$file"
}

# install_tarball KIND NAME PACKAGE VERSION INTEGRITY DEST
# Unpacks the verified tarball's package/ folder to DEST atomically, stamped with its integrity.
install_tarball() {
  local kind=$1 name=$2 pkg=$3 ver=$4 want=$5 dest=$6 parent stage tgz
  if [ -f "$dest/.onebalancer-integrity" ] && [ "$(cat "$dest/.onebalancer-integrity")" = "$want" ]; then
    return 0
  fi
  missing=1
  if [ "$CHECK_ONLY" = 1 ]; then say "would install $kind $name ($pkg@$ver) into $dest"; return 0; fi
  parent=$(dirname "$dest")
  mkdir -p "$parent"
  stage=$(mktemp -d "$parent/.staging-$name.XXXXXX")
  STAGING+=("$stage")
  say "installing $kind $name ($pkg@$ver)"
  tgz=$(fetch_verified "$pkg" "$ver" "$want" "$stage")
  mkdir "$stage/unpacked"
  tar -xzf "$tgz" -C "$stage/unpacked" || die "cannot unpack $tgz (disk full?) — free space and re-run script/setup.sh"
  [ -d "$stage/unpacked/package" ] || die "tarball of $pkg@$ver has no package/ folder — unexpected layout; check the lock entry"
  printf '%s' "$want" >"$stage/unpacked/package/.onebalancer-integrity"
  if [ -e "$dest" ]; then mv "$dest" "$stage/old"; fi
  mv "$stage/unpacked/package" "$dest"
}

# ---- Foundry binaries and libraries ----------------------------------------------------------
tools_wanted=0
while read -r kind name pkg ver want; do
  case "$kind" in "" | \#*) continue ;; esac
  [ -n "$want" ] || die "malformed line in $LOCK for '$name' (expected: kind name package version integrity)"
  case "$kind" in
    tool:*)
      [[ $SKIP == *,tools,* ]] && continue
      [ "${kind#tool:}" = "$PLATFORM" ] || continue
      tools_wanted=1
      install_tarball tool "$name" "$pkg" "$ver" "$want" "$TOOLS_DIR/foundry/$name"
      if [ "$CHECK_ONLY" = 0 ]; then
        mkdir -p "$TOOLS_DIR/bin"
        ln -sfn "../foundry/$name/bin/$name" "$TOOLS_DIR/bin/$name"
        chmod +x "$TOOLS_DIR/foundry/$name/bin/$name"
      fi
      ;;
    lib)
      [[ $SKIP == *,libs,* ]] && continue
      install_tarball lib "$name" "$pkg" "$ver" "$want" "$LIB_DIR/$name"
      ;;
    *) die "unknown kind '$kind' in $LOCK (expected tool:<platform> or lib)" ;;
  esac
done <"$LOCK"

if [[ $SKIP != *,tools,* ]] && [ "$tools_wanted" = 0 ]; then
  die "no pinned Foundry build for platform $PLATFORM (the npm packages exist for linux-x86_64) — install Foundry 1.7.1 yourself and put forge, anvil and cast in $TOOLS_DIR/bin"
fi

# ---- solc-js compilers, svm-style ------------------------------------------------------------
svm_dir() {
  if [ -n "${ONEBALANCER_SVM_DIR:-}" ]; then printf '%s\n' "$ONEBALANCER_SVM_DIR"
  elif [ -d "$HOME/.svm" ]; then printf '%s\n' "$HOME/.svm"
  else printf '%s\n' "${XDG_DATA_HOME:-$HOME/.local/share}/svm"
  fi
}

install_solc() {
  local ver=$1 lockdir=$2 svm target want stage out
  svm=$(svm_dir)
  target="$svm/$ver/solc-$ver"
  want=$(integrity_of "$lockdir/package-lock.json")
  if [ -e "$target" ] && ! grep -qs "$WRAPPER_MARK" "$target"; then
    return 0 # a compiler that is not ours (e.g. native solc): never overwrite it
  fi
  if [ -e "$target" ] && [ "$(cat "$svm/$ver/.onebalancer-integrity" 2>/dev/null)" = "$want" ] &&
    cmp -s "$WRAPPER_SRC" "$target"; then
    return 0
  fi
  missing=1
  if [ "$CHECK_ONLY" = 1 ]; then say "would install solc-js $ver wrapper at $target"; return 0; fi
  say "installing solc-js $ver as $target"
  mkdir -p "$svm"
  stage=$(mktemp -d "$svm/.staging-solc-$ver.XXXXXX")
  STAGING+=("$stage")
  mkdir "$stage/.solcjs-$ver"
  cp "$lockdir/package.json" "$lockdir/package-lock.json" "$stage/.solcjs-$ver/"
  if ! out=$(cd "$stage/.solcjs-$ver" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1); then
    die "installing solc-js $ver failed — $(printf '%s' "$out" | grep -m1 -iE 'error|ERR' || printf '%s' "$out" | tail -n1) — check the network and the npm registry, then re-run script/setup.sh"
  fi
  cp "$WRAPPER_SRC" "$stage/solc-$ver"
  chmod +x "$stage/solc-$ver"
  out=$("$stage/solc-$ver" --version 2>&1) || die "the solc-js $ver wrapper does not run: $out"
  case "$out" in
    *"Version: $ver+commit."*".Linux.g++"*) ;;
    *) die "the solc-js wrapper at $stage reports '$out', expected version $ver — check script/toolchain/solc/$ver" ;;
  esac
  printf '%s' "$want" >"$stage/.onebalancer-integrity"
  mkdir -p "$svm/$ver"
  rm -rf "$svm/$ver/.solcjs-$ver"
  mv "$stage/.solcjs-$ver" "$svm/$ver/.solcjs-$ver"
  mv "$stage/.onebalancer-integrity" "$svm/$ver/.onebalancer-integrity"
  mv "$stage/solc-$ver" "$target" # last: its presence means the compiler is complete
}

if [[ $SKIP != *,solc,* ]]; then
  for lockdir in "$SOLC_LOCKS"/*/; do
    lockdir=${lockdir%/}
    [ -f "$lockdir/package-lock.json" ] || continue
    install_solc "$(basename "$lockdir")" "$lockdir"
  done
fi

# ---- the CRE workflow's packages (cre/) -------------------------------------------------------
# `npm ci` against the committed cre/package-lock.json: npm checks every tarball against the
# lock's sha512 integrity. It runs no install scripts (--ignore-scripts): the only one in the tree
# is bun's postinstall, which moves the platform binary from @oven/bun-<os>-<arch> over the
# placeholder node_modules/bun/bin/bun.exe (a shell script that exits 1), and falls back to
# downloads when that fails. We link the binary ourselves, from the integrity-checked package,
# and check that it runs as the pinned version. A stamp of package.json + package-lock.json,
# written last, marks a complete install; npm ci deletes node_modules first, so an interrupted
# install is redone on the next run.
# One node call (it is most of this step's time when nothing is to do): prints the stamp, a sha512
# of package.json + package-lock.json, then the bun version the lock pins.
cre_lock_facts() {
  node -e '
    const fs = require("fs"), path = require("path"), dir = process.argv[1];
    const pkg = fs.readFileSync(path.join(dir, "package.json")), lock = fs.readFileSync(path.join(dir, "package-lock.json"));
    const bun = (JSON.parse(lock).packages["node_modules/bun"] || {}).version;
    if (!bun) process.exit(3);
    const h = require("crypto").createHash("sha512").update(pkg).update(lock).digest("base64");
    process.stdout.write("sha512-" + h + " " + bun);' "$CRE_DIR"
}

install_cre() {
  local facts want bun_ver nm out why bins got
  [ -f "$CRE_DIR/package.json" ] && [ -f "$CRE_DIR/package-lock.json" ] ||
    die "$CRE_DIR/package.json or package-lock.json not found — restore them from git (git checkout -- cre/)"
  facts=$(cre_lock_facts) ||
    die "cannot read $CRE_DIR/package-lock.json, or it pins no bun — restore it from git (git checkout -- cre/package-lock.json)"
  want=${facts% *}
  bun_ver=${facts##* }
  nm="$CRE_DIR/node_modules"
  if [ "$(cat "$nm/.onebalancer-integrity" 2>/dev/null)" = "$want" ] &&
    [ "$("$nm/.bin/bun" --version 2>/dev/null)" = "$bun_ver" ]; then
    return 0
  fi
  missing=1
  if [ "$CHECK_ONLY" = 1 ]; then say "would install the CRE workflow's packages (npm ci in $CRE_DIR, bun $bun_ver)"; return 0; fi
  say "installing the CRE workflow's packages (npm ci in $CRE_DIR against its package-lock.json, bun $bun_ver)"
  # --include: a user's omit=dev/optional (or NODE_ENV=production) would drop bun and its binary
  if ! out=$(cd "$CRE_DIR" && npm ci --ignore-scripts --include=dev --include=optional --prefer-offline \
    --no-audit --no-fund --loglevel=error 2>&1); then
    why=$(printf '%s\n' "$out" | grep '^npm error' | grep -v 'complete log' | head -n2 | sed 's/^npm error //' | awk 'NR > 1 { printf "; " } { printf "%s", $0 }')
    die "npm ci in $CRE_DIR failed — ${why:-$(printf '%s' "$out" | tail -n1)} — check the network and the npm registry ($(npm config get registry 2>/dev/null)); an EINTEGRITY error means the registry served other bytes than cre/package-lock.json pins: check your registry/proxy, then re-run script/setup.sh"
  fi
  shopt -s nullglob
  bins=("$nm"/@oven/bun-*/bin/bun)
  shopt -u nullglob
  [ "${#bins[@]}" = 1 ] ||
    die "expected one Bun binary in $nm/@oven/bun-*/bin/, found ${#bins[@]} (${bins[*]:-none}) — npm installs only the @oven/bun-<os>-<arch> package that fits this machine ($(uname -s)-$(uname -m)); if there is none, Bun $bun_ver has no npm build for it"
  # what bun's postinstall does: the binary in place of the placeholders (a hard link, else a copy)
  ln -f "${bins[0]}" "$nm/bun/bin/bun.exe" 2>/dev/null || cp -f "${bins[0]}" "$nm/bun/bin/bun.exe"
  ln -f "$nm/bun/bin/bun.exe" "$nm/bun/bin/bunx.exe" 2>/dev/null || cp -f "$nm/bun/bin/bun.exe" "$nm/bun/bin/bunx.exe"
  got=$("$nm/.bin/bun" --version 2>&1) ||
    die "$nm/.bin/bun does not run: $got — the Bun build in ${bins[0]} may not suit this machine (Bun needs a 64-bit CPU with AVX2 for its default build)"
  [ "$got" = "$bun_ver" ] || die "$nm/.bin/bun reports version '$got', but cre/package-lock.json pins $bun_ver — delete $nm and re-run script/setup.sh"
  printf '%s' "$want" >"$nm/.onebalancer-integrity"
}

if [[ $SKIP != *,cre,* ]]; then
  install_cre
fi

where="tools in $TOOLS_DIR, libraries in $LIB_DIR, compilers in $(svm_dir)"
[[ $SKIP == *,cre,* ]] || where="$where, CRE packages in $CRE_DIR/node_modules"
if [ "$CHECK_ONLY" = 1 ]; then
  [ "$missing" = 0 ] && say "everything is installed" || exit 1
elif [ "$missing" = 0 ]; then
  say "everything already installed ($where)"
else
  say "done ($where)"
fi
