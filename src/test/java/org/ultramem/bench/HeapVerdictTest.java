package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heap verdict is judged on the live heap net of GC fillers: a flat live heap is bounded
 * even when used-after-GC climbs (fillers, old garbage), a climbing live heap is not, a bare run
 * is not judged; the after-GC series gives the stated peaks.
 */
class HeapVerdictTest {

    private static List<HeapMonitor.Sample> samples(double seconds, double every, long base,
                                                    long growthPerS) {
        List<HeapMonitor.Sample> out = new ArrayList<>();
        for (double t = 0; t < seconds; t += every) {
            long sawTooth = ((long) t % 10) * 1_000_000L;
            out.add(new HeapMonitor.Sample(t, base + sawTooth + (long) (growthPerS * t)));
        }
        return out;
    }

    private static List<HeapMonitor.Sample> live(double seconds, long base, long growthPerS) {
        List<HeapMonitor.Sample> out = new ArrayList<>();
        double every = HeapVerdict.liveEverySeconds(seconds);
        for (double t = every; t <= seconds; t += every) {
            out.add(new HeapMonitor.Sample(t, base + (long) (growthPerS * t)));
        }
        return out;
    }

    @Test
    void aFlatLiveHeapIsBoundedWhileUsedAfterGcClimbsWithFillers() {
        // The 10-minute soak's shape: after-GC peaks 12 MB higher at the end, live flat.
        HeapVerdict v = HeapVerdict.of(samples(600, 1, 40_000_000L, 40_000L),
                live(600, 20_000_000L, 0), 600);
        assertTrue(v.judged() && v.bounded(), v.toString());
        assertEquals(40_000_000L + 9_000_000L + 599 * 40_000L, v.peakBytes());
        assertEquals(20_000_000L, v.peakLiveBytes());
    }

    @Test
    void aClimbingLiveHeapIsNotBounded() {
        HeapVerdict v = HeapVerdict.of(samples(600, 1, 100_000_000L, 0),
                live(600, 100_000_000L, 100_000L), 600);
        assertTrue(v.judged(), v.toString());
        assertFalse(v.bounded(), v.toString());
        assertEquals(v.lastQuarterLiveBytes(), v.peakLiveBytes());
    }

    @Test
    void aSmallHeapMayJitterByTheSlack() {
        List<HeapMonitor.Sample> s = new ArrayList<>(live(600, 20_000_000L, 0));
        s.add(new HeapMonitor.Sample(599, 20_000_000L + HeapVerdict.SLACK_BYTES - 1));
        assertTrue(HeapVerdict.of(List.of(), s, 600).bounded());
        s.add(new HeapMonitor.Sample(599.5, 20_000_000L + HeapVerdict.SLACK_BYTES + 1));
        assertFalse(HeapVerdict.of(List.of(), s, 600).bounded());
    }

    @Test
    void aShortRunIsNotJudged() {
        HeapVerdict v = HeapVerdict.of(samples(60, 1, 100_000_000L, 1_000_000L),
                live(60, 1, 0), 60);
        assertFalse(v.judged() || v.bounded(), v.toString());
        assertEquals(100_000_000L + 9_000_000L + 59_000_000L, v.peakBytes());
    }

    @Test
    void aRunWithoutLiveSamplesInAQuarterIsNotJudged() {
        HeapVerdict v = HeapVerdict.of(List.of(new HeapMonitor.Sample(1, 5)),
                List.of(new HeapMonitor.Sample(500, 7)), 600);
        assertFalse(v.judged());
        assertFalse(v.bounded());
        assertEquals(5, v.peakBytes());
        assertEquals(-1, v.lastMinutePeakBytes());
        assertEquals(7, v.lastQuarterLiveBytes());
    }

    @Test
    void liveSamplesAreFrequentEnoughForEveryQuarter() {
        assertEquals(30, HeapVerdict.liveEverySeconds(600));
        assertEquals(6, HeapVerdict.liveEverySeconds(120));
        assertEquals(5, HeapVerdict.liveEverySeconds(3));
    }
}
