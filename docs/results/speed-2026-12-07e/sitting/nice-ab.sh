#!/usr/bin/env bash
# A/B: every thread of the bench JVM except the engine's (ultramem-*) reniced to +10, against none
run() {  # $1 = nice or plain
  /work/exp/um-si.sh bench serve --decode-models --only moe,ultramem --clients 64 --duration 15 --warmup 3 --out /work/exp/si/out-$1-$RANDOM > /work/exp/si/run-$1.tmp 2>&1 &
  local launcher=$!
  if [[ $1 == nice ]]; then
    declare -A done_=()
    while kill -0 $launcher 2>/dev/null; do
      pid=$(pgrep -f "um-si.jar|exp/si/ultramem.jar" | head -1)
      if [[ -n "$pid" ]]; then
        for t in /proc/$pid/task/*; do
          tid=${t##*/}; [[ -n "${done_[$tid]:-}" ]] && continue
          comm=$(cat $t/comm 2>/dev/null) || continue
          if [[ "$comm" != ultramem-* ]]; then renice -n 10 -p $tid >/dev/null 2>&1; fi
          done_[$tid]=1
        done
      fi
      sleep 0.3
    done
  fi
  wait $launcher
  echo "=== $1"; grep -E "clients:|scheduler:|^\| ultramem \| moe" /work/exp/si/run-$1.tmp
}
for r in 1 2; do run plain; run nice; done
