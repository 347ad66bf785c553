#!/usr/bin/env bash
# Load-tests a release build of the server on this machine, on SQLite and on PostgreSQL:
# awards per second through the API (signing and storage included), GET
# /credentials/{id}.json requests per second with latency percentiles, and the server's
# memory idle and under load. Only loopback addresses are used.
#
# Usage: bench/server.sh [seconds per run, default 15]
# Needs: wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${1:-15}
command -v wrk >/dev/null || { echo "bench/server.sh needs wrk: apt-get install wrk" >&2; exit 2; }
cargo build -q --release -p rosette
bin=$root/target/release/rosette
port=18431

json_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

run_engine() {
  local engine=$1 data; data=$(mktemp -d)
  local env=()
  if [ "$engine" = postgres ]; then
    local db="rosette_bench_$$"
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" \
      -c "CREATE DATABASE $db"
    env=(ROSETTE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db")
  fi
  env "${env[@]}" "$bin" orgs create bench --name Bench --owner-email o@example.org \
    --data-dir "$data" >/dev/null
  local token
  token=$(env "${env[@]}" "$bin" tokens create --org bench --role admin --data-dir "$data" 2>/dev/null)
  env "${env[@]}" RUST_LOG=warn "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" \
    >/dev/null 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  local api="http://127.0.0.1:$port/api/v1"
  local issuer achievement award
  issuer=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"Bench Academy","url":"https://bench.example.org","email":"b@bench.example.org"}' \
    "$api/issuers" | json_id)
  achievement=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"issuer_id\":\"$issuer\",\"name\":\"Bench badge\",\"description\":\"d\",\"criteria\":{\"narrative\":\"c\"}}" \
    "$api/achievements" | json_id)
  award=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"achievement_id\":\"$achievement\",\"recipient\":{\"email\":\"a@example.org\"}}" \
    "$api/awards" | json_id)
  local idle; idle=$(rss_mb "$pid")

  echo "== $engine: POST /api/v1/awards (${duration}s, 2 threads, 32 connections)"
  TOKEN=$token ACHIEVEMENT=$achievement wrk -t2 -c32 -d"${duration}s" --latency \
    -s bench/wrk/award.lua "http://127.0.0.1:$port" | grep -E "Requests/sec|Latency|99%|Non-2xx"
  local loaded; loaded=$(rss_mb "$pid")

  echo "== $engine: GET /credentials/{id}.json (${duration}s, 2 threads, 64 connections)"
  wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port/credentials/$award.json" \
    | grep -E "Requests/sec|Latency|99%|Non-2xx"
  local after; after=$(rss_mb "$pid")
  echo "== $engine: memory: idle ${idle} MB, after awards ${loaded} MB, after reads ${after} MB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [ "$engine" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS rosette_bench_$$"
  fi
  rm -rf "$data"
}

run_engine sqlite
run_engine postgres
