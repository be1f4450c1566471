#!/usr/bin/env bash
# Checks the shipped operations files: Prometheus config, rules and their unit
# tests, Alertmanager config and routing, Grafana dashboards and provisioning,
# docker-compose.yml. Run from anywhere; exits non-zero on any failure.
#
# Needs promtool and amtool (Debian: apt-get install prometheus
# prometheus-alertmanager) and python3 with PyYAML (python3-yaml).
# With --install, installs whichever of these is missing through apt-get first
# (as root; for CI and fresh machines).
# docker-compose (Debian: docker-compose) or `docker compose` is used when
# present, skipped with a message otherwise. Ends with .ci/ops-e2e.sh (real
# Prometheus and Alertmanager, loopback only, about 15 s).
set -u
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--install" ]; then
  missing=()
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "ops-check: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || { echo "ops-check: apt-get install ${missing[*]} failed"; exit 1; }
  fi
fi

# A python3 with PyYAML: the one on PATH, else Debian's.
PY=python3
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
  if /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1; then
    PY=/usr/bin/python3
  else
    echo "ops-check: FAILED, no python3 with PyYAML (apt-get install python3-yaml, or run with --install)"
    exit 1
  fi
fi

failures=0
step() { printf '\n== %s\n' "$*"; }
run() {
  # run CMD...: print it, run it, count a failure.
  echo "+ $*"
  if ! "$@"; then
    echo "FAILED: $*"
    failures=$((failures + 1))
  fi
}
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "FAILED: $1 not found ($2)"
    failures=$((failures + 1))
    return 1
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "Prometheus"
if need promtool "apt-get install prometheus"; then
  # rule_files in prometheus.yml are relative to the config file's directory,
  # so this resolves prometheus/rules/*.yml whatever the working directory.
  run promtool check config prometheus/prometheus.yml
  run promtool check rules prometheus/rules/*.yml
  run promtool test rules prometheus/tests/*.yml
  # prometheus.yml must actually load the rule files the tests cover.
  if ! promtool check config prometheus/prometheus.yml 2>&1 | grep -q 'SUCCESS: 2 rule files found'; then
    echo "FAILED: prometheus.yml does not load the 2 rule files"
    failures=$((failures + 1))
  fi
fi

step "Alertmanager"
if need amtool "apt-get install prometheus-alertmanager"; then
  # credentials_file points at the container path /run/secrets/tokenmeter_token,
  # which does not exist here, and an amtool that checks the file would fail on
  # it. So amtool runs on a copy whose credentials_file is a temporary file.
  printf 'ops-check-token' > "$tmp/token"
  sed "s#credentials_file: /run/secrets/tokenmeter_token#credentials_file: $tmp/token#" \
    prometheus/alertmanager.yml > "$tmp/alertmanager.yml"
  if ! grep -q "credentials_file: $tmp/token" "$tmp/alertmanager.yml"; then
    echo "FAILED: alertmanager.yml has no credentials_file: /run/secrets/tokenmeter_token"
    failures=$((failures + 1))
  fi
  run amtool check-config "$tmp/alertmanager.yml"
  # Routing: pause alerts reach the webhook and people; the rest only people.
  run amtool config routes test --config.file="$tmp/alertmanager.yml" \
    --verify.receivers=tokenmeter-pause,people \
    alertname=TokenmeterRunBudgetExceeded run=r1 session=s1 tokenmeter_action=pause
  run amtool config routes test --config.file="$tmp/alertmanager.yml" \
    --verify.receivers=tokenmeter-pause,people \
    alertname=TokenmeterSessionBudgetExceeded session=s1 tokenmeter_action=pause
  run amtool config routes test --config.file="$tmp/alertmanager.yml" \
    --verify.receivers=people \
    alertname=TokenmeterRunBudgetNearlyExhausted run=r1 session=s1
  run amtool config routes test --config.file="$tmp/alertmanager.yml" \
    --verify.receivers=people \
    alertname=TokenmeterUnpricedModel model=m
fi

step "Shipped files agree with each other"
run "$PY" - <<'PY'
import glob, re, sys
import yaml

errors = []
alerts = yaml.safe_load(open("prometheus/rules/tokenmeter-alerts.yml"))
am = yaml.safe_load(open("prometheus/alertmanager.yml"))
runbook = open("docs/runbook.md").read()
anchors = set(re.findall(r'<a id="([^"]+)"', runbook))
for group in alerts["groups"]:
    for rule in group["rules"]:
        name = rule["alert"]
        ann = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not ann.get(key):
                errors.append(f"{name}: no {key} annotation")
        url = ann.get("runbook_url", "")
        if not url.startswith("docs/runbook.md#"):
            errors.append(f"{name}: runbook_url {url!r} is not docs/runbook.md#<anchor>")
        elif url.split("#", 1)[1] not in anchors:
            errors.append(f"{name}: docs/runbook.md has no anchor {url.split('#', 1)[1]!r}")
        action = rule.get("labels", {}).get("tokenmeter_action")
        if action not in (None, "pause"):
            errors.append(f"{name}: tokenmeter_action {action!r}")
        if "for" not in rule:
            errors.append(f"{name}: no explicit for:")
tests = "".join(open(f).read() for f in glob.glob("prometheus/tests/*.yml"))
for group in alerts["groups"]:
    for rule in group["rules"]:
        if tests.count(f"alertname: {rule['alert']}") < 2:
            errors.append(f"{rule['alert']}: fewer than two test cases (fires / must not)")
hooks = [w for r in am["receivers"] for w in r.get("webhook_configs", [])]
if not any(w.get("url") == "http://tokenmeter:9464/api/v1/alerts" for w in hooks):
    errors.append("alertmanager.yml: no webhook to http://tokenmeter:9464/api/v1/alerts")
for w in hooks:
    if w.get("send_resolved") is not True:
        errors.append("alertmanager.yml: webhook without send_resolved: true")
    if not w.get("http_config", {}).get("authorization", {}).get("credentials_file"):
        errors.append("alertmanager.yml: webhook without authorization.credentials_file")
for e in errors:
    print("  " + e)
print("  alerts, runbook anchors, tests and webhook receiver agree" if not errors else "")
sys.exit(1 if errors else 0)
PY

step "Grafana dashboards"
# Checks the conventions, then extracts every PromQL expression (variables
# replaced by sample values) into a rule file for promtool to parse.
run "$PY" - "$tmp/dashboard-queries.yml" <<'PY'
import glob, json, re, sys
import yaml

DS = {"type": "prometheus", "uid": "${datasource}"}
EXPECTED = {"tokenmeter-overview.json": "tokenmeter-overview", "tokenmeter-run.json": "tokenmeter-run"}
MIN_SCHEMA = 41
errors, exprs = [], []

def err(f, msg):
    errors.append(f"{f}: {msg}")

def money(expr):
    return re.search(r"tokenmeter_(cost|spend|run_budget|session_budget)_usd", expr) is not None

def check_ranges(f, where, expr, instant):
    for rng in re.findall(r"\[([^\]]*)\]", expr):
        if rng == "$__rate_interval":
            continue
        if rng == "$__range" and instant:
            continue   # a total over the whole time range, on an instant query
        err(f, f"{where}: range [{rng}] (use $__rate_interval; $__range only on instant totals)")
    if re.search(r"\b(rate|irate|increase)\(", expr) and not re.search(r"\[\$__(rate_interval|range)\]", expr):
        err(f, f"{where}: rate/increase without $__rate_interval")

files = sorted(glob.glob("grafana/dashboards/*.json"))
if sorted(EXPECTED) != sorted(p.split("/")[-1] for p in files):
    err("grafana/dashboards", f"expected {sorted(EXPECTED)}, found {files}")
uids = set()
for path in files:
    f = path.split("/")[-1]
    raw = open(path).read()
    try:
        d = json.loads(raw)
    except ValueError as e:
        err(f, f"not JSON: {e}")
        continue
    if "__inputs" in d or "__requires" in d:
        err(f, "has __inputs/__requires (an export for sharing, not provisioning)")
    if "${DS_" in raw:
        err(f, "has a ${DS_...} import placeholder")
    if d.get("uid") != EXPECTED.get(f):
        err(f, f"uid {d.get('uid')!r}, expected {EXPECTED.get(f)!r}")
    if d.get("uid") in uids:
        err(f, "duplicate uid")
    uids.add(d.get("uid"))
    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < MIN_SCHEMA:
        err(f, f"schemaVersion {d.get('schemaVersion')!r} < {MIN_SCHEMA}")
    if d.get("id") not in (None,) and "id" in d:
        err(f, "has a database id; leave it out")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    dsv = variables.get("datasource")
    if not dsv or dsv.get("type") != "datasource" or dsv.get("query") != "prometheus":
        err(f, "no `datasource` variable of type datasource with query prometheus")
    for v in variables.values():
        if v.get("type") == "query":
            if v.get("datasource") != DS:
                err(f, f"variable {v['name']}: datasource is not {DS}")
            q = v.get("query")
            exprs.append((f, f"variable {v['name']}", q.get("query") if isinstance(q, dict) else q))
    if f == "tokenmeter-run.json":
        rv = variables.get("run")
        q = rv and (rv["query"]["query"] if isinstance(rv["query"], dict) else rv["query"])
        if not q or not q.startswith("label_values(tokenmeter_cost_usd"):
            err(f, "no `run` variable from label_values(tokenmeter_cost_usd, run)")
        anns = [a for a in d.get("annotations", {}).get("list", []) if not a.get("builtIn")]
        if not any("tokenmeter_run_paused" in a.get("expr", "") for a in anns):
            err(f, "no pause/resume annotation from tokenmeter_run_paused")
    for a in d.get("annotations", {}).get("list", []):
        if a.get("builtIn"):
            continue
        if a.get("datasource") != DS:
            err(f, f"annotation {a.get('name')}: datasource is not {DS}")
        check_ranges(f, f"annotation {a.get('name')}", a.get("expr", ""), False)
        exprs.append((f, f"annotation {a.get('name')}", a.get("expr", "")))
    panels = []
    for p in d.get("panels", []):
        panels.append(p)
        panels.extend(p.get("panels", []))
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)):
        err(f, "duplicate panel ids")
    for p in panels:
        if p.get("type") == "row":
            continue
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("datasource") != DS:
            err(f, f"{where}: datasource is not {DS}")
        if not p.get("targets"):
            err(f, f"{where}: no targets")
        for t in p.get("targets", []):
            if t.get("datasource") != DS:
                err(f, f"{where} target {t.get('refId')}: datasource is not {DS}")
            check_ranges(f, f"{where} target {t.get('refId')}", t.get("expr", ""), bool(t.get("instant")))
            exprs.append((f, where, t.get("expr", "")))
        fc = p.get("fieldConfig", {})
        units = {fc.get("defaults", {}).get("unit")}
        for o in fc.get("overrides", []):
            units |= {pr.get("value") for pr in o.get("properties", []) if pr.get("id") == "unit"}
        if any(money(t.get("expr", "")) for t in p.get("targets", [])) and not units & {"currencyUSD", "percentunit"}:
            err(f, f"{where}: money panel without unit currencyUSD (or percentunit for a share)")

# Sample values for the variables, so that promtool can parse the queries.
subst = {"${datasource}": "x", "$__rate_interval": "1m", "$__range": "1h",
         "$__interval": "1m", "$job": "tokenmeter", "$run": "r1"}
rules = []
for i, (f, where, e) in enumerate(exprs):
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", e.strip())
    if m:
        e = m.group(1) or "up"
    for k, v in subst.items():
        e = e.replace(k, v)
    if "$" in e:
        err(f, f"{where}: unknown variable in {e!r}")
    rules.append({"record": f"dashboard_query_{i}", "expr": e,
                  "labels": {"source": f"{f} {where}"[:200]}})
yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, open(sys.argv[1], "w"))
for e in errors:
    print("  " + e)
print(f"  {len(files)} dashboards, {len(exprs)} queries")
sys.exit(1 if errors else 0)
PY
if [ -s "$tmp/dashboard-queries.yml" ] && command -v promtool >/dev/null 2>&1; then
  echo "+ promtool check rules <every dashboard query>"
  if ! promtool check rules "$tmp/dashboard-queries.yml" >"$tmp/dq.out" 2>&1; then
    cat "$tmp/dq.out"; echo "FAILED: a dashboard query does not parse"
    failures=$((failures + 1))
  else
    grep SUCCESS "$tmp/dq.out"
  fi
fi

step "Grafana provisioning"
run "$PY" - <<'PY'
import sys, yaml
errors = []
ds = yaml.safe_load(open("grafana/provisioning/datasources/prometheus.yml"))
if not any(d.get("type") == "prometheus" for d in ds.get("datasources", [])):
    errors.append("datasources/prometheus.yml: no prometheus data source")
dp = yaml.safe_load(open("grafana/provisioning/dashboards/tokenmeter.yml"))
provs = dp.get("providers", [])
if not provs or provs[0].get("type") != "file" or not provs[0].get("options", {}).get("path"):
    errors.append("dashboards/tokenmeter.yml: no file provider with options.path")
compose = yaml.safe_load(open("docker-compose.yml"))
mounts = compose["services"]["grafana"]["volumes"]
path = provs[0]["options"]["path"] if provs else None
if path and not any(m.split(":")[1] == path for m in mounts if m.startswith("./grafana/dashboards")):
    errors.append(f"docker-compose.yml: grafana/dashboards is not mounted at the provider path {path}")
for e in errors:
    print("  " + e)
print("  data source, dashboard provider and compose mounts agree" if not errors else "")
sys.exit(1 if errors else 0)
PY

step "docker-compose.yml"
if command -v docker-compose >/dev/null 2>&1; then
  run docker-compose -f docker-compose.yml config -q
elif docker compose version >/dev/null 2>&1; then
  run docker compose -f docker-compose.yml config -q
else
  echo "SKIPPED: neither docker-compose nor docker compose is installed (Debian: apt-get install docker-compose)"
fi

step "End to end: Prometheus -> Alertmanager -> webhook"
# Real binaries against a stub on loopback; skips itself without them.
run .ci/ops-e2e.sh

echo
if [ "$failures" -ne 0 ]; then
  echo "ops-check: $failures check(s) FAILED"
  exit 1
fi
echo "ops-check: all checks passed"
