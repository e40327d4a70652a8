import org.ultramem.tensor.kernel.*;
import java.util.*;
public class GemmSeq {
    static String run(int n, int th, int reps) {
        Kernels kern = KernelProvider.get();
        Random r = new Random(1);
        float[] x = new float[n * n], y = new float[n * n], c = new float[n * n];
        for (int i = 0; i < x.length; i++) { x[i] = (float) r.nextGaussian(); y[i] = (float) r.nextGaussian(); }
        StringBuilder sb = new StringBuilder(n + " t" + th + ": ");
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmEnd) Parallel.withThreads(th, () -> kern.matmul(false, false, n, n, n, x, 0, n, y, 0, n, c, 0, n, false));
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            Parallel.withThreads(th, () -> kern.matmul(false, false, n, n, n, x, 0, n, y, 0, n, c, 0, n, false));
            long t = System.nanoTime() - t0;
            sb.append(String.format("%.0f ", 2.0 * n * n * n / t));
        }
        return sb.toString();
    }
    public static void main(String[] a) {
        System.out.println(run(1024, 1, 5)); System.out.println(run(1024, 2, 5));
        System.out.println(run(2048, 1, 5)); System.out.println(run(2048, 2, 5));
        System.out.println(run(2048, 2, 15));
        System.out.println(run(1024, 2, 15));
    }
}
