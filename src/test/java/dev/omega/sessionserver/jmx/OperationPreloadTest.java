package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link OperationPreload}: runs (twice) without throwing, whatever names of its list this build lacks. */
class OperationPreloadTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void loadsWithoutThrowingAndTheSecondCallDoesNothing() {
        assertDoesNotThrow(OperationPreload::run);
        assertDoesNotThrow(OperationPreload::run);
        assertSame(FlightRecorderEvents.NoStop.class, FlightRecorderEvents.StopSpan.NONE.getClass());
        assertSame(FlightRecorderEvents.NoStart.class, FlightRecorderEvents.StartSpan.NONE.getClass());
    }
}
