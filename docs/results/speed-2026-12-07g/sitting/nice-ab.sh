#!/usr/bin/env bash
# A/B of --engine-nice values: bench serve MoE vs UltraMem at 64 clients (jar /work/exp/pr).
# usage: nice-ab.sh OUTDIR ROUNDS NICE...
OUT=$1; R=$2; shift 2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for n in "$@"; do
    /work/exp/um-pr.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --engine-nice $n --out $OUT/n$n-$r > $OUT/n$n-$r.log 2>&1
    echo "round $r nice $n: $(grep '^| ultramem | moe' $OUT/n$n-$r/serve.md) $(grep '^Engine' $OUT/n$n-$r/serve.md)"
  done
done
