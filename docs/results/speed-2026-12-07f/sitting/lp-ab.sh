#!/usr/bin/env bash
# lp-ab.sh ROUNDS: the same jar (lp) with huge-page buffers on and off (-Dultramem.largePages=false), alternating
rounds=${1:-3}
for r in $(seq 1 $rounds); do
  for mode in on off; do
    echo "== round $r large pages $mode $(date +%T)"
    if [ $mode = off ]; then j="-Dultramem.largePages=false"; else j=""; fi
    (cd /tmp && JOPTS="$j" /work/exp/um-lp.sh bench decode --batches 1,64 --reps 31 --out /tmp/ab-lp-$mode 2>&1 | grep -E "^\| (1|64) ")
  done
done
