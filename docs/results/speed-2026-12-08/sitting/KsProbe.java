import org.ultramem.tensor.kernel.*;
import java.util.*;
public class KsProbe {
    public static void main(String[] a) {
        Kernels kern = KernelProvider.get();
        int n = 1984, d = 32, rows = 8;
        Random r = new Random(1);
        float[] keys = new float[n * d]; for (int i = 0; i < keys.length; i++) keys[i] = (float) r.nextGaussian();
        float[] packed = new float[KeyScores.packedLength(n, d)];
        KeyScores.pack(packed, 0, keys, 0, n, d);
        float[] q = new float[64 * 128]; for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        float[] out = new float[64 * n];
        int reps = 2000;
        for (int round = 0; round < 7; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                int b0 = (i % 8) * rows;
                kern.keyScores(out, b0 * n, n, q, b0 * 128, 128, rows, packed, 0, n, d, 0, n);
            }
            long t = System.nanoTime() - t0;
            double flops = 2.0 * rows * n * d * reps;
            System.out.printf("round %d: %.2f us/call, %.1f GFLOP/s%n", round, t / 1e3 / reps, flops / t);
        }
    }
}
