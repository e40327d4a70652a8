#!/usr/bin/env bash
# Family training cost, alternating: dense (new jar), UltraMem base jar (a14b5c8), UltraMem new jar.
# Jars copied aside as built: /work/exp/base-a14b5c8 (a14b5c8), /work/exp/new (a14b5c8 + the division-free counts only).
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
OPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:+UseTransparentHugePages -Djava.awt.headless=true -Dultramem.home=/work/main"
run() { # jar-dir config
  $J $OPTS -cp "$1/ultramem.jar:$1/lib/*" org.ultramem.cli.Main bench train --config /work/main/configs/$2 --steps 30 2>/dev/null | grep "^train"
}
NEW=${NEW:-/work/exp/new}
for r in 1 2 3 4; do
  echo "round $r $(date +%T)"
  echo -n "dense new: "; run $NEW family-dense.json
  echo -n "um base:   "; run /work/exp/base-a14b5c8 family-ultramem.json
  echo -n "um new:    "; run $NEW family-ultramem.json
  echo -n "dense base: "; run /work/exp/base-a14b5c8 family-dense.json
done
