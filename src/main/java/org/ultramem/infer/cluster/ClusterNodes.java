package org.ultramem.infer.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts members and clients from a {@link ClusterConfig}: explicit TCP/IP member list, multicast,
 * auto-detection and phone-home off, sockets bound to the configured host only (never the
 * wildcard address), quick failure detection (a closed connection removes a member in about
 * 0.5 s; a silent one after 5 s without heartbeats).
 */
public final class ClusterNodes {

    /** The executor that runs read tasks on the owners. */
    static final String EXECUTOR = "ultramem.values";

    /** Held so the level set by {@link #quietLogging} is not lost to garbage collection. */
    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

    private ClusterNodes() {
    }

    /**
     * Starts a member of {@code cfg} on {@code port} (one of the configured members' ports), bound
     * to that member's host only.
     */
    public static HazelcastInstance startMember(ClusterConfig cfg, int port) {
        int index = -1;
        for (int i = 0; i < cfg.members().size(); i++) {
            if (cfg.port(i) == port) {
                index = i;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException("port " + port + " is not in the cluster file's"
                    + " `members` " + cfg.members() + "; pass one of their ports");
        }
        quietLogging("WARNING");
        Config c = new Config();
        c.setClusterName(cfg.clusterName());
        properties(c.getProperties());
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        // an explicit member list needs no settling time before joining (default 5 s)
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.getJetConfig().setEnabled(false);
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(port).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface(cfg.host(index));
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(cfg.members());
        c.getExecutorConfig(EXECUTOR).setPoolSize(Math.max(2,
                Runtime.getRuntime().availableProcessors()));
        return Hazelcast.newHazelcastInstance(c);
    }

    /** A smart client of {@code cfg}'s members (reads route to each block's owner). */
    public static HazelcastInstance connect(ClusterConfig cfg) {
        // a client's warnings repeat what its caller reports (connect retries, a member left)
        quietLogging("SEVERE");
        ClientConfig c = new ClientConfig();
        c.setClusterName(cfg.clusterName());
        properties(c.getProperties());
        Set<String> addresses = new LinkedHashSet<>(cfg.members());
        c.getNetworkConfig().setAddresses(addresses.stream().toList());
        c.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(10_000);
        try {
            return HazelcastClient.newHazelcastClient(c);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("no member of cluster `" + cfg.clusterName()
                    + "` answered at " + cfg.members() + " within 10 s; start them with"
                    + " `ultramem cluster member --config CLUSTER.yaml`", e);
        }
    }

    private static void properties(java.util.Properties p) {
        p.setProperty("hazelcast.phone.home.enabled", "false");
        p.setProperty("hazelcast.logging.type", "jdk");
        p.setProperty("hazelcast.shutdownhook.enabled", "false");
    }

    /**
     * Hazelcast logs every membership and migration at INFO: keep {@code level} and above
     * ({@code -Dultramem.cluster.log=INFO} overrides).
     */
    private static void quietLogging(String level) {
        level = System.getProperty("ultramem.cluster.log", level);
        HAZELCAST_LOG.setLevel(Level.parse(level));
    }
}
