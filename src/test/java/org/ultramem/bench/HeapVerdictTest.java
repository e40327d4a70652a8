package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The heap verdict: a saw-tooth is bounded, a climbing floor is not, a bare run is not judged. */
class HeapVerdictTest {

    private static List<HeapMonitor.Sample> samples(double seconds, long base, long growthPerS) {
        List<HeapMonitor.Sample> out = new ArrayList<>();
        for (int t = 0; t < seconds; t++) {
            long sawTooth = (t % 10) * 1_000_000L;
            out.add(new HeapMonitor.Sample(t, base + sawTooth + growthPerS * t));
        }
        return out;
    }

    @Test
    void sawToothIsBoundedAndReportsItsPeaks() {
        HeapVerdict v = HeapVerdict.of(samples(600, 100_000_000L, 0), 600);
        assertTrue(v.judged() && v.bounded(), v.toString());
        assertEquals(109_000_000L, v.peakBytes());
        assertEquals(109_000_000L, v.lastMinutePeakBytes());
    }

    @Test
    void aClimbingFloorIsNotBounded() {
        HeapVerdict v = HeapVerdict.of(samples(600, 100_000_000L, 100_000L), 600);
        assertTrue(v.judged(), v.toString());
        assertFalse(v.bounded(), v.toString());
        assertEquals(v.lastQuarterPeakBytes(), v.peakBytes());
    }

    @Test
    void aSmallHeapMayJitterByTheSlack() {
        List<HeapMonitor.Sample> s = new ArrayList<>(samples(600, 20_000_000L, 0));
        s.add(new HeapMonitor.Sample(599, 29_000_000L + (HeapVerdict.SLACK_BYTES - 1)));
        assertTrue(HeapVerdict.of(s, 600).bounded());
        s.add(new HeapMonitor.Sample(599.5, 29_000_000L + HeapVerdict.SLACK_BYTES + 1));
        assertFalse(HeapVerdict.of(s, 600).bounded());
    }

    @Test
    void aShortRunIsNotJudged() {
        HeapVerdict v = HeapVerdict.of(samples(60, 100_000_000L, 1_000_000L), 60);
        assertFalse(v.judged() || v.bounded(), v.toString());
        assertEquals(100_000_000L + 9_000_000L + 59_000_000L, v.peakBytes());
    }

    @Test
    void aRunWithoutCollectionsInAQuarterIsNotJudged() {
        HeapVerdict v = HeapVerdict.of(List.of(new HeapMonitor.Sample(1, 5)), 600);
        assertFalse(v.judged());
        assertFalse(v.bounded());
        assertEquals(5, v.peakBytes());
        assertEquals(-1, v.lastMinutePeakBytes());
    }
}
