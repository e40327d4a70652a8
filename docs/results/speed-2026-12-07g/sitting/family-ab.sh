#!/usr/bin/env bash
# A/B of --engine-nice on the config family (jar /work/exp/fn): dense, MoE, UltraMem at 64 clients.
# usage: family-ab.sh OUTDIR ROUNDS NICE...
OUT=$1; R=$2; shift 2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for n in "$@"; do
    /work/exp/um-fn.sh bench serve --family --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --engine-nice $n --out $OUT/n$n-$r > $OUT/n$n-$r.log 2>&1
    echo "round $r nice $n: $(grep '^| ultramem | moe\|^| ultramem | dense' $OUT/n$n-$r/serve.md | tr '\n' ' ') $(grep -h '64 clients' $OUT/n$n-$r.log | awk '{print $1, $4}' | tr '\n' ' ')"
  done
done
