#!/usr/bin/env bash
# Measures continuous backup on this machine and prints RESULT, BACKUP and RESTORE lines:
#  1. kvwrite at 64 and 8 clients against a fresh single node, once per configuration: no backup (system=halite),
#     --backup file:///... (halite-backup-dir), --backup s3://... against a local S3Proxy (halite-backup-s3) and the
#     same with --backup-sync (halite-backup-s3-sync). Meanwhile GET /backup/status is polled every 100 ms (in every
#     configuration, so that all carry the same polling load); per backup run it prints
#     BACKUP system=... clients=... max_lag_s=... max_lag_entries=... drained_s=... entries_per_s=...
#     with the largest lag seen in the measured window, how long after the window lag_entries took to reach 0, and
#     gaps: base copies the uploader took during the run because the node had purged log it had not shipped yet.
#  2. Restore: loads a generated ~1 GB SQLite database (POST /db/load) into a node backing up to a directory,
#     waits for the base copy taken after the load, writes at least 100,000 further log entries, waits for the
#     backup to catch up, stops the node, times `halite restore` into a new data directory and compares
#     GET /db/checksum of a node started on it with the original's:
#     RESTORE database_bytes=... entries=... seconds=... checksum=match|MISMATCH ...
#  3. Unless --no-anchors: ../shared/bench/anchors.sh SECONDS 8,64 (needs root: PostgreSQL and dqlite from Debian).
# Usage: scripts/backup-benchmarks.sh [SECONDS] [--no-anchors]     (SECONDS measured per run, default 20)
# Environment: WARMUP_SECONDS (default 10) unmeasured seconds before each run; RESTORE_ROWS (default 760000, about
# 1.07 GB with 1 KiB values); RESTORE_ENTRIES (default 100000); RESTORE_BASE_LOG_SIZE (default 256MB: the load,
# compressed, must exceed it for the base copy to follow); KEEP_DATA=1 keeps the work directory and its logs.
# Everything listens on 127.0.0.1 (ports 4311-4362 and a free port for S3Proxy); all processes started here are
# stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=20
ANCHORS=yes
for arg in "$@"; do
  case "$arg" in
    --no-anchors) ANCHORS=no ;;
    *[!0-9]* | '') echo "usage: $0 [SECONDS] [--no-anchors]" >&2; exit 2 ;;
    *) SECS=$arg ;;
  esac
done
WARMUP=${WARMUP_SECONDS:-10}
ROWS=${RESTORE_ROWS:-760000}
ENTRIES=${RESTORE_ENTRIES:-100000}
BASE_LOG_SIZE=${RESTORE_BASE_LOG_SIZE:-256MB}
DATA=$(mktemp -d /tmp/halite-backup-bench.XXXXXX)
PIDS=()

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  if [ "${KEEP_DATA:-}" = 1 ]; then echo "# work directory kept: $DATA" >&2; else rm -rf "$DATA"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget() { local p keep=(); for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; PIDS=("${keep[@]}"); }
now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }   # a scalar JSON field from stdin

# start_node NAME PORT_PREFIX DATA_DIR [serve options...]: HTTP on 127.0.0.1:${PREFIX}1, Raft on ${PREFIX}2.
start_node() {
  local name=$1 prefix=$2 dir=$3; shift 3
  ./halite serve --data-dir "$dir" --http-addr "127.0.0.1:${prefix}1" --raft-addr "127.0.0.1:${prefix}2" "$@" \
    >"$DATA/$name.log" 2>&1 &
  NODE=$!; PIDS+=("$NODE"); URL="http://127.0.0.1:${prefix}1"
  for _ in $(seq 120); do
    curl -sf "$URL/readyz" >/dev/null && return 0
    kill -0 "$NODE" 2>/dev/null || break
    sleep 1
  done
  echo "# node $name did not become ready; its log ends:" >&2; tail -20 "$DATA/$name.log" >&2; exit 1
}
stop_node() { kill "$NODE" 2>/dev/null || true; wait "$NODE" 2>/dev/null || true; forget "$NODE"; }
# What the backup uploader said (base copies, gaps, errors), as comments.
backup_log() { grep -E 'BackupUploader|WARN|ERROR|Exception' "$DATA/$1.log" | grep -v TcpMetrics | sed "s/^/# $1: /" | tail -"${2:-12}" || true; }

