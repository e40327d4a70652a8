#!/bin/bash
# Speed sitting 2026-12-07 at HEAD; run from /work/main; outputs in /tmp/kb/sit
set -u
cd /work/main
OUT=/tmp/kb/sit
ps aux --sort=-%cpu | head -8 > $OUT/ps-before.txt
date -u +%H:%M:%S > $OUT/start.txt
git rev-parse --short HEAD > $OUT/commit.txt
./ultramem bench kernels > $OUT/kernels-512.txt 2>&1
JDK_JAVA_OPTIONS=-XX:UseAVX=2 ./ultramem bench kernels > $OUT/kernels-256.txt 2>&1
./ultramem bench kernels --case decode-gemm > $OUT/decode-gemm-512.txt 2>&1
for r in 1 2 3; do
  ./ultramem bench train --config configs/dense-256x6.json --steps 30 --json > $OUT/train-dense-$r.json 2>$OUT/train-dense-$r.log
  /usr/bin/python3 scripts/pytorch/dense_train_step.py --config configs/dense-256x6.json > $OUT/torch-dense-$r.txt 2>&1
done
for r in 1 2 3; do
  ./ultramem bench layer --preset A --json > $OUT/layer-A-$r.json 2>&1
  ./ultramem bench layer --preset B --json > $OUT/layer-B-$r.json 2>&1
  /usr/bin/python3 scripts/pytorch/ultramem_layer.py --golden src/test/resources/golden/ultramem_v1_medium.safetensors > $OUT/torch-layer-$r.txt 2>&1
done
for r in 1 2 3 4 5; do for c in family-dense family-ultramem; do
  ./ultramem bench train --config configs/$c.json --steps 30 --json > $OUT/train-$c-$r.json 2>$OUT/train-$c-$r.log
done; done
for r in 1 2 3; do
  ./ultramem bench decode --batches 1,16,64 --reps 15 --out $OUT/decode-$r > $OUT/decode-$r.txt 2>&1
done
JDK_JAVA_OPTIONS=-XX:UseAVX=2 ./ultramem bench decode --batches 1,64 --reps 15 --out $OUT/decode-avx2 > $OUT/decode-avx2.txt 2>&1
./ultramem bench serve --decode-models --clients 64 --duration 20 --warmup 5 --out $OUT/serve-decode > $OUT/serve-decode.txt 2>&1
./ultramem bench serve --family --clients 16,64 --duration 20 --warmup 5 --out $OUT/serve > $OUT/serve.txt 2>&1
date -u +%H:%M:%S > $OUT/end.txt
ps aux --sort=-%cpu | head -8 > $OUT/ps-after.txt
