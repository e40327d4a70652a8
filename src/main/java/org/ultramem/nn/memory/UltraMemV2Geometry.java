package org.ultramem.nn.memory;

/**
 * The sizes of the shared value table and of each V2 retrieval layer for a model with L V2 layers
 * (spec §2.1, official {@code ultramem_layer_v2.py} L:113-128):
 * <pre>
 *   N_all = K0²·L                        rows of the shared table (configured K0)
 *   K0'   = int(sqrt(N_all·ρ))           float sqrt, truncated
 *   N     = K0'²                         physical rows one layer reaches (its window)
 *   n     = κ_e·K0'                      keys per side
 *   V     = E'·N = n²                    virtual slots (grid cells)
 *   off_ℓ = ℓ·K0²                        layer ℓ's window start:
 *   row   = ((v mod N) + off_ℓ) mod N_all   the table row of virtual index v
 * </pre>
 * With ρ = 1/L the windows are L disjoint slices; with ρ = 1 every layer sees N ≈ N_all rows
 * starting at its own slice and wrapping around (spec §7).
 *
 * @param config the V2 config
 * @param layers L, V2 retrieval layers sharing the table
 */
public record UltraMemV2Geometry(UltraMemV2Config config, int layers) {

    public UltraMemV2Geometry {
        if (layers < 1) {
            throw new IllegalArgumentException("UltraMemV2 needs at least one retrieval layer, "
                    + "got " + layers + "; place a V2 memory in some block");
        }
        long all = (long) config.keyNum() * config.keyNum() * layers;
        long width = Math.max(config.valueDim(), config.preValueDim());
        if (all * width > Integer.MAX_VALUE - 16) {
            throw UltraMemV2Config.bad(UltraMemV2Config.KNUM, config.keyNum(), "with " + layers
                    + " layers gives a shared table of K0²·L = " + all + " rows of " + width
                    + " floats, more than one array holds", "lower mem_knum or the widths");
        }
        int real = (int) Math.sqrt(all * config.shareRatio());
        if (real < 1) {
            throw UltraMemV2Config.bad(UltraMemV2Config.SHARE_RATIO, config.shareRatio(),
                    "leaves K0' = int(sqrt(" + all + "·ρ)) = 0 keys per side", "raise it");
        }
        long n = (long) config.keyExpand() * real;
        if (n * n > Integer.MAX_VALUE - 16) {
            throw UltraMemV2Config.bad(UltraMemV2Config.KEY_EXPAND, config.keyExpand(),
                    "gives n² = " + n * n + " virtual slots, more than an int index holds",
                    "lower mem_key_expand_time or mem_knum");
        }
        if (config.knn() > n) {
            throw UltraMemV2Config.bad(UltraMemV2Config.KNN, config.knn(), "must be <= keys per "
                    + "side n = κ_e·K0' = " + n, "lower mem_knn or raise mem_knum");
        }
    }

    /** N_all = K0²·L, rows of the shared table. */
    public int allValueNum() {
        return config.keyNum() * config.keyNum() * layers;
    }

    /** K0' = int(sqrt(N_all·ρ)), real keys per side before key expansion. */
    public int realKeyNum() {
        return (int) Math.sqrt((double) allValueNum() * config.shareRatio());
    }

    /** N = K0'², the rows one layer's window holds. */
    public int valueNum() {
        return realKeyNum() * realKeyNum();
    }

    /** n = κ_e·K0', keys per side. */
    public int keysPerSide() {
        return config.keyExpand() * realKeyNum();
    }

    /** E'·N = n², virtual slots (the length of the shuffle index). */
    public int virtualValueNum() {
        return config.virtualBlocks() * valueNum();
    }

    /** off_ℓ = ℓ·K0², the first row of layer ℓ's window. */
    public int offset(int layerId) {
        if (layerId < 0 || layerId >= layers) {
            throw new IllegalArgumentException("UltraMemV2 layer id " + layerId + " must be in [0, "
                    + layers + ") for a table shared by " + layers + " layers");
        }
        return layerId * config.keyNum() * config.keyNum();
    }
}
