#!/usr/bin/env bash
# stage-ab.sh A B ROUNDS KV: bench decode --batches 1,64 --kv KV --reps 31 --stages, jars alternating
a=$1; b=$2; rounds=${3:-3}; kv=${4:-64}
for r in $(seq 1 $rounds); do
  for j in $a $b; do
    echo "== round $r jar $j kv $kv $(date +%T)"
    (cd /tmp && /work/exp/um-$j.sh bench decode --batches 1,64 --kv $kv --reps 31 --stages --out /tmp/ab-$j 2>&1 | grep -E "^\| (1|64) ")
  done
done
