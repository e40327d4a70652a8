"""Ratio of two runs' mean bits with a 90% bootstrap interval, seeds resampled within each run:
shared by the knowledge suites' scripts (knowledge-1000-seeds/combine.py,
knowledge_ratios.py)."""
import random, statistics as st


def ratio_ci(a, b, n=20000, seed=7):
    """(mean(a) / mean(b), 5th percentile, 95th percentile, share of resamples >= 3x)."""
    r = random.Random(seed); xs = []
    for _ in range(n):
        ra = [r.choice(a) for _ in a]; rb = [r.choice(b) for _ in b]
        xs.append(st.mean(ra) / st.mean(rb))
    xs.sort(); return st.mean(a) / st.mean(b), xs[int(0.05 * n)], xs[int(0.95 * n)], sum(x >= 3 for x in xs) / n
