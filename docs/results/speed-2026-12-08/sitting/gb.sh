#!/usr/bin/env bash
for r in 1 2 3 4 5 6 7 8; do for v in base bouter bouter128; do
  case $v in base) o="";; bouter) o="-Dultramem.gemmBOuter=true";; bouter128) o="-Dultramem.gemmBOuter=true -Dultramem.gemmKc=128";; esac
  echo "== $r $v"; JOPTS="$o" UMJAR=gb /work/exp/um.sh bench kernels 2>&1 | grep -E 'GEMM [0-9]|peak, '
done; done
