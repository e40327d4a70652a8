#!/usr/bin/env bash
# final3.sh: batch-1 step / bound at f9dc394 (/work/exp/ov): four runs at 512 bits, two at 256; nothing else ran.
out=/work/main/docs/results/speed-2026-12-07f/sitting
cd /tmp
for i in 1 2 3 4; do
  echo "# bench decode --batches 1 --reps 51, 512-bit, run $i, $(date +%T)"
  /work/exp/um-ov.sh bench decode --batches 1 --reps 51 --out /tmp/f3 2>&1 | grep -E "^\| 1 \|"
done
for i in 1 2; do
  echo "# bench decode --batches 1 --reps 51, 256-bit (-XX:UseAVX=2), run $i, $(date +%T)"
  JOPTS="-XX:UseAVX=2" /work/exp/um-ov.sh bench decode --batches 1 --reps 51 --out /tmp/f3 2>&1 | grep -E "^\| 1 \|"
done
