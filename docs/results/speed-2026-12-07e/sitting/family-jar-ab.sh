#!/usr/bin/env bash
# Family serving at 64 clients after a 30 s warm-up, two jars alternating, rounds FIRST..LAST.
# Usage: family-jar-ab.sh A B FIRST LAST (jar /work/exp/A/ultramem.jar). Jars:
#   final  6c730c9
#   dot    6c730c9 + SegmentAttentionVector.dot reducing through the staging array (Lanes.sumInPlace)
# As run: family-ab.txt = final dot 1 2.
set -u
a=$1 b=$2
for r in $(seq "$3" "$4"); do
  for j in "$a" "$b"; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench serve --family --only dense,moe,ultramem --clients 64 \
        --duration 15 --warmup 30 --out /work/exp/si/family-$j-$r 2>&1 \
        | grep -E "clients:|scheduler: pass|^\| ultramem \| (moe|dense)"
  done
done
