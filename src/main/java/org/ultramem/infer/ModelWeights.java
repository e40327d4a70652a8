package org.ultramem.infer;

import java.util.Arrays;
import java.util.Map;
import org.ultramem.io.MemoryBudget;
import org.ultramem.model.LanguageModel;
import org.ultramem.nn.Parameter;

/**
 * The weights of a live training model as a {@link WeightStore}: every parameter under its
 * checkpoint name ({@link LanguageModel#parametersByName()}) and every buffer (query BatchNorm
 * running statistics, Tucker u/v, ...) exactly as {@code Checkpoints.saveModel} would write them,
 * so the engine built over it ({@link InferenceModel#of}) decodes what a saved checkpoint would.
 * The tensors are copied off-heap at the call (the segment kernels' vector loads need native or
 * byte-backed memory, and the parameters are float[]): later training steps do not show.
 */
public final class ModelWeights {

    private ModelWeights() {
    }

    /** A store holding a copy of {@code model}'s parameters and buffers, F32/I32. */
    public static MemoryWeightStore copyOf(LanguageModel model) {
        Map<String, Parameter> params = model.parametersByName();
        Map<String, LanguageModel.Buffer> buffers = model.buffers();
        long bytes = 0;
        for (Parameter p : params.values()) {
            bytes += 4L * p.data.length;
        }
        for (LanguageModel.Buffer b : buffers.values()) {
            bytes += 4L * (b.f32() != null ? b.f32().length : b.i32().length);
        }
        MemoryBudget.requireNative("a decode copy of the model's weights", bytes,
                "decode from the saved checkpoint instead (`ultramem generate --model DIR`)");
        MemoryWeightStore store = new MemoryWeightStore();
        try {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                store.putF32(e.getKey(), e.getValue().data, longs(e.getValue().shape));
            }
            for (Map.Entry<String, LanguageModel.Buffer> e : buffers.entrySet()) {
                LanguageModel.Buffer b = e.getValue();
                if (b.f32() != null) {
                    store.putF32(e.getKey(), b.f32(), longs(b.shape()));
                } else {
                    store.putI32(e.getKey(), b.i32(), longs(b.shape()));
                }
            }
        } catch (RuntimeException ex) {
            store.close();
            throw ex;
        }
        return store;
    }

    private static long[] longs(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }
}
