package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * One owner's share of a weighted read ({@link org.ultramem.infer.WeightedRead}), run on that
 * owner: the partial sums of its selections, in selection order, over its own blocks; only
 * tokens × outWidth floats go back. The selections come in token order (token b's are
 * [tokenEnd[b−1], tokenEnd[b])); selection i adds, per chunk t, weight[i·c + t] · V[row_i, chunk t]
 * into out[its token, group_i·D_v + t·D_v/c ..].
 */
final class ShareSum implements Callable<float[]>, Serializable, HazelcastInstanceAware {

    private final String mapName;
    private final int blockRows;
    private final int width;
    private final int chunks;
    private final int tokens;
    private final int outWidth;
    /** End (exclusive) of each token's selections: B ints instead of one per selection. */
    private final int[] tokenEnd;
    private final int[] row;
    private final float[] weight;
    /** Output block per selection, or null. */
    private final int[] group;
    private transient HazelcastInstance hz;

    ShareSum(String mapName, int blockRows, int width, int chunks, int tokens, int outWidth,
             int[] tokenEnd, int[] row, float[] weight, int[] group) {
        this.mapName = mapName;
        this.blockRows = blockRows;
        this.width = width;
        this.chunks = chunks;
        this.tokens = tokens;
        this.outWidth = outWidth;
        this.tokenEnd = tokenEnd;
        this.row = row;
        this.weight = weight;
        this.group = group;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        this.hz = hz;
    }

    /** Bytes this task carries: the selections out, the partial sums back. */
    long wireBytes() {
        return (long) row.length * (1 + chunks + (group == null ? 0 : 1)) * 4
                + (long) tokens * (1 + outWidth) * 4;
    }

    @Override
    public float[] call() throws Exception {
        LocalBlocks blocks = LocalBlocks.fetch(hz, mapName, row, blockRows);
        Kernels kern = KernelProvider.get();
        float[] out = new float[tokens * outWidth];
        int chunk = width / chunks;
        for (int b = 0, i = 0; b < tokens; b++) {
            for (; i < tokenEnd[b]; i++) {
                float[] data = blocks.blockOf(row[i], blockRows);
                int vOff = row[i] % blockRows * width;
                int oOff = b * outWidth + (group == null ? 0 : group[i] * width);
                for (int t = 0; t < chunks; t++) {
                    kern.axpy(out, oOff + t * chunk, weight[i * chunks + t], data,
                            vOff + t * chunk, chunk);
                }
            }
        }
        return out;
    }
}
