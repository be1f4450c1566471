# Shared by the bench scripts: the jar to run. $JAR when set; else target/tokenmeter-*-all.jar,
# built with Maven when missing.
bench_jar() {
  local here="$1" j
  if [ -n "${JAR:-}" ]; then
    printf '%s\n' "$JAR"
    return 0
  fi
  for j in "$here"/target/tokenmeter-*-all.jar; do
    [ -f "$j" ] && { printf '%s\n' "$j"; return 0; }
  done
  echo "building the jar (mvn -q -B -DskipTests package)" >&2
  (cd "$here" && mvn -q -B -DskipTests package) >&2
  for j in "$here"/target/tokenmeter-*-all.jar; do
    [ -f "$j" ] && { printf '%s\n' "$j"; return 0; }
  done
  echo "the build made no target/tokenmeter-*-all.jar" >&2
  return 1
}

# bench_serve JAR DIR "JVM OPTIONS" SERVE-ARGS...: starts `tokenmeter serve` on 127.0.0.1 and a
# free port in the background, its output in DIR/server.out and DIR/server.err, and sets
# server_pid and url (read back from its "serving on" line). The server sees no TOKENMETER_* or
# OTEL_* variable of the caller's: only what the script gives it (OTLP export would also mean
# traffic beyond loopback). Returns 1, with the server's output on stderr, when it did not start.
bench_serve() {
  local jar="$1" dir="$2" opts="$3" v
  shift 3
  local unset_env=()
  for v in $(compgen -e | grep -E '^(TOKENMETER_|OTEL_)' || true); do unset_env+=(-u "$v"); done
  # $opts is split into words but not globbed (-Xlog:gc*:file=... has a star).
  # shellcheck disable=SC2086
  (set -f; exec env ${unset_env[@]+"${unset_env[@]}"} java $opts -jar "$jar" serve --bind 127.0.0.1 --port 0 "$@" \
    > "$dir/server.out" 2> "$dir/server.err") &
  server_pid=$!
  url=""
  for _ in $(seq 1 600); do
    url="$(grep -o 'serving on http://127\.0\.0\.1:[0-9]*' "$dir/server.out" 2>/dev/null | sed 's/^serving on //' || true)"
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not start; its output:" >&2
  cat "$dir/server.out" "$dir/server.err" >&2
  return 1
}

# bench_stop_server: TERM to server_pid, KILL if it is still there after 10 s.
bench_stop_server() {
  if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
}

# bench_cleanup NAME: stops the generator (gen_pid) and the server, and removes $tmp unless KEEP=1.
bench_cleanup() {
  if [ -n "${gen_pid:-}" ] && kill -0 "$gen_pid" 2>/dev/null; then
    kill "$gen_pid" 2>/dev/null || true
  fi
  bench_stop_server
  if [ "${KEEP:-0}" = 1 ]; then echo "$1: kept $tmp"; else rm -rf "$tmp"; fi
}
