import org.ultramem.tensor.kernel.*;
import java.util.*;
/** Alternates a 2-thread FMA loop and a 2-thread GEMM 2048³ for ~12 s: do they dip together? */
public class MixProbe {
    public static void main(String[] a) {
        Kernels kern = KernelProvider.get();
        int n = 2048;
        Random r = new Random(1);
        float[] x = new float[n * n], y = new float[n * n], c = new float[n * n];
        for (int i = 0; i < x.length; i++) { x[i] = (float) r.nextGaussian(); y[i] = (float) r.nextGaussian(); }
        for (int i = 0; i < 5; i++) { Parallel.withThreads(2, () -> kern.matmul(false, false, n, n, n, x, 0, n, y, 0, n, c, 0, n, false)); FmaPeak.gflops(2, 2_000_000); FmaPeak.gflops(1, 2_000_000); }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            double f2 = FmaPeak.gflops(2, 4_000_000);
            double f1 = FmaPeak.gflops(1, 4_000_000);
            long t0 = System.nanoTime();
            Parallel.withThreads(2, () -> kern.matmul(false, false, n, n, n, x, 0, n, y, 0, n, c, 0, n, false));
            double g = 2.0 * n * n * n / (System.nanoTime() - t0);
            sb.append(String.format("fma2 %.0f fma1 %.0f gemm2 %.0f  ratio %.2f%n", f2, f1, g, g / f2));
        }
        System.out.print(sb);
    }
}
