#!/usr/bin/env python3
"""Recomputes summary.csv of a results directory from its runs[] alone,
independently of wgbench (no GSL): n, median, CV, delta vs the first variant,
Welch's p (Simpson integration of Student's t, as welch_ref.py), and the
evidence medians. The bootstrap interval is checked for shape only (it
needs GSL's generator): low <= median <= high, within the data's range.
Usage: recompute.py RESULTS_DIR  -> exit 0 when every number matches."""
import csv, json, math, os, statistics, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from welch_ref import two_sided_p  # noqa: E402

d = sys.argv[1]
res = json.load(open(os.path.join(d, "results.json")))
rows = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
bad = 0

def close(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)

def fail(msg):
    global bad
    bad += 1
    print("MISMATCH:", msg)

def ok_bps(variant, scenario):
    return [r["throughput_bps"] for r in res["runs"] if r["variant"] == variant and
            r["scenario"] == scenario and r.get("ok", True) and r.get("throughput_bps") is not None]

def welch(a, b):
    qa, qb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    if qa + qb == 0:
        return 1.0 if statistics.mean(a) == statistics.mean(b) else 0.0
    t = (statistics.mean(b) - statistics.mean(a)) / math.sqrt(qa + qb)
    df = (qa + qb) ** 2 / (qa * qa / (len(a) - 1) + qb * qb / (len(b) - 1))
    return two_sided_p(t, df)

base_of = {}
for row in rows:
    if row["baseline"] == "true":
        base_of[row["scenario"]] = row["variant"]
for row in rows:
    x = ok_bps(row["variant"], row["scenario"])
    if int(row["n"]) != len(x):
        fail(f"{row['variant']}/{row['scenario']} n {row['n']} != {len(x)}")
        continue
    if not x:
        continue
    med = statistics.median(x)
    if not close(float(row["median_bps"]), med):
        fail(f"{row['variant']}/{row['scenario']} median {row['median_bps']} != {med}")
    lo, hi = float(row["ci95_low_bps"]), float(row["ci95_high_bps"])
    eps = 1e-9 * max(x)
    if not (min(x) - eps <= lo <= med + eps and med - eps <= hi <= max(x) + eps):
        fail(f"{row['variant']}/{row['scenario']} interval [{lo}, {hi}] vs median {med}")
    if len(x) > 1:
        cv = statistics.stdev(x) / statistics.mean(x) * 100
        if not close(float(row["cv_percent"]), cv):
            fail(f"{row['variant']}/{row['scenario']} cv {row['cv_percent']} != {cv}")
    if row["baseline"] != "true" and row["delta_percent"]:
        b = ok_bps(base_of[row["scenario"]], row["scenario"])
        delta = (med - statistics.median(b)) / statistics.median(b) * 100
        if not close(float(row["delta_percent"]), delta):
            fail(f"{row['variant']}/{row['scenario']} delta {row['delta_percent']} != {delta}")
        if len(b) > 1 and len(x) > 1:
            p = welch(b, x)
            if abs(float(row["p_value"]) - p) > 1e-6:
                fail(f"{row['variant']}/{row['scenario']} p {row['p_value']} != {p}")
            if (row["significant"] == "true") != (p < 0.05):
                fail(f"{row['variant']}/{row['scenario']} significant {row['significant']}")
    # evidence straight from runs[]: retransmits, loss
    for key in ("retransmits", "lost_percent"):
        v = [r[key] for r in res["runs"] if r["variant"] == row["variant"] and
             r["scenario"] == row["scenario"] and r.get("ok", True) and r.get(key) is not None]
        if v and not close(float(row[key]), statistics.median(v)):
            fail(f"{row['variant']}/{row['scenario']} {key} {row[key]} != {statistics.median(v)}")
    # evidence from the sampler's objects: the machine totals of `drops`, the
    # top core of `cpu`, the busiest node's tunnel CPU
    def med(f):
        v = [f(r) for r in res["runs"] if r["variant"] == row["variant"] and
             r["scenario"] == row["scenario"] and r.get("ok", True)]
        v = [x for x in v if x is not None]
        return statistics.median(v) if v else None
    checks = {
        "softnet_dropped": lambda r: (r.get("drops") or {}).get("softnet_dropped"),
        "top_core_softirq_percent": lambda r: ((r.get("cpu") or {}).get("top_core") or {}).get("softirq"),
        "tunnel_cpu_percent": lambda r: max([n["tunnel_cpu_percent"] for n in
                                             ((r.get("cpu") or {}).get("nodes") or {}).values()
                                             if n.get("tunnel_cpu_percent") is not None], default=None),
        "udp_buffer_errors": lambda r: None if not r.get("drops") else
            (r["drops"].get("udp_rcvbuf_errors") or 0) + (r["drops"].get("udp_sndbuf_errors") or 0),
    }
    for key, f in checks.items():
        m = med(f)
        if m is None:
            if row[key] != "":
                fail(f"{row['variant']}/{row['scenario']} {key} {row[key]} but no data")
        elif not close(float(row[key]), m):
            fail(f"{row['variant']}/{row['scenario']} {key} {row[key]} != {m}")
print(f"recompute: {len(rows)} rows checked, {bad} mismatches")
sys.exit(1 if bad else 0)
