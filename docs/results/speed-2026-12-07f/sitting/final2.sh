#!/usr/bin/env bash
# final2.sh: figures at f9dc394 (memory retrieval beside the FFN) from the jar copied aside (/work/exp/ov); nothing else ran.
set -u
out=/work/main/docs/results/speed-2026-12-07f/sitting
um=/work/exp/um-ov.sh
cd /tmp
for i in 1 2 3; do
  echo "# bench decode --batches 1,4,64 --reps 31 --stages (kv 512), f9dc394, run $i, $(date +%T)" > $out/overlap-decode-$i.txt
  $um bench decode --batches 1,4,64 --reps 31 --stages --out $out/overlap-decode-$i >> $out/overlap-decode-$i.txt 2>&1
done
echo "# bench decode --batches 1,4,64 --reps 31 --stages, 256-bit (-XX:UseAVX=2), f9dc394, $(date +%T)" > $out/overlap-decode-avx2.txt
JOPTS="-XX:UseAVX=2" $um bench decode --batches 1,4,64 --reps 31 --stages --out $out/overlap-decode-avx2 >> $out/overlap-decode-avx2.txt 2>&1
echo done $(date +%T)
