#!/usr/bin/env bash
# stream interval A/B at 64 clients, decode models, MoE and UltraMem, alternating runs
for i in 1 8 1 8; do
  echo "=== stream interval $i $(date -u +%H:%M:%S)"
  /work/exp/um-si.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --stream-interval $i --out /work/exp/si/out-$i-$RANDOM 2>&1 | grep -v WARNING
done
