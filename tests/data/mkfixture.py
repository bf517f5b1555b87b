#!/usr/bin/env python3
"""Writes the fixture results directories under tests/data/ (committed; rerun
to regenerate). The shape follows DESIGN.md's runs[]; the numbers are made up
for tests of the report layer only and are labelled so in run.json."""
import json, os, random

SCEN = ["tcp-fwd", "udp", "tcp-single"]

def run_entry(rng, variant, scen, rep, base, ok=True):
    bps = rng.gauss(base, base * 0.03)
    e = {"variant": variant, "scenario": scen, "repeat": rep, "ok": ok,
         "error": None if ok else "iperf3: control socket closed",
         "throughput_bps": bps if ok else None, "sender_bps": bps * 1.01 if ok else None,
         "retransmits": None if scen == "udp" else rng.randint(0, 40),
         "lost_percent": round(rng.uniform(0, 2), 3) if scen == "udp" else None,
         "jitter_ms": 0.05 if scen == "udp" else None,
         "packets_per_s": bps / 8 / 1200 if scen == "udp" else None}
    soft = [rng.uniform(20, 60), rng.uniform(5, 20)]
    e["cpu"] = {"cores": [{"cpu": i, "usr": 10.0, "sys": 20.0, "softirq": s, "irq": 0.5,
                           "idle": 100 - 30.5 - s, "busy": 30.5 + s} for i, s in enumerate(soft)],
                "top_core": {"cpu": 0, "softirq": max(soft)},
                "nodes": {"gw1": {"tunnel_cpu_percent": rng.uniform(40, 90)},
                          "gw2": {"tunnel_cpu_percent": rng.uniform(40, 90)},
                          "source": {"tunnel_cpu_percent": None}}}
    e["drops"] = {"softnet_dropped": rng.randint(0, 3), "softnet_squeezed": rng.randint(0, 50),
                  "softnet_per_cpu": [{"cpu": 0, "processed": 1000, "dropped": 0, "squeezed": 1}],
                  "udp_rcvbuf_errors": rng.randint(0, 5) if scen == "udp" else 0,
                  "udp_sndbuf_errors": 0, "qdisc_drops": 0,
                  "interfaces": {"gw1": {"g1u": {"rx_dropped": rng.randint(0, 2), "tx_dropped": 0}},
                                 "gw2": {"g2u": {"rx_dropped": 0, "tx_dropped": rng.randint(0, 2)}}},
                  "nodes": {"gw2": {"udp_rcvbuf_errors": 7, "udp_sndbuf_errors": 0}}}
    return e

def add_raw(d, runs, rng):
    """Repeat 0 gets raw iperf3 JSON (two flows, 10 one-second intervals) and
    a sampler CSV timeline, in the layout of results.h."""
    for e in runs:
        if e["repeat"] != 0 or not e["ok"]:
            continue
        rel = []
        for f in range(2):
            p = f"raw/{e['variant']}/{e['scenario']}/r0-f{f}.json"
            os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
            iv = [{"streams": [], "sum": {"start": float(i), "end": float(i + 1), "seconds": 1.0,
                   "bits_per_second": e["throughput_bps"] / 2 * rng.uniform(0.8, 1.2),
                   "omitted": False}} for i in range(10)]
            # the receiver's total, as report_raw.c reads it: the two halves
            # add up to throughput_bps exactly (t/2 is exact in binary)
            half = e["throughput_bps"] / 2
            flow_bps = half if f == 0 else e["throughput_bps"] - half
            proto = "UDP" if e["scenario"].startswith("udp") else "TCP"
            end = {"sum_sent": {"seconds": 10.0, "bits_per_second": e["sender_bps"] / 2},
                   "sum_received": {"seconds": 10.0, "bits_per_second": flow_bps}}
            json.dump({"start": {"test_start": {"protocol": proto, "reverse": 0}},
                       "intervals": iv, "end": end}, open(os.path.join(d, p), "w"))
            rel.append(p)
        e["raw"] = rel
        p = f"samples/{e['variant']}/{e['scenario']}/r0.csv"
        os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
        with open(os.path.join(d, p), "w") as f:
            f.write("t,dt,cpu0.usr,cpu0.softirq,cpu0.idle,cpu1.usr,cpu1.softirq,cpu1.idle,gw1.tunnel_cpu\n")
            for i in range(21):
                f.write(f"{1000.25 + i * 0.5:.3f},0.500,10.0,{rng.uniform(20, 60):.2f},30.0,"
                        f"10.0,{rng.uniform(5, 20):.2f},60.0,NaN\n")
        e["samples"] = p

