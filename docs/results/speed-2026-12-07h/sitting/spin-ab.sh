#!/usr/bin/env bash
# A/B of the kernel pool's idle wait: y = spin 20 us then yield until 200 us then park (default);
# p = spin 20 us then park (no yield). bench serve moe,ultramem at 64 clients, jar /work/exp/sp.
# usage: spin-ab.sh OUTDIR ROUNDS
OUT=$1; R=$2
mkdir -p $OUT
for r in $(seq 1 $R); do
  for m in y p; do
    if [ $m = p ]; then J="-Dultramem.spinNanos=20000 -Dultramem.pureSpinNanos=20000"; else J=""; fi
    JOPTS="$J" /work/exp/um-sp.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --out $OUT/$m-$r > $OUT/$m-$r.log 2>&1 &
    sleep 2
    PID=$(pgrep -f "$OUT/$m-$r" | head -1)
    /tmp/s18/schedmon.sh $PID 5 > $OUT/$m-$r.sched.txt
    wait
    echo "round $r $m: $(grep '^| ultramem | moe' $OUT/$m-$r/serve.md) $(grep -h 'clients:' $OUT/$m-$r.log | awk '{print $1, $4}' | tr '\n' ' ')"
  done
done
