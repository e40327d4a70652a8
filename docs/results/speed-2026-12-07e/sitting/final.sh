#!/usr/bin/env bash
# The sitting's figures from the jar at 6c730c9 (copied aside: /work/exp/final/ultramem.jar),
# nothing else running: kernel ceilings, three decode runs, two serving runs.
S=docs/results/speed-2026-12-07e/sitting
date -u > $S/final-start.txt
/work/exp/um-final.sh bench kernels > $S/kernels.txt 2>&1
for r in 1 2 3; do
  /work/exp/um-final.sh bench decode --batches 1,64 --reps 31 --out $S/decode-$r > $S/decode-$r.txt 2>&1
done
for r in 1 2; do
  /work/exp/um-final.sh bench serve --decode-models --only dense,moe,ultramem --clients 16,64 \
      --duration 15 --warmup 3 --out $S/serve-$r > $S/serve-$r.txt 2>&1
done
date -u > $S/final-end.txt
