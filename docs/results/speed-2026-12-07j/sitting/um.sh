#!/usr/bin/env bash
# usage: UMJAR=h0 um.sh ARGS...   runs the jar aside in /work/exp/$UMJAR
J=/usr/lib/jvm/temurin-25-jdk-amd64
exec $J/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Djava.awt.headless=true -Dultramem.home=/work/main ${JOPTS:-} -cp "/work/exp/${UMJAR:-h0}/ultramem.jar:/work/exp/lib/*" org.ultramem.cli.Main "$@"
