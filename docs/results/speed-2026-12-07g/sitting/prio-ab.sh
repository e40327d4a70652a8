#!/usr/bin/env bash
# A/B: bench serve MoE vs UltraMem at 64 clients, with and without the engine threads reniced to -10.
# usage: prio-ab.sh OUTDIR ROUNDS
OUT=$1; R=${2:-2}
mkdir -p $OUT
renice_loop() {  # $1 = java pid
  while kill -0 $1 2>/dev/null; do
    for t in /proc/$1/task/*; do
      c=$(cat $t/comm 2>/dev/null)
      case "$c" in ultramem-kerne*|ultramem-sched*) renice -n -10 -p ${t##*/} >/dev/null 2>&1;; esac
    done
    sleep 1
  done
}
for r in $(seq 1 $R); do
  for mode in plain prio; do
    /work/exp/um-rb.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --jit-warmup 20 --out $OUT/$mode-$r > $OUT/$mode-$r.log 2>&1 &
    BG=$!
    sleep 2
    JP=$BG
    if [ $mode = prio ]; then renice_loop $JP & fi
    wait $BG

    echo "round $r $mode"; grep -i "ultramem / moe\|tokens/s" $OUT/$mode-$r/serve.md | head -8
  done
done
