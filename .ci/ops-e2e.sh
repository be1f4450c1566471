#!/usr/bin/env bash
# End-to-end check of the alert path with real binaries, on loopback only:
#   stub tokenmeter (/metrics + POST /api/v1/alerts)  <- Prometheus (shipped
#   rules) -> Alertmanager (shipped routing) -> stub webhook.
# Asserts that the pause alerts arrive with the bearer token from
# credentials_file and the right target labels, and that notify-only alerts do
# not reach the webhook. Uses the shipped files with only addresses, intervals
# and the token path rewritten. Needs prometheus, alertmanager and python3
# (Debian: prometheus, prometheus-alertmanager); skips without them.
# Takes about half a minute; stops everything it started.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian installs Alertmanager as prometheus-alertmanager.
AM_BIN=$(command -v alertmanager || command -v prometheus-alertmanager || true)
for bin in prometheus python3; do
  if ! command -v "$bin" >/dev/null 2>&1; then
    echo "ops-e2e: SKIPPED, $bin not installed"
    exit 0
  fi
done
if [ -z "$AM_BIN" ]; then
  echo "ops-e2e: SKIPPED, alertmanager not installed"
  exit 0
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Free loopback ports, chosen by the kernel.
read -r TM_PORT PROM_PORT AM_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

token="e2e-$RANDOM$RANDOM"
printf '%s' "$token" > "$tmp/token"

# --- stub tokenmeter -------------------------------------------------------
cat > "$tmp/stub.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, out = int(sys.argv[1]), sys.argv[2]
METRICS = """\
# TYPE tokenmeter_cost_usd gauge
tokenmeter_cost_usd{run="r1",session="s1",subagent="coder",model="m1"} 3.0
tokenmeter_cost_usd{run="r2",session="s2",subagent="coder",model="m1"} 2.1
tokenmeter_cost_usd{run="r3",session="s3",subagent="planner",model="m1"} 1.0
tokenmeter_cost_usd{run="r4",session="s3",subagent="coder",model="m1"} 1.5
tokenmeter_cost_usd{run="r5",session="s5",subagent="coder",model="m1"} 4.0
# TYPE tokenmeter_run_budget_usd gauge
tokenmeter_run_budget_usd{run="r1",session="s1"} 2.5
tokenmeter_run_budget_usd{run="r2",session="s2"} 2.5
tokenmeter_run_budget_usd{run="r3",session="s3"} 10
tokenmeter_run_budget_usd{run="r4",session="s3"} 10
tokenmeter_run_budget_usd{run="r5",session="s5"} 1
# TYPE tokenmeter_session_budget_usd gauge
tokenmeter_session_budget_usd{session="s3"} 2.0
# TYPE tokenmeter_unpriced_tokens_total counter
tokenmeter_unpriced_tokens_total{model="mystery-1",token_type="input"} 1200
"""
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path != "/metrics":
            self.send_error(404); return
        body = METRICS.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/api/v1/alerts":
            self.send_error(404); return
        with open(out, "a") as f:
            f.write(json.dumps({"authorization": self.headers.get("Authorization"),
                                "body": json.loads(body)}) + "\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
python3 "$tmp/stub.py" "$TM_PORT" "$tmp/received.jsonl" &
pids+=($!)

# --- Prometheus: shipped config, loopback targets, 1 s intervals ------------
# The rules are the shipped ones with `for: 1m` cut to 0s, so that the 80%
# notification fires within the test instead of after a minute.
mkdir -p "$tmp/prom/rules"
cp prometheus/rules/tokenmeter-recording.yml "$tmp/prom/rules/"
sed -e "s#for: 1m#for: 0s#" prometheus/rules/tokenmeter-alerts.yml > "$tmp/prom/rules/tokenmeter-alerts.yml"
sed -e "s#tokenmeter:9464#127.0.0.1:$TM_PORT#" \
    -e "s#alertmanager:9093#127.0.0.1:$AM_PORT#" \
    -e "s#otel-collector:8889#127.0.0.1:9#" \
    -e "s#localhost:9090#127.0.0.1:$PROM_PORT#" \
    -e "s#scrape_interval: 15s#scrape_interval: 1s#" \
    -e "s#evaluation_interval: 15s#evaluation_interval: 1s#" \
    prometheus/prometheus.yml > "$tmp/prom/prometheus.yml"
prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/prom/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)

# --- Alertmanager: shipped routing, loopback webhook, temp token file --------
sed -e "s#http://tokenmeter:9464/api/v1/alerts#http://127.0.0.1:$TM_PORT/api/v1/alerts#" \
    -e "s#credentials_file: /run/secrets/tokenmeter_token#credentials_file: $tmp/token#" \
    prometheus/alertmanager.yml > "$tmp/alertmanager.yml"
"$AM_BIN" --config.file="$tmp/alertmanager.yml" --storage.path="$tmp/am-data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$tmp/alertmanager.log" 2>&1 &
pids+=($!)

