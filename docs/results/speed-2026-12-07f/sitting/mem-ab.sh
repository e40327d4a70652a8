#!/usr/bin/env bash
# mem-ab.sh A B ROUNDS KV: bench decode --batches 64 --kv KV --reps 31 --stages, jars alternating; UltraMem and dense rows
a=$1; b=$2; rounds=${3:-3}; kv=${4:-64}
for r in $(seq 1 $rounds); do
  for j in $a $b; do
    echo "== round $r jar $j kv $kv $(date +%T)"
    (cd /tmp && /work/exp/um-$j.sh bench decode --batches 64 --kv $kv --reps 31 --stages --out /tmp/ab-$j 2>&1 | grep -E "^\| 64 \|")
  done
done
