"""Bits of knowledge per seed of a knowledge suite (default knowledge-2000-long; e.g.
`python3 docs/results/knowledge_ratios.py knowledge-4000-long`), and ratios of mean bits with 90%
bootstrap intervals (seeds resampled within each run), as knowledge-1000-seeds/combine.py does.
Run from the checkout after `./ultramem experiment run configs/experiments/SUITE.json`."""
import json, glob, os, sys, statistics as st
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_bootstrap import ratio_ci
suite = sys.argv[1] if len(sys.argv) > 1 else 'knowledge-2000-long'
runs = {}
for f in sorted(glob.glob(f'runs/experiments/{suite}/*/facts-eval.json')):
    d = json.load(open(f)); trial = os.path.basename(os.path.dirname(f))
    run, seed = trial.rsplit('-s', 1)
    runs.setdefault(run, {})[int(seed)] = (d['bits'], d['accuracy'], d['accuracy_train_template'])
for run in sorted(runs):
    b = [v[0] for v in runs[run].values()]
    print(f"{run:14s} seeds {sorted(runs[run])}: bits {st.mean(b):8.0f} +- {st.stdev(b) if len(b) > 1 else float('nan'):7.0f}"
          f"  (min {min(b):.0f}, max {max(b):.0f}); held-out {st.mean(v[1] for v in runs[run].values()):.3f},"
          f" train-template {st.mean(v[2] for v in runs[run].values()):.3f}")
    for s in sorted(runs[run]):
        print(f"    seed {s}: {runs[run][s][0]:9.1f} bits, held-out {runs[run][s][1]:.4f}, train-template {runs[run][s][2]:.4f}")
for num, den in [('ultramem-wide', 'dense'), ('moe', 'dense'), ('ultramem-wide', 'moe')]:
    if num in runs and den in runs and len(runs[num]) > 1 and len(runs[den]) > 1:
        a = [v[0] for v in runs[num].values()]; b = [v[0] for v in runs[den].values()]
        m, lo, hi, p3 = ratio_ci(a, b)
        print(f"{num} / {den}: {m:.2f}x, 90% bootstrap interval {lo:.2f}-{hi:.2f}; share of resamples >= 3x: {p3:.3f}")
# Seed by seed (the same seed gives every model the same data order and initialisation stream).
if 'ultramem-wide' in runs and 'dense' in runs:
    common = sorted(set(runs['ultramem-wide']) & set(runs['dense']))
    print("per seed, ultramem-wide / dense: " + ", ".join(
        f"s{s} {runs['ultramem-wide'][s][0] / runs['dense'][s][0]:.2f}" for s in common))
