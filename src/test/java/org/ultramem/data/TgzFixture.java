package org.ultramem.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes small ustar {@code .tgz} files for tests (long paths use a PAX header, as npm does). */
final class TgzFixture {

    private TgzFixture() {
    }

    static Path write(Path file, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            String name = e.getKey();
            if (name.getBytes(StandardCharsets.UTF_8).length > 100) {
                String rec = " path=" + name + "\n";
                int len = rec.length() + 2;
                len = (String.valueOf(len) + rec).length();
                byte[] pax = (len + rec).getBytes(StandardCharsets.UTF_8);
                entry(tar, "PaxHeader", pax, (byte) 'x');
                name = name.substring(name.length() - 90);
            }
            entry(tar, name, e.getValue(), (byte) '0');
        }
        tar.write(new byte[1024]);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(tar.toByteArray());
        }
        return file;
    }

    private static void entry(ByteArrayOutputStream tar, String name, byte[] body, byte type)
            throws IOException {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", body.length));
        put(h, 136, String.format("%011o", 0));
        h[156] = type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        tar.write(h);
        tar.write(body);
        tar.write(new byte[(512 - body.length % 512) % 512]);
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
