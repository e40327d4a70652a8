#!/usr/bin/env bash
# usage: serve-ab.sh OUT ROUNDS JAR...
OUT=$1; R=$2; shift 2
mkdir -p $OUT
for r in $(seq 1 $R); do for j in "$@"; do
  UMJAR=$j /work/exp/um.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 --duration 60 --reps 6 --warmup 3 --out $OUT/$j-$r > $OUT/$j-$r.log 2>&1
  echo "round $r $j"; grep -E "^\|" $OUT/$j-$r/serve.md | head -8
done; done
