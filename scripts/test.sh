#!/usr/bin/env bash
# Runs Rosette's whole test suite, after setting up what the tests need that cargo does not
# bring: the independent JavaScript verifier (npm packages from its lockfile).
#
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

standards=$(realpath ../shared/standards 2>/dev/null || true)
if [ ! -d "$standards" ]; then
  echo "scripts/test.sh: the shared standards folder is missing (expected ../shared/standards)" >&2
  exit 2
fi

# The interop verifier lives in ../shared/interop, which may be read-only: work on a copy.
interop="$root/target/interop"
if ! cmp -s ../shared/interop/package-lock.json "$interop/package-lock.json" \
    || [ ! -d "$interop/node_modules" ]; then
  command -v npm >/dev/null || { echo "scripts/test.sh: npm is required (apt-get install npm)" >&2; exit 2; }
  rm -rf "$interop" && mkdir -p "$interop"
  cp -r ../shared/interop/. "$interop/"
  chmod -R u+w "$interop"
  (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error)
fi
export ROSETTE_INTEROP_DIR="$interop"
export STANDARDS="$standards"

cargo test --workspace --all-targets "$@"
# Doc tests are not part of --all-targets.
cargo test --workspace --doc "$@"