# Base copies taken because the log was purged before the uploader shipped it ("a new base copy bridges the gap").
gaps() { grep -c 'bridges the gap' "$DATA/$1.log" || true; }

# Polls GET URL/backup/status every 100 ms until the file END holds the end time of the measured window and then
# lag_entries is 0 (or 300 s passed, or there is no backup); prints the BACKUP fields for the window [end-SECS, end].
cat >"$DATA/watch.py" <<'EOF'
import http.client, json, os, sys, time
url, end_file, secs, samples_file = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
host, port = url.split('//')[1].split(':')
conn, samples, end, tick = None, [], None, time.time()
with open(samples_file, 'w') as log:
    while True:
        t = time.time()
        try:
            conn = conn or http.client.HTTPConnection(host, int(port), timeout=5)
            conn.request('GET', '/backup/status')
            r = conn.getresponse(); body = r.read()
            s = json.loads(body) if r.status == 200 else None
        except Exception:
            conn, s = None, {}
        if s:
            samples.append((t, s['lag_seconds'], s['lag_entries'], s['applied_index'], s['stored_bytes'], s['last_error']))
            log.write('%.3f %s\n' % (t, json.dumps(s)))
        if end is None and os.path.exists(end_file) and os.path.getsize(end_file) > 0:
            end = float(open(end_file).read())
        if end is not None:
            if s is None:
                sys.exit(0)  # no backup on this node
            if (s and t >= end and s['lag_entries'] == 0) or t > end + 300:
                break
        tick += 0.1
        time.sleep(max(0, tick - time.time()))
window = [x for x in samples if end - secs <= x[0] <= end]
after = [x for x in samples if x[0] >= end]
drained = next((x[0] - end for x in after if x[2] == 0), None)
errors = sorted({x[5] for x in window + after if x[5]})
rate = (window[-1][3] - window[0][3]) / (window[-1][0] - window[0][0]) if len(window) > 1 else 0
print('max_lag_s=%.3f max_lag_entries=%d drained_s=%s entries_per_s=%.0f stored_bytes=%d samples=%d%s' % (
    max((x[1] for x in window), default=float('nan')), max((x[2] for x in window), default=-1),
    'never' if drained is None else '%.1f' % drained, rate, samples[-1][4] if samples else 0, len(window),
    (' last_error="%s"' % '; '.join(errors)) if errors else ''))
EOF

# bench_config SYSTEM PORT_PREFIX [serve options...]: a fresh node, kvwrite at 64 then 8 clients.
bench_config() {
  local system=$1 prefix=$2; shift 2
  start_node "$system" "$prefix" "$DATA/$system" "$@"
  local c
  for c in 64 8; do
    local tag="$system-$c" gaps_before; : >"$DATA/$tag.end"; gaps_before=$(gaps "$system")
    python3 "$DATA/watch.py" "$URL" "$DATA/$tag.end" "$SECS" "$DATA/$tag.samples" >"$DATA/$tag.watch" &
    local watcher=$!; PIDS+=("$watcher")
    if ./halite bench --url "$URL" --workload kvwrite --clients "$c" --seconds "$SECS" --warmup "${WARMUP}s" \
        >"$DATA/$tag.bench" 2>&1; then
      now >"$DATA/$tag.end"
      sed -n "s/^RESULT system=halite /RESULT system=$system /p" "$DATA/$tag.bench"
    else
      now >"$DATA/$tag.end"
      echo "# $system: halite bench failed at $c clients: $(tail -3 "$DATA/$tag.bench" | tr '\n' ' ')"
    fi
    wait "$watcher" || true; forget "$watcher"
    if [ -s "$DATA/$tag.watch" ]; then
      echo "BACKUP system=$system clients=$c $(cat "$DATA/$tag.watch") gaps=$(( $(gaps "$system") - gaps_before ))"
    fi
  done
  stop_node
  backup_log "$system" 6
}

./halite --version >/dev/null   # builds if needed, outside the measurement
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) CPUs, $(./halite --version), SECONDS=$SECS, warm-up ${WARMUP}s"

