package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The load client's connection decodes a chunked body whose chunks split lines (and a UTF-8
 * character), carries the next request on the same kept-alive connection, reads a
 * Content-Length body, and reports a connection closed before any byte as
 * {@link LoadClient#STALE_CONNECTION}.
 */
class PlainHttpConnectionTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n"
            + "7\r\ndata: a\r\n" + "5\r\nb\n\nda\r\n" + "10\r\nta: \u00e9\n\ndata: [DO\r\n"
            + "5\r\nNE]\n\n\r\n" + "0\r\n\r\n";

    @Test
    void chunkedBodiesOnOneKeptAliveConnection() throws Exception {
        // "é" is 2 bytes: the third chunk's size counts bytes.
        String response = CHUNKED.replace("10\r\n", Integer.toHexString(
                "ta: \u00e9\n\ndata: [DO".getBytes(StandardCharsets.UTF_8).length) + "\r\n");
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answer(server, connections, response, 2));
            URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/completions");
            try (PlainHttpConnection c = new PlainHttpConnection(uri, 10_000)) {
                for (int request = 0; request < 2; request++) {
                    assertEquals(request > 0, c.reused());
                    assertEquals(200, c.post("{}".getBytes(StandardCharsets.UTF_8)));
                    assertEquals("data: ab", c.readBodyLine());
                    assertEquals("", c.readBodyLine());
                    assertEquals("data: \u00e9", c.readBodyLine());
                    assertEquals("", c.readBodyLine());
                    assertEquals("data: [DONE]", c.readBodyLine());
                    assertEquals("", c.readBodyLine());
                    assertNull(c.readBodyLine());
                    assertTrue(c.reusable());
                }
            }
        }
        assertEquals(1, connections.get());
    }

    @Test
    void aContentLengthBodyAndAClosedConnection() throws Exception {
        String response = "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 5\r\n"
                + "Connection: close\r\n\r\nfull\n";
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answer(server, new AtomicInteger(), response, 1));
            URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/x");
            try (PlainHttpConnection c = new PlainHttpConnection(uri, 10_000)) {
                assertEquals(429, c.post(new byte[0]));
                assertEquals("full", c.readBodyLine());
                assertNull(c.readBodyLine());
                assertFalse(c.reusable());
                EOFException e = assertThrows(EOFException.class, () -> c.post(new byte[0]));
                assertEquals(LoadClient.STALE_CONNECTION, e.getMessage());
            }
        }
    }

    /** Accepts one connection and answers {@code requests} requests on it with {@code response}. */
    private static void answer(ServerSocket server, AtomicInteger connections, String response,
                               int requests) {
        try (Socket s = server.accept()) {
            connections.incrementAndGet();
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < requests; i++) {
                LoadClientTest.readRequest(in);
                out.write(response.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            // stays open until the client reads (and, for the second test, writes) again
            in.read();
        } catch (IOException e) {
            // the client went away
        }
    }
}
