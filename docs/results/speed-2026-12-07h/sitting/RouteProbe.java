package org.ultramem.infer;

import java.util.*;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * MoE expert bytes per pass of bench decode's MoE model under three token streams, 64 sequences:
 *  perm    prompts = permutations of one 19-token set (as bench serve's), then tokens sampled
 *          from the model's own logits at temperature 1 (as the load's requests);
 *  diverse prompts of random ids, then sampled tokens;
 *  random  prompts and decode tokens uniformly random ids (bench decode's kind of batch).
 */
public class RouteProbe {
    public static void main(String[] a) throws Exception {
        java.lang.reflect.Method am = Class.forName("org.ultramem.bench.DecodeBench").getDeclaredMethod("architecture", String.class, int.class);
        am.setAccessible(true);
        java.lang.reflect.Method bm = Class.forName("org.ultramem.bench.RandomModels").getDeclaredMethod("build", DecodeArchitecture.class, Precision.class, long.class);
        bm.setAccessible(true);
        DecodeArchitecture arch = (DecodeArchitecture) am.invoke(null, "moe", 512);
        InferenceModel m = new InferenceModel(arch, (WeightStore) bm.invoke(null, arch, Precision.F32, 42L), Precision.F32);
        SegmentKernels.setRowPath(SegmentKernels.fixedRowPath(64));
        int vocab = m.config().vocabSize(), batch = 64, steps = Integer.parseInt(a[0]);
        int promptVocab = Integer.getInteger("promptVocab", 300);
        for (String mode : new String[] {"perm", "diverse", "random"}) {
            SplittableRandom rnd = new SplittableRandom(3);
            DecodeState s = m.newState(batch, 512, Precision.BF16, batch + 64);
            int[] base = new int[19];
            for (int i = 0; i < 19; i++) base[i] = rnd.nextInt(promptVocab);
            int[] last = new int[batch];
            Sampler[] samplers = new Sampler[batch];
            for (int b = 0; b < batch; b++) {
                samplers[b] = new Sampler(new Sampler.Settings(1.0, 0, 1.0, false), b);
                int[] p = base.clone();
                if (mode.equals("perm")) {
                    for (int i = p.length - 1; i > 0; i--) { int j = rnd.nextInt(i + 1); int t = p[i]; p[i] = p[j]; p[j] = t; }
                } else {
                    for (int i = 0; i < 19; i++) p[i] = rnd.nextInt(mode.equals("random") ? vocab : promptVocab);
                }
                float[] lg = m.prefill(s, b, p);
                last[b] = mode.equals("random") ? rnd.nextInt(vocab) : samplers[b].sample(lg, 0, vocab);
            }
            double sum = 0;
            Set<Integer> distinct = new HashSet<>();
            for (int k = 0; k < steps; k++) {
                m.meter().reset();
                float[] lg = m.decode(s, last);
                sum += m.meter().bytes(TrafficMeter.Component.EXPERTS);
                for (int b = 0; b < batch; b++) {
                    last[b] = mode.equals("random") ? rnd.nextInt(vocab) : samplers[b].sample(lg, b * vocab, vocab);
                    distinct.add(last[b]);
                }
            }
            System.out.printf(Locale.ROOT, "%-8s expert MB per pass %.1f, distinct sampled tokens %d of %d%n", mode, sum / steps / 1e6, distinct.size(), steps * batch);
        }
    }
}
