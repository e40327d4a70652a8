#!/usr/bin/env bash
for r in 1 2 3 4 5; do for nc in 504 240 360; do
  echo "== $r $nc"; JOPTS="-Dultramem.gemmNc=$nc" UMJAR=gnc /work/exp/um.sh bench kernels 2>&1 | grep -E 'GEMM [0-9]|peak, '
done; done
