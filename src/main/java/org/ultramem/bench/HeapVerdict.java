package org.ultramem.bench;

import java.util.List;

/**
 * Whether the heap stayed bounded over a soak, judged from the heap used after each collection:
 * bounded when the peak of the last quarter of the run is at most {@link #TOLERANCE} (or
 * {@link #SLACK_BYTES}, whichever is larger: a small heap's peaks jitter by a few MiB with GC
 * timing) above the peak of the second quarter (the first quarter is warm-up: caches, JIT, the
 * queue filling).
 * Peaks of windows, not a fitted slope, because used-after-GC is a saw-tooth whose young
 * collections leave old garbage behind until a mixed one: only a window's top is comparable.
 * {@code judged} is false for a run shorter than {@link #MIN_SECONDS} or when a quarter saw no
 * collection: too short to tell a trend from warm-up.
 */
record HeapVerdict(long peakBytes, long lastMinutePeakBytes, long secondQuarterPeakBytes,
                   long lastQuarterPeakBytes, boolean judged, boolean bounded) {

    /** Allowed growth of the last quarter's peak over the second quarter's. */
    static final double TOLERANCE = 0.10;
    /** Allowed growth in bytes when that is more than {@link #TOLERANCE} of the peak. */
    static final long SLACK_BYTES = 8L << 20;
    /** Shortest run judged. */
    static final double MIN_SECONDS = 120;

    /** Judges the after-GC {@code samples} of a run of {@code seconds}. */
    static HeapVerdict of(List<HeapMonitor.Sample> samples, double seconds) {
        long peak = peak(samples, 0, Double.MAX_VALUE);
        long lastMinute = peak(samples, seconds - Math.min(60, seconds / 4), Double.MAX_VALUE);
        long q2 = peak(samples, seconds / 4, seconds / 2);
        long q4 = peak(samples, seconds * 3 / 4, Double.MAX_VALUE);
        boolean judged = seconds >= MIN_SECONDS && q2 >= 0 && q4 >= 0;
        return new HeapVerdict(peak, lastMinute, q2, q4, judged,
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
