package org.ultramem.tensor.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's own compute ceiling for the kernels' species: a loop of independent FMA chains,
 * nothing loaded or stored, run on a given number of threads. GEMM and the other kernels are
 * reported as a fraction of it (issue 14), so a loaded or different machine reads the same way.
 *
 * <p>Twelve accumulators: enough for 2 FMA pipes × 4-cycle latency (8 chains) with margin, and
 * with the two operands 14 vector registers, so the 16-register AVX2 file holds them without
 * spills as well as the 32-register AVX-512 one.
 */
public final class FmaPeak {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int CHUNK = 1 << 14;

    private FmaPeak() {
    }

    /** Width of the kernels' float species in bits (512 with AVX-512, 256 with AVX2). */
    public static int vectorBits() {
        return S.vectorBitSize();
    }

    /**
     * The instruction set the kernels run on, e.g. {@code "AVX-512 (cpu: avx512f avx512bw ...)"}:
     * named from the species width actually used (the JVM may be limited, e.g. by
     * {@code -XX:UseAVX=2}) and the CPU's SIMD flags from {@code /proc/cpuinfo} when readable.
     */
    public static String isa() {
        int bits = vectorBits();
        String used = bits >= 512 ? "AVX-512" : bits == 256 ? "AVX2" : bits + "-bit SIMD";
        String flags = cpuSimdFlags(Path.of("/proc/cpuinfo"));
        return flags.isEmpty() ? used + " (" + bits + "-bit species)"
                : used + " (" + bits + "-bit species; cpu: " + flags + ")";
    }

    /** The SIMD-related flags of the first CPU in a cpuinfo file, space-separated, or "". */
    static String cpuSimdFlags(Path cpuinfo) {
        List<String> lines;
        try {
            lines = Files.readAllLines(cpuinfo);
        } catch (IOException | RuntimeException e) {
            return "";
        }
        Set<String> wanted = Set.of("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
                "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "asimd", "sve", "sve2");
        for (String line : lines) {
            if (line.startsWith("flags") || line.startsWith("Features")) {
                StringBuilder sb = new StringBuilder();
                for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                    if (wanted.contains(f)) {
                        sb.append(sb.isEmpty() ? "" : " ").append(f);
                    }
                }
                return sb.toString();
            }
        }
        return "";
    }

    /**
     * GFLOP/s of {@code iterations} rounds of 12 independent vector FMAs on each of
     * {@code threads} threads (wall-clock over all of them; one FMA = 2 FLOP per lane).
     */
    public static double gflops(int threads, int iterations) {
        double[] sink = new double[threads];
        long t0 = System.nanoTime();
        Parallel.withThreads(threads, () -> Parallel.forRange(threads, 1, (t0b, t1b) -> {
            for (int t = t0b; t < t1b; t++) {
                // Many short calls, not one long one: chains is then compiled normally by C2
                // instead of running as on-stack-replaced code.
                double sum = 0;
                for (int done = 0; done < iterations; done += CHUNK) {
                    sum += chains(Math.min(CHUNK, iterations - done), 1f + t);
                }
                sink[t] = sum;
            }
        }));
        long ns = System.nanoTime() - t0;
        for (double s : sink) {
            if (!(s > 0)) {
                throw new IllegalStateException("FMA loop summed " + s + ": the loop is wrong");
            }
        }
        return 24.0 * S.length() * iterations * threads / ns;
    }

    /** Twelve independent FMA chains; the sum is returned so C2 cannot drop the loop. */
    static double chains(int iterations, float seed) {
        FloatVector x = FloatVector.broadcast(S, 1e-7f * seed);
        FloatVector y = FloatVector.broadcast(S, 0.999f);
        FloatVector c0 = FloatVector.broadcast(S, 1f), c1 = FloatVector.broadcast(S, 2f);
        FloatVector c2 = FloatVector.broadcast(S, 3f), c3 = FloatVector.broadcast(S, 4f);
        FloatVector c4 = FloatVector.broadcast(S, 5f), c5 = FloatVector.broadcast(S, 6f);
        FloatVector c6 = FloatVector.broadcast(S, 7f), c7 = FloatVector.broadcast(S, 8f);
        FloatVector c8 = FloatVector.broadcast(S, 9f), c9 = FloatVector.broadcast(S, 10f);
        FloatVector c10 = FloatVector.broadcast(S, 11f), c11 = FloatVector.broadcast(S, 12f);
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(y, x);
            c1 = c1.fma(y, x);
            c2 = c2.fma(y, x);
            c3 = c3.fma(y, x);
            c4 = c4.fma(y, x);
            c5 = c5.fma(y, x);
            c6 = c6.fma(y, x);
            c7 = c7.fma(y, x);
            c8 = c8.fma(y, x);
            c9 = c9.fma(y, x);
            c10 = c10.fma(y, x);
            c11 = c11.fma(y, x);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8)
                .add(c9).add(c10).add(c11);
        return s.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
