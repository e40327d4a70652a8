#!/usr/bin/env bash
# A/B of two jars aside: bench train --steps 30 of family dense and ultramem, alternating.
# usage: train-ab.sh OUT ROUNDS JAR_A JAR_B
OUT=$1; R=$2; A=$3; B=$4
for r in $(seq 1 $R); do
  for jar in $A $B; do
    for m in dense ultramem; do
      ms=$(UMJAR=$jar JOPTS=-XX:+UseTransparentHugePages /work/exp/um.sh bench train --config /work/main/configs/family-$m.json --steps 30 2>&1 | grep "median step" | sed "s/.*median step \([0-9.]*\) ms.*/\1/")
      echo "round $r $jar $m: $ms" | tee -a $OUT
    done
  done
done
