#!/usr/bin/env bash
# Serving at 64 clients, jars alternating: "newbt" = 187c476, "rest" = 187c476 plus the scheduler
# parking the idle kernel workers before posting tokens (Parallel.restWorkers).

# Jars copied aside: /work/exp/{newbt,rest}/ultramem.jar.
set -u
for r in 1 2 3; do
  for j in newbt rest; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 \
        --duration 15 --warmup 3 --out /work/exp/si/sitting-$j-$r 2>&1 \
        | grep -E "clients:|scheduler: pass|^\| ultramem \| (moe|dense)"
  done
done
