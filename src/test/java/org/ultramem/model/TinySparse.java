package org.ultramem.model;

/**
 * A tiny model with every sparse piece: an UltraMem layer at "0:1" (Tucker aux loss on), a PKM
 * layer at "1:1" (overlapping, so two outputs are pending after block 1), and an MoE FFN in
 * block 1 (block 0 stays dense). Shared by the model and training tests.
 */
public final class TinySparse {

    public static final int VOCAB = 32;

    private TinySparse() {
    }

    /** The config JSON; {@code extra} is spliced into the UltraMem entry (e.g. a value_optimizer). */
    public static String json(double initRange, String extra) {
        return """
                {"vocab_size": %d, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 16,
                 "initializer_range": %s,
                 "moe": {"moe_num_experts": 4, "moe_top_k": 2, "moe_intermediate_size": 16,
                         "moe_layers": [1]},
                 "memory_layers": [
                   {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4, "mem_kdim": 8,
                    "mem_vdim": 8, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2,
                    "tucker_cores": 2, "value_expand": 4, "tucker_aux_alpha": 0.05,
                    "tucker_aux_tau": 0.0%s},
                   {"mem_type": "pkm", "placement": "1:1", "pkm_heads": 2, "pkm_knum": 4,
                    "pkm_kdim": 8, "pkm_topk": 2, "pkm_value_lr": 0.02}],
                 "memory_allow_overlap": true}
                """.formatted(VOCAB, initRange, extra);
    }

    public static ModelConfig config() {
        return config(0.02, "");
    }

    public static ModelConfig config(double initRange, String extra) {
        return ModelConfig.fromJson(json(initRange, extra), "TinySparse");
    }
}
