package org.ultramem.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mutations of tensor values in the data section (the header stays valid): non-finite floats
 * ({@code values-nan-inf}) and out-of-range or repeated integers ({@code int-values-bad}; a
 * {@code shuffle_index} tensor gets its own kind, {@code shuffle-index-bad}, because a
 * permutation check belongs to the model-level validator).
 */
final class ValueEdits {

    private static final int[] F32_BITS = {0x7FC00000, 0x7F800000, 0xFF800000, 0x7F7FFFFF, 0x00000001};
    private static final long[] INTS = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, Long.MAX_VALUE,
        Long.MIN_VALUE, 1_000_000_000L};

    private ValueEdits() {
    }

    static Mutant apply(int index, String kind, byte[] original, int headerEnd, ObjectNode header,
                        List<String> names, SplittableRandom r) {
        boolean floats = kind.equals("values-nan-inf");
        List<String> pick = new ArrayList<>();
        for (String n : names) {
            JsonNode e = header.get(n);
            String dt = e.get("dtype").asText();
            long bytes = e.get("data_offsets").get(1).longValue() - e.get("data_offsets").get(0).longValue();
            boolean isFloat = dt.equals("F32") || dt.equals("BF16") || dt.equals("F16");
            boolean isInt = dt.equals("I32") || dt.equals("I64");
            if (bytes > 0 && (floats ? isFloat : isInt)) {
                pick.add(n);
            }
        }
        if (pick.isEmpty()) {
            return new Mutant(index, kind, "no " + (floats ? "float" : "integer")
                    + " tensor to edit; file unchanged", original.clone());
        }
        String t = pick.get(r.nextInt(pick.size()));
        JsonNode e = header.get(t);
        String dt = e.get("dtype").asText();
        int begin = headerEnd + (int) e.get("data_offsets").get(0).longValue();
        int end = headerEnd + (int) e.get("data_offsets").get(1).longValue();
        int width = dt.equals("I64") ? 8 : dt.equals("F32") || dt.equals("I32") ? 4 : 2;
        int count = (end - begin) / width;
        boolean all = r.nextInt(4) == 0;
        int at = r.nextInt(count);
        byte[] out = original.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        String what;
        if (floats) {
            int bits = F32_BITS[r.nextInt(F32_BITS.length)];
            for (int i = all ? 0 : at; i < (all ? count : at + 1); i++) {
                if (width == 4) {
                    b.putInt(begin + 4 * i, bits);
                } else {
                    b.putShort(begin + 2 * i, (short) (bits >>> 16));
                }
            }
            what = Float.toString(Float.intBitsToFloat(bits));
        } else if (r.nextInt(3) == 0 && count > 1) {
            // Repeat element 0 at another position: in range, but no longer a permutation.
            int j = 1 + r.nextInt(count - 1);
            System.arraycopy(out, begin, out, begin + width * j, width);
            what = "a copy of element 0 at " + j;
            at = j;
            all = false;
        } else {
            long v = INTS[r.nextInt(INTS.length)];
            for (int i = all ? 0 : at; i < (all ? count : at + 1); i++) {
                if (width == 8) {
                    b.putLong(begin + 8 * i, v);
                } else {
                    b.putInt(begin + 4 * i, (int) v);
                }
            }
            what = Long.toString(width == 8 ? v : (int) v);
        }
        String k = !floats && t.contains("shuffle_index") ? "shuffle-index-bad" : kind;
        return new Mutant(index, k, "tensor `" + t + "` " + (all ? "every element" : "element " + at)
                + " = " + what, out);
    }
}
