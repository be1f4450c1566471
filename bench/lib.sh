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
