#!/usr/bin/env bash
# The long fuzz run (docs/reliability.md): each target's jqwik properties, again and again
# with fresh random seeds, for at least MINUTES minutes per target. Every round is one Surefire run
# of the target's test class with -Djqwik.tries.default scaled so that a round lasts about
# ROUND_SECONDS; the jqwik reports (tries, seed) and any failure with its shrunk sample go to
# $OUT/<target>.log. Prints tries, minutes and failures per target; exits 1 if any failed.
#
#   bench/fuzz-long.sh                      # all five targets, 10 minutes each
#   MINUTES=1 bench/fuzz-long.sh prices     # one target, shorter
#   SKIP_COMPILE=1 OUT=bench-out/fuzz-b bench/fuzz-long.sh journal   # a second lane beside a first
#
# Waits while a JMH run (benchmarks.jar) has the machine. Compiles once (unless SKIP_COMPILE=1,
# for a lane started beside another), then runs offline. Each target keeps its own jqwik database
# (failed samples are tried first in the next round), so lanes do not share a file.
set -uo pipefail
cd "$(dirname "$0")/.."

MINUTES="${MINUTES:-10}"
ROUND_SECONDS="${ROUND_SECONDS:-120}"
START_TRIES="${START_TRIES:-500}"
OUT="${OUT:-bench-out/fuzz}"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(usage alerts prices journal transcript)

class_of() {
  case "$1" in
    usage) echo dev.tokenmeter.server.UsageParserFuzzTest ;;
    alerts) echo dev.tokenmeter.server.AlertWebhookFuzzTest ;;
    prices) echo dev.tokenmeter.pricing.PriceFileFuzzTest ;;
    journal) echo dev.tokenmeter.ingest.babysitter.JournalFuzzTest ;;
    transcript) echo dev.tokenmeter.ingest.claude.TranscriptFuzzTest ;;
    *) echo "unknown target $1 (usage, alerts, prices, journal, transcript)" >&2; return 1 ;;
  esac
}

wait_for_jmh() {
  while pgrep -f benchmarks.jar >/dev/null; do sleep 15; done
}

mkdir -p "$OUT"
wait_for_jmh
if [ "${SKIP_COMPILE:-0}" != 1 ]; then
  mvn -B -q -o test-compile >"$OUT/compile.log" 2>&1 || { cat "$OUT/compile.log"; exit 2; }
fi

summary=()
any_failed=0
for t in "${targets[@]}"; do
  class="$(class_of "$t")" || exit 2
  log="$OUT/$t.log"
  : >"$log"
  budget=$((MINUTES * 60))
  start=$(date +%s)
  tries="$START_TRIES"
  total=0
  rounds=0
  failed=0
  while :; do
    now=$(date +%s)
    left=$((start + budget - now))
    [ "$left" -gt 0 ] || break
    wait_for_jmh
    rounds=$((rounds + 1))
    r0=$(date +%s)
    echo "=== $t round $rounds: jqwik.tries.default=$tries ($(date -u +%FT%TZ))" >>"$log"
    if ! mvn -B -q -o surefire:test -Dtest="$class" -Djqwik.tries.default="$tries" \
        -Djqwik.database="target/jqwik-database-$t" -Dsurefire.failIfNoSpecifiedTests=false >>"$log" 2>&1; then
      failed=$((failed + 1))
      echo "=== $t round $rounds FAILED" >>"$log"
    fi
    report="target/surefire-reports/$class-output.txt"
    [ -f "$report" ] && cat "$report" >>"$log"
    n=$( { [ -f "$report" ] && grep -a -E '^tries = [0-9]+' "$report" || true; } | awk '{s += $3} END {print s + 0}')
    total=$((total + n))
    took=$(( $(date +%s) - r0 ))
    [ "$took" -gt 0 ] || took=1
    left=$((start + budget - $(date +%s)))
    aim=$ROUND_SECONDS
    [ "$left" -lt "$aim" ] && aim=$left
    [ "$aim" -lt 30 ] && aim=30
    # Scale the next round to about $aim seconds, from this round's pace (startup included).
    tries=$(( tries * aim / took ))
    [ "$tries" -ge 50 ] || tries=50
  done
  minutes=$(awk -v s=$(( $(date +%s) - start )) 'BEGIN {printf "%.1f", s / 60}')
  line="$t: $total tries over $rounds rounds in $minutes min, $failed failed rounds (log $log)"
  echo "$line" | tee -a "$log"
  summary+=("$line")
  [ "$failed" -eq 0 ] || any_failed=1
done

echo "--- fuzz-long summary"
printf '%s\n' "${summary[@]}"
exit "$any_failed"
