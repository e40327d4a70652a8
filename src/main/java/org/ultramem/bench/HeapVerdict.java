package org.ultramem.bench;

import java.util.List;

/**
 * Whether the heap stayed bounded over a soak, judged from the live heap net of GC fillers
 * ({@link LiveHeap}, sampled every {@link #liveEverySeconds}): bounded when the largest live
 * sample of the last quarter of the run is at most {@link #TOLERANCE} (or {@link #SLACK_BYTES},
 * whichever is larger: what the clients have in flight moves a small heap by a few MiB) above the
 * largest of the second quarter (the first quarter is warm-up: caches, JIT, the queue filling).
 * <p>
 * Why not the heap used after each collection, as this verdict was first judged: under
 * ParallelGC that number counts dead objects twice over. Young collections leave promoted
 * garbage in the old generation until the next full one, and a full collection leaves its dense
 * prefix uncompacted, its holes filled with filler arrays ({@code jdk.internal.vm.FillerElement[]})
 * that stay until a later full collection compacts them: a 10-minute soak's "growth" was mostly
 * those. A full collection then a class histogram less its filler rows counts only what the
 * program keeps. The used-after-GC series still gives the peak the heap needed
 * ({@code peakBytes}, {@code lastMinutePeakBytes}), which the report states.
 * <p>
 * {@code judged} is false for a run shorter than {@link #MIN_SECONDS} or when a quarter has no
 * live sample: too short to tell a trend from warm-up.
 */
record HeapVerdict(long peakBytes, long lastMinutePeakBytes, long peakLiveBytes,
                   long secondQuarterLiveBytes, long lastQuarterLiveBytes, boolean judged,
                   boolean bounded) {

    /** Allowed growth of the last quarter's live peak over the second quarter's. */
    static final double TOLERANCE = 0.10;
    /** Allowed growth in bytes when that is more than {@link #TOLERANCE} of the peak. */
    static final long SLACK_BYTES = 8L << 20;
    /** Shortest run judged. */
    static final double MIN_SECONDS = 120;

    /**
     * Seconds between live samples in a run of {@code seconds}: 20 a run (at least 4 a quarter),
     * at most one every 30 s and at least 5 s apart, since each is a full collection.
     */
    static double liveEverySeconds(double seconds) {
        return Math.max(5, Math.min(30, seconds / 20));
    }

    /** Judges a run of {@code seconds} from its after-GC and live (net of fillers) samples. */
    static HeapVerdict of(List<HeapMonitor.Sample> afterGc, List<HeapMonitor.Sample> live,
                          double seconds) {
        long peak = peak(afterGc, 0, Double.MAX_VALUE);
        long lastMinute = peak(afterGc, seconds - Math.min(60, seconds / 4), Double.MAX_VALUE);
        long q2 = peak(live, seconds / 4, seconds / 2);
        long q4 = peak(live, seconds * 3 / 4, Double.MAX_VALUE);
        boolean judged = seconds >= MIN_SECONDS && q2 >= 0 && q4 >= 0;
        return new HeapVerdict(peak, lastMinute, peak(live, 0, Double.MAX_VALUE), q2, q4, judged,
                judged && q4 <= q2 + Math.max(TOLERANCE * q2, SLACK_BYTES));
    }

    /** The largest sample in [from, to) seconds, or -1 for none. */
    private static long peak(List<HeapMonitor.Sample> samples, double from, double to) {
        long max = -1;
        for (HeapMonitor.Sample s : samples) {
            if (s.seconds() >= from && s.seconds() < to) {
                max = Math.max(max, s.bytes());
            }
        }
        return max;
    }
}
