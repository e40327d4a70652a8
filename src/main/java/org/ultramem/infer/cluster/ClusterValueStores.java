package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.infer.Matrix;
import org.ultramem.infer.ValueStore;
import org.ultramem.infer.ValueStores;

/**
 * Opens every value table of a model on a cluster: the table must have been loaded ({@code
 * ultramem cluster load}) with the local checkpoint's name and shape. One {@link OwnerRouter} is
 * shared by the tables. Closing shuts the connection down when this object opened it.
 */
public final class ClusterValueStores implements ValueStores, AutoCloseable {

    private final HazelcastInstance hz;
    private final boolean owned;
    private final ClusterConfig cfg;
    private final OwnerRouter router;
    private final List<ClusterValueStore> opened = new ArrayList<>();

    /** Over an instance (a member or a client) of {@code cfg}'s cluster, not closed with this. */
    public ClusterValueStores(HazelcastInstance hz, ClusterConfig cfg) {
        this(hz, cfg, false);
    }

    private ClusterValueStores(HazelcastInstance hz, ClusterConfig cfg, boolean owned) {
        this.hz = hz;
        this.cfg = cfg;
        this.owned = owned;
        this.router = new OwnerRouter(hz, cfg.timeoutMs());
    }

    /** Connects a client to {@code cfg}'s members; closing this disconnects it. */
    public static ClusterValueStores connect(ClusterConfig cfg) {
        return new ClusterValueStores(ClusterNodes.connect(cfg), cfg, true);
    }

    @Override
    public synchronized ValueStore open(Matrix table) {
        TableShards.Table t = TableShards.find(hz, table.name());
        if (t == null || t.rows() != table.rows() || t.width() != table.cols()) {
            throw new IllegalArgumentException("cluster `" + cfg.clusterName() + "` holds "
                    + (t == null ? "no table `" + table.name() + "`"
                    : "`" + t.name() + "` as [" + t.rows() + ", " + t.width() + "]")
                    + " but the model needs [" + table.rows() + ", " + table.cols() + "]; run"
                    + " `ultramem cluster load --model DIR --config CLUSTER.yaml` for this model");
        }
        ClusterValueStore s = new ClusterValueStore(router, t, table.rowBytes(), cfg.readRows());
        opened.add(s);
        return s;
    }

    /** Payload bytes of every read of the stores opened so far. */
    public synchronized long wireBytes() {
        return opened.stream().mapToLong(ClusterValueStore::wireBytes).sum();
    }

    /** The instance reads go through. */
    public HazelcastInstance instance() {
        return hz;
    }

    @Override
    public void close() {
        if (owned) {
            hz.shutdown();
        }
    }
}
