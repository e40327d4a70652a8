#!/usr/bin/env bash
# bench train family-dense (SwiGLU's exp on every step), jars alternating: "inl" = 6c730c9,
# "exp" = 6c730c9 plus VectorExp in methods under 35 bytes. Jars aside: /work/exp/{inl,exp}/.
for r in 4 5 6; do
  for j in exp inl; do
    echo "=== $j round $r $(date -u +%H:%M:%S)"
    /work/exp/um-$j.sh bench train --config configs/family-dense.json --steps 30 2>&1 | grep "^train"
  done
done
