#!/usr/bin/env bash
# A/B of the kernel pool's pure-spin window under --engine-nice -10 (jar /work/exp/ps).
# usage: spin-ab.sh OUTDIR ROUNDS PURE_SPIN_NANOS...
OUT=$1; R=$2; shift 2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for p in "$@"; do
    JOPTS="-Dultramem.pureSpinNanos=$p" /work/exp/um-ps.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --engine-nice -10 --out $OUT/p$p-$r > $OUT/p$p-$r.log 2>&1
    echo "round $r spin $p: $(grep '^| ultramem | moe' $OUT/p$p-$r/serve.md) $(grep -h 'ultramem  scheduler' $OUT/p$p-$r.log)"
  done
done
