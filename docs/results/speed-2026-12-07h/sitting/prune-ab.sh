#!/usr/bin/env bash
# A/B of the jar of HEAD before pruning (h0) and with it (kl): bench serve, decode models, 64 clients.
# usage: prune-ab.sh OUTDIR ROUNDS
OUT=$1; R=$2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for jar in h0 kl; do
    /work/exp/um-$jar.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --out $OUT/$jar-$r > $OUT/$jar-$r.log 2>&1
    echo "round $r $jar: $(grep '^| ultramem | moe' $OUT/$jar-$r/serve.md) $(grep '^| ultramem | dense' $OUT/$jar-$r/serve.md)"
  done
done
