package org.ultramem.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Edits of a written safetensors file for loader tests: its header JSON rewritten (the length
 * field follows) or one integer element patched in place, making the damaged or hostile files a
 * writer would never produce.
 */
public final class SafeTensorsEdits {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsEdits() {
    }

    /** Rewrites the header of {@code file} with {@code edit}; the data section is kept. */
    public static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int end = 8 + (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(all, 8, end));
        edit.accept(header);
        byte[] json = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + all.length - end)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(all, end, all.length - end);
        Files.write(file, out.array());
    }

    /** Overwrites element {@code i} of I64 tensor {@code tensor} with {@code value}. */
    public static void patchI64(Path file, String tensor, int i, long value) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int end = 8 + (int) b.getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(all, 8, end));
        long begin = header.get(tensor).get("data_offsets").get(0).longValue();
        b.putLong(end + (int) begin + 8 * i, value);
        Files.write(file, all);
    }
}
