#!/usr/bin/env bash
# Signs, verifies and bakes a realistic credential with Rosette's `badges` crate and, in the
# same run, signs and verifies with the reference JavaScript stack; prints rates and ratios.
#
# Usage: bench/credentials.sh          (after scripts/test.sh has installed target/interop)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

out=$(cargo bench -q -p badges --bench credentials 2>/dev/null)
echo "$out"
# divan prints: name fastest │ slowest │ median │ mean │ samples │ iters
rate() {
  echo "$out" | awk -F'│' -v name="$1" '
    { f = $1; sub(/^[^a-z_]+/, "", f); split(f, w, " ") }
    w[1] == name {
      split($3, m, " "); v = m[1]; u = m[2]
      s = (u == "ns") ? v / 1e9 : (u == "µs") ? v / 1e6 : (u == "ms") ? v / 1e3 : v
      printf "%.0f", 1 / s
    }'
}

sign=$(rate sign_credential); verify=$(rate verify_credential); raw=$(rate raw_ed25519_sign)
full=$(rate verify_full_report)
bake=$(rate bake_png); unbake=$(rate unbake_png)
fast=$(rate canonicalize_fast); generic=$(rate canonicalize_generic)

js_sign=""; js_verify=""
if [ -d target/interop/node_modules ]; then
  js=$(cd target/interop && STANDARDS=$(realpath ../../../shared/standards) node bench.mjs 300)
  js_sign=$(echo "$js" | sed -E 's/.*"sign_per_s":([0-9.]+).*/\1/')
  js_verify=$(echo "$js" | sed -E 's/.*"verify_per_s":([0-9.]+).*/\1/')
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
echo
echo "per second, one core (medians):"
printf '  %-28s %10s\n' "eddsa-rdfc-2022 sign" "$sign" "verify (proof)" "$verify" \
  "full verification report" "$full" "raw Ed25519 sign" "$raw" "bake PNG" "$bake" "unbake PNG" "$unbake" \
  "canonical N-Quads, fast" "$fast" "canonical N-Quads, generic" "$generic"
echo "ratios:"
echo "  sign / raw Ed25519 sign:          $(ratio "$sign" "$raw")"
echo "  fast / generic canonicalization:  $(ratio "$fast" "$generic")"
if [ -n "$js_sign" ]; then
  echo "  sign / JavaScript reference sign:     $(ratio "$sign" "$js_sign")  (JS: $js_sign/s)"
  echo "  full report / JavaScript reference verify: $(ratio "$full" "$js_verify")  (JS: $js_verify/s)"
fi
