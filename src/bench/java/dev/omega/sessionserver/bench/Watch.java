package dev.omega.sessionserver.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/**
 * An independent observer thread: polls a condition every few hundred µs ({@value #HEALTH_POLL_MICROS} µs for a
 * health answer, {@value #EXIT_POLL_MICROS} µs for an exit: a late observation would flatter the figures) and records the
 * {@link System#nanoTime()} of the first poll that saw it true. The harness uses it to know when a server first
 * answered healthy, or when it exited (a zombie counts as exited), without trusting the code under measurement.
 */
final class Watch implements AutoCloseable {
    static final long HEALTH_POLL_MICROS = 500;
    static final long EXIT_POLL_MICROS = 250;

    private final AtomicLong firstSeen = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    private Watch(String name, long pollMicros, BooleanSupplier condition) {
        thread = new Thread(() -> {
            while (!closed) {
                if (condition.getAsBoolean()) {
                    firstSeen.compareAndSet(0, System.nanoTime());
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(pollMicros * 1000);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    static Watch firstHealthy(int port) {
        return new Watch("bench-health-watch", HEALTH_POLL_MICROS, () -> ExampleServer.healthStatus(port) == 200);
    }

    static Watch exit(long pid) {
        return new Watch("bench-exit-watch", EXIT_POLL_MICROS, () -> Procs.stat(pid).map(Procs.Stat::exited).orElse(true));
    }

    /** When the condition was first seen, waiting up to {@code timeoutMillis} for it; 0 if never. */
    long awaitNanos(long timeoutMillis) throws InterruptedException {
        thread.join(timeoutMillis);
        return firstSeen.get();
    }

    @Override
    public void close() {
        closed = true;
    }
}
