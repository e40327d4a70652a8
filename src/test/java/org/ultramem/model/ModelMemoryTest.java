package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ultramem.io.MemoryBudgetException;

/**
 * {@link ModelMemory}'s estimate against the real allocation (every primitive array reachable
 * from a built Transformer, found by reflection), and the refusals of sizes that fit the config
 * schema but not the heap: the campaign's batch_size 1e5, hidden_size 65536 and
 * num_hidden_layers 1e6, which used to end in OutOfMemoryError.
 */
class ModelMemoryTest {

    @Test
    void estimateCoversWhatTheTransformerAllocates() {
        for (ModelConfig cfg : new ModelConfig[] {ModelConfig.of(300, 32, 3, 4, 48, 64),
                TinySparse.config(), TinyV2.config()}) {
            for (int[] bs : new int[][] {{1, 4}, {8, 16}}) {
                long real = primitiveBytes(new Transformer(cfg, bs[0], bs[1], 1));
                long estimate = ModelMemory.transformerBytes(cfg, bs[0], bs[1]);
                assertTrue(estimate >= real && estimate <= 1.3 * real,
                        "estimate " + estimate + " vs allocated " + real + " for batch " + bs[0]
                                + " × seq " + bs[1]);
            }
        }
    }

    @Test
    void refusesBatchThatDoesNotFitTheHeap() {
        ModelConfig cfg = ModelConfig.of(300, 16, 2, 2, 32, 32);
        String m = assertThrows(MemoryBudgetException.class,
                () -> new Transformer(cfg, 100_000, 32, 0)).getMessage();
        assertTrue(m.contains("batch 100000 × seq 32") && m.contains("of Java heap but")
                && m.contains("ULTRAMEM_JAVA_OPTS=-Xmx") && m.contains("batch size"), m);
    }

    @Test
    void refusesArraysBeyondWhatJavaHolds() {
        ModelConfig wide = ModelConfig.of(300, 65536, 2, 2, 32, 32);
        String m = assertThrows(MemoryBudgetException.class,
                () -> new Transformer(wide, 1, 4, 0)).getMessage();
        assertTrue(m.contains("attention projection") && m.contains("4,294,967,296 elements"), m);
    }

    @Test
    void refusesAMillionLayersBeforeAllocatingAny() {
        ModelConfig deep = ModelConfig.of(300, 16, 1_000_000, 2, 32, 32);
        String m = assertThrows(MemoryBudgetException.class,
                () -> new Transformer(deep, 2, 16, 0)).getMessage();
        assertTrue(m.contains("of Java heap but"), m);
    }

    @Test
    void countsThatOverflowALongAreRefusedNotWrapped() {
        ModelConfig absurd = ModelConfig.of(32, 1 << 15, Integer.MAX_VALUE, 2, 32, 32);
        String m = assertThrows(MemoryBudgetException.class,
                () -> ModelMemory.transformerBytes(absurd, 1, 1)).getMessage();
        assertTrue(m.contains("2^63"), m);
        assertThrows(IllegalArgumentException.class, () -> ModelCost.of(absurd));
    }

    /** Bytes of every primitive array reachable from {@code root} through its fields. */
    static long primitiveBytes(Object root) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> todo = new ArrayDeque<>();
        todo.push(root);
        long bytes = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!seen.add(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            if (c.isArray()) {
                Class<?> e = c.getComponentType();
                int n = Array.getLength(o);
                if (e.isPrimitive()) {
                    bytes += (long) n * primitiveSize(e);
                } else {
                    for (int i = 0; i < n; i++) {
                        Object x = Array.get(o, i);
                        if (x != null) {
                            todo.push(x);
                        }
                    }
                }
                continue;
            }
            if (!c.getName().startsWith("org.ultramem.") && !(o instanceof Iterable<?>)
                    && !(o instanceof java.util.Map<?, ?>)) {
                continue;
            }
            if (o instanceof Iterable<?> it) {
                it.forEach(x -> {
                    if (x != null) {
                        todo.push(x);
                    }
                });
            }
            if (o instanceof java.util.Map<?, ?> map) {
                todo.addAll(map.values().stream().filter(v -> v != null).toList());
            }
            for (Class<?> k = c; k != null && k.getName().startsWith("org.ultramem."); k =
                    k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    try {
                        f.setAccessible(true);
                        Object x = f.get(o);
                        if (x != null) {
                            todo.push(x);
                        }
                    } catch (ReflectiveOperationException | RuntimeException ex) {
                        // a JDK-internal field: not ours to count
                    }
                }
            }
        }
        return bytes;
    }

    private static int primitiveSize(Class<?> c) {
        if (c == long.class || c == double.class) {
            return 8;
        }
        if (c == int.class || c == float.class) {
            return 4;
        }
        return c == short.class || c == char.class ? 2 : 1;
    }
}
