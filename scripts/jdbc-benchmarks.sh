#!/usr/bin/env bash
# The JDBC driver beside the HTTP API, in one sitting: `halite bench --client jdbc` (HikariCP pool, one connection
# per client, PreparedStatements) against `--client http` on a fresh single node (kvwrite, kvread, and the tx
# workload: one read and one write in an interactive transaction), then on a fresh 3-node cluster (kvwrite through
# the leader). Each pair runs twice, alternating, because fresh JVMs on 2 cores drift from one run to the next.
# Finally runs ../shared/bench/anchors.sh. Usage: scripts/jdbc-benchmarks.sh [SECONDS] [CLIENTS] [--no-anchors]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-1,8,64}
ANCHORS=${3:-}
DATA=$(mktemp -d /tmp/halite-jdbc-bench.XXXXXX)
PEERS=n1@127.0.0.1:4312,n2@127.0.0.1:4322,n3@127.0.0.1:4332
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
ready() { for _ in $(seq 90); do curl -sf "$1/readyz" >/dev/null && return 0; sleep 1; done; return 1; }
bench() { ./halite bench --seconds "$SECS" --warmup 5s --clients "$CLIENTS" "$@"; }

./halite --version >/dev/null   # builds if needed, outside the measurement

echo "# single node"
./halite serve --data-dir "$DATA/single" --http-addr 127.0.0.1:4301 --raft-addr 127.0.0.1:4302 >"$DATA/single.log" 2>&1 &
PIDS+=($!)
ready http://127.0.0.1:4301
for round in 1 2; do
  for w in kvwrite kvread; do
    bench --url http://127.0.0.1:4301 --workload "$w" --client http
    bench --url http://127.0.0.1:4301 --workload "$w" --client jdbc
  done
done
bench --url http://127.0.0.1:4301 --workload tx --client jdbc
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true; PIDS=()

echo "# 3-node cluster, through the leader"
for i in 1 2 3; do
  ./halite serve --node-id "n$i" --data-dir "$DATA/n$i" --http-addr "127.0.0.1:43${i}1" \
    --raft-addr "127.0.0.1:43${i}2" --peers "$PEERS" >"$DATA/n$i.log" 2>&1 &
  PIDS+=($!)
done
for i in 1 2 3; do ready "http://127.0.0.1:43${i}1"; done
L=0
for i in 1 2 3; do
  curl -s "127.0.0.1:43${i}1/status" | grep -q '"state":"Leader"' && L=$i
done
for round in 1 2; do
  bench --url "http://127.0.0.1:43${L}1" --workload kvwrite --client http
  bench --url "http://127.0.0.1:43${L}1" --workload kvwrite --client jdbc
done
bench --url "http://127.0.0.1:43${L}1" --workload tx --client jdbc

if [ "$ANCHORS" != "--no-anchors" ]; then
  cleanup; trap - EXIT
  ../shared/bench/anchors.sh "$SECS" "$CLIENTS"
fi
