#!/usr/bin/env bash
# decode-ab.sh A B ROUNDS: bench decode --batches 1,64 --reps 31, jars alternating
a=$1; b=$2; rounds=${3:-3}
for r in $(seq 1 $rounds); do
  for j in $a $b; do
    echo "== round $r jar $j $(date +%T)"
    (cd /tmp && /work/exp/um-$j.sh bench decode --batches 1,64 --reps 31 --out /tmp/ab-$j 2>&1 | grep -E "^\| (1|64) ")
  done
done
