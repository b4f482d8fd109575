#!/usr/bin/env bash
# How long a node takes from its start to its first 200 from /readyz, with and without the class-data archive
# (docs/benchmarks.md, "Starting from a class-data archive"). Each round starts a fresh single node through
# ./halite serve as the launcher runs it (from its archive; the script first runs one node so that it records
# one), then the same with the archive off (a HALITE_JAVA_OPTS naming -Xshare leaves the JVM's own default); with
# IMAGES set (space-separated), also a container of each image (docker run --network host --memory 1g). Prints
# one START line per start and each system's median. Usage: scripts/start-benchmarks.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
DATA=$(mktemp -d /tmp/halite-start.XXXXXX)
trap 'rm -rf "$DATA"' EXIT
DEFAULT_OPTS="-Xms64m -Xmx256m -XX:MaxDirectMemorySize=160m -XX:+UseG1GC"
./halite --version >/dev/null   # builds if needed, outside the measurement

# Prints the milliseconds from now until 127.0.0.1:4101/readyz answers 200 (at most 120 s).
until_ready() {
  local start=$(date +%s%N)
  for _ in $(seq 2400); do
    curl -sf -o /dev/null 127.0.0.1:4101/readyz && { echo $(( ($(date +%s%N) - start) / 1000000 )); return; }
    sleep 0.05
  done
  echo "not ready within 120 s" >&2; return 1
}

# start_host NAME [HALITE_JAVA_OPTS]: a fresh node through ./halite serve, timed, then stopped (SIGTERM).
start_host() {
  rm -rf "$DATA/data"
  HALITE_JAVA_OPTS="${2:-}" ./halite serve --data-dir "$DATA/data" --http-addr 127.0.0.1:4101 \
    --raft-addr 127.0.0.1:4102 >"$DATA/serve.log" 2>&1 &
  local node=$! ms
  ms=$(until_ready)
  kill $node; wait $node || true
  echo "START system=$1 ready_ms=$ms"
}

start_image() {
  local ms
  docker run --detach --name halite-start-$$ --network host --memory 1g "$1" \
    serve --http-addr 127.0.0.1:4101 --raft-addr 127.0.0.1:4102 >/dev/null
  ms=$(until_ready)
  docker rm --force --volumes halite-start-$$ >/dev/null
  echo "START system=image:$1 ready_ms=$ms"
}

start_host recording-run >/dev/null   # the launcher records its archive as this node stops
for round in $(seq "$ROUNDS"); do
  start_host halite-serve
  start_host halite-serve-no-archive "$DEFAULT_OPTS -Xshare:auto"
  for image in ${IMAGES:-}; do start_image "$image"; done
  sleep 2
done | tee "$DATA/starts"
for system in $(awk '{ print $2 }' "$DATA/starts" | sort -u); do
  times=$(grep " $system " "$DATA/starts" | sed 's/.*ready_ms=//')
  median=$(sort -n <<<"$times" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  echo "# ${system#system=}: median $median ms ($(tr '\n' ' ' <<<"$times" | sed 's/ $//'))"
done
