#!/usr/bin/env bash
# Soak of `tokenmeter serve` on loopback: a sustained mixed load for MINUTES (NDJSON ingest,
# Alertmanager webhook with pauses and resumes, run status and /metrics scrapes, event-stream
# clients that connect and drop), sampled every 10 s. See docs/reliability.md.
#
#   bench/soak.sh                # 10 minutes
#   MINUTES=1 bench/soak.sh      # a smoke run
#
# Exit 0: totals exact, no error answer, heap after GC and threads steady in the second half;
# 2: a check failed or the run broke. The figures are printed in every case.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

MINUTES="${MINUTES:-10}"
EPS="${EPS:-10000}"                  # ingest events per second (paced, not as fast as possible)
BATCH="${BATCH:-500}"                # events per NDJSON request
CONNECTIONS="${CONNECTIONS:-4}"
RUNS="${RUNS:-300}"                  # the steady set of runs the events spread over
WEBHOOK_RATE="${WEBHOOK_RATE:-100}"  # webhook requests per second, open loop
RUN_RATE="${RUN_RATE:-20}"           # GET /api/v1/runs/{run} per second
SSE_CLIENTS="${SSE_CLIENTS:-4}"
HEAP_TOLERANCE_PCT="${HEAP_TOLERANCE_PCT:-20}"
HEAP_TOLERANCE_MB="${HEAP_TOLERANCE_MB:-8}"
THREAD_TOLERANCE="${THREAD_TOLERANCE:-4}"
PAYLOADS="${PAYLOADS:-/work/shared/data/alertmanager-webhook}"
# A bounded heap, so that G1 collects the old generation during the run and heap after GC shows
# the live set rather than garbage waiting for a mixed collection.
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx256m}"
GEN_JAVA_OPTS="${GEN_JAVA_OPTS:--XX:+UseZGC}"
KEEP="${KEEP:-0}"
JAR="${JAR:-}"

section() { printf '\n== %s\n' "$*"; }

section "machine"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc: $(nproc)"
java -version 2>&1 | head -1
echo "load before: $(uptime)"
echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ local changes)')"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
jar="$(bench_jar "$here")" || exit 2

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tokenmeter-soak.XXXXXX")"
server_pid=""
gen_pid=""
trap 'bench_cleanup soak.sh' EXIT
trap 'exit 130' INT TERM

head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$tmp/token"
chmod 600 "$tmp/token"
mkdir "$tmp/state"

section "server"
bench_serve "$jar" "$tmp" "$SERVER_JAVA_OPTS -Xlog:gc:file=$tmp/gc.log:uptime,level,tags" \
  --state-dir "$tmp/state" --api-token-file "$tmp/token" || exit 2
echo "server pid $server_pid at $url (JVM options: ${SERVER_JAVA_OPTS:-none} + GC log)"
hz="$(getconf CLK_TCK)"
cpu() { awk -v hz="$hz" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$server_pid/stat"; }
rss() { ps -o rss= -p "$server_pid" | awk '{printf "%.0f", $1/1024}'; }
cpu0="$(cpu)"
echo "server RSS at start: $(rss) MB"

section "soak"
set +e
# shellcheck disable=SC2086
java $GEN_JAVA_OPTS bench/LoadGen.java soak --url "$url" --token-file "$tmp/token" --minutes "$MINUTES" \
  --eps "$EPS" --batch "$BATCH" --connections "$CONNECTIONS" --runs "$RUNS" --webhook-rate "$WEBHOOK_RATE" \
  --run-rate "$RUN_RATE" --sse-clients "$SSE_CLIENTS" --payloads "$PAYLOADS" --gc-log "$tmp/gc.log" \
  --heap-tolerance-pct "$HEAP_TOLERANCE_PCT" --heap-tolerance-mb "$HEAP_TOLERANCE_MB" \
  --thread-tolerance "$THREAD_TOLERANCE" > >(tee "$tmp/soak.out") &
gen_pid=$!
rc=0
wait "$gen_pid" || rc=$?
gen_pid=""
set -e

section "server"
echo "server CPU: $(awk -v a="$cpu0" -v b="$(cpu)" 'BEGIN {printf "%.1f", b - a}') s over the soak"
kill -0 "$server_pid" 2>/dev/null && echo "server RSS at end: $(rss) MB"
grep -E 'Pause' "$tmp/gc.log" | sed -E 's/.* ([0-9.]+)ms$/\1/' \
  | awk '{n++; s+=$1; if ($1>m) m=$1} END {printf "GC pauses: %d, total %.1f ms, max %.2f ms\n", n, s, m}'
echo "state files: $(find "$tmp/state" -type f | wc -l)"
echo "server log lines: $(wc -l < "$tmp/server.err") (errors: $(grep -c -E 'ERROR|Exception' "$tmp/server.err" || true))"
echo "load after: $(uptime)"
[ "$rc" = 0 ] && echo "soak passed" || echo "soak FAILED (rc $rc)"
exit "$rc"
