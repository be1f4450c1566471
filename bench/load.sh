#!/usr/bin/env bash
# Load benchmark of `tokenmeter serve` on loopback: NDJSON ingest throughput (exact totals checked)
# and Alertmanager webhook latency under a fixed open-loop rate. See docs/benchmarks-load.md.
#
#   bench/load.sh                      # defaults: 2,000,000 events; 500 webhook requests/s for 60 s
#   EVENTS=200000 SECONDS_=10 bench/load.sh   # a quick smoke run
#
# Exit 0: both targets met and every check exact; 1: a target missed; 2: a check failed or the
# run broke. The figures are printed in every case.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

EVENTS="${EVENTS:-2000000}"          # measured ingest events (a warm-up of WARMUP_EVENTS comes first)
WARMUP_EVENTS="${WARMUP_EVENTS:-200000}"
BATCH="${BATCH:-1000}"               # events per NDJSON request
CONNECTIONS="${CONNECTIONS:-4}"      # concurrent ingest connections
RUNS="${RUNS:-300}"                  # distinct runs the events spread over
RATE="${RATE:-500}"                  # webhook requests per second, open loop
SECONDS_="${SECONDS_:-60}"           # measured webhook seconds (SECONDS is bash's own variable)
WARMUP_SECONDS="${WARMUP_SECONDS:-10}"
CYCLE="${CYCLE:-NPRRNGRNRXNRRNXRNRXN}"  # webhook request kinds, repeating (see LoadGen.Webhook)
TARGET_EPS="${TARGET_EPS:-50000}"
TARGET_P99_MS="${TARGET_P99_MS:-5}"
PAYLOADS="${PAYLOADS:-/work/shared/data/alertmanager-webhook}"
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:-}"   # extra JVM options for the server (default: none, as a user runs it)
# The webhook generator's own GC pauses land in the latencies it measures: G1 pauses of the
# generator reached 68 ms here, so it runs on ZGC (sub-millisecond pauses) unless told otherwise.
WEBHOOK_GEN_JAVA_OPTS="${WEBHOOK_GEN_JAVA_OPTS:--XX:+UseZGC}"
KEEP="${KEEP:-0}"                    # 1: keep the temp directory (server log, GC log) after the run
JAR="${JAR:-}"                       # a server jar to use instead of target/tokenmeter-*-all.jar

section() { printf '\n== %s\n' "$*"; }

section "machine"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc: $(nproc)"
lscpu | head -20
java -version 2>&1
echo "load before: $(uptime)"
echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ local changes)')"

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
jar="$(bench_jar "$here")" || exit 2

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tokenmeter-load.XXXXXX")"
server_pid=""
gen_pid=""
trap 'bench_cleanup load.sh' EXIT
trap 'exit 130' INT TERM

head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$tmp/token"
chmod 600 "$tmp/token"
mkdir "$tmp/state"

section "server"
echo "jar: $jar"
echo "state dir: $tmp/state ($(df -T "$tmp" | awk 'NR==2 {print $2}'))"
bench_serve "$jar" "$tmp" "$SERVER_JAVA_OPTS -Xlog:gc*:file=$tmp/gc.log:uptime,level,tags" \
  --state-dir "$tmp/state" --api-token-file "$tmp/token" || exit 2
echo "server pid $server_pid at $url (JVM options: ${SERVER_JAVA_OPTS:-none} + GC log)"

