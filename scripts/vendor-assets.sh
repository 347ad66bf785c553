#!/usr/bin/env bash
# Rebuilds the vendored front-end files under crates/rosette/assets/vendor from the npm
# packages in crates/rosette/assets/package-lock.json, so that `cargo run` alone serves them.
#
# Usage: scripts/vendor-assets.sh          write the vendored copy
#        scripts/vendor-assets.sh --check  fail if the committed copy differs from the lockfile's
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
assets="$root/crates/rosette/assets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$assets/package.json" "$assets/package-lock.json" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

out="$work/vendor/xterm"
mkdir -p "$out"
modules="$work/node_modules/@xterm"
cp "$modules/xterm/lib/xterm.js" "$modules/xterm/css/xterm.css" "$out/"
cp "$modules/addon-fit/lib/addon-fit.js" "$out/"
cp "$modules/xterm/LICENSE" "$out/LICENSE-xterm"
cp "$modules/addon-fit/LICENSE" "$out/LICENSE-addon-fit"

if [ "${1:-}" = "--check" ]; then
  if ! diff -r "$out" "$assets/vendor/xterm" >/dev/null; then
    echo "crates/rosette/assets/vendor/xterm differs from package-lock.json:" \
      "run scripts/vendor-assets.sh" >&2
    exit 1
  fi
  echo "vendored assets match package-lock.json"
else
  rm -rf "$assets/vendor/xterm"
  mkdir -p "$assets/vendor"
  cp -r "$out" "$assets/vendor/xterm"
fi
