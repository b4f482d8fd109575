#!/usr/bin/env bash
# Before/after of a change on one node, in one sitting: builds REV (default: the parent of HEAD) in a temporary
# worktree, runs the same `halite bench` against a fresh node of each version in turn, then the anchors.
# Usage: scripts/ab-benchmarks.sh [REV] [SECONDS] [CLIENTS]. Needs root for the anchors.
# WORKLOADS (default "kvwrite kvread batch100") picks the workloads; tx runs through the JDBC driver.
# WARMUP_SECONDS (default 20): each run's unmeasured start, on the connections it then measures.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:-HEAD~1}
SECS=${2:-10}
CLIENTS=${3:-1,8,64}
WORKLOADS=${WORKLOADS:-kvwrite kvread batch100}
WARMUP=${WARMUP_SECONDS:-20}
BEFORE=$(mktemp -d /tmp/halite-before.XXXXXX)
trap 'git worktree remove --force "$BEFORE" >/dev/null 2>&1 || true' EXIT
git worktree add --detach "$BEFORE" "$REV" >/dev/null
(cd "$BEFORE" && mvn -B -q -DskipTests package)
./halite --version >/dev/null   # builds this checkout if needed, outside the measurement

for version in before after; do
  jar=halite-server/target/halite.jar
  [ "$version" = before ] && jar="$BEFORE/halite-server/target/halite.jar"
  data=$(mktemp -d /tmp/halite-ab.XXXXXX)
  java ${HALITE_JAVA_OPTS:--Xms64m -Xmx256m -XX:MaxDirectMemorySize=160m -XX:+UseG1GC} -jar "$jar" serve \
    --data-dir "$data/data" --http-addr 127.0.0.1:4101 --raft-addr 127.0.0.1:4102 >"$data/serve.log" 2>&1 &
  node=$!
  for _ in $(seq 60); do curl -sf 127.0.0.1:4101/readyz >/dev/null && break; sleep 1; done
  for w in $WORKLOADS; do
    ./halite bench --url http://127.0.0.1:4101 --workload "$w" $([ "$w" = tx ] && echo --client jdbc) \
      --clients "$CLIENTS" --seconds "$SECS" --warmup "${WARMUP}s" \
      | sed "s/system=halite\(-jdbc\)\{0,1\} /system=halite\1-$version /"
  done
  kill "$node"; wait "$node" 2>/dev/null || true
  rm -rf "$data"
done
../shared/bench/anchors.sh "$SECS" "$CLIENTS"
