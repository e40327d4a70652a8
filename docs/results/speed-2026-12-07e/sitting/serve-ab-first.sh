#!/usr/bin/env bash
# serving A/B at 64 clients: jar before the BlockTranspose fix (si) against after (bt2), alternating
for r in 1 2 3; do
  for j in si bt2; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --out /work/exp/si/out-ab-$j-$r 2>&1 | grep -E "clients:|scheduler: pass|^\| ultramem \| moe"
  done
done
