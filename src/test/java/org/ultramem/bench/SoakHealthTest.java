package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The soak's health checks share one client: five checks arrive over one kept-alive connection
 * (a client per check opened one each), and a server that stopped answering is unhealthy.
 */
class SoakHealthTest {

    @Test
    void checksReuseOneConnection() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> serveHealth(server, connections));
            try (SoakHealth health = new SoakHealth(URI.create("http://127.0.0.1:"
                    + server.getLocalPort()))) {
                for (int i = 0; i < 5; i++) {
                    assertTrue(health.healthy(), "check " + i);
                }
            }
        }
        assertEquals(1, connections.get());
    }

    @Test
    void aClosedServerIsUnhealthy() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (SoakHealth health = new SoakHealth(URI.create("http://127.0.0.1:" + port))) {
            assertFalse(health.healthy());
        }
    }

    /** Accepts connections (counting them) and answers every GET on each with status ok. */
    private static void serveHealth(ServerSocket server, AtomicInteger connections) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> answerAll(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answerAll(Socket s) {
        byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.US_ASCII))) {
            OutputStream out = s.getOutputStream();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty()) { // end of a GET's headers: answer, keep the connection
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the client closed
        }
    }
}
