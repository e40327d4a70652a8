import org.ultramem.tensor.kernel.*;
import java.util.*;
public class GemmProbe {
    public static void main(String[] a) {
        Kernels kern = KernelProvider.get();
        int n = Integer.parseInt(a[0]); int th = Integer.parseInt(a[1]); int reps = Integer.parseInt(a[2]);
        Random r = new Random(1);
        float[] x = new float[n * n], y = new float[n * n], c = new float[n * n];
        for (int i = 0; i < x.length; i++) { x[i] = (float) r.nextGaussian(); y[i] = (float) r.nextGaussian(); }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            Parallel.withThreads(th, () -> kern.matmul(false, false, n, n, n, x, 0, n, y, 0, n, c, 0, n, false));
            long t = System.nanoTime() - t0;
            sb.append(String.format("%.0f ", 2.0 * n * n * n / t));
        }
        System.out.println(n + " t" + th + ": " + sb);
    }
}
