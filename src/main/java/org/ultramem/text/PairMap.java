package org.ultramem.text;

/**
 * Open-addressing hash map from a token pair to an int, without boxing. A pair {@code (a, b)} of
 * non-negative ids is the key {@code a << 32 | b}, so comparing keys as longs compares pairs
 * lexicographically. Absent keys read as {@code -1}; values stored must be ≥ 0 except through
 * {@link #add}, which may bring a count to 0 (the key then stays, with value 0).
 */
final class PairMap {

    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] values;
    private int size;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
        java.util.Arrays.fill(keys, EMPTY);
    }

    static long key(int a, int b) {
        return (long) a << 32 | (b & 0xFFFFFFFFL);
    }

    static int left(long key) {
        return (int) (key >>> 32);
    }

    static int right(long key) {
        return (int) key;
    }

    int size() {
        return size;
    }

    /** Value for {@code key}, or -1 when absent. */
    int get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return -1;
            }
        }
    }

    /** Sets {@code key} to {@code value} (≥ 0) if absent; returns the value now stored. */
    int putIfAbsent(long key, int value) {
        int i = find(key);
        if (keys[i] == key) {
            return values[i];
        }
        insertAt(i, key, value);
        return value;
    }

    void put(long key, int value) {
        int i = find(key);
        if (keys[i] == key) {
            values[i] = value;
        } else {
            insertAt(i, key, value);
        }
    }

    /** Adds {@code delta} to the value of {@code key} (absent counts as 0); returns the sum. */
    int add(long key, int delta) {
        int i = find(key);
        if (keys[i] == key) {
            values[i] += delta;
            return values[i];
        }
        insertAt(i, key, delta);
        return delta;
    }

    private int find(long key) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != key && keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void insertAt(int i, long key, int value) {
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        java.util.Arrays.fill(keys, EMPTY);
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = slot(oldKeys[j], mask);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 33) & mask;
    }
}
