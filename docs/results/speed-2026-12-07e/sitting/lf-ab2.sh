#!/usr/bin/env bash
# Serving at 64 clients, jars alternating: "newbt" = 187c476, "lf" = 187c476 with a lock-free
# event queue per request (GenerationJob: ConcurrentLinkedQueue + park/unpark).

# Jars copied aside: /work/exp/{newbt,lf}/ultramem.jar.
set -u
for r in 4 5 6; do
  for j in newbt lf; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 \
        --duration 15 --warmup 3 --out /work/exp/si/sitting-$j-$r 2>&1 \
        | grep -E "clients:|scheduler: pass|^\| ultramem \| (moe|dense)"
  done
done
