package dev.omega.sessionserver.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, polling every few milliseconds. Never a fixed sleep. */
public final class Await {

    private static final long POLL_MILLIS = 5;

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds; fails with {@code description} when it still does not after
     * {@code deadline}.
     *
     * @return how long it took
     */
    public static Duration until(String description, Duration deadline, BooleanSupplier condition) {
        long t0 = System.nanoTime();
        long end = t0 + deadline.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return Duration.ofNanos(System.nanoTime() - t0);
            }
            if (System.nanoTime() - end >= 0) {
                throw new AssertionError("timed out after " + deadline.toMillis() + " ms waiting until " + description);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + description, e);
            }
        }
    }
}
