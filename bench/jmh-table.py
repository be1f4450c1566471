#!/usr/bin/env python3
"""Prints JMH JSON results (default bench-out/jmh.json) as the Markdown table of
docs/benchmarks.md. For each RecordBenchmark method it adds the ratio to the fastest baseline of
the same run, by mean and by the best (minimum) measured iteration: on a shared, loaded machine
the minimum is the least disturbed sample."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "bench-out/jmh.json"
results = json.load(open(path))

BASELINES = ("otelLongCounter", "prometheusCounter", "micrometerCounter")


def short(r):
    cls, method = r["benchmark"].rsplit(".", 2)[-2:]
    return cls, method


def best(r):
    flat = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
    return max(flat) if r["mode"] == "thrpt" else min(flat)


def alloc(r):
    m = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    if not m:
        return "-"
    if m["score"] < 10:
        return f"{m['score']:.3f} ± {m['scoreError']:.3f}"
    return f"{m['score']:,.0f} ± {m['scoreError']:,.0f}"


record = {short(r)[1]: r for r in results if short(r)[0] == "RecordBenchmark"}
present = [b for b in BASELINES if b in record]
fastest_mean = min(present, key=lambda b: record[b]["primaryMetric"]["score"]) if present else None
fastest_best = min(present, key=lambda b: best(record[b])) if present else None

print("| benchmark | thr | mean | ± error (99.9%) | best iteration | unit | B/op | ratio by mean | ratio by best |")
print("|---|---|---|---|---|---|---|---|---|")
for r in results:
    cls, method = short(r)
    p = r["primaryMetric"]
    by_mean = by_best = ""
    if cls == "RecordBenchmark" and present:
        by_mean = f"{p['score'] / record[fastest_mean]['primaryMetric']['score']:.2f}x"
        by_best = f"{best(r) / best(record[fastest_best]):.2f}x"
    fmt = "{:,.0f}" if p["score"] >= 1000 else "{:.1f}"
    print(f"| {cls}.{method} | {r['threads']} | {fmt.format(p['score'])} | {fmt.format(p['scoreError'])} "
          f"| {fmt.format(best(r))} | {p['scoreUnit']} | {alloc(r)} | {by_mean} | {by_best} |")
if present:
    print()
    print(f"Fastest baseline by mean: {fastest_mean}; by best iteration: {fastest_best}.")
