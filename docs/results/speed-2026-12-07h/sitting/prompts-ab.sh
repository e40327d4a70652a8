#!/usr/bin/env bash
# A/B of bench serve's prompts: kl (orders of one sentence's words) vs dp (draws of common words), same engine.
OUT=$1; mkdir -p $OUT
for run in kl-1 dp-1 dp-2 kl-2; do
  jar=${run%-*}
  /work/exp/um-$jar.sh bench serve --decode-models --only dense,moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --out $OUT/$run > $OUT/$run.log 2>&1
  echo "$run: $(grep -E '^\| (dense|moe|ultramem) \| 64 ' $OUT/$run/serve.md | awk -F'|' '{printf "%s %s  ", $2, $4}') $(grep '^| ultramem | moe' $OUT/$run/serve.md) $(grep '^| ultramem | dense' $OUT/$run/serve.md)"
  grep "scheduler:" $OUT/$run.log | sed -E 's/.*(dense|moe|ultramem) +scheduler.*passes of ([0-9.]+) decode \+ ([0-9.]+) prompt rows, ([0-9.]+) ms and ([0-9.]+) MB.*/  \1 \2+\3 rows \4 ms \5 MB/'
done
