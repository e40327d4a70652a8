#!/usr/bin/env bash
# Two trainings on one --out: a first `train` holds the run directory, then a second `train` on the
# same --out is started 5 times; each must be refused (exit 2, one line naming the first's pid).
# Prints each refusal's wall time (JVM start included) and `ultramem --version` as the reference.
#   scripts/lock-race.sh [OUT_DIR]      (needs data/ from `ultramem data prepare`)
set -u
cd "$(dirname "$0")/.."
out=${1:-/tmp/ultramem-lock-race}
rm -rf "$out"
./ultramem --version > /dev/null 2>&1   # build once, outside the timings
./ultramem train --config configs/demo.json --set training.max_steps=100000 --out "$out" --no-progress \
    > "$out.first.log" 2>&1 &
first=$!
for _ in $(seq 1 120); do [[ -s "$out/.lock" ]] && break; sleep 1; done
sleep 3
now() { date +%s.%N; }
for i in 1 2 3 4 5; do
    s=$(now); ./ultramem train --config configs/demo.json --out "$out" > "$out.second.log" 2>&1; rc=$?; e=$(now)
    echo "attempt $i: exit $rc in $(echo "$e - $s" | bc) s: $(grep -v WARNING "$out.second.log" | head -1)"
done
s=$(now); ./ultramem --version > /dev/null 2>&1; e=$(now)
echo "reference: ultramem --version in $(echo "$e - $s" | bc) s"
if kill -0 "$first" 2>/dev/null; then echo "first training still running (unharmed); stopping it"; fi
kill "$first" 2>/dev/null; wait "$first" 2>/dev/null
