#!/usr/bin/env bash
# Serving at 64 clients, jars alternating: "oldbt" = 187c476 with BlockTranspose as at 5baf1c2
# (lane selections in a static final array), "newbt" = 187c476 (static final fields). Both print
# the heap KB allocated per output token. Jars copied aside: /work/exp/{oldbt,newbt}/ultramem.jar.
set -u
for r in 1 2 3; do
  for j in oldbt newbt; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 \
        --duration 15 --warmup 3 --out /work/exp/si/sitting-$j-$r 2>&1 \
        | grep -E "clients:|scheduler: pass|^\| ultramem \| (moe|dense)"
  done
done
