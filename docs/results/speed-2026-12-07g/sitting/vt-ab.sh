#!/usr/bin/env bash
# A/B of the virtual-thread scheduler's parallelism (carrier threads) under --engine-nice -10 (jar /work/exp/sk).
# usage: vt-ab.sh OUTDIR ROUNDS PARALLELISM... (0 = the JDK's default, one carrier per core)
OUT=$1; R=$2; shift 2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for p in "$@"; do
    if [ $p = 0 ]; then J=""; else J="-Djdk.virtualThreadScheduler.parallelism=$p"; fi
    JOPTS="$J" /work/exp/um-sk.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --out $OUT/vt$p-$r > $OUT/vt$p-$r.log 2>&1
    echo "round $r carriers $p: $(grep '^| ultramem | moe' $OUT/vt$p-$r/serve.md) $(grep -h 'ultramem  scheduler' $OUT/vt$p-$r.log)"
  done
done
