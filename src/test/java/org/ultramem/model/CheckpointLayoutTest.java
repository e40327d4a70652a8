package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.nn.Parameter;

/**
 * {@link CheckpointLayout} lists exactly what the Transformer creates: the same names in the same
 * order with the same shapes (parameters, then buffers), for every config shape that changes the
 * set of tensors (UltraMemV2 included); its count matches the list, and {@link ModelCost} counts
 * the same parameters.
 */
class CheckpointLayoutTest {

    static Stream<String> configs() {
        String dense = """
                {"vocab_size": 40, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 8}
                """;
        return Stream.of(dense, TinySparse.json(0.02, ""),
                TinySparse.json(0.02, ", \"qk_norm\": false, \"share_query\": false"),
                TinySparse.json(0.02, ", \"output_projection\": true, \"tdqkr\": true")
                        .replace("\"value_expand\": 4", "\"value_expand\": 9"),
                ultraMemOnly(8, ", \"tdqkr\": false, \"tucker_rank\": 1, \"tucker_cores\": 1,"
                        + " \"mcs\": false, \"tucker_aux_alpha\": 0"),
                ultraMemOnly(16, ", \"output_projection\": false, \"value_expand\": 1"),
                ultraMemOnly(8, ", \"query_batchnorm\": true, \"output_gate\": \"scale\","
                        + " \"dead_key_restart_steps\": 10"),
                ultraMemOnly(8, ", \"output_gate\": \"silu\", \"share_query\": false,"
                        + " \"query_batchnorm\": true"),
                TinySparse.json(0.02, "").replace("\"pkm_value_lr\": 0.02",
                        "\"pkm_value_lr\": 0.02, \"pkm_query_batchnorm\": false"),
                TinyV2.json(0.02, ""),
                TinyV2.json(0.02, ", \"mem_insert_way\": \"0:1/2:2\"")
                        .replace("\"mem_pre_vdim\": 8", "\"mem_pre_vdim\": 0")
                        .replace("\"mem_value_expand_time\": 4", "\"mem_value_expand_time\": 1"),
                v2ThenPkm());
    }

    /** A V2 entry placing two layers, then a PKM: indices 0, 1 are V2, 2 is the PKM. */
    private static String v2ThenPkm() {
        return """
                {"vocab_size": 40, "hidden_size": 16, "num_hidden_layers": 3,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 8,
                 "memory_layers": [
                   {"mem_type": "ultramem_v2", "mem_knum": 3, "mem_kdim": 4, "mem_vdim": 6,
                    "mem_pre_vdim": 4, "mem_knn": 2, "mem_head": 3, "tucker_multihead": 3,
                    "mem_insert_way": "0:0/1:1"},
                   {"mem_type": "pkm", "placement": "2:2", "pkm_heads": 2, "pkm_knum": 4,
                    "pkm_kdim": 8, "pkm_topk": 2, "pkm_value_lr": 0.02}]}
                """;
    }

    private static String ultraMemOnly(int valueDim, String extra) {
        return """
                {"vocab_size": 40, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 8,
                 "memory_layers": [{"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4,
                   "mem_kdim": 8, "mem_vdim": %d, "mem_knn": 4, "mem_heads": 2%s}]}
                """.formatted(valueDim, extra);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void listsExactlyWhatTheTransformerCreates(String json) {
        ModelConfig cfg = ModelConfig.fromJson(json, "test");
        Transformer model = new Transformer(cfg, 1, 2, 1);
        Map<String, List<Integer>> made = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.parametersByName().entrySet()) {
            made.put(e.getKey(), shape(e.getValue().shape));
        }
        for (Map.Entry<String, LanguageModel.Buffer> e : model.buffers().entrySet()) {
            made.put(e.getKey(), shape(e.getValue().shape()));
        }
        Map<String, List<Integer>> listed = new LinkedHashMap<>();
        long params = 0;
        for (CheckpointLayout.Tensor t : CheckpointLayout.of(cfg)) {
            List<Integer> s = new ArrayList<>();
            for (long d : t.shape()) {
                s.add((int) d);
            }
            listed.put(t.name(), s);
            params += t.buffer() ? 0 : t.numel();
        }
        assertEquals(new ArrayList<>(made.entrySet()), new ArrayList<>(listed.entrySet()));
        assertEquals(listed.size(), CheckpointLayout.count(cfg));
        assertEquals(ModelCost.of(cfg).totalParams(), params);
        assertEquals(cfg.parameterCount(), params);
    }

    private static List<Integer> shape(int[] s) {
        List<Integer> out = new ArrayList<>();
        for (int d : s) {
            out.add(d);
        }
        return out;
    }
}
