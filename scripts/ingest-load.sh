#!/usr/bin/env bash
# HTTP ingest load test, all on 127.0.0.1: a local 1-broker cluster (kpipe cluster), kpipe ingest,
# and wrk POSTing NDJSON bodies for DURATION seconds. Prints wrk's figures and the points Kafka
# acknowledged per second (kpipe_points_ingested_total from /metrics, before and after).
# Usage: scripts/ingest-load.sh [DURATION_S=30] [CONNECTIONS=8] [LINES_PER_REQUEST=1000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration=${1:-30}
connections=${2:-8}
lines=${3:-1000}
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "ingest-load: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
work="$(mktemp -d "${TMPDIR:-/tmp}/kpipe-ingest-load-XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

await_line() {  # FILE PATTERN: prints the first match, waiting up to 120 s
  for _ in $(seq 1 600); do
    if grep -qE "$2" "$1" 2>/dev/null; then grep -m1 -oE "$2" "$1" | head -1; return 0; fi
    sleep 0.2
  done
  echo "ingest-load: no '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

"$here/kpipe" cluster --port 0 >"$work/cluster.out" 2>"$work/cluster.err" &
pids+=($!)
bootstrap="$(await_line "$work/cluster.out" '127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+)*')"
"$here/kpipe" topics create --bootstrap-servers "$bootstrap" >/dev/null
"$here/kpipe" ingest --bootstrap-servers "$bootstrap" --http-port 0 >"$work/ingest.out" 2>"$work/ingest.err" &
pids+=($!)
url="$(await_line "$work/ingest.err" 'http://127\.0\.0\.1:[0-9]+')"

# One body of LINES points, 1,000 sensors, no ts (the request time stands in, so nothing is late).
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "{\"sensor\":\"s-%d\",\"value\":%d.5}\n", i % 1000, i }' >"$work/body.ndjson"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-ndjson"
local f = io.open("$work/body.ndjson", "rb")
wrk.body = f:read("*a")
f:close()
LUA

ingested() { curl -fsS "$url/metrics" | awk '/^kpipe_points_ingested_total/ { printf "%d", $2 }'; }
curl -fsS -H 'Content-Type: application/x-ndjson' --data-binary @"$work/body.ndjson" "$url/ingest" >/dev/null  # warm-up
before="$(ingested)"
start=$(date +%s.%N)
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "$url/ingest"
end=$(date +%s.%N)
after="$(ingested)"
awk -v a="$after" -v b="$before" -v s="$start" -v e="$end" -v l="$lines" -v c="$connections" 'BEGIN {
  printf "ingest-load: %d points acknowledged by Kafka in %.1f s = %.0f points/s (%d lines per request, %d connections)\n",
    a - b, e - s, (a - b) / (e - s), l, c }'
