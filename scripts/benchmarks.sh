#!/usr/bin/env bash
# Runs `halite bench` against a fresh single node and ../shared/bench/anchors.sh in the same sitting, printing
# RESULT lines and the node's peak resident memory. Usage: scripts/benchmarks.sh [SECONDS] [CLIENTS]
# WARMUP_SECONDS (default 20): each run's unmeasured start, on the connections it then measures.
# Needs root for the anchors (they install PostgreSQL and dqlite from Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-1,8,64}
WARMUP=${WARMUP_SECONDS:-20}
DATA=$(mktemp -d /tmp/halite-bench.XXXXXX)
LOG="$DATA/serve.log"

./halite --version >/dev/null   # builds if needed, outside the measurement
./halite serve --data-dir "$DATA/data" --http-addr 127.0.0.1:4101 --raft-addr 127.0.0.1:4102 >"$LOG" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 60); do curl -sf 127.0.0.1:4101/readyz >/dev/null && break; sleep 1; done

( while kill -0 $NODE 2>/dev/null; do awk '/VmRSS/ {print $2}' /proc/$NODE/status 2>/dev/null; sleep 1; done ) >"$DATA/rss" &
SAMPLER=$!

for w in kvwrite kvread batch100; do
  ./halite bench --url http://127.0.0.1:4101 --workload "$w" --clients "$CLIENTS" --seconds "$SECS" --warmup "${WARMUP}s"
done
kill $SAMPLER 2>/dev/null || true
echo "# halite node peak RSS: $(sort -n "$DATA/rss" | tail -1) kB"
kill $NODE; wait $NODE 2>/dev/null || true

../shared/bench/anchors.sh "$SECS" "$CLIENTS"
