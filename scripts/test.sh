#!/usr/bin/env bash
# Runs Rosette's whole test suite, after setting up what the tests need that cargo does not
# bring: Debian packages (Node.js, Chromium, bubblewrap) and the independent JavaScript
# verifier (npm packages from its lockfile). The lab sandbox tests need root, as a lab server
# does.
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

# What the tests need from Debian: Node.js and npm (the independent JavaScript verifier),
# Chromium and its WebDriver (the browser tests), bubblewrap and util-linux (the lab
# sandboxes; python3 and git run inside them in the tests and the demo tracks). Installed
# when missing, if we are root.
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v nsenter >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)
command -v python3 >/dev/null || missing+=(python3)
command -v git >/dev/null || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The interop verifier lives in ../shared/interop, which may be read-only: work on a copy.
interop="$root/target/interop"
if ! cmp -s ../shared/interop/package-lock.json "$interop/package-lock.json" \
    || [ ! -d "$interop/node_modules" ]; then
  rm -rf "$interop" && mkdir -p "$interop"
  cp -r ../shared/interop/. "$interop/"
  chmod -R u+w "$interop"
  (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error)
fi
export ROSETTE_INTEROP_DIR="$interop"
# The terminal's vendored xterm.js must be what the lockfile names.
scripts/vendor-assets.sh --check
export STANDARDS="$standards"

cargo test --workspace --all-targets "$@"
# Doc tests are not part of --all-targets.
cargo test --workspace --doc "$@"