# S3Proxy (a test fixture of halite-backup) on its own JVM, its objects under $DATA/s3.
# halite-core is not in ~/.m2, so it joins the reactor; compiled in the same invocation (a no-op when up to date),
# its target/classes stands in for its jar.
mvn -B -q -o test-compile dependency:build-classpath -pl halite-core,halite-backup -Dmdep.includeScope=test \
  -Dmdep.outputFile="$DATA/backup-test.classpath" >"$DATA/mvn.log" 2>&1 || { cat "$DATA/mvn.log" >&2; exit 1; }
CP="halite-backup/target/test-classes:halite-backup/target/classes:halite-core/target/classes:$(cat "$DATA/backup-test.classpath")"
java -Xmx512m -cp "$CP" io.halite.backup.S3ProxyServer "$DATA/s3" 0 >"$DATA/s3proxy.log" 2>&1 &
S3PROXY=$!; PIDS+=("$S3PROXY")
S3_ENDPOINT=
for _ in $(seq 60); do
  S3_ENDPOINT=$(sed -n 's/^S3PROXY endpoint=\([^ ]*\).*/\1/p' "$DATA/s3proxy.log")
  [ -n "$S3_ENDPOINT" ] && break
  kill -0 "$S3PROXY" 2>/dev/null || break
  sleep 1
done
[ -n "$S3_ENDPOINT" ] || { echo "# S3Proxy did not start:" >&2; cat "$DATA/s3proxy.log" >&2; exit 1; }
echo "# S3Proxy at $S3_ENDPOINT"
S3=(--s3-endpoint "$S3_ENDPOINT" --s3-path-style --s3-region us-east-1 --s3-access-key halite --s3-secret-key halite-secret)

# Each configuration backs up to its own place: a node started with --backup on an empty data directory would
# otherwise restore the previous configuration's backup first.
bench_config halite 431
bench_config halite-backup-dir 432 --backup "file://$DATA/bk-dir"
bench_config halite-backup-s3 433 --backup s3://halite/bench-async "${S3[@]}"
bench_config halite-backup-s3-sync 434 --backup s3://halite/bench-sync --backup-sync "${S3[@]}"
kill "$S3PROXY" 2>/dev/null || true; wait "$S3PROXY" 2>/dev/null || true; forget "$S3PROXY"

# ---- Restore: a ~1 GB database plus at least 100,000 log entries, from a directory backup.
BK="file://$DATA/bk-restore"
t=$(now)
python3 - "$DATA/big.sqlite" "$ROWS" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript('PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;'
                'CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT);')
c.execute('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) '
          'INSERT INTO kv(k, v) SELECT lower(hex(randomblob(16))), lower(hex(randomblob(512))) FROM n', (int(sys.argv[2]),))
c.commit(); c.close()
EOF
LOADED_BYTES=$(stat -c %s "$DATA/big.sqlite")
echo "# restore: generated $DATA/big.sqlite: $ROWS rows of 1 KiB random hex, $LOADED_BYTES bytes, in $(elapsed "$t") s"

start_node restore-source 435 "$DATA/restore-source" --backup "$BK" --backup-base-log-size "$BASE_LOG_SIZE"
t=$(now)
# -T streams the file (curl's --data-binary @file reads all of it into memory, and gives up at 1 GB: "out of memory").
out=$(curl -sS -m 1800 -XPOST -T "$DATA/big.sqlite" -H 'Expect:' -H 'Content-Type: application/octet-stream' "$URL/db/load")
case "$out" in *error*) echo "# restore: /db/load failed: $out"; exit 1 ;; esac
rm -f "$DATA/big.sqlite"
LOAD_INDEX=$(curl -s "$URL/status" | field db_applied_index)
echo "# restore: /db/load of $LOADED_BYTES bytes took $(elapsed "$t") s: $out; applied index $LOAD_INDEX"

# The load is shipped as log segments (more than --backup-base-log-size once compressed), then a base copy follows.
t=$(now); BASE_INDEX=
while [ -z "$BASE_INDEX" ]; do
  BASE_INDEX=$({ ./halite backup list --from "$BK" 2>/dev/null || true; } |
    awk -v l="$LOAD_INDEX" 'NR > 1 && $2 ~ /^[0-9]+$/ && $2 >= l { print $2 }' | sort -n | tail -1)
  [ -n "$BASE_INDEX" ] && break
  if awk -v e="$(elapsed "$t")" 'BEGIN { exit !(e > 1200) }'; then
    echo "# restore: no base copy at or after index $LOAD_INDEX within 20 minutes: $(curl -s "$URL/backup/status")"
    backup_log restore-source; exit 1
  fi
  sleep 5
