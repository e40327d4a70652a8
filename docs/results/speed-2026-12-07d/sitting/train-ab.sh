#!/usr/bin/env bash
# Jars copied aside as built: /work/exp/base-a14b5c8 (a14b5c8, before), /work/exp/new2 (bb42f35, after).
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
OPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:+UseTransparentHugePages -Djava.awt.headless=true -Dultramem.home=/work/main"
run() { $J $OPTS -cp "$1/ultramem.jar:$1/lib/*" org.ultramem.cli.Main bench train --config /work/main/configs/$2 --steps 30 2>/dev/null | grep -o "median step [0-9.]* ms"; }
B=/work/exp/base-a14b5c8; N=/work/exp/new2
for r in ${ROUNDS:-1 2 3}; do
  echo "round $r $(date +%T)"
  echo "dense base $(run $B family-dense.json) | dense new $(run $N family-dense.json) | um base $(run $B family-ultramem.json) | um new $(run $N family-ultramem.json)"
done
