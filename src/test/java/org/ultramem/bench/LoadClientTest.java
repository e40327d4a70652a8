package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The load generator counts a connection that fails mid-stream as one failed request of kind
 * "I/O: ..." and goes on (it used to end the whole benchmark with "load client failed").
 */
class LoadClientTest {

    @Test
    void aStreamResetMidwayIsAFailedRequestOfKindIo() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread resetter = Thread.ofVirtual().start(() -> resetEveryStream(server));
            LoadClient client = new LoadClient(URI.create("http://127.0.0.1:"
                    + server.getLocalPort()), "{\"prompt\": \"a\", \"stream\": true}");
            LoadClient.Window w = client.run(1, 0.2);
            assertFalse(w.samples().isEmpty());
            for (LoadClient.Sample s : w.samples()) {
                assertEquals(599, s.status(), s.toString());
                assertTrue(s.error().startsWith("I/O: "), s.error());
            }
            assertEquals(0, w.outputTokens());
            server.close();
            resetter.join();
        }
    }

    /** Answers each request with SSE headers and one chunk, then resets the connection. */
    private static void resetEveryStream(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                byte[] buf = new byte[4096];
                s.getInputStream().read(buf); // the request (small: one read)
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        + "Connection: close\r\n\r\ndata: {\"choices\": [{\"text\": \"x\"}]}\n\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(20);
                s.setSoLinger(true, 0); // close with RST
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }
}
