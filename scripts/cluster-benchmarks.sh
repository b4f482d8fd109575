#!/usr/bin/env bash
# Runs `halite bench` against a fresh 3-node cluster on loopback (kvwrite through the leader and through a
# follower, kvread at level none on a follower), then measures failover: SIGKILL the leader and time the first
# write a survivor acknowledges, three rounds. Finally runs ../shared/bench/anchors.sh in the same sitting.
# Usage: scripts/cluster-benchmarks.sh [SECONDS] [CLIENTS] [--no-anchors]
# WARMUP_SECONDS (default 60): each run's unmeasured start, on the connections it then measures, so that the three
# JVMs have compiled the hot code before it is measured (on 2 shared cores that takes over a minute, and a bench
# process that opens new connections sets the compiler off again; see docs/benchmarks.md).
# Needs root for the anchors (they install PostgreSQL and dqlite from Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-1,8,64}
ANCHORS=${3:-}
WARMUP=${WARMUP_SECONDS:-60}
DATA=$(mktemp -d /tmp/halite-cluster-bench.XXXXXX)
PEERS=n1@127.0.0.1:4212,n2@127.0.0.1:4222,n3@127.0.0.1:4232
declare -A PID

start() {  # start node i (1-3)
  ./halite serve --node-id "n$1" --data-dir "$DATA/n$1" --http-addr "127.0.0.1:42${1}1" \
    --raft-addr "127.0.0.1:42${1}2" --peers "$PEERS" >>"$DATA/n$1.log" 2>&1 &
  PID[$1]=$!
}
ready() { for _ in $(seq 90); do curl -sf "127.0.0.1:42${1}1/readyz" >/dev/null && return 0; sleep 1; done; return 1; }
leader() {
  for i in 1 2 3; do curl -s -m 2 "127.0.0.1:42${i}1/status" | grep -q '"state":"Leader"' && { echo "$i"; return; }; done
  echo 0
}
cleanup() { for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

./halite --version >/dev/null   # builds if needed, outside the measurement
for i in 1 2 3; do start "$i"; done
for i in 1 2 3; do ready "$i"; done
L=$(leader); F=$(( L % 3 + 1 ))
echo "# leader n$L, follower n$F"
./halite bench --url "http://127.0.0.1:42${L}1" --workload kvwrite --clients "$CLIENTS" --seconds "$SECS" --warmup "${WARMUP}s" | sed 's/$/ (leader)/'
./halite bench --url "http://127.0.0.1:42${F}1" --workload kvwrite --clients "$CLIENTS" --seconds "$SECS" --warmup "${WARMUP}s" | sed 's/$/ (follower)/'
./halite bench --url "http://127.0.0.1:42${F}1" --workload kvread --level none --clients "$CLIENTS" --seconds "$SECS" --warmup "${WARMUP}s" | sed 's/$/ (follower, level none)/'

for round in 1 2 3; do
  L=$(leader); S=$(( L % 3 + 1 ))
  kill -9 "${PID[$L]}"; killed=$(date +%s.%N)
  until curl -sf -m 2 -XPOST "127.0.0.1:42${S}1/db/execute?timeout=1s" -H 'Content-Type: application/json' \
      -d '["INSERT INTO kv(k, v) VALUES(hex(randomblob(16)), '\''failover'\'')"]' >/dev/null; do sleep 0.05; done
  echo "# failover round $round: first write acknowledged through n$S $(awk -v a="$(date +%s.%N)" -v b="$killed" 'BEGIN { printf "%.2f", a - b }') s after SIGKILL of leader n$L"
  start "$L"; ready "$L"
done

if [ "$ANCHORS" != "--no-anchors" ]; then
  cleanup; trap - EXIT
  ../shared/bench/anchors.sh "$SECS" "$CLIENTS"
fi
