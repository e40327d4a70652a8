package org.ultramem.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The JVM's heap during a soak: the heap used right after every collection (from the
 * collectors' notifications, summed over the heap pools: the live set plus whatever the
 * collection left, old garbage and GC filler objects included; its top is the peak the heap
 * needed), the heap used once a second (garbage included; draws the saw-tooth) and, every
 * {@code liveEverySeconds}, the live heap net of GC fillers ({@link LiveHeap}: a full
 * collection and a class histogram). The live samples are what must stay bounded. Times are
 * seconds since {@code t0} (nanoTime).
 */
final class HeapMonitor implements AutoCloseable {

    /** One sample: seconds since the start and bytes. */
    record Sample(double seconds, long bytes) {
    }

    private final long t0;
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    private final List<Sample> afterGc = new ArrayList<>();
    private final List<Sample> used = new ArrayList<>();
    private final List<Sample> live = new ArrayList<>();
    private final double liveEverySeconds;
    private final NotificationListener listener = this::onGc;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final Thread sampler;

    /**
     * Starts listening to the collectors, sampling the heap used once a second and the live heap
     * every {@code liveEverySeconds}.
     */
    HeapMonitor(long t0, double liveEverySeconds) {
        this.t0 = t0;
        this.liveEverySeconds = liveEverySeconds;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
        sampler = Thread.ofPlatform().daemon().name("soak-heap-sampler").start(this::sample);
    }

    private void onGc(Notification n, Object handback) {
        if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) n.getUserData());
        long bytes = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc()
                .entrySet()) {
            if (heapPools.contains(e.getKey())) {
                bytes += e.getValue().getUsed();
            }
        }
        add(afterGc, bytes);
    }

    private void sample() {
        long nextLive = t0 + (long) (liveEverySeconds * 1e9);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                add(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                if (System.nanoTime() - nextLive >= 0) {
                    add(live, LiveHeap.measure().bytes());
                    nextLive += (long) (liveEverySeconds * 1e9);
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private synchronized void add(List<Sample> to, long bytes) {
        to.add(new Sample((System.nanoTime() - t0) / 1e9, bytes));
    }

    synchronized List<Sample> afterGc() {
        return List.copyOf(afterGc);
    }

    synchronized List<Sample> used() {
        return List.copyOf(used);
    }

    /** The live heap net of GC fillers, every {@code liveEverySeconds}. */
    synchronized List<Sample> live() {
        return List.copyOf(live);
    }

    @Override
    public void close() {
        sampler.interrupt();
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // never added
            }
        }
    }
}
