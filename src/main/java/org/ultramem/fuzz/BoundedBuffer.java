package org.ultramem.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A byte sink that keeps the first {@code limit} and the last {@code limit} bytes written, so a
 * run that prints megabytes cannot fill the heap while its last line (the error) is kept.
 */
final class BoundedBuffer extends OutputStream {

    private final int limit;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private final byte[] tail;
    private long written;

    BoundedBuffer(int limit) {
        this.limit = limit;
        this.tail = new byte[limit];
    }

    @Override
    public synchronized void write(int b) {
        if (written < limit) {
            head.write(b);
        }
        tail[(int) (written % limit)] = (byte) b;
        written++;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            write(b[off + i]);
        }
    }

    /** Everything, or the head, a marker and the tail when more than 2 × limit was written. */
    @Override
    public synchronized String toString() {
        if (written <= limit) {
            return head.toString(StandardCharsets.UTF_8);
        }
        int n = (int) Math.min(limit, written - limit);
        byte[] last = new byte[n];
        for (int i = 0; i < n; i++) {
            last[i] = tail[(int) ((written - n + i) % limit)];
        }
        String gap = written > 2L * limit ? "\n[... " + (written - 2L * limit) + " bytes ...]\n" : "";
        return head.toString(StandardCharsets.UTF_8) + gap + new String(last, StandardCharsets.UTF_8);
    }
}
