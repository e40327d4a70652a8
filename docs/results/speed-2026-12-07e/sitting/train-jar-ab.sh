#!/usr/bin/env bash
# bench train family-dense (SwiGLU's exp on every step), two jars alternating, rounds FIRST..LAST.
# Usage (from the checkout): train-jar-ab.sh A B FIRST LAST. Jars (/work/exp/A/ultramem.jar):
#   inl  6c730c9
#   exp  6c730c9 plus VectorExp in methods under 35 bytes (not kept)
# As run: exp-train-ab.txt = inl exp 1 3; exp-train-ab2.txt = exp inl 4 6.
a=$1 b=$2
for r in $(seq "$3" "$4"); do
  for j in "$a" "$b"; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench train --config configs/family-dense.json --steps 30 2>&1 | grep "^train"
  done
done
