#!/usr/bin/env bash
# GEMM investigation harness used for issue 14 (not part of the build): compares Gemm against a
# variant copy GemmB, interleaved in one JVM, as fractions of the FMA-loop peak, timed in thread
# CPU time for 1 thread (the machine is shared; wall-clock for 2). Phase shares (packA, packB,
# kernels) come from nanoTime counters in GemmB; kernelOnly runs the micro-kernel on cache-resident
# packed blocks, kernelBigC the same on a 1024-wide C (the C-traffic test).
#   scripts/gemm-probe/run.sh N THREADS REPS [extra JVM flags, e.g. -XX:UseAVX=2]
# GemmB is made from the current Gemm.java with phase counters: edit it to try a variant.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$here/../.."
J="${JAVA_HOME:-/usr/lib/jvm/$(ls /usr/lib/jvm | grep -i temurin-25 | head -1)}"
work="$(mktemp -d)"; src="$work/src/org/ultramem/tensor/kernel"; mkdir -p "$src" "$work/classes"
(cd "$root" && ./ultramem --help >/dev/null)   # builds target/ultramem.jar when stale
python3 - "$root/src/main/java/org/ultramem/tensor/kernel/Gemm.java" "$src/GemmB.java" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("final class Gemm {", "final class GemmB {").replace("private Gemm()", "private GemmB()")
s = s.replace("private static void kernel6(", "static void kernel6(").replace("private static void kernel4(", "static void kernel4(")
s = s.replace("            for (int pc = 0; pc < k; pc += KC) {\n                packB(", "            long q0 = System.nanoTime();\n            for (int pc = 0; pc < k; pc += KC) {\n                packB(", 1)
s = s.replace("            }\n            for (int ic = i0;", "            }\n            T_PACKB += System.nanoTime() - q0;\n            for (int ic = i0;", 1)
s = s.replace("                    if (transA) {\n                        packTransposedA", "                    long q1 = System.nanoTime();\n                    if (transA) {\n                        packTransposedA", 1)
s = s.replace("                    int slice = pc * ncPadded;", "                    long q2 = System.nanoTime();\n                    T_PACKA += q2 - q1;\n                    int slice = pc * ncPadded;", 1)
s = s.replace("    static int columnBlock(int k) {", "    static long T_PACKB, T_PACKA, T_KERN;\n\n    static int columnBlock(int k) {", 1)
open(sys.argv[2], "w").write(s)
PY
cp "$here/GemmProbe.java" "$here/Chains.java" "$src/"
"$J/bin/javac" -nowarn --add-modules jdk.incubator.vector -cp "$root/target/ultramem.jar" -d "$work/classes" "$src"/*.java 2>/dev/null
"$J/bin/java" "${@:4}" --add-modules jdk.incubator.vector -cp "$work/classes:$root/target/ultramem.jar" \
    org.ultramem.tensor.kernel.GemmProbe "$1" "$2" "$3" 2>&1 | grep -v "^WARNING"
