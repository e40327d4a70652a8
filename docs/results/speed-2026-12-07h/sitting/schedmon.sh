#!/usr/bin/env bash
# prints, every $2 s, per engine thread of java pid $1: cpu ms, runqueue-wait ms, slices (deltas)
PID=$1; EV=${2:-5}
declare -A prev
while kill -0 $PID 2>/dev/null; do
  line="$(date +%T)"
  for t in /proc/$PID/task/*; do
    c=$(cat $t/comm 2>/dev/null)
    case "$c" in ultramem-sched*|ultramem-kern*|ForkJoinPool-1-w*|C2*) ;; *) continue;; esac
    read a b n < $t/schedstat
    k=$(basename $t)
    if [ -n "${prev[$k]}" ]; then set -- ${prev[$k]}; line="$line | $c cpu $(( (a-$1)/1000000 )) wait $(( (b-$2)/1000000 )) sl $((n-$3))"; fi
    prev[$k]="$a $b $n"
  done
  echo "$line"
  sleep $EV
done
