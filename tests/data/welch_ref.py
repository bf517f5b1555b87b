#!/usr/bin/env python3
"""Independent reference values for tests/t_stats.c (no GSL, no scipy).

Welch's t and Welch-Satterthwaite df from the definitions; the two-sided
p-value by integrating Student's t density with composite Simpson's rule
(math.lgamma for the normalising constant). Prints C initialisers.
"""
import math, statistics

def t_pdf(x, df):
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    return c * (1 + x * x / df) ** (-(df + 1) / 2)

def two_sided_p(t, df):
    # p = 1 - 2 * integral_0^|t| pdf; Simpson with many panels.
    n = 200000
    h = abs(t) / n
    s = t_pdf(0, df) + t_pdf(abs(t), df)
    for i in range(1, n):
        s += (4 if i % 2 else 2) * t_pdf(i * h, df)
    return 1 - 2 * s * h / 3

def welch(a, b):
    ma, mb = statistics.mean(a), statistics.mean(b)
    qa, qb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    t = (ma - mb) / math.sqrt(qa + qb)
    df = (qa + qb) ** 2 / (qa * qa / (len(a) - 1) + qb * qb / (len(b) - 1))
    return t, df, two_sided_p(t, df)

CASES = {
    # Wikipedia "Welch's t-test", example 1 (A1, A2): t = -2.46, df = 25.0, p = 0.021
    "wiki": ([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
             [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]),
    # throughput-like, unequal n and variance
    "tput": ([941e6, 902e6, 955e6, 921e6, 930e6],
             [812e6, 890e6, 770e6, 845e6, 801e6, 860e6, 799e6]),
    # overlapping samples: not significant
    "same": ([1.00, 1.10, 0.95, 1.05], [1.02, 0.98, 1.08, 1.01, 0.97]),
}
def upper_tail(t, df):
    """P(T > t) from the two-sided p."""
    p2 = two_sided_p(t, df)
    return p2 / 2 if t >= 0 else 1 - p2 / 2

def log_ratio(a, b, threshold_percent):
    """stats_ratio(): Welch on log values, NEW (b) over BASE (a): the change
    in percent, the two-sided p, and TOST's 2 * max(one-sided p)."""
    la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
    qa, qb = statistics.variance(la) / len(la), statistics.variance(lb) / len(lb)
    d = statistics.mean(lb) - statistics.mean(la)
    se = math.sqrt(qa + qb)
    df = (qa + qb) ** 2 / (qa * qa / (len(la) - 1) + qb * qb / (len(lb) - 1))
    lo, hi = math.log(1 - threshold_percent / 100), math.log(1 + threshold_percent / 100)
    p_equiv = min(1, 2 * max(upper_tail((d - lo) / se, df), upper_tail((hi - d) / se, df)))
    return (math.exp(d) - 1) * 100, two_sided_p(d / se, df), p_equiv

if __name__ == "__main__":
    for name, (a, b) in CASES.items():
        t, df, p = welch(a, b)
        print(f"/* {name}: t = {t:.6f}, df = {df:.6f} */ p = {p:.10g}")
    for name in ("tput", "same"):
        delta, p, pe = log_ratio(*CASES[name], 10)
        print(f"/* {name}, log scale, threshold 10%: */ delta = {delta:.10g}%, p = {p:.10g}, "
              f"p_equiv = {pe:.10g}")
