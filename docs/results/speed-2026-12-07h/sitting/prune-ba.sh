#!/usr/bin/env bash
# prune-ab.sh in the other order (kl first, then h0): is the gain an order effect?
OUT=$1; R=$2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for jar in kl h0; do
    /work/exp/um-$jar.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --out $OUT/$jar-$r > $OUT/$jar-$r.log 2>&1
    echo "round $r $jar: $(grep -E '^\| (dense|moe|ultramem) \| 64 ' $OUT/$jar-$r/serve.md | awk -F'|' '{printf "%s %s  ", $2, $4}') $(grep '^| ultramem | moe' $OUT/$jar-$r/serve.md) $(grep '^| ultramem | dense' $OUT/$jar-$r/serve.md)"
  done
done
