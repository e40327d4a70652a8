package org.ultramem.nn.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MoeConfigTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Test
    void readsOlmoeDefaultsAndRoundTrips() {
        MoeConfig c = MoeConfig.fromJson(json(
                "{'moe_num_experts': 8, 'moe_intermediate_size': 96, 'hidden_size': 64}"));
        assertEquals(new MoeConfig(8, 2, 96, 0.01, 0.001, false, null), c);
        assertTrue(c.appliesTo(0) && c.appliesTo(17));
        assertEquals(c, MoeConfig.fromJson(c.toJson()));
        assertEquals("all", c.toJson().get("moe_layers").asText());

        MoeConfig some = MoeConfig.fromJson(json("{'moe_num_experts': 4, 'moe_intermediate_size': 8, "
                + "'moe_top_k': 1, 'moe_layers': [3, 1], 'moe_normalize_topk': true}"));
        assertEquals(List.of(1, 3), some.layers());
        assertTrue(some.appliesTo(3));
        assertFalse(some.appliesTo(2));
        assertEquals(some, MoeConfig.fromJson(some.toJson()));
        some.checkLayers(4);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "moe_num_experts       | {'moe_intermediate_size': 8}",
        "moe_num_experts       | {'moe_num_experts': 0, 'moe_intermediate_size': 8}",
        "moe_intermediate_size | {'moe_num_experts': 4}",
        "moe_top_k             | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_top_k': 5}",
        "moe_top_k             | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_top_k': 0}",
        "moe_aux_loss_coef     | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_aux_loss_coef': -1}",
        "moe_z_loss_coef       | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_z_loss_coef': 'x'}",
        "moe_normalize_topk    | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_normalize_topk': 1}",
        "moe_layers            | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_layers': [1, 1]}",
        "moe_layers            | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_layers': 'some'}",
        "moe_layers            | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_layers': [-1]}",
        "moe_layers            | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_layers': []}",
        "moe_experts           | {'moe_num_experts': 4, 'moe_intermediate_size': 8, 'moe_experts': 2}",
    })
    void rejectsBadValuesNamingTheKey(String key, String body) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MoeConfig.fromJson(json(body)));
        assertTrue(e.getMessage().contains("`" + key + "`"), e.getMessage());
    }

    @Test
    void parameterCountMatchesTheLayer() {
        MoeConfig c = new MoeConfig(5, 2, 7, 0.01, 0.001, false, null);
        long actual = new MoeLayer(c, 6, 2, 1).parameters().stream().mapToLong(p -> p.numel()).sum();
        assertEquals(actual, c.parameterCount(6));
        assertEquals(5 * 6 + 2 * 3 * 6 * 7, c.activeParameterCount(6));
        assertEquals(2.0 * (5 * 6 + 2 * 3 * 6 * 7), c.flopsPerToken(6));
    }

    @Test
    void rejectsLayersBeyondTheModel() {
        MoeConfig c = new MoeConfig(4, 2, 8, 0.01, 0.001, false, List.of(0, 6));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.checkLayers(6));
        assertTrue(e.getMessage().contains("`moe_layers`"), e.getMessage());
    }
}
