#!/usr/bin/env bash
# usage: ab64.sh OUTDIR ROUNDS JAR_A JAR_B ; bench decode --batches 64 --stages, alternating
OUT=$1; R=$2; A=$3; B=$4
mkdir -p $OUT
for r in $(seq 1 $R); do
  for jar in $A $B; do
    UMJAR=$jar /work/exp/um.sh bench decode --batches 64 --stages --reps 21 --out $OUT/$jar-$r > $OUT/$jar-$r.log 2>&1
    um=$(grep -E '^\| 64 \| ultramem \|' $OUT/$jar-$r/decode.md | awk -F'|' '{print $6, $7, $9}')
    dn=$(grep -E '^\| 64 \| dense \|' $OUT/$jar-$r/decode.md | awk -F'|' '{print $9}')
    echo "round $r $jar: um mem/ffn/step $um dense step $dn"
  done
done
