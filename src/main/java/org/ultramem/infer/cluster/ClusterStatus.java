package org.ultramem.infer.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.IMap;
import com.hazelcast.map.LocalMapStats;
import com.hazelcast.partition.Partition;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

/**
 * What each member holds: partitions owned, and per loaded table the blocks it owns and backs up
 * with their bytes (blocks × R × D_v × 4, the last block counted full). One task per member.
 */
public final class ClusterStatus implements Callable<String>, Serializable,
        HazelcastInstanceAware {

    private transient HazelcastInstance hz;

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        this.hz = hz;
    }

    @Override
    public String call() {
        Member self = hz.getCluster().getLocalMember();
        int owned = 0;
        for (Partition p : hz.getPartitionService().getPartitions()) {
            if (self.equals(p.getOwner())) {
                owned++;
            }
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "member %s: %d partitions owned", self.getAddress(), owned));
        IMap<String, String> dir = hz.getMap(TableShards.DIRECTORY);
        for (Map.Entry<String, String> e : new TreeMap<>(dir).entrySet()) {
            TableShards.Table t = TableShards.find(hz, e.getKey());
            LocalMapStats s = hz.getMap(t.mapName()).getLocalMapStats();
            long blockBytes = (long) t.blockRows() * t.width() * Float.BYTES;
            sb.append(String.format(Locale.ROOT, "%n  %s: %d of %d blocks owned (%.1f MB),"
                            + " %d backups (%.1f MB)", t.name(), s.getOwnedEntryCount(),
                    t.blocks(), s.getOwnedEntryCount() * blockBytes / 1e6,
                    s.getBackupEntryCount(), s.getBackupEntryCount() * blockBytes / 1e6));
        }
        return sb.toString();
    }

    /** One paragraph per member, in member order. */
    public static List<String> report(HazelcastInstance hz) throws Exception {
        Map<Member, Future<String>> answers = hz.getExecutorService(ClusterNodes.EXECUTOR)
                .submitToAllMembers(new ClusterStatus());
        List<String> out = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            Future<String> f = answers.get(m);
            if (f != null) {
                out.add(f.get());
            }
        }
        return out;
    }
}
