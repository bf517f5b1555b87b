#!/usr/bin/env python3
"""Recomputes summary.csv of a results directory from its runs[] alone,
independently of wgbench (no GSL): n, median, the order-statistic interval
of the median and its exact binomial level, CV, and each variant against the
first one in the same scenario: the change on the ratio scale (Welch's t on
log throughput, p by Simpson integration as welch_ref.py), its 95% interval
(bounds checked for shape: the t quantile needs an inverse), Holm over the
run's pairs, the equivalence test, and the verdict (a repeat more than the
limits above the run's median interference set aside; fewer than two calm
ones on a side: disturbed; skipped variants; the per-look alpha of a
--repeat auto run); then the evidence medians.
Usage: recompute.py RESULTS_DIR  -> exit 0 when every number matches."""
import csv, json, math, os, statistics, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from welch_ref import two_sided_p, upper_tail  # noqa: E402

THRESHOLD, ALPHA, FOREIGN, STEAL = 5.0, 0.05, 10.0, 5.0

d = sys.argv[1]
res = json.load(open(os.path.join(d, "results.json")))
rows = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
try:
    run = json.load(open(os.path.join(d, "run.json")))
except FileNotFoundError:
    run = {}
ALPHA = ((run.get("sequential") or {}).get("alpha_per_look")) or ALPHA
skipped = {v["name"]: v["skipped"] for v in run.get("variants") or [] if v.get("skipped")}
bad = 0

def close(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)

def fail(msg):
    global bad
    bad += 1
    print("MISMATCH:", msg)

def runs_of(variant, scenario):
    return [r for r in res["runs"] if r["variant"] == variant and r["scenario"] == scenario]

def is_ok(r):
    return r["ok"] is True and (r.get("throughput_bps") or 0) > 0

def ok_bps(variant, scenario):
    return [r["throughput_bps"] for r in runs_of(variant, scenario) if is_ok(r)]

def level(n):
    """The largest k with P(k <= Bin(n, 1/2) <= n-k) >= 0.95, else 1; and that P."""
    cov = lambda k: 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
    k = 1
    while k + 1 <= n // 2 and cov(k + 1) >= 0.95:
        k += 1
    return k, cov(k)

def log_welch(a, b):
    la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
    qa, qb = statistics.variance(la) / len(la), statistics.variance(lb) / len(lb)
    dl = statistics.mean(lb) - statistics.mean(la)
    se = math.sqrt(qa + qb)
    if se == 0:
        inside = math.log(1 - THRESHOLD / 100) < dl < math.log1p(THRESHOLD / 100)
        return dl, se, (1.0 if dl == 0 else 0.0), (0.0 if inside else 1.0)
    df = (qa + qb) ** 2 / (qa * qa / (len(la) - 1) + qb * qb / (len(lb) - 1))
    lo, hi = math.log(1 - THRESHOLD / 100), math.log1p(THRESHOLD / 100)
    pe = min(1, 2 * max(upper_tail((dl - lo) / se, df), upper_tail((hi - dl) / se, df)))
    return dl, se, min(1.0, two_sided_p(dl / se, df)), pe

def holm(ps):
    order = sorted(range(len(ps)), key=lambda i: (ps[i], i))
    out, run = [None] * len(ps), 0.0
    for j, i in enumerate(order):
        run = max(run, min(1.0, ps[i] * (len(ps) - j)))
        out[i] = run
    return out

def inter(r, key):
    return (r.get("interference") or {}).get(key)

def median_of(v):
    return statistics.median(v) if v else None

# the run's own level: the median over every successful repeat
LEVEL = {k: median_of([inter(r, k) for r in res["runs"] if is_ok(r) and inter(r, k) is not None])
         for k in ("foreign_cpu_percent", "steal_percent")}

def calm(r):
    for k, lim in (("foreign_cpu_percent", FOREIGN), ("steal_percent", STEAL)):
        if inter(r, k) is not None and LEVEL[k] is not None and inter(r, k) - LEVEL[k] > lim:
            return False
    return True

def calm_bps(variant, scenario):
    return [r["throughput_bps"] for r in runs_of(variant, scenario) if is_ok(r) and calm(r)]

