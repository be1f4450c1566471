#!/usr/bin/env python3
"""Independent expected totals for the ingest tests (no tokenmeter code involved).

Usage: python3 expected_totals.py <shared-data-dir>

Claude transcripts: every assistant line with message.usage is one copy of an API response,
keyed by (message.id, requestId); a response counts once with, for each token count, the largest
value over its copies. Cache writes: cache_creation.ephemeral_5m/1h when present, else all of
cache_creation_input_tokens is 5m. "<synthetic>" lines with zero usage are skipped. Label: the
agentType of agent-*.meta.json beside a subagents/ file; else "subagent" for sidechain lines or
files named agent-*; else "main". Run (= session) = the line's sessionId. The first copy (subagent files
before session files in a project) fixes the labels.

Babysitter: each COST_TRACKED journal entry, once per idempotencyKey; cache writes from
cacheCreation5mTokens/1hTokens; subagent = agent.name in tasks/<effectId>/task.json.
"""
import glob, json, os, sys
from collections import defaultdict

root = sys.argv[1]
T = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")

def claude(projects):
    calls = {}
    for slug in sorted(os.listdir(projects)):
        d = os.path.join(projects, slug)
        files = sorted(glob.glob(d + "/*/subagents/*.jsonl")) + sorted(glob.glob(d + "/agent-*.jsonl")) \
            + sorted(f for f in glob.glob(d + "/*.jsonl") if not os.path.basename(f).startswith("agent-"))
        for f in files:
            meta = f[:-len(".jsonl")] + ".meta.json"
            agent_type = json.load(open(meta)).get("agentType") if os.path.exists(meta) else None
            is_agent_file = os.path.basename(f).startswith("agent-")
            for line in open(f):
                o = json.loads(line)
                if o.get("type") != "assistant" or "usage" not in o["message"]:
                    continue
                m = o["message"]; u = m["usage"]
                cc = u.get("cache_creation")
                total_w = u.get("cache_creation_input_tokens", 0)
                if cc:
                    w1 = cc.get("ephemeral_1h_input_tokens", 0); w5 = max(cc.get("ephemeral_5m_input_tokens", 0), total_w - w1)
                else:
                    w5, w1 = total_w, 0
                t = (u.get("input_tokens", 0), u.get("output_tokens", 0), u.get("cache_read_input_tokens", 0), w5, w1)
                if m.get("model") == "<synthetic>" and sum(t) == 0:
                    continue
                label = agent_type or ("subagent" if (o.get("isSidechain") or is_agent_file) else "main")
                key = (m["id"], o.get("requestId"))
                if key in calls:
                    c = calls[key]; c["t"] = tuple(max(a, b) for a, b in zip(c["t"], t))
                else:
                    calls[key] = {"t": t, "model": m["model"], "run": o["sessionId"], "subagent": label,
                                  "day": o["timestamp"][:10]}
    return calls.values()

def babysitter(runs):
    out, seen = [], set()
    for run in sorted(os.listdir(runs)):
        for f in sorted(glob.glob(os.path.join(runs, run, "journal", "*.json"))):
            e = json.load(open(f))
            if e["type"] != "COST_TRACKED":
                continue
            d = e["data"]; key = d.get("idempotencyKey") or run + "/" + os.path.basename(f)
            if key in seen:
                continue
            seen.add(key)
            task = os.path.join(runs, run, "tasks", d["effectId"], "task.json")
            name = json.load(open(task)).get("agent", {}).get("name") if os.path.exists(task) else None
            out.append({"t": (d["inputTokens"], d["outputTokens"], d["cacheReadTokens"], d["cacheCreation5mTokens"],
                              d["cacheCreation1hTokens"]), "model": d["model"], "run": run,
                        "subagent": name or d.get("taskKind"), "day": d["timestamp"][:10]})
    return out

def group(calls, field):
    g = defaultdict(lambda: [0, [0] * 5])
    for c in calls:
        k = c[field] if field else "ALL"
        g[k][0] += 1
        g[k][1] = [a + b for a, b in zip(g[k][1], c["t"])]
    return dict(sorted(g.items()))

for name, calls in (("claude-code-log", list(claude(os.path.join(root, "claude-transcripts/claude-code-log")))),
                    ("claude-code-viewer", list(claude(os.path.join(root, "claude-transcripts/claude-code-viewer")))),
                    ("babysitter-runs-sdk", babysitter(os.path.join(root, "babysitter-runs-sdk")))):
    for field in (None, "model", "run", "subagent"):
        print(name, "by", field or "nothing")
        for k, (n, t) in group(calls, field).items():
            print('    row("%s", %d, %s),' % (k, n, ", ".join(str(x) for x in t)))
