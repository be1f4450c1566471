#!/usr/bin/env bash
# Wall time of the one-shot commands a hook or a person runs, through the launcher as users run
# them: `gate` and `run:status` against a local `tokenmeter serve`, and `tokens:stats` over the
# real transcripts in shared/data. Prints the median and the spread of RUNS runs of each.
#
#   bench/cli-start.sh                                   # 20 runs each, the launcher's JVM flags
#   TOKENMETER_JAVA_OPTS="-XX:TieredStopAtLevel=4 -XX:-UseSerialGC" bench/cli-start.sh   # JVM defaults
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
SHARED=${SHARED:-../shared/data}
. bench/lib.sh
jar="$(bench_jar "$PWD")"

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  bench_stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine: $(nproc) cores; $(lscpu | grep 'Model name' | sed 's/  */ /g'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
java -version 2>&1 | sed -n 1p
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo none); extra JVM options: ${TOKENMETER_JAVA_OPTS:-none}"

bench_serve "$jar" "$tmp" "" --state-dir "$tmp/state" || exit 2
curl -fsS -X POST -H 'Content-Type: application/json' "$url/api/v1/usage" \
  -d '{"run":"bench","model":"claude-sonnet-4-5","inputTokens":1000,"outputTokens":100}' > /dev/null

# time_it NAME CMD...: RUNS runs of CMD (after one not counted), then its median, min and max.
time_it() {
  local name="$1"
  shift
  if ! "$@" > "$tmp/out" 2>&1; then
    echo "cli-start.sh: $name failed:" >&2
    cat "$tmp/out" >&2
    exit 2
  fi
  : > "$tmp/times"
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -f '%e' -o "$tmp/t" "$@" > /dev/null 2>&1
    tail -n 1 "$tmp/t" >> "$tmp/times"
  done
  sort -n "$tmp/times" | awk -v n="$name" '{a[NR]=$1} END {printf "%-34s median %.2f s  min %.2f s  max %.2f s  (%d runs)\n", n, a[int((NR+1)/2)], a[1], a[NR], NR}'
}

time_it "gate (open run)" ./tokenmeter gate bench --server "$url"
time_it "run:status" ./tokenmeter run:status bench --server "$url"
time_it "run:status --json" ./tokenmeter run:status bench --json --server "$url"
time_it "tokens:stats (real transcripts)" ./tokenmeter tokens:stats --claude-dir "$SHARED/claude-transcripts" --runs-dir "$SHARED/babysitter-runs-sdk"
time_it "--version (JVM and picocli only)" ./tokenmeter --version
