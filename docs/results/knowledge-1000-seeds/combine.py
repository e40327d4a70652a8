"""Bits of knowledge over all seeds of knowledge-1000 and knowledge-1000-seeds, and ratios of mean bits
with 90% bootstrap intervals (seeds resampled within each run). Run from the checkout after
`./ultramem experiment run configs/experiments/knowledge-1000-seeds.json`; knowledge-1000's trials
(commit 5fde6d4) are the numbers of docs/results/knowledge-1000/report.md, copied below."""
import json, glob, os, sys, statistics as st
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from seed_bootstrap import ratio_ci
# knowledge-1000 (commit 5fde6d4), from docs/results/knowledge-1000/report.md and the closing notes
old = {
  'dense': {1: (4566.0, 0.0891, 0.208), 2: (8170.0, 0.1520, 0.584)},
  'moe': {1: (27269.0, 0.474, 0.977), 2: (10835.0, 0.191, 0.952)},
  'pkm': {1: (24788.0, 0.459, 0.923), 2: (13565.0, 0.247, 0.766)},
  'ultramem-wide': {1: (20269.0, 0.379, 0.846), 2: (10077.0, 0.183, 0.732), 3: (14762.0, 0.256, 0.828)},
}
new = {}
for f in sorted(glob.glob('runs/experiments/knowledge-1000-seeds/*/facts-eval.json')):
    d = json.load(open(f)); trial = os.path.basename(os.path.dirname(f))
    run, seed = trial.rsplit('-s', 1)
    new.setdefault(run, {})[int(seed)] = (d['bits'], d['accuracy'], d['accuracy_train_template'])
allr = {}
for src in (old, new):
    for run, seeds in src.items():
        for s, v in seeds.items():
            allr.setdefault(run, {})[s] = v   # a new trial of the same seed replaces the old number
for run in sorted(allr):
    b = [v[0] for v in allr[run].values()]
    print(f"{run:22s} seeds {sorted(allr[run])}: bits {st.mean(b):8.0f} +- {st.stdev(b) if len(b)>1 else float('nan'):7.0f}"
          f"  (min {min(b):.0f}, max {max(b):.0f}); held-out {st.mean(v[1] for v in allr[run].values()):.3f}, train-template {st.mean(v[2] for v in allr[run].values()):.3f}")
    for s in sorted(allr[run]): print(f"    seed {s}: {allr[run][s][0]:9.1f} bits, held-out {allr[run][s][1]:.4f}, train-template {allr[run][s][2]:.4f}" + (' (new)' if s in new.get(run, {}) else ''))
for num, den in [('ultramem-wide', 'dense'), ('ultramem-wide-vlr10', 'dense'), ('moe', 'dense'), ('pkm', 'dense'), ('ultramem-wide', 'moe'), ('ultramem-wide', 'pkm'), ('ultramem-wide-vlr10', 'ultramem-wide')]:
    if num in allr and den in allr and len(allr[num]) > 1 and len(allr[den]) > 1:
        a = [v[0] for v in allr[num].values()]; b = [v[0] for v in allr[den].values()]
        m, lo, hi, p3 = ratio_ci(a, b)
        print(f"{num} / {den}: {m:.2f}x, 90% bootstrap interval {lo:.2f}-{hi:.2f}; share of resamples >= 3x: {p3:.3f}")
