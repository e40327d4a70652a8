package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Live bytes net of GC fillers: the filler rows of a class histogram (ParallelGC's dead space
 * in the dense prefix) are taken off its total, nothing else is, and a real histogram of this
 * JVM parses.
 */
class LiveHeapTest {

    /** A JDK 25 histogram of a ParallelGC heap, shortened. */
    static final String HISTOGRAM = """
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:         56018        5486472  [B (java.base@25.0.3)
               2:           402        3620368  [Ljdk.internal.vm.FillerElement; (java.base@25.0.3)
               3:          3115         551272  [Ljava.lang.Object; (java.base@25.0.3)
               4:            17            272  jdk.internal.vm.FillerObject (java.base@25.0.3)
               5:          3912         502320  java.lang.Class (java.base@25.0.3)
               6:            10            160  org.example.FillerElementLookalike
            Total         63474       10160864
            """;

    @Test
    void fillerRowsAreTakenOffTheTotal() {
        LiveHeap h = LiveHeap.parse(HISTOGRAM);
        assertEquals(10_160_864L, h.histogramBytes());
        assertEquals(3_620_368L + 272L, h.fillerBytes());
        assertEquals(10_160_864L - 3_620_640L, h.bytes());
    }

    @Test
    void aHistogramWithoutATotalIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LiveHeap.parse("no histogram here"));
        assertTrue(e.getMessage().contains("Total"), e.getMessage());
    }

    @Test
    void thisJvmsHistogramParses() {
        LiveHeap h = LiveHeap.measure();
        assertTrue(h.histogramBytes() > 0 && h.fillerBytes() >= 0
                && h.fillerBytes() <= h.histogramBytes(), h.toString());
    }
}
