#!/usr/bin/env bash
# ov-ab.sh A B ROUNDS BATCHES: bench decode --batches BATCHES --reps 31 --stages, jars alternating
a=$1; b=$2; rounds=${3:-3}; batches=${4:-1,4}
for r in $(seq 1 $rounds); do
  for j in $a $b; do
    echo "== round $r jar $j $(date +%T)"
    (cd /tmp && /work/exp/um-$j.sh bench decode --batches $batches --reps 31 --stages --out /tmp/ab-$j 2>&1 | grep -E "^\| [0-9]+ \|")
  done
done
