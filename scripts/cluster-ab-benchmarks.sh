#!/usr/bin/env bash
# Before/after of a change on a 3-node cluster, in one sitting: builds REV (default: the parent of HEAD) in a
# temporary worktree, then for each version in turn starts a fresh 3-node cluster on loopback and runs WORKLOAD
# (default kvwrite; tx runs through the JDBC driver) through the leader (THROUGH=follower: a follower), reads at
# LEVEL if given, at each of CLIENTS, each run WARMUP_SECONDS
# (default 120) unmeasured and then SECONDS measured by the same bench process on the same connections: three JVMs
# compiling on 2 cores take over a minute to settle, and a bench process that opens new connections sets the
# compiler off again (see docs/benchmarks.md). Prints RESULT lines (system=halite-before / halite-after) and the
# CPU seconds each node used while measured. Then the anchors, unless the fourth argument is --no-anchors.
# Usage: scripts/cluster-ab-benchmarks.sh [REV] [SECONDS] [CLIENTS] [--no-anchors]. Needs root for the anchors.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:-HEAD~1}
SECS=${2:-10}
CLIENTS=${3:-1,64}
ANCHORS=${4:-}
WARMUP=${WARMUP_SECONDS:-120}
WORKLOAD=${WORKLOAD:-kvwrite}
THROUGH=${THROUGH:-leader}
LEVEL=${LEVEL:-}
BEFORE=$(mktemp -d /tmp/halite-before.XXXXXX)
PEERS=n1@127.0.0.1:4212,n2@127.0.0.1:4222,n3@127.0.0.1:4232
declare -A PID
DATA=""
stop_nodes() { for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PID=(); }
cleanup() { stop_nodes; [ -n "$DATA" ] && rm -rf "$DATA"; git worktree remove --force "$BEFORE" >/dev/null 2>&1 || true; }
trap cleanup EXIT
git worktree add --detach "$BEFORE" "$REV" >/dev/null
(cd "$BEFORE" && mvn -B -q -DskipTests package)
./halite --version >/dev/null   # builds this checkout if needed, outside the measurement

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for version in before after; do
  jar=halite-server/target/halite.jar
  [ "$version" = before ] && jar="$BEFORE/halite-server/target/halite.jar"
  DATA=$(mktemp -d /tmp/halite-cluster-ab.XXXXXX)
  for i in 1 2 3; do
    java ${HALITE_JAVA_OPTS:--Xms64m -Xmx256m -XX:MaxDirectMemorySize=160m -XX:+UseG1GC} -jar "$jar" serve \
      --node-id "n$i" --data-dir "$DATA/n$i" --http-addr "127.0.0.1:42${i}1" --raft-addr "127.0.0.1:42${i}2" \
      --peers "$PEERS" >"$DATA/n$i.log" 2>&1 &
    PID[$i]=$!
  done
  for i in 1 2 3; do for _ in $(seq 90); do curl -sf "127.0.0.1:42${i}1/readyz" >/dev/null && break; sleep 1; done; done
  L=0; for i in 1 2 3; do curl -s "127.0.0.1:42${i}1/status" | grep -q '"state":"Leader"' && L=$i; done
  T=$L; [ "$THROUGH" = follower ] && T=$((L % 3 + 1))
  for c in ${CLIENTS//,/ }; do
    (sleep $((WARMUP + 1)); for i in 1 2 3; do cpu_ticks "${PID[$i]}"; done >"$DATA/cpu0") &
    sampler=$!
    ./halite bench --url "http://127.0.0.1:42${T}1" --workload "$WORKLOAD" $([ "$WORKLOAD" = tx ] && echo --client jdbc) \
      $([ -n "$LEVEL" ] && echo --level "$LEVEL") --clients "$c" --seconds "$SECS" --warmup "${WARMUP}s" \
      | sed "s/system=halite\(-jdbc\)\{0,1\} /system=halite\1-$version /; s/\$/ ($THROUGH${LEVEL:+, level $LEVEL})/"
    wait "$sampler"
    mapfile -t T0 <"$DATA/cpu0"
    hz=$(getconf CLK_TCK)
    echo "# $version, $c clients: CPU seconds while measured: $(for i in 1 2 3; do printf 'n%s%s=%.1f ' "$i" "$([ "$i" = "$L" ] && echo '(leader)')" "$(awk -v a="$(cpu_ticks "${PID[$i]}")" -v b="${T0[$((i - 1))]}" -v hz="$hz" 'BEGIN { print (a - b) / hz }')"; done)"
  done
  stop_nodes
  rm -rf "$DATA"; DATA=""
done
if [ "$ANCHORS" != "--no-anchors" ]; then
  ../shared/bench/anchors.sh "$SECS" "$CLIENTS"
fi
