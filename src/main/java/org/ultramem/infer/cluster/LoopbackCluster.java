package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.WeightStore;

/**
 * Members embedded in this JVM on 127.0.0.1 with free ports and a cluster name of their own
 * (no other cluster can join), their table shards in a temporary directory deleted on close:
 * what {@code bench cluster} measures against. Closing terminates every member at once (no
 * migration between them) and removes the shards.
 */
public final class LoopbackCluster implements AutoCloseable {

    private final ClusterConfig cfg;
    private final List<HazelcastInstance> members = new ArrayList<>();
    private final Path shards;

    private LoopbackCluster(ClusterConfig cfg, Path shards) {
        this.cfg = cfg;
        this.shards = shards;
    }

    /**
     * Starts {@code n} members one after another (each joins the first), {@code blockKb} KB per
     * block, one synchronous backup, 2 s owner timeout.
     */
    public static LoopbackCluster start(int n, int blockKb) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            addresses.add("127.0.0.1:" + freePort());
        }
        ClusterConfig cfg = new ClusterConfig("ultramem-bench-" + System.nanoTime(), addresses,
                blockKb, 1, false, 2000);
        LoopbackCluster c = new LoopbackCluster(cfg,
                Files.createTempDirectory("ultramem-cluster-shards"));
        try {
            for (int i = 0; i < n; i++) {
                c.members.add(ClusterNodes.startMember(cfg, cfg.port(i)));
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The cluster's settings, reading sums ({@code read: sums}) or rows ({@code read: rows}). */
    public ClusterConfig config(boolean readRows) {
        return new ClusterConfig(cfg.clusterName(), cfg.members(), cfg.blockKb(),
                cfg.backupCount(), readRows, cfg.timeoutMs());
    }

    /** Members started (running or not). */
    public int size() {
        return members.size();
    }

    /** Writes tensor {@code name} of {@code store} as a shard and loads it on the members. */
    public TableShards.Table load(WeightStore store, String name) {
        int[] shape = TableShards.write(store, name, shards);
        return TableShards.load(members.get(0), cfg, name, TableShards.shardFile(shards, name),
                shape[0], shape[1]);
    }

    /** Loads every value table the decoders of {@code arch} read, as `cluster load` does. */
    public List<TableShards.Table> loadModel(WeightStore store, DecodeArchitecture arch) {
        List<TableShards.Table> loaded = new ArrayList<>();
        for (String name : TableShards.tableNames(arch)) {
            loaded.add(load(store, name));
        }
        return loaded;
    }

    /** Ends member {@code i} as a crash would: no goodbye, its partitions left to the others. */
    public void terminate(int i) {
        members.get(i).getLifecycleService().terminate();
    }

    /** Members the first still-running member sees, or 0 when none runs. */
    public int liveMembers() {
        for (HazelcastInstance m : members) {
            if (m.getLifecycleService().isRunning()) {
                return m.getCluster().getMembers().size();
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        // the members go together: no need to migrate, nor to log each one's departure
        java.util.logging.Logger.getLogger("com.hazelcast")
                .setLevel(java.util.logging.Level.SEVERE);
        for (HazelcastInstance m : members) {
            if (m.getLifecycleService().isRunning()) {
                m.getLifecycleService().terminate();
            }
        }
        try (var files = Files.list(shards)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(shards);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
