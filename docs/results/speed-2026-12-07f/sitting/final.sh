#!/usr/bin/env bash
# final.sh: this sitting's figures from the jar of fa42592 copied aside (/work/exp/st); nothing else ran.
set -u
out=/work/main/docs/results/speed-2026-12-07f/sitting
um=/work/exp/um-st.sh
cd /tmp
for i in 1 2; do
  echo "# bench kernels, 512-bit, run $i, $(date +%T)" > $out/kernels-512-$i.txt
  $um bench kernels >> $out/kernels-512-$i.txt 2>&1
  echo "# bench kernels, JDK_JAVA_OPTIONS=-XX:UseAVX=2 (256-bit), run $i, $(date +%T)" > $out/kernels-256-$i.txt
  JOPTS="-XX:UseAVX=2" $um bench kernels >> $out/kernels-256-$i.txt 2>&1
done
for i in 1 2 3; do
  echo "# bench decode --batches 1,64 --reps 31 --stages (kv 512), run $i, $(date +%T)" > $out/decode-stages-$i.txt
  $um bench decode --batches 1,64 --reps 31 --stages --out $out/decode-stages-$i >> $out/decode-stages-$i.txt 2>&1
done
echo "# bench decode --batches 1,64 --kv 64 --reps 31 --stages, $(date +%T)" > $out/decode-stages-kv64.txt
$um bench decode --batches 1,64 --kv 64 --reps 31 --stages --out $out/decode-stages-kv64 >> $out/decode-stages-kv64.txt 2>&1
echo "# bench decode --batches 1,64 --reps 31 --stages, 256-bit (-XX:UseAVX=2), $(date +%T)" > $out/decode-stages-avx2.txt
JOPTS="-XX:UseAVX=2" $um bench decode --batches 1,64 --reps 31 --stages --out $out/decode-stages-avx2 >> $out/decode-stages-avx2.txt 2>&1
echo done $(date +%T)
