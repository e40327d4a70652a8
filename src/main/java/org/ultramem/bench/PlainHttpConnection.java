package org.ultramem.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One kept-alive HTTP/1.1 connection on a blocking socket, for {@link LoadClient}: sends a JSON
 * POST and reads its response line by line (status line, headers, then the body decoded from
 * chunked transfer coding, a Content-Length or end-of-stream). A request-response on loopback
 * takes one write and the reads the server's writes need, on the calling (virtual) thread;
 * the JDK {@code HttpClient} it replaces hands every body chunk from its selector thread to a
 * worker pool and on to the reader (in the 2026-12-06 profile of {@code bench serve} at 64
 * clients its threads took 6 % of the process's CPU, beside a server measured on the same two
 * cores).
 */
final class PlainHttpConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] head;
    /** Body bytes left in the current chunk (chunked) or body (Content-Length); -1: to EOF. */
    private long left;
    private boolean chunked;
    private boolean bodyDone;
    private boolean keepAlive;
    /** True once a response came back on this connection (a next request reuses it). */
    private boolean used;
    private byte[] line = new byte[512];

    /** Connects to {@code uri}'s host and port and prepares POSTs of JSON to its path. */
    PlainHttpConnection(URI uri, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(timeoutMillis);
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), timeoutMillis);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = socket.getOutputStream();
        head = ("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":"
                + uri.getPort() + "\r\nContent-Type: application/json\r\nContent-Length: ")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** True when this connection already carried a whole response. */
    boolean reused() {
        return used;
    }

    /** True when the last response allows another request on this connection. */
    boolean reusable() {
        return keepAlive && bodyDone && !socket.isClosed();
    }

    /**
     * Sends a POST of {@code body} and reads the status line and headers; returns the status.
     * Throws {@link EOFException} when the connection ended before any byte of a response.
     */
    int post(byte[] body) throws IOException {
        try {
            out.write(head);
            out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            throw stale(e); // closed under the request (a broken pipe or a reset)
        }
        String status = readHeadLine(true);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.1 status line: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        keepAlive = parts[0].equals("HTTP/1.1");
        chunked = false;
        left = -1;
        for (String h; !(h = readHeadLine(false)).isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> left = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> keepAlive = !value.contains("close") && keepAlive;
                default -> { }
            }
        }
        if (chunked) {
            left = 0;
        } else if (left < 0) {
            keepAlive = false; // the body runs to the end of the stream
        }
        bodyDone = !chunked && left == 0;
        used = true;
        return code;
    }

    /** The body's next line without its line end, or null at the body's end. */
    String readBodyLine() throws IOException {
        int n = 0;
        while (true) {
            int b = bodyByte();
            if (b < 0) {
                return n == 0 ? null : text(n);
            }
            if (b == '\n') {
                return text(n > 0 && line[n - 1] == '\r' ? n - 1 : n);
            }
            if (n == line.length) {
                line = java.util.Arrays.copyOf(line, 2 * n);
            }
            line[n++] = (byte) b;
        }
    }

    /** Reads the rest of the body (so the connection can carry the next request). */
    void drain() throws IOException {
        while (bodyByte() >= 0) {
            // discard
        }
    }

    private String text(int n) {
        return new String(line, 0, n, StandardCharsets.UTF_8);
    }

    /** The body's next byte, or -1 at its end. */
    private int bodyByte() throws IOException {
        if (bodyDone) {
            return -1;
        }
        if (chunked && left == 0) {
            String size = readHeadLine(false);
            if (size.isEmpty()) {
                size = readHeadLine(false); // the CRLF that ended the previous chunk
            }
            int semi = size.indexOf(';');
            left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (left == 0) {
                while (!readHeadLine(false).isEmpty()) {
                    // trailers
                }
                bodyDone = true;
                return -1;
            }
        }
        int b = in.read();
        if (b < 0) {
            if (left > 0 || chunked) {
                throw new EOFException("connection closed inside the response body");
            }
            bodyDone = true;
            return -1;
        }
        if (left > 0) {
            left--;
            if (!chunked && left == 0) {
                bodyDone = true;
            }
        }
        return b;
    }

    /**
     * A status, header or chunk-size line (ASCII, CRLF or LF). With {@code first}, an end of
     * stream before any byte throws {@link EOFException}.
     */
    private String readHeadLine(boolean first) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (IOException e) {
                if (first && sb.isEmpty()) {
                    throw stale(e); // reset before any byte: as end-of-stream before any byte
                }
                throw e;
            }
            if (b < 0) {
                throw new EOFException(first && sb.isEmpty() ? LoadClient.STALE_CONNECTION
                        : "connection closed inside the response head");
            }
            if (b == '\n') {
                int end = sb.length();
                if (end > 0 && sb.charAt(end - 1) == '\r') {
                    sb.setLength(end - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    private static EOFException stale(IOException cause) {
        EOFException e = new EOFException(LoadClient.STALE_CONNECTION);
        e.initCause(cause);
        return e;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
