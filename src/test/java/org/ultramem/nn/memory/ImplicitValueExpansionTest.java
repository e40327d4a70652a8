package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.tensor.kernel.KernelProvider;

class ImplicitValueExpansionTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 9, 16})
    void everyPhysicalRowAppearsOnceInEachVirtualBlock(int e) {
        UltraMemConfig cfg = UltraMemConfig.of(5, 4, 4, 3).withShape(1, 2, 2, e);
        ImplicitValueExpansion ive = new ImplicitValueExpansion(cfg, 42, KernelProvider.get());
        int valueNum = cfg.valueNum();
        int cells = cfg.keysPerSide() * cfg.keysPerSide();
        assertEquals(e * valueNum, cells);
        int[][] seen = new int[e][valueNum];
        for (int z = 0; z < cells; z++) {
            seen[ive.group(z)][ive.row(z)]++;
        }
        for (int p = 0; p < e; p++) {
            for (int row = 0; row < valueNum; row++) {
                assertEquals(1, seen[p][row], "block " + p + " row " + row);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4})
    void rejectsShuffleThatIsNotAPermutation(int e) {
        UltraMemConfig cfg = UltraMemConfig.of(3, 4, 4, 3).withShape(1, 2, 2, e);
        ImplicitValueExpansion ive = new ImplicitValueExpansion(cfg, 1, KernelProvider.get());
        int[] pi = ive.shuffle().clone();
        pi[3] = pi[4];
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> ive.setShuffle(pi));
        assertTrue(ex.getMessage().contains("permutation"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ive.setShuffle(new int[5]));
    }
}
