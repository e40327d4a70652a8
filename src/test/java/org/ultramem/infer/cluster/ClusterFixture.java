package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Members of a test cluster embedded in the test JVM, on 127.0.0.1 only, with free ports and a
 * cluster name of their own (no other test's cluster can join).
 */
final class ClusterFixture implements AutoCloseable {

    final ClusterConfig cfg;
    final List<HazelcastInstance> members = new ArrayList<>();

    private ClusterFixture(ClusterConfig cfg) {
        this.cfg = cfg;
    }

    /** Starts {@code n} members, one after another (each joins the first). */
    static ClusterFixture start(int n, int blockKb, boolean readRows) {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            addresses.add("127.0.0.1:" + freePort());
        }
        ClusterFixture f = new ClusterFixture(new ClusterConfig("ultramem-test-"
                + System.nanoTime(), addresses, blockKb, 1, readRows, 2000));
        for (int i = 0; i < n; i++) {
            f.members.add(ClusterNodes.startMember(f.cfg, f.cfg.port(i)));
        }
        return f;
    }

    /** The same members read as rows ({@code read: rows}) or as sums. */
    ClusterConfig withReadRows(boolean readRows) {
        return new ClusterConfig(cfg.clusterName(), cfg.members(), cfg.blockKb(),
                cfg.backupCount(), readRows, cfg.timeoutMs());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (HazelcastInstance m : members) {
            if (m.getLifecycleService().isRunning()) {
                m.getLifecycleService().terminate();
            }
        }
    }
}
