#!/usr/bin/env bash
# Throughput and memory of `tokens:stats --json` over a large Claude Code corpus.
#
# Builds corpora of 250 MB and 1 GB by replicating the real transcripts in shared/data with fresh
# ids (bench/make_corpus.py), then runs tokens:stats on one core (taskset -c 0) under
# /usr/bin/time -v, RUNS times each, and prints MB/s and peak RSS. The corpora live under
# target/bench-corpus and are deleted at the end (KEEP=1 keeps them).
#
#   bench/stats-corpus.sh            # sizes 250 and 1024 MB, 3 runs each
#   SIZES="64 256" RUNS=1 bench/stats-corpus.sh
#   JAVA_OPTS="-XX:TieredStopAtLevel=4" bench/stats-corpus.sh   # with C2, the JVM's default (on one core it picks the serial collector itself)
set -euo pipefail
cd "$(dirname "$0")/.."

SHARED=${SHARED:-../shared/data}
SIZES=${SIZES:-"250 1024"}
RUNS=${RUNS:-3}
JAVA_OPTS=${JAVA_OPTS:-}
OUT=target/bench-corpus

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -q -B -DskipTests package
fi
# Through the launcher, with the JVM flags a user gets; JAVA_OPTS are added after them.
export TOKENMETER_JAVA_OPTS="$JAVA_OPTS"
RUN=(./tokenmeter tokens:stats)

echo "machine: $(nproc) cores; $(lscpu | grep 'Model name' | sed 's/  */ /g'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
java -version 2>&1 | head -1

cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$OUT"; }
trap cleanup EXIT

printf '%-8s %-10s %-4s %-8s %-9s %-8s %-11s %-12s %s\n' size_mb bytes run wall_s mb_per_s cpu_s mb_per_cpu_s peak_rss_mb calls
for size in $SIZES; do
  dir="$OUT/$size"
  if [ ! -d "$dir" ]; then
    python3 bench/make_corpus.py "$SHARED/claude-transcripts/claude-code-log" \
      "$SHARED/claude-transcripts/claude-code-viewer" "$dir" "$size" >/dev/null
  fi
  bytes=$(du -sb "$dir" | cut -f1)
  cat $(find "$dir" -type f) > /dev/null  # a warm page cache: measure parsing, not the disk
  for r in $(seq 1 "$RUNS"); do
    log=$(mktemp)
    if ! taskset -c 0 /usr/bin/time -v "${RUN[@]}" --claude-dir "$dir" --json > "$OUT/out.json" 2> "$log"; then
      echo "stats-corpus.sh: tokens:stats failed:" >&2
      cat "$log" >&2
      exit 2
    fi
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
    cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
    calls=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['calls'])" "$OUT/out.json")
    mbps=$(awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.1f", b/1048576/s}')
    cpumbps=$(awk -v b="$bytes" -v s="$cpu" 'BEGIN {printf "%.1f", b/1048576/s}')
    printf '%-8s %-10s %-4s %-8s %-9s %-8s %-11s %-12s %s\n' "$size" "$bytes" "$r" "$secs" "$mbps" "$cpu" "$cpumbps" "$rss" "$calls"
    rm -f "$log"
  done
done
