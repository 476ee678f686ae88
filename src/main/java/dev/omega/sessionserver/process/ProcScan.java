package dev.omega.sessionserver.process;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One pass over {@code /proc}: who is whose child and who is in which group, and the pass shared by every
 * {@link ProcessTreeResources} of this JVM, taken again only when the last one is older than its caller allows.
 * Immutable once published; {@link #shared} is thread-safe.
 */
final class ProcScan {

    private static final Object LOCK = new Object();
    private static volatile ProcScan last;

    final long takenNanos;
    final Map<Long, ProcFs.Stat> all;
    final Map<Long, List<Long>> children = new HashMap<>();
    final Map<Long, List<Long>> groups = new HashMap<>();

    private ProcScan(long takenNanos, Map<Long, ProcFs.Stat> all) {
        this.takenNanos = takenNanos;
        this.all = all;
        for (Map.Entry<Long, ProcFs.Stat> e : all.entrySet()) {
            children.computeIfAbsent(e.getValue().ppid, k -> new ArrayList<>(2)).add(e.getKey());
            groups.computeIfAbsent(e.getValue().pgrp, k -> new ArrayList<>(2)).add(e.getKey());
        }
    }

    /** The shared pass over {@code /proc}, taken again when older than {@code maxAgeMillis} at {@code now}. */
    static ProcScan shared(long now, long maxAgeMillis) {
        long maxAge = TimeUnit.MILLISECONDS.toNanos(maxAgeMillis);
        ProcScan s = last;
        if (s != null && now - s.takenNanos < maxAge) {
            return s;
        }
        synchronized (LOCK) {
            s = last;
            if (s != null && System.nanoTime() - s.takenNanos < maxAge) {
                return s;
            }
            s = new ProcScan(System.nanoTime(), ProcFs.allProcesses());
            last = s;
            return s;
        }
    }
}
