#!/usr/bin/env bash
# Per jar: bench train --config family-ultramem --baseline family-dense --steps N (steps alternate in one JVM).
# usage: cmp-ab.sh OUT ROUNDS STEPS JAR...
OUT=$1; R=$2; S=$3; shift 3
for r in $(seq 1 $R); do
  for jar in "$@"; do
    line=$(UMJAR=$jar JOPTS=-XX:+UseTransparentHugePages /work/exp/um.sh bench train --config /work/main/configs/family-ultramem.json --baseline /work/main/configs/family-dense.json --steps $S 2>&1 | grep -v WARN | tr '\n' ' ')
    echo "round $r $jar: $line" | sed 's/ (median step/\n   (median step/g' | tee -a $OUT
  done
done
