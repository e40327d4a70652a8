package org.ultramem.nn.memory;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;

/**
 * The released initialisation of an UltraMemV2 retrieval layer ({@code reset_parameters} at the
 * spec's commit, spec §2.2; "N(0, s)" is a plain normal with standard deviation s):
 * W_q ~ N(0, 1/√D_k) (D_k, not D), query and key norm weights D_k^(−0.4), keys ~ N(0, 1/√D_k),
 * cores ~ U[0, 1), W_o ~ N(0, 1/√(E·D_v)), W_pre ~ N(0, 1/√D). The shared tables are initialised by
 * {@link UltraMemV2Values}; u = v = 0 until the first online update.
 */
final class UltraMemV2Init {

    private UltraMemV2Init() {
    }

    /** Fills every parameter of the layer in checkpoint order from {@code seed}. */
    static void initialize(UltraMemV2Layer layer, long seed) {
        UltraMemV2Config cfg = layer.config();
        SplittableRandom rnd = new SplittableRandom(seed);
        double keyStd = 1 / Math.sqrt(cfg.keyDim());
        float normWeight = (float) Math.pow(cfg.keyDim(), -0.4);
        for (Parameter p : layer.parameters()) {
            switch (p.name) {
                case "query_proj.weight", "keys" -> UltraMemInit.normal(p.data, rnd, keyStd);
                case "query_norm.weight", "keys_norm.weight" -> Arrays.fill(p.data, normWeight);
                case "values_proj.weight" ->
                        UltraMemInit.normal(p.data, rnd, 1 / Math.sqrt(cfg.poolWidth()));
                case "pre_values_proj.weight" ->
                        UltraMemInit.normal(p.data, rnd, 1 / Math.sqrt(layer.hiddenSize()));
                default -> {
                    // tucker_core.<t>: U[0, 1)
                    for (int i = 0; i < p.data.length; i++) {
                        p.data[i] = (float) rnd.nextDouble();
                    }
                }
            }
        }
    }
}