def write(name, variants, scale, seed, start, fail=None):
    rng = random.Random(seed)
    d = os.path.join(os.path.dirname(__file__), name)
    os.makedirs(d, exist_ok=True)
    runs = []
    base = {"tcp-fwd": 900e6, "udp": 600e6, "tcp-single": 450e6}
    for rep in range(3):
        for vi, v in enumerate(variants):
            for s in SCEN:
                bps = base[s] * scale * (1.2 if vi == 1 and s == "tcp-fwd" else 1.0)
                runs.append(run_entry(rng, v, s, rep, bps, ok=(fail != (v, s, rep))))
    if name == "results-a":
        add_raw(d, runs, rng)
    json.dump({"schema": "wgbench.results/1", "runs": runs, "summary": []},
              open(os.path.join(d, "results.json"), "w"), indent=1)
    json.dump({"note": "FIXTURE for unit tests, not a measurement", "host": "fixture",
               "start_time": start, "end_time": start + 120, "backend": "netns",
               "variants": [{"name": v, "sha256": "0" * 64} for v in variants],
               "scenarios": [{"name": s} for s in SCEN]},
              open(os.path.join(d, "run.json"), "w"), indent=1)

write("results-a", ["baseline", "rps-backlog"], 1.0, 1, 1763776800, fail=("rps-backlog", "udp", 2))
write("results-b", ["baseline", "rps-backlog"], 1.0, 2, 1763780400)
write("results-half", ["baseline", "rps-backlog"], 0.5, 3, 1763784000)
write("results-one", ["kernel-6.1"], 1.0, 4, 1763776800)
write("results-one-new", ["kernel-6.6"], 0.9, 5, 1763863200)

# ---------------------------------------------------------------------------
# verdict-base / verdict-new: one compare with every verdict kind (doc/report.md,
# tests/t_compare.c, tests/e2e/report_verdicts.sh). Per pair, BASE -> NEW:
#   baseline/tcp-fwd     -30 %, CV 1 %, n = 5          -> regression
#   baseline/tcp-rev     +30 %, CV 1 %, n = 5          -> improvement
#   baseline/udp         +0.2 %, CV 0.5 %, n = 8       -> equivalent
#   baseline/tcp-single  -4 %, CV 6 %, n = 3           -> inconclusive
#   baseline/udp-small   NEW fails 2 of 5 repeats      -> failed
#   rps/tcp-fwd          only in BASE                  -> missing
#   pinned/udp           NEW: 35 % of a core foreign   -> disturbed
# Every run carries runs[].interference and runs[].latency, both run.json a
# canary. verdict-slow is verdict-new on a machine whose canary is 20 % slower.

