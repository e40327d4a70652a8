package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PkmConfigTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Test
    void readsDefaultsAndRoundTrips() {
        PkmConfig c = PkmConfig.fromJson(json("{'mem_type': 'pkm', 'placement': '2:5', 'hidden_size': 64}"));
        assertEquals(new PkmConfig(4, 512, 512, 32, true, 1e-3, "2:5"), c);
        assertEquals(2, c.sourceBlock());
        assertEquals(5, c.targetBlock());
        assertEquals(c, PkmConfig.fromJson(c.toJson()));
        PkmConfig custom = new PkmConfig(2, 16, 8, 4, false, 5e-3, null);
        assertEquals(custom, PkmConfig.fromJson(custom.toJson()));
        assertNull(PkmConfig.fromJson(json("{}")).placement());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "pkm_heads    | {'pkm_heads': 0}",
        "pkm_knum     | {'pkm_knum': -3}",
        "pkm_kdim     | {'pkm_kdim': 7}",
        "pkm_topk     | {'pkm_knum': 8, 'pkm_topk': 9}",
        "pkm_topk     | {'pkm_topk': 2.5}",
        "pkm_value_lr | {'pkm_value_lr': 0}",
        "pkm_query_batchnorm | {'pkm_query_batchnorm': 'yes'}",
        "placement    | {'placement': '5:2'}",
        "placement    | {'placement': 'two:five'}",
        "placement    | {'placement': 3}",
        "mem_type     | {'mem_type': 'ultramem'}",
        "pkm_knums    | {'pkm_knums': 8}",
    })
    void rejectsBadValuesNamingTheKey(String key, String body) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PkmConfig.fromJson(json(body)));
        assertTrue(e.getMessage().contains("`" + key + "`"), e.getMessage());
    }

    @Test
    void rejectsValueTablesLargerThanOneArray() {
        PkmConfig big = new PkmConfig(1, 4096, 8, 4, false, 1e-3, "0:0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ProductKeyMemory(big, 256, 4, 1));
        assertTrue(e.getMessage().contains("`pkm_knum`"), e.getMessage());
    }

    @Test
    void parameterCountMatchesTheLayer() {
        for (boolean bn : new boolean[] {true, false}) {
            PkmConfig c = new PkmConfig(3, 7, 6, 4, bn, 1e-3, "0:0");
            long actual = new ProductKeyMemory(c, 10, 2, 1).parameters().stream().mapToLong(p -> p.numel()).sum();
            assertEquals(actual, c.parameterCount(10));
            assertEquals(actual - 49 * 10 + 3 * 4 * 10, c.activeParameterCount(10));
        }
        // PKM paper setting at D = 1024: H 4, n 512, Dq 512, k 32.
        assertEquals(2.0 * 1024 * 2048 + 2.0 * 4 * 512 * 512 + 4 * 32 * 32 + 2.0 * 4 * 32 * 1024,
                new PkmConfig(4, 512, 512, 32, true, 1e-3, null).flopsPerToken(1024));
    }

    @Test
    void unsetPlacementIsReportedWhenAsked() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PkmConfig(1, 4, 4, 2, true, 1e-3, null).sourceBlock());
        assertTrue(e.getMessage().contains("`placement`"), e.getMessage());
    }
}
