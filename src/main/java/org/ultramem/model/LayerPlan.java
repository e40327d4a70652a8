package org.ultramem.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ultramem.io.ConfigException;

/**
 * Where the memory layers sit in the block stack (skip-layer placement, spec §C.2). Memory layer ℓ
 * with placement "i:j" reads block i's normalized FFN input {@code a_i = RMS_ff(h_i)} and its
 * output y_ℓ is held as pending until block j has finished, then added to the residual stream:
 * {@code x_{j+1} = h_j + FFN_j(a_j) + Σ_{ℓ: target j} y_ℓ}. Validation rules (each error names the
 * entry): "i:j" with non-negative integers, i ≤ j, both in [0, num_hidden_layers), no two layers
 * with the same placement, and no overlapping ranges [i, j] unless {@code memory_allow_overlap}
 * (then several outputs are pending at once).
 */
public final class LayerPlan {

    private static final int[] NONE = new int[0];

    // Only blocks that memory layers touch have an entry: a hostile num_hidden_layers (2^31 − 1)
    // must not size an array before the memory budget has seen the config.
    private final Map<Integer, int[]> readers;
    private final Map<Integer, int[]> writers;

    private LayerPlan(Map<Integer, int[]> readers, Map<Integer, int[]> writers) {
        this.readers = readers;
        this.writers = writers;
    }

    /** Validates {@code specs} for a model of {@code numLayers} blocks (ConfigException if not). */
    public static LayerPlan of(List<MemorySpec> specs, int numLayers, boolean allowOverlap) {
        int n = specs.size();
        int[][] ij = new int[n][];
        for (int l = 0; l < n; l++) {
            ij[l] = parse(specs.get(l));
            for (int b : ij[l]) {
                if (b >= numLayers) {
                    throw new ConfigException(entry(specs.get(l)) + " names block " + b
                            + ", outside [0, num_hidden_layers = " + numLayers + "); use blocks 0.."
                            + (numLayers - 1));
                }
            }
            for (int o = 0; o < l; o++) {
                if (ij[o][0] == ij[l][0] && ij[o][1] == ij[l][1]) {
                    throw new ConfigException(entry(specs.get(l)) + " duplicates "
                            + entry(specs.get(o)) + "; give each memory layer its own placement");
                }
                boolean overlap = ij[o][0] <= ij[l][1] && ij[l][0] <= ij[o][1];
                if (overlap && !allowOverlap) {
                    throw new ConfigException(entry(specs.get(l)) + " overlaps "
                            + entry(specs.get(o)) + " (block ranges [i, j] intersect); move one, or"
                            + " set \"memory_allow_overlap\": true to keep several outputs pending");
                }
            }
        }
        Map<Integer, int[]> readers = new HashMap<>();
        Map<Integer, int[]> writers = new HashMap<>();
        for (int l = 0; l < n; l++) { // ascending l: each block's list stays in index order
            readers.merge(ij[l][0], new int[] {l}, LayerPlan::concat);
            writers.merge(ij[l][1], new int[] {l}, LayerPlan::concat);
        }
        return new LayerPlan(readers, writers);
    }

    /** Memory layers (ascending) that read block {@code block}'s normalized FFN input. */
    public int[] readersOf(int block) {
        return readers.getOrDefault(block, NONE);
    }

    /** Memory layers (ascending) whose outputs are added after block {@code block}. */
    public int[] addedAfter(int block) {
        return writers.getOrDefault(block, NONE);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** [i, j] of a spec's placement; ConfigException naming the entry if malformed or i > j. */
    static int[] parse(MemorySpec s) {
        String p = s.placement();
        String[] parts = p == null ? new String[0] : p.split(":", -1);
        if (parts.length == 2 && parts[0].trim().matches("\\d{1,9}")
                && parts[1].trim().matches("\\d{1,9}")) {
            int i = Integer.parseInt(parts[0].trim());
            int j = Integer.parseInt(parts[1].trim());
            if (i > j) {
                throw new ConfigException(entry(s) + " reads block " + i + " after its output"
                        + " block " + j + "; placement needs i <= j, e.g. \"" + j + ":" + i + "\"");
            }
            return new int[] {i, j};
        }
        throw new ConfigException(entry(s) + " is malformed; write \"i:j\" with 0-based blocks,"
                + " e.g. \"1:2\"");
    }

    /** Expands the {@code memory_placement} shorthand "i:j/k:l" into its entries. */
    static List<String> splitShorthand(String shorthand) {
        List<String> out = new ArrayList<>();
        for (String part : shorthand.split("/", -1)) {
            if (part.isBlank()) {
                throw new ConfigException("config key `memory_placement` (\"" + shorthand
                        + "\") has an empty entry; write e.g. \"1:2/3:4\"");
            }
            out.add(part.trim());
        }
        return out;
    }

    private static String entry(MemorySpec s) {
        if (s.ultraMemV2() != null) { // one entry places several layers: name the range
            return "memory layer " + s.index() + " (ultramem_v2 layer " + s.ultraMemV2().layerId()
                    + ", mem_insert_way range \"" + s.placement() + "\")";
        }
        return "memory_layers[" + s.index() + "] (" + s.type() + ", placement \"" + s.placement()
                + "\")";
    }
}
