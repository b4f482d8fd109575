#!/usr/bin/env bash
# batch100 against SQLite itself and against a fresh single Halite node, in one sitting: the gap is what the
# network, the Raft log and the applier cost. Usage: scripts/sqlite-alone-benchmarks.sh [SECONDS] [CLIENTS]
# SQLite alone (scripts/SqliteAlone.java, through sqlite-jdbc in-process) has one writer, so it runs once.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-1,8,64}
DIR=$(mktemp -d /tmp/halite-sqlite-alone.XXXXXX)
NODE=
trap 'if [ -n "$NODE" ]; then kill "$NODE" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
./halite --version >/dev/null   # builds if needed, outside the measurement
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, commit $(git rev-parse --short HEAD), SECONDS=$SECS, CLIENTS=$CLIENTS"
java -cp "$(ls halite-server/target/lib/sqlite-jdbc-*.jar)" scripts/SqliteAlone.java "$DIR/alone.db" "$SECS"
./halite serve --data-dir "$DIR/node" --http-addr 127.0.0.1:4401 --raft-addr 127.0.0.1:4402 >"$DIR/node.log" 2>&1 &
NODE=$!
for _ in $(seq 60); do curl -sf 127.0.0.1:4401/readyz >/dev/null && break; sleep 1; done
./halite bench --url http://127.0.0.1:4401 --workload batch100 --clients 8 --seconds 20 --warmup 0s >/dev/null
./halite bench --url http://127.0.0.1:4401 --workload batch100 --clients "$CLIENTS" --seconds "$SECS" --warmup 3s
