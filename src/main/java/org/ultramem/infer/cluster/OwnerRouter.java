package org.ultramem.infer.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.spi.exception.RetryableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

/**
 * Sends one task per current partition owner and takes the answers in a fixed order. Items (a
 * read's selections or rows) are grouped by the owner of their block's partition, groups ordered
 * by member UUID, one {@code submitToMember} each, all in flight at once; answers are accepted
 * group by group in that order, so a combine over them is deterministic. When an owner fails or
 * exceeds the timeout, only its items are regrouped by their owners as the cluster now reports
 * them (once the partition table names live members) and resent; the late answer, if any, is
 * never read. Gives up, naming the block, after {@link #RECOVERY_MS} without an owner.
 */
final class OwnerRouter {

    /** How long a share may wait for its blocks to get a live owner again. */
    static final long RECOVERY_MS = 30_000;

    private final HazelcastInstance hz;
    private final IExecutorService executor;
    private final PartitionService partitions;
    private final int timeoutMs;
    /** Partition of block id (cached: depends on the key only), -1 when not yet looked up. */
    private int[] partitionOfBlock = new int[0];
    private final Partition[] byId;

    OwnerRouter(HazelcastInstance hz, int timeoutMs) {
        this.hz = hz;
        this.executor = hz.getExecutorService(ClusterNodes.EXECUTOR);
        this.partitions = hz.getPartitionService();
        this.timeoutMs = timeoutMs;
        Set<Partition> all = partitions.getPartitions();
        byId = new Partition[all.size()];
        for (Partition p : all) {
            byId[p.getPartitionId()] = p;
        }
    }

    /** A group of items bound for one member. */
    private record Group(Member owner, int[] items) {
    }

    /**
     * Runs {@code task} for the items [0, n) grouped by the owner of block {@code blockOf(i)}
     * and hands each group's answer to {@code accept}, in member order.
     */
    <T> void run(int n, IntUnaryOperator blockOf, Function<int[], Callable<T>> task,
                 BiConsumer<int[], T> accept) {
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        runGroups(group(all, blockOf, null), blockOf, task, accept, 0);
    }

    /** As {@link #run} for formed groups; {@code failedSince} is the first failure's time, or 0. */
    private <T> void runGroups(List<Group> groups, IntUnaryOperator blockOf,
                               Function<int[], Callable<T>> task, BiConsumer<int[], T> accept,
                               long failedSince) {
        List<Future<T>> pending = new ArrayList<>(groups.size());
        for (Group g : groups) {
            pending.add(executor.submitToMember(task.apply(g.items()), g.owner()));
        }
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            T answer;
            try {
                answer = pending.get(i).get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading value blocks", e);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (!memberFailure(e) && !memberFailure(cause)) {
                    // the task itself failed (not the member): a retry would fail the same way
                    throw new IllegalStateException("reading value blocks on member "
                            + g.owner().getAddress() + " failed: " + cause, cause);
                }
                pending.get(i).cancel(false);
                long since = failedSince != 0 ? failedSince : System.nanoTime();
                if ((System.nanoTime() - since) / 1_000_000 > RECOVERY_MS) {
                    throw new IllegalStateException("member " + g.owner().getAddress()
                            + " failed and its blocks found no live owner for " + RECOVERY_MS
                            + " ms (" + e + "); check the members (`ultramem cluster status`)", e);
                }
                pause(g.items().length);
                // Only this owner's share goes again, to whoever owns its blocks now.
                runGroups(group(g.items(), blockOf, since), blockOf, task, accept, since);
                continue;
            }
            accept.accept(g.items(), answer);
        }
    }

    /**
     * The items grouped by their block's owner, ordered by member UUID. With {@code since} (a
     * retry), waits until every block's partition names a live member.
     */
    private List<Group> group(int[] items, IntUnaryOperator blockOf, Long since) {
        while (true) {
            Set<Member> live = hz.getCluster().getMembers();
            TreeMap<Member, List<Integer>> byOwner = new TreeMap<>(
                    Comparator.comparing(m -> m.getUuid().toString()));
            int orphan = -1;
            for (int item : items) {
                int block = blockOf.applyAsInt(item);
                Member owner = byId[partitionOf(block)].getOwner();
                if (owner == null || since != null && !live.contains(owner)) {
                    orphan = block;
                    break;
                }
                byOwner.computeIfAbsent(owner, m -> new ArrayList<>()).add(item);
            }
            if (orphan < 0) {
                List<Group> groups = new ArrayList<>();
                byOwner.forEach((m, list) -> groups.add(new Group(m,
                        list.stream().mapToInt(Integer::intValue).toArray())));
                return groups;
            }
            long waited = (System.nanoTime() - (since == null ? System.nanoTime() : since))
                    / 1_000_000;
            if (waited > RECOVERY_MS) {
                throw new IllegalStateException("block " + orphan + " has had no live owner for "
                        + waited + " ms; check the members (`ultramem cluster status`)");
            }
            if (since == null) {
                since = System.nanoTime();
            }
            pause(orphan);
        }
    }

    /** True for what a lost, slow or leaving member throws (not for a failing task). */
    private static boolean memberFailure(Throwable t) {
        return t instanceof TimeoutException || t instanceof MemberLeftException
                || t instanceof RetryableException || t instanceof HazelcastException
                || t instanceof HazelcastInstanceNotActiveException
                || t instanceof java.util.concurrent.CancellationException;
    }

    /** Waits 20 ms for the cluster to move on (membership, partition table). */
    private static void pause(int what) {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recovering a read (" + what + ")",
                    e);
        }
    }

    private synchronized int partitionOf(int block) {
        if (block >= partitionOfBlock.length) {
            int old = partitionOfBlock.length;
            partitionOfBlock = Arrays.copyOf(partitionOfBlock, Math.max(block + 1, 2 * old));
            Arrays.fill(partitionOfBlock, old, partitionOfBlock.length, -1);
        }
        if (partitionOfBlock[block] < 0) {
            partitionOfBlock[block] = partitions.getPartition(block).getPartitionId();
        }
        return partitionOfBlock[block];
    }
}
