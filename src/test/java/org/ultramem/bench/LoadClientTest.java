package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The load generator counts a connection that fails mid-stream as one failed request of kind
 * "I/O: ..." and goes on (it used to end the whole benchmark with "load client failed"); a
 * kept-alive connection the server closed as the next request went out (no byte back) is retried
 * once and counted apart, while a server that never answers still fails every request (the
 * retry too).
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

    @Test
    void aKeptAliveConnectionClosedUnderTheNextRequestIsRetriedAndCounted() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicBoolean dropped = new AtomicBoolean();
            // One reused connection (whichever comes first) is closed under its request.
            Thread.ofVirtual().start(() -> acceptEach(server,
                    i -> i > 0 && dropped.compareAndSet(false, true), null));
            LoadClient client = new LoadClient(URI.create("http://127.0.0.1:"
                    + server.getLocalPort()), "{\"prompt\": \"a\", \"stream\": true}");
            List<LoadClient.Sample> samples = new ArrayList<>();
            // Windows until a pooled connection was reused (the JDK client opens a new one when
            // the last response's connection is not back in its pool yet).
            for (int i = 0; i < 50 && (samples.size() < 3
                    || client.staleConnectionRetries() == 0); i++) {
                samples.addAll(client.run(1, 0.1).samples());
            }
            for (LoadClient.Sample s : samples) {
                assertEquals(200, s.status(), s.toString());
                assertEquals(1, s.outputTokens());
            }
            assertEquals(1, client.staleConnectionRetries());
        }
    }

    @Test
    void aServerThatNeverAnswersStillFailsEveryRequest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> acceptEach(server, i -> true, null));
            LoadClient client = new LoadClient(URI.create("http://127.0.0.1:"
                    + server.getLocalPort()), "{\"prompt\": \"a\", \"stream\": true}");
            LoadClient.Window w = client.run(1, 0.2);
            assertFalse(w.samples().isEmpty());
            for (LoadClient.Sample s : w.samples()) {
                assertEquals(599, s.status(), s.toString());
                assertTrue(s.error().contains(LoadClient.STALE_CONNECTION), s.error());
            }
            assertEquals(w.samples().size(), client.staleConnectionRetries());
        }
    }

    @Test
    void requestsTakeTheBodiesInTurn() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread.ofVirtual().start(() -> acceptEach(server, i -> false, seen));
            List<String> bodies = List.of("{\"prompt\": \"a\"}", "{\"prompt\": \"b\"}",
                    "{\"prompt\": \"c\"}");
            LoadClient client = new LoadClient(URI.create("http://127.0.0.1:"
                    + server.getLocalPort()), bodies);
            client.run(1, 0.2);
            assertTrue(seen.size() >= 4, seen.toString());
            for (int i = 0; i < seen.size(); i++) {
                assertEquals(bodies.get(i % 3), seen.get(i), seen.toString());
            }
        }
    }

    /**
     * Accepts connections and answers each request with a complete stream (kept alive), except
     * the requests whose index on their connection {@code drop} accepts: those are read and the
     * connection closed without a byte. Each request body goes in {@code seen} (when not null).
     */
    private static void acceptEach(ServerSocket server, IntPredicate drop, List<String> seen) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> answerUnlessDropped(s, drop, seen));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answerUnlessDropped(Socket s, IntPredicate drop, List<String> seen) {
        byte[] stream = ("data: {\"choices\": [{\"text\": \"x\"}]}\n\n"
                + "data: {\"choices\": [], \"usage\": {\"completion_tokens\": 1}}\n\n"
                + "data: [DONE]\n\n").getBytes(StandardCharsets.US_ASCII);
        try (s) {
            InputStream in = s.getInputStream();
            for (int i = 0; ; i++) {
                byte[] body = readRequest(in);
                if (seen != null) {
                    seen.add(new String(body, StandardCharsets.UTF_8));
                }
                if (drop.test(i)) {
                    return; // the request went out on a connection closed under it
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        + "Content-Length: " + stream.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(stream);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Reads one request: headers up to the blank line, then Content-Length bytes of body. */
    static byte[] readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.append((char) b);
        }
        Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        return in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
    }
}
