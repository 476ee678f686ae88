package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UsageSeriesTest {

    @Test
    void unknownValuesAreNotRecorded() {
        UsageSeries s = new UsageSeries(8);
        s.add(1, -1);
        s.add(2, Double.NaN);
        s.add(3, 5);
        UsageSeries.Points p = s.snapshot();
        assertEquals(1, p.size());
        assertEquals(3, p.times[0]);
        assertEquals(5, p.last());
    }

    @Test
    void aFullSeriesThinsItsOlderHalfAndStillSpansTheWholeTime() {
        UsageSeries s = new UsageSeries(8);
        for (int t = 0; t < 1000; t++) {
            s.add(t, t * 2);
        }
        UsageSeries.Points p = s.snapshot();
        assertTrue(p.size() <= 8 && p.size() >= 4, "bounded: " + p.size());
        assertEquals(0, p.times[0], "the first sample stays");
        assertEquals(999, p.times[p.size() - 1], "the last sample is the newest");
        for (int i = 1; i < p.size(); i++) {
            assertTrue(p.times[i] > p.times[i - 1], "in time order");
            assertEquals(p.times[i] * 2, p.values[i], "each value stays with its time");
        }
        assertEquals(1998, p.max());
    }
}
