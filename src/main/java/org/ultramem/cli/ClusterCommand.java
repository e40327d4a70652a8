package org.ultramem.cli;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.WeightStore;
import org.ultramem.infer.cluster.ClusterConfig;
import org.ultramem.infer.cluster.ClusterNodes;
import org.ultramem.infer.cluster.ClusterStatus;
import org.ultramem.infer.cluster.TableShards;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem cluster}: value tables on a Hazelcast cluster (docs/cluster.md). {@code member}
 * starts a member, {@code load} writes a model's table shards and loads them, {@code status}
 * lists what each member holds. Decoding over the cluster is {@code generate --cluster} and
 * {@code eval --facts --cluster}.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Value tables on a Hazelcast cluster: member, load, status.",
        subcommands = {ClusterCommand.Member.class, ClusterCommand.Load.class,
            ClusterCommand.Status.class})
public final class ClusterCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a subcommand: member, load or status");
    }

    /** Starts one member and keeps it up until the process is stopped. */
    @Command(name = "member", mixinStandardHelpOptions = true,
            description = "Start a member (binds only its configured host); runs until stopped.")
    static final class Member implements Callable<Integer> {

        @Option(names = "--config", required = true,
                description = "The cluster file (CLUSTER.yaml).")
        Path config;

        @Option(names = "--port", description = "This member's port, one of the file's `members`"
                + " (default: the first whose address is free here).")
        Integer port;

        @Override
        public Integer call() throws Exception {
            ClusterConfig cfg = ClusterConfig.load(config);
            int p = port != null ? port : firstFreePort(cfg);
            HazelcastInstance hz = ClusterNodes.startMember(cfg, p);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                hz.shutdown();
                stopped.countDown();
            }));
            System.out.printf(Locale.ROOT, "member %s of cluster `%s` up (%d members); stop it"
                            + " with Ctrl-C%n", hz.getCluster().getLocalMember().getAddress(),
                    cfg.clusterName(), hz.getCluster().getMembers().size());
            System.out.flush();
            stopped.await();
            return 0;
        }

        private static int firstFreePort(ClusterConfig cfg) {
            for (int i = 0; i < cfg.members().size(); i++) {
                try (ServerSocket s = new ServerSocket(cfg.port(i), 1,
                        InetAddress.getByName(cfg.host(i)))) {
                    return cfg.port(i);
                } catch (IOException busyOrForeign) {
                    // taken by a running member, or not an address of this machine
                }
            }
            throw new IllegalArgumentException("every address in `members` " + cfg.members()
                    + " is taken or not on this machine; pass --port or add a member");
        }
    }

    /** Writes a model's table shards and loads them into the running members. */
    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Write the model's value-table shards and load them into the cluster.")
    static final class Load implements Callable<Integer> {

        @Option(names = "--model", required = true, description = "Checkpoint directory.")
        Path model;

        @Option(names = "--config", required = true,
                description = "The cluster file (CLUSTER.yaml).")
        Path config;

        @Option(names = "--shards", description = "Where to write the shards, readable by every"
                + " member (default: MODEL/cluster-shards).")
        Path shards;

        @Override
        public Integer call() throws Exception {
            ClusterConfig cfg = ClusterConfig.load(config);
            Path dir = shards != null ? shards : model.resolve("cluster-shards");
            DecodeArchitecture arch = DecodeArchitecture.load(model.resolve("config.json"));
            if (TableShards.tableNames(arch).isEmpty()) {
                throw new IllegalArgumentException(model + " has no memory layers: nothing to"
                        + " put on a cluster");
            }
            try (WeightStore store = WeightStore.mapped(model.resolve("model.safetensors"))) {
                HazelcastInstance hz = ClusterNodes.connect(cfg);
                try {
                    for (String name : TableShards.tableNames(arch)) {
                        long t0 = System.nanoTime();
                        int[] shape = TableShards.write(store, name, dir);
                        TableShards.Table t = TableShards.load(hz, cfg, name,
                                TableShards.shardFile(dir, name), shape[0], shape[1]);
                        System.out.printf(Locale.ROOT, "%s: [%d, %d] in %d blocks of %d rows,"
                                        + " %.1f MB, loaded in %.1f s%n", name, shape[0], shape[1],
                                t.blocks(), t.blockRows(), 4.0 * shape[0] * shape[1] / 1e6,
                                (System.nanoTime() - t0) / 1e9);
                    }
                } finally {
                    hz.shutdown();
                }
            }
            return 0;
        }
    }

    /** Lists members, partitions, blocks and bytes held. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "List members, partitions owned, and blocks and bytes held per table.")
    static final class Status implements Callable<Integer> {

        @Option(names = "--config", required = true,
                description = "The cluster file (CLUSTER.yaml).")
        Path config;

        @Override
        public Integer call() throws Exception {
            ClusterConfig cfg = ClusterConfig.load(config);
            HazelcastInstance hz = ClusterNodes.connect(cfg);
            try {
                System.out.printf(Locale.ROOT, "cluster `%s`: %d members%n", cfg.clusterName(),
                        hz.getCluster().getMembers().size());
                ClusterStatus.report(hz).forEach(System.out::println);
            } finally {
                hz.shutdown();
            }
            return 0;
        }
    }
}
