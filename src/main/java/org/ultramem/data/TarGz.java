package org.ultramem.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads regular files out of a gzip-compressed tar archive ({@code .tgz}), in pure Java.
 *
 * <p>Supports what {@code npm pack} and GNU/POSIX tar write: ustar headers with the name prefix,
 * PAX extended headers ({@code path=} records), GNU long names (type {@code L}), octal and
 * base-256 sizes. Each header's checksum is verified, so a damaged archive fails loudly.
 */
public final class TarGz {

    private static final int BLOCK = 512;

    private TarGz() {
    }

    /**
     * Regular files of {@code tgz} whose path satisfies {@code wanted}, path → bytes, by path.
     *
     * @throws DataException if the archive is not a valid {@code .tgz}
     */
    public static Map<String, byte[]> read(Path tgz, Predicate<String> wanted) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(
                Files.newInputStream(tgz), 1 << 16), 1 << 16)) {
            return readTar(in, wanted, tgz);
        } catch (ZipException | EOFException e) {
            throw new DataException("archive " + tgz + " is not a complete gzip file ("
                    + e.getMessage() + "); delete it and run the command again to fetch it anew");
        }
    }

    private static Map<String, byte[]> readTar(InputStream in, Predicate<String> wanted, Path tgz)
            throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        byte[] header = new byte[BLOCK];
        String longName = null;
        while (true) {
            if (!readBlock(in, header)) {
                return files; // end of stream without the two zero blocks: accept, as tar does
            }
            if (isZero(header)) {
                return files;
            }
            verifyChecksum(header, tgz);
            long size = parseNumber(header, 124, 12, tgz);
            byte type = header[156];
            String name = longName != null ? longName : ustarName(header);
            longName = null;
            if (type == 'L' || type == 'x') {
                byte[] body = readBody(in, size);
                String text = new String(body, StandardCharsets.UTF_8);
                longName = type == 'L' ? text.replace("\0", "") : paxPath(text);
            } else if ((type == '0' || type == 0) && wanted.test(name)) {
                files.put(name, readBody(in, size));
            } else {
                in.skipNBytes(padded(size));
            }
        }
    }

    private static String ustarName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a'
                && h[261] == 'r';
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** The {@code path} record of a PAX header ({@code "<len> path=<value>\n"}), or null. */
    private static String paxPath(String pax) {
        for (String record : pax.split("\n")) {
            int sp = record.indexOf(' ');
            if (sp > 0 && record.startsWith("path=", sp + 1)) {
                return record.substring(sp + 6);
            }
        }
        return null;
    }

    private static void verifyChecksum(byte[] h, Path tgz) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
        }
        long stored = parseNumber(h, 148, 8, tgz);
        if (sum != stored) {
            throw new DataException("archive " + tgz + " has a tar header with checksum " + stored
                    + " but its bytes sum to " + sum + "; the file is damaged: delete it and fetch"
                    + " it again");
        }
    }

    /** Octal (NUL/space padded) or GNU base-256 (high bit set) number. */
    private static long parseNumber(byte[] h, int off, int len, Path tgz) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7F;
            for (int i = 1; i < len; i++) {
                v = v << 8 | (h[off + i] & 0xFF);
            }
            return v;
        }
        long v = 0;
        for (int i = off; i < off + len; i++) {
            int c = h[i];
            if (c == 0 || c == ' ') {
                continue; // padding, before or after the digits
            }
            if (c < '0' || c > '7') {
                throw new DataException("archive " + tgz + " has a tar header with a non-octal"
                        + " number field; the file is damaged or not a tar archive");
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    private static String cString(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("tar stream ends inside a header");
        }
        return true;
    }

    private static byte[] readBody(InputStream in, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("tar entry of " + size + " bytes is too large to read into"
                    + " memory");
        }
        byte[] body = in.readNBytes((int) size);
        if (body.length < size) {
            throw new EOFException("tar stream ends inside an entry");
        }
        in.skipNBytes(padded(size) - size);
        return body;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
