package dev.omega.sessionserver.jmx;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ObjLongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManager;

/**
 * One managed server's health check, timed: runs {@link ProcessManager#checkHealth()} and tells every observer the
 * outcome and how long it took. Keeps, per metric tag ({@code up}, {@code down}, {@code timeout}), the number of
 * checks and their summed duration: what {@link SessionServerMetrics} publishes as function timers (a fixed 48 bytes
 * of counts, however long the server runs, where a sampling timer's reservoir would grow toward a thousand samples).
 * Used by the monitor, {@code checkHealth} and a start that does not wait for health. Thread-safe; observers are
 * called in the checking thread, and one that throws (any Throwable, Errors included) is logged and skipped.
 */
final class TimedHealthCheck {

    /** Logs under {@link SessionServerManager}'s category, as the manager did before this class was split off. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);

    private final String name;
    private final ProcessManager manager;
    private final Map<Object, ObjLongConsumer<HealthCheck.Outcome>> observers = new ConcurrentHashMap<>();
    /** Per tag index ({@link #tagIndex}): [2i] checks, [2i+1] summed nanoseconds. */
    private final AtomicLongArray counts = new AtomicLongArray(2 * TAGS.length);

    /** The metric tags, in the order of {@link #tagIndex}. */
    static final String[] TAGS = {"up", "down", "timeout"};

    TimedHealthCheck(String name, ProcessManager manager) {
        this.name = Objects.requireNonNull(name, "name");
        this.manager = Objects.requireNonNull(manager, "manager");
    }

    /** Checks health once (at most the health check timeout) and reports it to the observers. */
    HealthCheck.Outcome check() {
        long t0 = System.nanoTime();
        HealthCheck.Outcome outcome = manager.checkHealth();
        long nanos = System.nanoTime() - t0;
        int i = 2 * tagIndex(outcome);
        counts.incrementAndGet(i);
        counts.addAndGet(i + 1, nanos);
        if (observers.isEmpty()) {
            return outcome;
        }
        for (ObjLongConsumer<HealthCheck.Outcome> observer : observers.values()) {
            try {
                observer.accept(outcome, nanos);
            } catch (Throwable e) { // any Throwable: a start that spawned a server must not fail because of it
                LOG.warn("session server '{}': health check observer failed (ignored): {}", name, e.toString(), e);
            }
        }
        return outcome;
    }

    /** The index in {@link #TAGS} of {@code outcome}'s metric tag ({@link HealthCheck.Outcome#tag()}). */
    static int tagIndex(HealthCheck.Outcome outcome) {
        return outcome == HealthCheck.Outcome.UP ? 0 : outcome == HealthCheck.Outcome.TIMEOUT ? 2 : 1;
    }

    /** Checks so far whose outcome has the metric tag {@code TAGS[tag]}. */
    long count(int tag) {
        return counts.get(2 * tag);
    }

    /** Summed duration, in nanoseconds, of the checks whose outcome has the metric tag {@code TAGS[tag]}. */
    long totalNanos(int tag) {
        return counts.get(2 * tag + 1);
    }

    /** Registers {@code observer} under {@code key}, replacing any earlier one with that key. */
    void putObserver(Object key, ObjLongConsumer<HealthCheck.Outcome> observer) {
        observers.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(observer, "observer"));
    }
}
