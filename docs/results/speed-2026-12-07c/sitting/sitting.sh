#!/bin/bash
# Speed sitting 2026-12-07 (third) at HEAD; run from /work/main; outputs in /tmp/sit/out
set -u
cd /work/main
OUT=/tmp/sit/out; mkdir -p $OUT
ps aux --sort=-%cpu | head -8 > $OUT/ps-before.txt
date -u +%H:%M:%S > $OUT/start.txt
git rev-parse --short HEAD > $OUT/commit.txt
./ultramem bench kernels > $OUT/kernels-512.txt 2>&1
for r in 1 2 3; do
  ./ultramem bench decode --batches 1,64 --reps 15 --out $OUT/decode-$r > $OUT/decode-$r.txt 2>&1
done
JDK_JAVA_OPTIONS=-XX:UseAVX=2 ./ultramem bench decode --batches 1,64 --reps 15 --out $OUT/decode-avx2 > $OUT/decode-avx2.txt 2>&1
for r in 1 2 3 4; do for c in family-dense family-ultramem; do
  ./ultramem bench train --config configs/$c.json --steps 30 --json > $OUT/train-$c-$r.json 2>$OUT/train-$c-$r.log
done; done
for r in 1 2; do
  ./ultramem bench serve --decode-models --only dense,moe,ultramem --clients 16,64 --duration 20 --warmup 3 --out $OUT/serve-decode-$r > $OUT/serve-decode-$r.txt 2>&1
done
./ultramem bench serve --family --clients 64 --duration 20 --warmup 3 --out $OUT/serve-family > $OUT/serve-family.txt 2>&1
date -u +%H:%M:%S > $OUT/end.txt
ps aux --sort=-%cpu | head -8 > $OUT/ps-after.txt
