package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    private final LrSchedule s = new LrSchedule(1e-3, 0.1, 10, 110, 4.0, 1.0);

    @Test
    void warmupRisesLinearlyToPeak() {
        assertEquals(1e-4, s.at(0), 1e-15);
        assertEquals(5e-4, s.at(4), 1e-15);
        assertEquals(1e-3, s.at(9), 1e-15);
    }

    @Test
    void cosineStartsAtPeakPassesMidpointAndEndsAtFloor() {
        assertEquals(1e-3, s.at(10), 1e-15);
        assertEquals(1e-4 + 0.5 * 9e-4, s.at(60), 1e-15); // p = 0.5: cos = 0
        assertEquals(1e-4 + 0.5 * 9e-4 * (1 + Math.cos(Math.PI * 0.25)), s.at(35), 1e-15);
        assertEquals(1e-4, s.at(110), 1e-15);
        assertEquals(1e-4, s.at(500), 1e-15); // stays at the floor past max_steps
    }

    @Test
    void valueMultiplierDecaysLinearlyFromMToOne() {
        assertEquals(4.0, s.valueMultiplier(0), 1e-12);
        assertEquals(2.5, s.valueMultiplier(55), 1e-12);
        assertEquals(1.0, s.valueMultiplier(110), 1e-12);
        assertEquals(1.0, s.valueMultiplier(200), 1e-12);
        LrSchedule half = new LrSchedule(1e-3, 0.1, 10, 100, 4.0, 0.5);
        assertEquals(1.0, half.valueMultiplier(50), 1e-12);
        assertEquals(2.5, half.valueMultiplier(25), 1e-12);
        assertEquals(s.valueMultiplier(35) * s.at(35), s.valuesAt(35), 1e-18);
    }

    @Test
    void noWarmupStartsAtPeak() {
        LrSchedule n = LrSchedule.of(2e-3, 0.0, 0, 100);
        assertEquals(2e-3, n.at(0), 1e-15);
        assertEquals(0.0, n.at(100), 1e-15);
        assertEquals(1.0, n.valueMultiplier(0), 0);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of(-1, 0.1, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of(1e-3, 1.5, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of(1e-3, 0.1, 0, 0));
    }
}
