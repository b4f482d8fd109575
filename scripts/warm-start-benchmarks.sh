#!/usr/bin/env bash
# How fast a fresh node is before its JIT compiler has caught up: starts a single node, and as soon as it is ready
# runs kvwrite at 64 clients for 10 s with no warm-up (the "first 10 s" figure), then from a second bench process
# WARM seconds unmeasured and 10 s measured on the same connections (the warmed figure). Prints both RESULT lines,
# their ratio and the node's peak resident memory. NODE_JAVA_OPTS chooses the node's JVM options and JAVA its java
# binary (the load generator runs as ./halite bench always does). With IMAGE set, the node is a container of that
# image instead (docker run --network host, --memory CONTAINER_MEMORY, default 1g), started as the image starts it;
# NODE_JAVA_OPTS then replaces the image's HALITE_JAVA_OPTS if given.
# Usage: scripts/warm-start-benchmarks.sh [WARM_SECONDS] [WORKLOAD]
set -euo pipefail
cd "$(dirname "$0")/.."
WARM=${1:-60}
WORKLOAD=${2:-kvwrite}
DATA=$(mktemp -d /tmp/halite-warm.XXXXXX)
./halite --version >/dev/null   # builds if needed, outside the measurement
if [ -n "${IMAGE:-}" ]; then
  CONTAINER=halite-warm-start-$$
  docker run --detach --name "$CONTAINER" --network host --memory "${CONTAINER_MEMORY:-1g}" \
    ${NODE_JAVA_OPTS:+--env "HALITE_JAVA_OPTS=$NODE_JAVA_OPTS"} "$IMAGE" \
    serve --http-addr 127.0.0.1:4101 --raft-addr 127.0.0.1:4102 >/dev/null
  trap 'docker rm --force --volumes "$CONTAINER" >/dev/null; rm -rf "$DATA"' EXIT
  NODE=$(docker inspect --format '{{.State.Pid}}' "$CONTAINER")
else
  ${JAVA:-java} ${NODE_JAVA_OPTS:--Xms64m -Xmx256m -XX:MaxDirectMemorySize=160m -XX:+UseG1GC} \
    -jar halite-server/target/halite.jar serve --data-dir "$DATA/data" --http-addr 127.0.0.1:4101 \
    --raft-addr 127.0.0.1:4102 >"$DATA/serve.log" 2>&1 &
  NODE=$!
  trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true; rm -rf "$DATA"' EXIT
fi
for _ in $(seq 600); do curl -sf 127.0.0.1:4101/readyz >/dev/null && break; sleep 0.1; done
( while kill -0 $NODE 2>/dev/null; do awk '/VmRSS/ {print $2}' /proc/$NODE/status 2>/dev/null; sleep 1; done ) >"$DATA/rss" &
SAMPLER=$!
bench() { ./halite bench --url http://127.0.0.1:4101 --workload "$WORKLOAD" --clients 64 "$@"; }
first=$(bench --seconds 10 --warmup 0s | sed 's/$/ (first 10 s)/')
echo "$first"
warmed=$(bench --seconds 10 --warmup "${WARM}s" | sed "s/\$/ (after ${WARM} s more)/")
echo "$warmed"
ops() { grep -o 'ops_per_s=[0-9]*' <<<"$1" | cut -d= -f2; }
echo "# first 10 s / warmed: $(awk -v a="$(ops "$first")" -v b="$(ops "$warmed")" 'BEGIN { printf "%.2f", a / b }')"
kill $SAMPLER 2>/dev/null || true
echo "# halite node peak RSS: $(sort -n "$DATA/rss" | tail -1) kB"