def verdict_entry(rng, variant, scen, rep, bps, cv, ok=True, foreign=1.0, rtt99=1.2):
    x = bps * (1 + rng.gauss(0, cv)) if ok else None
    e = {"variant": variant, "scenario": scen, "repeat": rep, "ok": ok,
         "error": None if ok else "flow 0 (10.0.2.2 port 5201): iperf3: control socket has closed unexpectedly",
         "throughput_bps": x, "sender_bps": x * 1.001 if ok else None,
         "retransmits": None if scen.startswith("udp") or not ok else rng.randint(0, 40),
         "lost_percent": round(rng.uniform(0, 1), 3) if scen.startswith("udp") and ok else None,
         "jitter_ms": 0.04 if scen.startswith("udp") and ok else None,
         "packets_per_s": x / 8 / 1200 if scen.startswith("udp") and ok else None,
         "cpu": None, "drops": None,
         "interference": {"foreign_cpu_percent": round(foreign * rng.uniform(0.8, 1.2), 2),
                          "steal_percent": 0.0},
         "latency": None if not ok else
             {"interval_ms": 10, "sent": 1000, "lost": 0,
              "idle_rtt_ms": {"p50": 0.21, "p99": 0.35},
              "rtt_ms": {"p50": round(rtt99 * 0.4 * rng.uniform(0.97, 1.03), 4), "p90": round(rtt99 * 0.7, 4),
                         "p99": round(rtt99 * (1 + rng.gauss(0, 0.03)), 4), "max": round(rtt99 * 1.6, 4)}}}
    return e

def verdict_dir(name, runs, variants, start, canary):
    d = os.path.join(os.path.dirname(__file__), name)
    os.makedirs(d, exist_ok=True)
    json.dump({"schema": "wgbench.results/2", "runs": runs, "summary": []},
              open(os.path.join(d, "results.json"), "w"), indent=1)
    json.dump({"note": "FIXTURE for the verdict tests, not a measurement", "host": "fixture",
               "start_time": start, "end_time": start + 600, "backend": "netns",
               "variants": [{"name": v, "sha256": "0" * 64} for v in variants],
               "scenarios": [{"name": s} for s in ["tcp-fwd", "tcp-rev", "udp", "udp-small", "tcp-single"]],
               "canary": {"before": {"ops_per_s": canary[0], "cores": 2},
                          "after": {"ops_per_s": canary[1], "cores": 2}}},
              open(os.path.join(d, "run.json"), "w"), indent=1)

def verdict_runs(rng, new):
    # (variant, scenario, BASE bps, NEW bps, cv, n, NEW failures, NEW foreign CPU, NEW rtt p99)
    plan = [("baseline", "tcp-fwd", 900e6, 630e6, 0.01, 5, 0, 1.0, 2.0),
            ("baseline", "tcp-rev", 800e6, 1040e6, 0.01, 5, 0, 1.0, 1.2),
            ("baseline", "udp", 600e6, 601.2e6, 0.005, 8, 0, 1.0, 1.2),
            ("baseline", "tcp-single", 450e6, 432e6, 0.06, 3, 0, 1.0, 1.2),
            ("baseline", "udp-small", 90e6, 89e6, 0.01, 5, 2, 1.0, 1.2),
            ("rps", "tcp-fwd", 1000e6, None, 0.01, 5, 0, 1.0, 1.2),
            ("pinned", "udp", 610e6, 560e6, 0.01, 5, 0, 35.0, 1.2)]
    runs = []
    for rep in range(8):
        for v, s, b, nb, cv, n, fails, foreign, rtt in plan:
            if rep >= n or (new and nb is None):
                continue
            if new:
                runs.append(verdict_entry(rng, v, s, rep, nb, cv, ok=rep >= fails,
                                          foreign=foreign, rtt99=rtt))
            else:
                runs.append(verdict_entry(rng, v, s, rep, b, cv))
    return runs

rng = random.Random(12)
verdict_dir("verdict-base", verdict_runs(rng, False), ["baseline", "rps", "pinned"], 1764590400,
            (1.000e6, 1.004e6))
new_runs = verdict_runs(rng, True)
verdict_dir("verdict-new", new_runs, ["baseline", "pinned"], 1764592200, (0.998e6, 1.001e6))
verdict_dir("verdict-slow", new_runs, ["baseline", "pinned"], 1764592200, (0.801e6, 0.799e6))
