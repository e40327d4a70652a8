#!/usr/bin/env bash
# bench train family-dense and family-ultramem, jars alternating (order swapped each round):
# "newbt" = 187c476, "inl" = 6c730c9 (Lanes.sum in folds, widen split, store4 inline).
for r in 1 2 3 4; do
  if (( r % 2 )); then order="newbt inl"; else order="inl newbt"; fi
  for j in $order; do
    for m in dense ultramem; do
      echo "=== $j $m round $r $(date -u +%H:%M:%S)"
      /work/exp/um-$j.sh bench train --config configs/family-$m.json --steps 20 2>&1 | grep "^train"
    done
  done
done
