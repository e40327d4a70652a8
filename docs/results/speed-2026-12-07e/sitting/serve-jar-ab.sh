#!/usr/bin/env bash
# Serving at 64 clients (bench decode's dense, MoE and UltraMem), two jars alternating, rounds
# FIRST..LAST. Usage: serve-jar-ab.sh A B FIRST LAST, jar A run by /work/exp/um-A.sh
# (/work/exp/A/ultramem.jar). Jars:
#   oldbt  187c476 with BlockTranspose as at 5baf1c2 (lane selections in a static final array)
#   newbt  187c476
#   rest   187c476 + park-workers.patch
#   lf     187c476 + lock-free-events.patch
# As run: serve-ab.txt = oldbt newbt 1 3; rest-ab.txt = newbt rest 1 3;
#         lf-ab.txt = newbt lf 1 3; lf-ab2.txt = newbt lf 4 6.
set -u
a=$1 b=$2
for r in $(seq "$3" "$4"); do
  for j in "$a" "$b"; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 \
        --duration 15 --warmup 3 --out /work/exp/si/sitting-$j-$r 2>&1 \
        | grep -E "clients:|scheduler: pass|^\| ultramem \| (moe|dense)"
  done
done