# Runs the generator in the background and waits for it, so that a signal to this script is
# handled at once (bash runs traps only between commands, but it interrupts `wait`).
# Usage: gen OUTFILE "JVM OPTIONS" ARGS...; returns the generator's exit status.
gen() {
  local out="$1" opts="$2"
  shift 2
  # shellcheck disable=SC2086
  java $opts bench/LoadGen.java "$@" --url "$url" --token-file "$tmp/token" > >(tee "$out") &
  gen_pid=$!
  local rc=0
  wait "$gen_pid" || rc=$?
  gen_pid=""
  return "$rc"
}
# CPU seconds the server process has used (user + system), to show its cost per phase
# independently of what else the machine runs.
hz="$(getconf CLK_TCK)"
cpu() { awk -v hz="$hz" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$server_pid/stat"; }
cpu_used() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

section "ingest"
set +e
cpu0="$(cpu)"
gen "$tmp/ingest.out" "" ingest --events "$EVENTS" --warmup-events "$WARMUP_EVENTS" --batch "$BATCH" \
  --connections "$CONNECTIONS" --runs "$RUNS" --target-eps "$TARGET_EPS"
ingest_rc=$?
cpu1="$(cpu)"
ingest_cpu="$(cpu_used "$cpu0" "$cpu1")"
lines=$(( EVENTS + WARMUP_EVENTS ))
echo "server CPU during ingest: $ingest_cpu s for about $lines lines:" \
  "$(awk -v c="$ingest_cpu" -v n="$lines" 'BEGIN {printf "%.1f", c * 1e6 / n}') us per line (warm-up included)"
echo "load after ingest: $(uptime)"

section "webhook"
echo "generator JVM options: ${WEBHOOK_GEN_JAVA_OPTS:-none}"
gen "$tmp/webhook.out" "$WEBHOOK_GEN_JAVA_OPTS" webhook --rate "$RATE" --seconds "$SECONDS_" --warmup-seconds "$WARMUP_SECONDS" \
  --target-p99-ms "$TARGET_P99_MS" --payloads "$PAYLOADS" --cycle "$CYCLE"
webhook_rc=$?
cpu2="$(cpu)"
webhook_cpu="$(cpu_used "$cpu1" "$cpu2")"
echo "server CPU during webhook: $webhook_cpu s for $(( RATE * (SECONDS_ + WARMUP_SECONDS) )) requests"
set -e

section "server GC (whole run, from -Xlog:gc)"
grep -E 'gc +\].*Pause' "$tmp/gc.log" | sed -E 's/.* ([0-9.]+)ms$/\1/' \
  | awk '{n++; s+=$1; if ($1>m) m=$1} END {printf "pauses: %d, total %.1f ms, max %.2f ms\n", n, s, m}'
grep -m1 -E 'Using ' "$tmp/gc.log" | sed 's/.*\] //' || true
kill -0 "$server_pid" 2>/dev/null && echo "server RSS: $(ps -o rss= -p "$server_pid" | awk '{printf "%.0f MB", $1/1024}')"

section "summary"
echo "load after: $(uptime)"
r() { grep -h "^RESULT $1=" "$tmp"/*.out | tail -1 | cut -d= -f2; }
printf '%-34s %s\n' "ingest events/s (target >= $TARGET_EPS)" "$(r ingest_events_per_s)"
printf '%-34s %s\n' "ingest totals exact" "$(r ingest_exact)"
printf '%-34s %s\n' "ingest server CPU s" "$ingest_cpu"
printf '%-34s %s\n' "webhook p50 ms" "$(r webhook_p50_ms)"
printf '%-34s %s\n' "webhook p90 ms" "$(r webhook_p90_ms)"
printf '%-34s %s\n' "webhook p99 ms (target <= $TARGET_P99_MS)" "$(r webhook_p99_ms)"
printf '%-34s %s\n' "webhook p99.9 ms" "$(r webhook_p99_9_ms)"
printf '%-34s %s\n' "webhook max ms" "$(r webhook_max_ms)"
printf '%-34s %s\n' "webhook answers correct" "$(r webhook_correct)"
printf '%-34s %s\n' "webhook requests not sent" "$(r webhook_not_sent)"
printf '%-34s %s\n' "webhook server CPU s" "$webhook_cpu"

rc=0
[ "$ingest_rc" = 1 ] && { echo "TARGET MISSED: ingest below $TARGET_EPS events/s"; rc=1; }
[ "$webhook_rc" = 1 ] && { echo "TARGET MISSED: webhook p99 above $TARGET_P99_MS ms"; rc=1; }
[ "$ingest_rc" -ge 2 ] && { echo "FAILED: ingest check (rc $ingest_rc)"; rc=2; }
[ "$webhook_rc" -ge 2 ] && { echo "FAILED: webhook check (rc $webhook_rc)"; rc=2; }
[ "$rc" = 0 ] && echo "both targets met; every check exact"
exit "$rc"
