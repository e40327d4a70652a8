#!/usr/bin/env bash
# A/B of two jars aside: bench decode --batches 1,64 --stages --reps 21, alternating.
# usage: decode-ab.sh OUTDIR ROUNDS JAR_A JAR_B
OUT=$1; R=$2; A=$3; B=$4
mkdir -p $OUT
for r in $(seq 1 $R); do
  for jar in $A $B; do
    UMJAR=$jar /work/exp/um.sh bench decode --batches 1,64 --stages --reps 21 --out $OUT/$jar-$r > $OUT/$jar-$r.log 2>&1
    echo "round $r $jar:"; grep -E '^\| (1|64) \| [0-9.]+ \| ' $OUT/$jar-$r/decode.md | cut -d'|' -f2-9
  done
done
