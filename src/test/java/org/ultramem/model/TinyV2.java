package org.ultramem.model;

/**
 * A tiny model with UltraMemV2 memories in every block of three ("full"), sharing one table with
 * share ratio 0.5 (each layer's window wraps into the next layers' slices), key expansion 2,
 * pre-values with GELU and the key-balance loss on. Shared by the model and training tests.
 */
public final class TinyV2 {

    public static final int VOCAB = 32;

    private TinyV2() {
    }

    /** The config JSON; {@code extra} is spliced into the V2 entry (e.g. a mem_insert_way). */
    public static String json(double initRange, String extra) {
        return """
                {"vocab_size": %d, "hidden_size": 16, "num_hidden_layers": 3,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 16,
                 "initializer_range": %s,
                 "memory_layers": [
                   {"mem_type": "ultramem_v2", "mem_knum": 4, "mem_kdim": 8, "mem_vdim": 8,
                    "mem_pre_vdim": 8, "mem_knn": 3, "mem_head": 2, "mem_key_expand_time": 2,
                    "mem_value_expand_time": 4, "mem_share_ratio": 0.5,
                    "mem_key_balance_reg_coef": 0.5, "mem_use_glu_act": true%s}]}
                """.formatted(VOCAB, initRange, extra);
    }

    public static ModelConfig config() {
        return config(0.02, "");
    }

    public static ModelConfig config(double initRange, String extra) {
        return ModelConfig.fromJson(json(initRange, extra), "TinyV2");
    }
}
