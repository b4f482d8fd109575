#!/usr/bin/env bash
# What security costs, in one sitting: a single node over plain HTTP and then over HTTPS with Basic auth (kvwrite and
# kvread on keep-alive connections), and a 3-node cluster without and then with mutual TLS between members (kvwrite
# through the leader). Each measured run is the end of one `halite bench` process whose first WARMUP_SECONDS are not
# counted, so the clients' keep-alive connections are open long before measuring starts: a new set of connections
# sends the JIT back to work (the hot request path is deoptimized on connection set-up and, on two shared cores,
# recompiled over the next 5-15 s, TLS's much more than plain HTTP's). ROUNDS (default 1)
# repeats the four in turn, plain and secure alternating, and a summary gives each ratio as the secure runs' summed
# rate over the plain runs' (one pair of runs on a shared two-core machine moves a ratio by up to 0.1). Then
# ../shared/bench/anchors.sh.
# Usage: scripts/security-benchmarks.sh [SECONDS] [CLIENTS] [--no-anchors]
# PINNED=1 runs the single nodes on CPU 0 and their load on CPU 1 (taskset), as if the load came from elsewhere.
# Certificates come from openssl into a temporary directory (a CA, one certificate for 127.0.0.1); the password is
# hashed with `halite passwd` and reaches `halite bench` through a file.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-64}
ANCHORS=${3:-}
WARMUP=${WARMUP_SECONDS:-30}
ROUNDS=${ROUNDS:-1}
NODE_CPU=() LOAD_CPU=()
if [ -n "${PINNED:-}" ]; then NODE_CPU=(taskset -c 0); LOAD_CPU=(taskset -c 1); fi
DIR=$(mktemp -d /tmp/halite-security-bench.XXXXXX)
PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=(); }
trap 'stop_all; rm -rf "$DIR"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
  -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=node -keyout "$DIR/node.key" \
  -out "$DIR/node.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$DIR/ext"
openssl x509 -req -in "$DIR/node.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial -days 2 \
  -extfile "$DIR/ext" -out "$DIR/node.crt" 2>/dev/null
printf 'bench-secret\n' >"$DIR/password"
./halite --version >/dev/null   # builds if needed, outside the measurement
printf '[{"username": "bench", "password_hash": "%s", "perms": ["all"]}]\n' \
  "$(./halite passwd <"$DIR/password")" >"$DIR/users.json"
HTTPS_NODE=(--http-cert "$DIR/node.crt" --http-key "$DIR/node.key")
NODE_TLS=(--node-cert "$DIR/node.crt" --node-key "$DIR/node.key" --node-ca-cert "$DIR/ca.crt")
SECURE_CLIENT=(--ca-cert "$DIR/ca.crt" --user bench --password-file "$DIR/password")

ready() {  # URL [curl options]
  for _ in $(seq 120); do curl -sf "${@:2}" "$1/readyz" >/dev/null && return 0; sleep 1; done; return 1
}

single() {  # tag scheme [serve options] -- [bench options]
  local tag=$1 scheme=$2; shift 2
  local serve=() bench=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do serve+=("$1"); shift; done
  shift; bench=("$@")
  rm -rf "$DIR/single-$tag"
  "${NODE_CPU[@]}" ./halite serve --data-dir "$DIR/single-$tag" --http-addr 127.0.0.1:4301 --raft-addr 127.0.0.1:4302 \
    "${serve[@]}" >"$DIR/single-$tag.log" 2>&1 &
  PIDS+=($!)
  ready "$scheme://127.0.0.1:4301" --cacert "$DIR/ca.crt" -u bench:bench-secret
  for w in kvwrite kvread; do
    "${LOAD_CPU[@]}" ./halite bench --url "$scheme://127.0.0.1:4301" --workload "$w" --clients "$CLIENTS" --seconds "$SECS" \
      --warmup "${WARMUP}s" "${bench[@]}" | sed "s/\$/ ($tag)/" | tee -a "$DIR/results"
  done
  stop_all
}

cluster() {  # tag scheme [serve options] -- [bench options]
  local tag=$1 scheme=$2; shift 2
  local serve=() bench=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do serve+=("$1"); shift; done
  shift; bench=("$@")
  local peers=n1@127.0.0.1:4312,n2@127.0.0.1:4322,n3@127.0.0.1:4332
  rm -rf "$DIR/cluster-$tag"
  for i in 1 2 3; do
    ./halite serve --node-id "n$i" --data-dir "$DIR/cluster-$tag/n$i" --http-addr "127.0.0.1:43${i}1" \
      --raft-addr "127.0.0.1:43${i}2" --peers "$peers" "${serve[@]}" >"$DIR/cluster-$tag-n$i.log" 2>&1 &
    PIDS+=($!)
  done
  for i in 1 2 3; do ready "$scheme://127.0.0.1:43${i}1" --cacert "$DIR/ca.crt"; done
  local leader
  for i in 1 2 3; do
    curl -s --cacert "$DIR/ca.crt" "$scheme://127.0.0.1:43${i}1/status" | grep -q '"state":"Leader"' && leader=$i
  done
  ./halite bench --url "$scheme://127.0.0.1:43${leader}1" --workload kvwrite --clients "$CLIENTS" \
    --seconds "$SECS" --warmup "${WARMUP}s" "${bench[@]}" | sed "s/\$/ ($tag, leader, after ${WARMUP} s warm-up)/" \
    | tee -a "$DIR/results"
  stop_all
}

# The summed rate of one kind of run: nodes, workload, tag.
summed() {
  awk -v n="nodes=$1" -v w="workload=$2" -v t="($3" '$0 ~ n && $0 ~ w && index($0, t) {
    sub(/.*ops_per_s=/, ""); sum += $1 + 0 } END { print sum + 0 }' "$DIR/results"
}
ratio() {  # label nodes workload secure-tag
  local secure plain
  secure=$(summed "$2" "$3" "$4"); plain=$(summed "$2" "$3" plain)
  echo "# $1: $secure / $plain = $(awk -v a="$secure" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')"
}

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, commit $(git rev-parse --short HEAD), SECONDS=$SECS, CLIENTS=$CLIENTS, ROUNDS=$ROUNDS"
for _ in $(seq "$ROUNDS"); do
  single plain http --
  single https+auth https --auth "$DIR/users.json" "${HTTPS_NODE[@]}" -- "${SECURE_CLIENT[@]}"
  cluster plain http --
  cluster mutual-tls https "${HTTPS_NODE[@]}" "${NODE_TLS[@]}" -- --ca-cert "$DIR/ca.crt"
done
echo "# summed over $ROUNDS round(s), secure / plain:"
ratio "1 node, HTTPS + users, kvwrite" 1 kvwrite https+auth
ratio "1 node, HTTPS + users, kvread" 1 kvread https+auth
ratio "3 nodes, mutual TLS, kvwrite" 3 kvwrite mutual-tls

if [ "$ANCHORS" != "--no-anchors" ]; then
  ../shared/bench/anchors.sh "$SECS" "$CLIENTS"
fi
