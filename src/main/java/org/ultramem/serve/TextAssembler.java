package org.ultramem.serve;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns one request's generated token bytes into text deltas safe to send: a UTF-8 character
 * split across tokens waits for its last byte, and text that could be the start of a stop
 * sequence is held back until it is known not to be one. When a stop sequence appears, the text
 * ends just before it (the stop sequence is never sent, as in OpenAI's API).
 */
final class TextAssembler {

    private final List<String> stops;
    private final ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
    private final StringBuilder text = new StringBuilder();
    private int sent;
    private boolean stopped;

    TextAssembler(List<String> stops) {
        this.stops = stops;
    }

    /** Appends one token's bytes; returns the text now safe to send (possibly empty). */
    String append(byte[] tokenBytes) {
        if (stopped) {
            return "";
        }
        pendingBytes.writeBytes(tokenBytes);
        byte[] b = pendingBytes.toByteArray();
        int complete = completePrefix(b);
        text.append(new String(b, 0, complete, StandardCharsets.UTF_8));
        pendingBytes.reset();
        pendingBytes.write(b, complete, b.length - complete);
        int stopAt = firstStop();
        if (stopAt >= 0) {
            stopped = true;
            text.setLength(stopAt);
            return drain(stopAt);
        }
        return drain(text.length() - heldBack());
    }

    /** True once a stop sequence has appeared. */
    boolean stopped() {
        return stopped;
    }

    /** Everything not yet sent (held-back text, an incomplete character as U+FFFD), at the end. */
    String flush() {
        if (!stopped && pendingBytes.size() > 0) {
            text.append(pendingBytes.toString(StandardCharsets.UTF_8));
            pendingBytes.reset();
        }
        return drain(text.length());
    }

    /** The whole text so far (sent or not). */
    String text() {
        return text.toString();
    }

    private String drain(int upTo) {
        if (upTo <= sent) {
            return "";
        }
        String delta = text.substring(sent, upTo);
        sent = upTo;
        return delta;
    }

    /** Earliest start of a stop sequence in the text not yet sent (or overlapping it), or -1. */
    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int at = text.indexOf(s, Math.max(0, sent - s.length() + 1));
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** Length of the longest end of the text that begins some stop sequence. */
    private int heldBack() {
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length() - sent); len > hold; len--) {
                if (text.substring(text.length() - len).equals(s.substring(0, len))) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }

    /**
     * Bytes of {@code b} that form whole UTF-8 sequences: a trailing lead byte whose sequence is
     * not complete yet (and its continuation bytes) waits; anything invalid decodes to U+FFFD.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for its lead
            }
            int need = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