# --- wait for both pause alerts at the stub (at most 60 s) ------------------
for _ in $(seq 60); do
  if [ -s "$tmp/received.jsonl" ] && python3 - "$tmp/received.jsonl" <<'PY'
import json, sys
names = {a["labels"]["alertname"] for l in open(sys.argv[1]) for a in json.loads(l)["body"]["alerts"]}
runs = {a["labels"].get("run") for l in open(sys.argv[1]) for a in json.loads(l)["body"]["alerts"]}
sys.exit(0 if {"TokenmeterRunBudgetExceeded", "TokenmeterSessionBudgetExceeded"} <= names and {"r1", "r5"} <= runs else 1)
PY
  then break; fi
  sleep 1
done
sleep 3   # let anything that should not arrive have its chance

curl_am() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1"; }
curl_am "http://127.0.0.1:$AM_PORT/api/v2/alerts" > "$tmp/am-alerts.json" || echo '[]' > "$tmp/am-alerts.json"

python3 - "$tmp/received.jsonl" "$token" "$tmp/am-alerts.json" <<'PY'
import json, os, sys
path, token, am_path = sys.argv[1], sys.argv[2], sys.argv[3]
if not os.path.exists(path):
    print("ops-e2e: FAILED, the webhook received nothing"); sys.exit(1)
reqs = [json.loads(l) for l in open(path)]
errors = []
alerts = {}
for r in reqs:
    if r["authorization"] != f"Bearer {token}":
        errors.append(f"Authorization header {r['authorization']!r}, expected the token from credentials_file")
    b = r["body"]
    if b.get("version") != "4":
        errors.append(f"payload version {b.get('version')!r}")
    for a in b["alerts"]:
        alerts.setdefault(a["labels"]["alertname"], []).append(a["labels"])
run = alerts.get("TokenmeterRunBudgetExceeded", [])
if sorted((l.get("run"), l.get("session")) for l in run) != [("r1", "s1"), ("r5", "s5")] \
        or any(l.get("tokenmeter_action") != "pause" for l in run):
    errors.append(f"TokenmeterRunBudgetExceeded, expected r1/s1 and r5/s5 with tokenmeter_action=pause: {run}")
# group_by [alertname, run, session]: one run per request, none waits for another.
for r in reqs:
    if len({(a["labels"]["alertname"], a["labels"].get("run"), a["labels"].get("session")) for a in r["body"]["alerts"]}) != 1:
        errors.append(f"a request carries more than one group: {r['body']['groupKey']}")
ses = alerts.get("TokenmeterSessionBudgetExceeded", [])
if not ses or any("run" in l or l.get("session") != "s3" or l.get("tokenmeter_action") != "pause" for l in ses):
    errors.append(f"TokenmeterSessionBudgetExceeded (must name session s3 and no run): {ses}")
for name in ("TokenmeterRunBudgetNearlyExhausted", "TokenmeterUnpricedModel"):
    if name in alerts:
        errors.append(f"{name} is notify-only but reached the webhook")
for l in (x for v in alerts.values() for x in v):
    if "replica" in l:
        errors.append("the replica external label was not dropped")
# The notify-only alerts did fire and reached Alertmanager (so their absence at
# the webhook means something), and the 80% alert of the run that is over its
# budget is inhibited.
am = json.load(open(am_path))
def find(name, **labels):
    return [a for a in am if a["labels"].get("alertname") == name
            and all(a["labels"].get(k) == v for k, v in labels.items())]
if not find("TokenmeterRunBudgetNearlyExhausted", run="r2"):
    errors.append("TokenmeterRunBudgetNearlyExhausted for r2 did not reach Alertmanager")
if not find("TokenmeterUnpricedModel", model="mystery-1"):
    errors.append("TokenmeterUnpricedModel did not reach Alertmanager")
print("ops-e2e: in Alertmanager: " + ", ".join(sorted(
    f"{a['labels']['alertname']}({a['labels'].get('run') or a['labels'].get('session') or a['labels'].get('model')}) {a['status']['state']}"
    for a in am)))
r1 = find("TokenmeterRunBudgetNearlyExhausted", run="r1")
if not r1:
    errors.append("TokenmeterRunBudgetNearlyExhausted for r1 did not reach Alertmanager")
elif r1[0]["status"]["state"] != "suppressed":
    errors.append(f"80% alert of r1 not inhibited by TokenmeterRunBudgetExceeded: {r1[0]['status']}")
print(f"ops-e2e: {len(reqs)} webhook request(s): " + ", ".join(f"{k} x{len(v)}" for k, v in sorted(alerts.items())))
for e in errors:
    print("ops-e2e: FAILED, " + e)
sys.exit(1 if errors else 0)
PY
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- prometheus.log (tail)"; tail -n 20 "$tmp/prometheus.log"
  echo "--- alertmanager.log (tail)"; tail -n 20 "$tmp/alertmanager.log"
  exit 1
fi
echo "ops-e2e: pause alerts reach the webhook with the bearer token; notifications do not"