# --- each variant against the first: the verdicts, one Holm family ---
base_of = {row["scenario"]: row["variant"] for row in rows if row["baseline"] == "true"}
pre, tested = {}, []
for row in rows:
    if row["baseline"] == "true":
        continue
    key = (row["variant"], row["scenario"])
    if row["variant"] in skipped:
        pre[key] = "skipped"
        continue
    b_runs, n_runs = runs_of(base_of[row["scenario"]], row["scenario"]), runs_of(*key)
    b, x = ok_bps(base_of[row["scenario"]], row["scenario"]), ok_bps(*key)
    cb, cx = calm_bps(base_of[row["scenario"]], row["scenario"]), calm_bps(*key)
    # a side with two calm repeats is judged on them; else on all (and then disturbed)
    if len(cb) >= 2:
        b_tot, b = len(b_runs) - (len(b) - len(cb)), cb
    else:
        b_tot = len(b_runs)
    if len(cx) >= 2:
        x_tot, x_all, x = len(n_runs) - (len(x) - len(cx)), x, cx
    else:
        x_tot, x_all = len(n_runs), x
    share = lambda tot, ok: (tot - len(ok)) / tot if tot else 0
    few = (len(ok_bps(base_of[row["scenario"]], row["scenario"])) >= 2 and len(cb) < 2) or \
          (len(x_all) >= 2 and len(cx) < 2)
    if not b_runs and not n_runs:
        pre[key] = ""
    elif not b_runs or not n_runs:
        pre[key] = "missing"
    elif len(x) < x_tot and share(x_tot, x) > share(b_tot, b):
        pre[key] = "failed"
    elif few:
        pre[key] = "disturbed"
    elif len(b) < 2 or len(x) < 2:
        pre[key] = "inconclusive"
    else:
        tested.append((key, log_welch(b, x)))
adj_d = holm([t[1][2] for t in tested])
adj_e = holm([t[1][3] for t in tested])
stat = {}
for (key, (dl, se, p, pe)), ad, ae in zip(tested, adj_d, adj_e):
    delta = (math.exp(dl) - 1) * 100
    v = ("regression" if delta < -THRESHOLD else "improvement") if ad < ALPHA and abs(delta) > THRESHOLD \
        else "equivalent" if ae < ALPHA else "inconclusive"
    stat[key] = (delta, p, ad, ae, v)

for row in rows:
    key = (row["variant"], row["scenario"])
    x = ok_bps(*key)
    if int(row["n"]) != len(x):
        fail(f"{key} n {row['n']} != {len(x)}")
        continue
    if x:
        s = sorted(x)
        med = statistics.median(x)
        if not close(float(row["median_bps"]), med):
            fail(f"{key} median {row['median_bps']} != {med}")
        if len(x) > 1:
            k, lvl = level(len(x))
            if not (close(float(row["ci_low_bps"]), s[k - 1]) and close(float(row["ci_high_bps"]), s[-k])
                    and close(float(row["ci_level"]), lvl, 1e-12)):
                fail(f"{key} interval {row['ci_low_bps']}..{row['ci_high_bps']} at {row['ci_level']}"
                     f" != {s[k - 1]}..{s[-k]} at {lvl}")
            cv = statistics.stdev(x) / statistics.mean(x) * 100
            if not close(float(row["cv_percent"]), cv):
                fail(f"{key} cv {row['cv_percent']} != {cv}")
        elif row["ci_low_bps"] or row["cv_percent"] or row["ci_level"]:
            fail(f"{key} n = 1 must have no interval and no CV")
    if row["baseline"] != "true":
        want = pre[key] if key in pre else stat[key][4]
        if row["verdict"] != want:
            fail(f"{key} verdict {row['verdict']} != {want}")
        if key in stat:
            delta, p, ad, ae, _ = stat[key]
            lo, hi = float(row["delta_low_percent"]), float(row["delta_high_percent"])
            if not close(float(row["delta_percent"]), delta) or not lo <= delta <= hi:
                fail(f"{key} delta {row['delta_percent']} [{lo}, {hi}] != {delta}")
            if abs(float(row["p_value_raw"]) - p) > 1e-6 or abs(float(row["p_value"]) - ad) > 1e-6 \
                    or abs(float(row["p_equivalence"]) - ae) > 1e-6:
                fail(f"{key} p {row['p_value_raw']} holm {row['p_value']} equiv "
                     f"{row['p_equivalence']} != {p} {ad} {ae}")
    # evidence straight from runs[]: retransmits, loss
    for key2 in ("retransmits", "lost_percent"):
        v = [r[key2] for r in runs_of(*key) if is_ok(r) and r.get(key2) is not None]
        if v and not close(float(row[key2]), statistics.median(v)):
            fail(f"{key} {key2} {row[key2]} != {statistics.median(v)}")
    # evidence from the sampler's objects: the machine totals of `drops`, the
    # top core of `cpu`, the busiest node's tunnel CPU; the latency probe
    def med(f):
        v = [f(r) for r in runs_of(*key) if is_ok(r)]
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
        "rtt_p99_ms": lambda r: ((r.get("latency") or {}).get("rtt_ms") or {}).get("p99"),
    }
    for key2, f in checks.items():
        m = med(f)
        if m is None:
            if row[key2] != "":
                fail(f"{key} {key2} {row[key2]} but no data")
        elif not close(float(row[key2]), m):
            fail(f"{key} {key2} {row[key2]} != {m}")
print(f"recompute: {len(rows)} rows checked ({len(tested)} pairs tested), {bad} mismatches")
sys.exit(1 if bad else 0)
