#!/usr/bin/env python3
"""var_ratio.py A B: is A's spread over repeats larger than B's?

A and B hold one JSON array of throughputs per line: the repeats of one block
(a round). Within each block the values are divided by the block's mean, so
drift between rounds does not count; the pooled variance of these relative
residuals (over sum(n-1) degrees of freedom) is each side's spread over
repeats. The ratio A/B, and a one-sided permutation p-value for "A varies more
than B": the residuals of both sides are shuffled between them 20000 times
(seeded) and p is the share of shuffles whose ratio is at least the observed.
Prints {"ratio", "p_a_worse", "df_a", "df_b"}. A helper of run.sh (not a
bench: not executable).
"""
import json
import random
import sys


def residuals(path):
    res, df = [], 0
    with open(path) as f:
        for line in f:
            block = json.loads(line)
            if len(block) < 2:
                continue
            m = sum(block) / len(block)
            res += [x / m - 1 for x in block]
            df += len(block) - 1
    return res, df


def ratio(a, dfa, b, dfb):
    va = sum(x * x for x in a) / dfa
    vb = sum(x * x for x in b) / dfb
    return va / vb if vb > 0 else float("inf")


def main():
    a, dfa = residuals(sys.argv[1])
    b, dfb = residuals(sys.argv[2])
    obs = ratio(a, dfa, b, dfb)
    pool, rng, hits, n = a + b, random.Random(1), 0, 20000
    for _ in range(n):
        rng.shuffle(pool)
        if ratio(pool[:len(a)], dfa, pool[len(a):], dfb) >= obs:
            hits += 1
    print(json.dumps({"ratio": round(obs, 3), "p_a_worse": round((hits + 1) / (n + 1), 4),
                      "df_a": dfa, "df_b": dfb}))


main()
