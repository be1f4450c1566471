#!/usr/bin/env bash
# Builds target/benchmarks.jar (Maven profile "bench") and runs the JMH benchmarks of
# src/jmh/java with the settings of docs/benchmarks.md. Results: bench-out/jmh.json (JMH JSON),
# bench-out/jmh.txt (the console log), bench-out/machine.txt (machine and load before/after).
#
#   bench/run-jmh.sh                       # every benchmark, about 8 minutes on 2 cores
#   bench/run-jmh.sh RecordBenchmark       # a subset: any JMH include regex
#   OFFLINE=1 bench/run-jmh.sh             # build with mvn -o (dependencies already local)
#   JMH_OPTS="-f 1 -i 3" bench/run-jmh.sh  # override or add JMH options (appended last)
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench-out
mkdir -p "$out"
mvn_flags=(-B -q -Pbench -DskipTests)
if [[ "${OFFLINE:-0}" == 1 ]]; then
  mvn_flags+=(-o)
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  lscpu | head -n 15
  free -h | head -n 2
  java -version 2>&1
  echo "load before build: $(uptime)"
} > "$out/machine.txt"

mvn "${mvn_flags[@]}" package
echo "load before run: $(uptime)" >> "$out/machine.txt"

# -f 2 forks, 3 warm-up iterations of 2 s, 5 measured iterations of 2 s; -prof gc adds
# gc.alloc.rate.norm (bytes per operation).
# shellcheck disable=SC2086
java -jar target/benchmarks.jar \
  -f 2 -wi 3 -w 2s -i 5 -r 2s \
  -prof gc \
  -rf json -rff "$out/jmh.json" \
  ${JMH_OPTS:-} \
  "${@:-dev.tokenmeter.bench}" 2>&1 | tee "$out/jmh.txt"

echo "load after run: $(uptime)" >> "$out/machine.txt"
cat "$out/machine.txt"