done
echo "# restore: base copy at index $BASE_INDEX stored $(elapsed "$t") s after the load; backup status: $(curl -s "$URL/backup/status")"
./halite backup list --from "$BK" | sed 's/^/# /'

# Sequential single-statement writes from 8 clients (the node batches concurrent ones into fewer entries, so the
# log index counts entries), until the log is ENTRIES past the base copy.
cat >"$DATA/fill.py" <<'EOF'
import http.client, json, os, sys, threading, time
host, port = sys.argv[1].split('//')[1].split(':'); target = int(sys.argv[2]); threads = int(sys.argv[3])
stop, lock, stats = threading.Event(), threading.Lock(), {'ok': 0, 'errors': 0, 'index': 0}
def client():
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    while not stop.is_set():
        body = json.dumps([["INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)", os.urandom(16).hex(), os.urandom(512).hex()]])
        try:
            conn.request('POST', '/db/execute?raft_index', body, {'Content-Type': 'application/json'})
            r = json.loads(conn.getresponse().read()); ok = 'error' not in r['results'][0]
        except Exception:
            r, ok = {}, False; conn.close(); conn = http.client.HTTPConnection(host, int(port), timeout=60)
        with lock:
            if ok:
                stats['ok'] += 1; stats['index'] = max(stats['index'], r['raft_index'])
                if stats['index'] >= target: stop.set()
            else:
                stats['errors'] += 1
                if stats['errors'] > 1000: stop.set()
t = time.time(); ts = [threading.Thread(target=client) for _ in range(threads)]
[x.start() for x in ts]; [x.join() for x in ts]
print('writes=%d errors=%d last_index=%d seconds=%.1f' % (stats['ok'], stats['errors'], stats['index'], time.time() - t))
EOF
t=$(now)
FILL=$(python3 "$DATA/fill.py" "$URL" $((BASE_INDEX + ENTRIES)) 8)
FILL_SECS=$(elapsed "$t")
LAST=$(curl -s "$URL/status" | field db_applied_index)
echo "# restore: wrote $FILL: $((LAST - BASE_INDEX)) log entries after the base in $FILL_SECS s ($(awk -v n=$((LAST - BASE_INDEX)) -v s="$FILL_SECS" 'BEGIN { printf "%.0f", n / s }') entries/s)"
t=$(now)
until [ "$(curl -s "$URL/backup/status" | field lag_entries)" = 0 ]; do
  if awk -v e="$(elapsed "$t")" 'BEGIN { exit !(e > 600) }'; then echo "# restore: backup lag did not drain in 600 s"; break; fi
  sleep 0.2
done
echo "# restore: backup drained $(elapsed "$t") s after the last write: $(curl -s "$URL/backup/status")"
ORIGINAL=$(curl -s -m 1200 "$URL/db/checksum")
stop_node
backup_log restore-source 20
./halite backup list --from "$BK" | sed 's/^/# /'

t=$(now)
RESTORED=$(./halite restore --from "$BK" --data-dir "$DATA/restored" 2>"$DATA/restore.err") || {
  echo "# restore: halite restore failed: $(cat "$DATA/restore.err")"; exit 1; }
RESTORE_SECS=$(elapsed "$t")
echo "# restore: $RESTORED"
DB_BYTES=$(stat -c %s "$DATA/restored/db/main.sqlite")
REPLAYED=$(echo "$RESTORED" | sed -n 's/.* plus \([0-9]*\) logged writes.*/\1/p')
start_node restored 436 "$DATA/restored"
COPY=$(curl -s -m 1200 "$URL/db/checksum")
stop_node
MATCH=MISMATCH
[ -n "$COPY" ] && [ "$(echo "$COPY" | field checksum)" = "$(echo "$ORIGINAL" | field checksum)" ] && MATCH=match
echo "# restore: checksum of the original $ORIGINAL, of the restored copy $COPY"
echo "RESTORE database_bytes=$DB_BYTES entries=${REPLAYED:-?} seconds=$RESTORE_SECS checksum=$MATCH loaded_bytes=$LOADED_BYTES base_index=$BASE_INDEX"

if [ "$ANCHORS" = yes ]; then
  cleanup; trap - EXIT
  ../shared/bench/anchors.sh "$SECS" 8,64
fi
