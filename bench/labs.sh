#!/usr/bin/env bash
# Measures what lab sessions with open terminals cost a release build of the server on this
# machine: COUNT sessions of tracks/linux-basics are started over the API, each with its
# terminal's WebSocket open (crates/rosette/examples/lab_terminals.rs), then held idle. The
# memory is the proportional set size (PSS) of the server and every process under it (the
# sandboxes and their shells), so shared pages are counted once.
#
# Usage: bench/labs.sh [COUNT, default 50]
# Needs: root (lab servers map id ranges), bubblewrap and util-linux (scripts/test.sh
# installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
count=${1:-50}
hold=${HOLD:-20}
port=18432
[ "$(id -u)" -eq 0 ] || { echo "bench/labs.sh runs lab sandboxes, which need root" >&2; exit 2; }
cargo build -q --release -p rosette --bin rosette --example lab_terminals
bin=$root/target/release/rosette
load=$root/target/release/examples/lab_terminals
data=$(mktemp -d)
chmod 755 "$data"  # the sandboxes' users must reach their folders in it

# A process and everything under it, from one reading of the process table.
descendants() {
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      for (i = 1; i <= NR; i++) {
        p = pids[i]
        while (p != "" && p != root && p in parent && p != parent[p]) p = parent[p]
        if (p == root) print pids[i]
      }
    }'
}
# PSS in MiB of a list of processes.
pss_mib() {
  local pid
  for pid in "$@"; do
    awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true
  done | awk '{kb += $1} END {printf "%.1f", kb / 1024}'
}
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

"$bin" orgs create bench --name Bench --owner-email o@example.org --data-dir "$data" >/dev/null
token=$("$bin" tokens create --org bench --role admin --data-dir "$data" 2>/dev/null)
RUST_LOG=warn "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"Bench Academy","url":"https://bench.example.org","email":"b@bench.example.org"}' \
  "http://127.0.0.1:$port/api/v1/issuers" >/dev/null
"$bin" labs import tracks/linux-basics --org bench --data-dir "$data" >/dev/null

idle_pss=$(pss_mib $(descendants "$pid")); idle_rss=$(rss_mib "$pid")
echo "== idle server: RSS ${idle_rss} MiB, PSS with everything under it ${idle_pss} MiB"

out=$(mktemp)
"$load" "http://127.0.0.1:$port" "$token" linux-basics "$count" "$hold" >"$out" 2>&1 &
loader=$!
until grep -q READY "$out" 2>/dev/null; do
  kill -0 "$loader" 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.5
done
sleep 3
held=$(descendants "$pid")
held_pss=$(pss_mib $held); held_rss=$(rss_mib "$pid"); held_procs=$(echo "$held" | wc -l)
grep -v READY "$out" | head -2
wait "$loader"
tail -1 "$out"
rm -f "$out"
sleep 2
after=$(descendants "$pid")
after_pss=$(pss_mib $after); after_procs=$(echo "$after" | wc -l)
echo "== $count sessions with open, idle terminals: server RSS ${held_rss} MiB;" \
  "PSS of the server and everything under it (${held_procs} processes) ${held_pss} MiB"
awk -v idle="$idle_pss" -v held="$held_pss" -v n="$count" \
  'BEGIN {printf "== per session (sandbox, shell, terminal, WebSocket): %.2f MiB\n", (held - idle) / n}'
echo "== after the sessions ended: PSS ${after_pss} MiB, ${after_procs} process(es)"
