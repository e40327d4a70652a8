#!/usr/bin/env bash
# bench decode batch 64 A/B: before the BlockTranspose fix (si) against after (bt2), alternating
for r in 1 2 3 4; do
  for j in bt2 si; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench decode --batches 64 --reps 31 --out /work/exp/si/dec2-$j-$r 2>&1 | grep -E "^\| 64"
  done
done
